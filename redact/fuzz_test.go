package redact

import (
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

// FuzzKeys checks that the inlined pre-check never rejects a key that
// matches, and that matching never panics.
func FuzzKeys(f *testing.F) {
	for _, k := range []string{"password", "x-api-key", "APIKey", "a", "_", "ÿ", "db_Password_", "tokenizer",
		"p\u0430ssword", "pass\u200bword", "\uff50\uff57", "password1", "apikeys", "private_key_pem"} {
		f.Add(k)
	}
	custom, err := New(Config{Keys: []string{"x", "ÿkey", "card-token"}, Mode: ModeStrict})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, key string) {
		for _, r := range []*Redactor{Default(), Strict(), custom} {
			if r.keys.match(key) && !r.keys.maybe(key) {
				t.Fatalf("maybe rejects %q, which matches", key)
			}
			// The word list is a floor: folding and the extra forms only add.
			if r.keys.match(key) && !r.keys.sensitive(key) {
				t.Fatalf("sensitive rejects %q, which matches", key)
			}
		}
	})
}

// FuzzString checks that redacting text never panics, is idempotent, and
// never leaves the password of a URL it masked.
func FuzzString(f *testing.F) {
	for _, s := range []string{"https://u:p@h", "x://@", "password=1 token: 'a'", "Bearer x", "eyJa.eyJb.c", "a:b//c@d", ":", "=", "\"k\":\"v",
		"postgres://a:p#s@h/d", "redis://u:p s@h", `https:\/\/u:p@h`, "https%3A%2F%2Fu%3Ap%40h", "x%3a%2f%2f%", "https://h:80/@x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range []*Redactor{Default(), Strict()} {
			out, _ := r.String(s)
			again, changed := r.String(out)
			if changed || again != out {
				t.Fatalf("%s: not idempotent: %q -> %q -> %q", r.Mode(), s, out, again)
			}
		}
		pass := strings.Map(func(r rune) rune {
			if r < 0x80 && (endsAuthority(byte(r)) || r == '@') {
				return -1
			}
			return r
		}, s)
		secret := "https://user:" + pass + "Zq9@host/"
		if out, _ := Default().String(secret); strings.Contains(out, "Zq9") {
			t.Fatalf("password survived: %q", out)
		}
		_, _ = Default().Redact(s, []attribute.KeyValue{attribute.String(s, s)})
	})
}

// FuzzHasURLByte: the word-at-a-time test gives strings.ContainsAny's
// answer for every input (bytes with the high bit set included: ':'|0x80
// is not ':').
func FuzzHasURLByte(f *testing.F) {
	for _, s := range []string{"", ":", "abcdefg:", "abcdefgh:", "\xba\xa5\xdc", "GET /api/v1/users", "a%2F", `a\u003a`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := hasURLByte(s), strings.ContainsAny(s, `:%\`); got != want {
			t.Fatalf("hasURLByte(%q) = %v, ContainsAny says %v", s, got, want)
		}
	})
}
