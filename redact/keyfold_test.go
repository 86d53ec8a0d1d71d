package redact

import (
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

// Key forms that carried secrets past the word list, and the look-alikes
// that must stay readable.
func TestKeyFormsBeyondTheWordList(t *testing.T) {
	r := Default()
	for _, tt := range []struct {
		key  string
		want bool
	}{
		{"pass", true}, {"pw", true}, {"db_pass", true}, {"password1", true}, {"password_confirmation", true},
		{"newPassword2", true}, {"passw0rd", true}, {"ssh_key", true}, {"signing_key", true},
		{"private_key_pem", true}, {"apikeys", true}, {"tokens", true}, {"ClientSecrets", true},
		{"passwordHash", true}, {"user_password_2", true}, {"API_KEYS", true},
		{"password\u00a0", true}, {"p\u0430ssword", true}, {"\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44", true},
		{"pass\u200bword", true}, {"to\u200dken", true}, {"\u0391PI_KEY", true}, {"password\u00ad", true},
		{"user_\u0438\u043c\u044f", true}, // Latin mixed with Cyrillic: fail closed
		// Not sensitive.
		{"passwordless", false}, {"sessions", false}, {"bypass", false}, {"compass", false},
		{"passage", false}, {"spw", false}, {"keys", false}, {"status", false}, {"id2", false},
		{"\u043f\u0430\u0440\u043e\u043b\u044c", false}, // "пароль": another language, out of scope
		{"caf\u00e9", false}, {"na\u00efve_count", false},
	} {
		if got := r.Sensitive(tt.key); got != tt.want {
			t.Errorf("Sensitive(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

// A key that matches only as a plural ("tokens") masks strings, not the
// numbers that count them ("total_tokens": 1234 in LLM usage logs).
func TestPluralKeysKeepCounts(t *testing.T) {
	_, out := Default().Redact("", []attribute.KeyValue{
		attribute.Int("total_tokens", 1234), attribute.Float64("prompt_tokens", 12), attribute.String("tokens", "sk-1"),
		attribute.StringSlice("api_keys", []string{"k1"}), attribute.Int("token", 7), attribute.Int("password1", 7),
	})
	want := map[string]string{"total_tokens": "1234", "prompt_tokens": "12", "tokens": "***", "api_keys": "***", "token": "***", "password1": "***"}
	for _, kv := range out {
		if got := kv.Value.String(); got != want[string(kv.Key)] {
			t.Errorf("%s = %s, want %s", kv.Key, got, want[string(kv.Key)])
		}
	}
}

func TestURLCredentialsInEveryEncoding(t *testing.T) {
	r := Default()
	for _, tt := range []struct{ in, want string }{
		{"postgres://app:p#ss@db/app", "postgres://app:***@db/app"},
		{"postgres://app:p/ss@db/app", "postgres://app:***@db/app"},
		{"https://bob:p?ss@example.com/", "https://bob:***@example.com/"},
		{"redis://u:p ss@cache:6379", "redis://u:***@cache:6379"},
		{"dial postgres://app:x#y@db/app failed", "dial postgres://app:***@db/app failed"},
		{`{"url":"https:\/\/bob:pw@example.com\/x"}`, `{"url":"https://bob:***@example.com/x"}`},
		{`{"u":"https\u003a\u002f\u002fbob:pw\u0040example.com"}`, `{"u":"https://bob:***@example.com"}`},
		{`{"u":"postgres:\u002F\u002Fapp:pw@db\"x"}`, `{"u":"postgres://app:***@db\"x"}`},
		{"next=https%3A%2F%2Fbob%3Apw%40example.com%2Fx&y=1", "next=https%3A%2F%2Fbob%3A%2A%2A%2A%40example.com%2Fx&y=1"},
		// Left alone: a port, a query with an address, no credentials.
		{"https://host:8080/p?mail=a@b.com", "https://host:8080/p?mail=a@b.com"},
		{"see https://example.com/a and mail bob@example.com", "see https://example.com/a and mail bob@example.com"},
		{`{"url":"https:\/\/example.com\/x"}`, `{"url":"https:\/\/example.com\/x"}`},
		{`{"k":"caf\u00e9 \u0041"}`, `{"k":"caf\u00e9 \u0041"}`},
		{"next=https%3A%2F%2Fexample.com%2Fx", "next=https%3A%2F%2Fexample.com%2Fx"},
	} {
		if got, _ := r.String(tt.in); got != tt.want {
			t.Errorf("String(%q)\n = %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestBytesAndMapKeysAreScanned(t *testing.T) {
	_, out := Default().Redact("", []attribute.KeyValue{
		attribute.Slice("dsn", attribute.ByteSliceValue([]byte("postgres://a:pw@h/d"))),
		attribute.Map("pools", attribute.Int("redis://:pw@cache", 3)),
		attribute.ByteSlice("raw", []byte("mysql://u:pw@h")),
	})
	for _, kv := range out {
		if s := kv.Value.String(); strings.Contains(s, "pw@") {
			t.Errorf("%s leaks: %s", kv.Key, s)
		}
	}
	if got := find(out, "raw"); got.Type() != attribute.BYTESLICE || got.AsString() != "mysql://u:***@h" {
		t.Errorf("raw %v %q", got.Type(), got.AsString())
	}
}

// Masking can make two map keys equal; they stay apart.
func TestMaskedMapKeysStayUnique(t *testing.T) {
	_, out := Default().Redact("", []attribute.KeyValue{attribute.Map("pools",
		attribute.Int("redis://:a@h", 1), attribute.Int("redis://:b@h", 2), attribute.Int("redis://:c@h", 3))})
	got := out[0].Value.String()
	for _, want := range []string{`redis://:***@h`, `redis://:***@h#2`, `redis://:***@h#3`} {
		if !strings.Contains(got, want) {
			t.Errorf("%s lacks %s", got, want)
		}
	}
}
