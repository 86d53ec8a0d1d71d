package redact

import (
	"regexp"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

func mustNew(t testing.TB, cfg Config) *Redactor {
	t.Helper()
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSensitiveKeysMatchAcrossCaseAndSeparators(t *testing.T) {
	def, strict := Default(), Strict()
	tests := []struct {
		key            string
		def, strictHit bool
	}{
		{"password", true, true},
		{"Password", true, true},
		{"PASSWORD", true, true},
		{"passwd", true, true},
		{"pwd", true, true},
		{"secret", true, true},
		{"token", true, true},
		{"api_key", true, true},
		{"apikey", true, true},
		{"apiKey", true, true},
		{"API-Key", true, true},
		{"APIKey", true, true},
		{"x-api-key", true, true},
		{"myAPIKey", true, true},
		{"access_token", true, true},
		{"accessToken", true, true},
		{"refresh_token", true, true},
		{"authorization", true, true},
		{"Authorization", true, true},
		{"http.request.header.authorization", true, true},
		{"auth", true, true},
		{"AUTH", true, true},
		{"cookie", true, true},
		{"set-cookie", true, true},
		{"Set-Cookie", true, true},
		{"private_key", true, true},
		{"client_secret", true, true},
		{"clientSecret", true, true},
		{"session", true, true},
		{"session_id", true, true},
		{"credentials", true, true},
		{"db_password", true, true},
		{"dbPassword", true, true},
		{"githubToken", true, true},
		{"aws_secret_access_key", true, true},
		{"db.connection_string", true, true},
		// Not sensitive: words inside other words, or not at the end.
		{"user", false, false},
		{"username", false, false},
		{"tokenizer", false, false},
		{"tokens_used", false, false},
		{"author", false, false},
		{"oauth_provider", false, false},
		{"bypass_word", false, false},
		{"sessions", false, false},
		{"passwordless", false, false},
		{"message", false, false},
		{"", false, false},
		{"---", false, false},
		{strings.Repeat("x", 200) + "_password", true, true},
		{strings.Repeat("x", 200) + "password", false, false},
		// Strict adds payment and identity keys.
		{"card_number", false, true},
		{"cardNumber", false, true},
		{"cvv", false, true},
		{"ssn", false, true},
		{"user_pin", false, true},
		{"spin", false, false},
	}
	for _, tt := range tests {
		if got := def.Sensitive(tt.key); got != tt.def {
			t.Errorf("default Sensitive(%q) = %v, want %v", tt.key, got, tt.def)
		}
		if got := strict.Sensitive(tt.key); got != tt.strictHit {
			t.Errorf("strict Sensitive(%q) = %v, want %v", tt.key, got, tt.strictHit)
		}
	}
}

func TestURLCredentialsAreMasked(t *testing.T) {
	def, strict := Default(), Strict()
	tests := []struct {
		in, def, strict string
	}{
		{"postgres://app:s3cret@db:5432/app", "postgres://app:***@db:5432/app", "postgres://***:***@db:5432/app"},
		{"dial https://alice:p@ss@host/x failed", "dial https://alice:***@host/x failed", "dial https://***:***@host/x failed"},
		{"clone https://ghp_abc123@github.com/o/r", "clone https://***@github.com/o/r", "clone https://***@github.com/o/r"},
		{"mongodb+srv://u:p@cluster0.example.net/db", "mongodb+srv://u:***@cluster0.example.net/db", "mongodb+srv://***:***@cluster0.example.net/db"},
		{"jdbc:postgresql://u:p@h/db", "jdbc:postgresql://u:***@h/db", "jdbc:postgresql://***:***@h/db"},
		{"HTTPS://U:P@H", "HTTPS://U:***@H", "HTTPS://***:***@H"},
		{"redis://:pw@r1 and amqps://a:b@mq:5671", "redis://:***@r1 and amqps://a:***@mq:5671", "redis://***:***@r1 and amqps://***:***@mq:5671"},
		{`{"url":"ftp://u:p@files"}`, `{"url":"ftp://u:***@files"}`, `{"url":"ftp://***:***@files"}`},
		{"ssh://git@github.com/o/r", "ssh://***@github.com/o/r", "ssh://***@github.com/o/r"},
		{"nats://u:p@n ldaps://cn=x:p@l smtp://u:p@m sftp://u:p@s mysql://u:p@my", "nats://u:***@n ldaps://cn=x:***@l smtp://u:***@m sftp://u:***@s mysql://u:***@my", "nats://***:***@n ldaps://***:***@l smtp://***:***@m sftp://***:***@s mysql://***:***@my"},
		{"custom://u:p@h", "custom://u:p@h", "custom://***:***@h"},
		// Left alone.
		{"https://example.com/@user", "https://example.com/@user", "https://example.com/@user"},
		{"mailto:user@example.com", "mailto:user@example.com", "mailto:user@example.com"},
		{"alice@example.com", "alice@example.com", "alice@example.com"},
		{"http://user:@host", "http://user:@host", "http://***:***@host"},
		{"https://user:***@host", "https://user:***@host", "https://***:***@host"},
		{"://@", "://@", "://@"},
		{"plain message", "plain message", "plain message"},
	}
	for _, tt := range tests {
		if got, _ := def.String(tt.in); got != tt.def {
			t.Errorf("default String(%q) = %q, want %q", tt.in, got, tt.def)
		}
		if got, _ := strict.String(tt.in); got != tt.strict {
			t.Errorf("strict String(%q) = %q, want %q", tt.in, got, tt.strict)
		}
	}
}

func TestStrictMasksSecretsWrittenInText(t *testing.T) {
	strict := Strict()
	tests := []struct{ in, want string }{
		{"GET /cb?code=1&access_token=abc123&x=2", "GET /cb?code=1&access_token=***&x=2"},
		{"login failed password=hunter2 user=bob", "login failed password=*** user=bob"},
		{`{"password":"hun\"ter2","user":"bob"}`, `{"password":"***","user":"bob"}`},
		{"Authorization: Bearer abc.def", "Authorization: Bearer ***"},
		{"sent header Bearer abc", "sent header Bearer ***"},
		{"basic dXNlcjpwYXNz here", "basic *** here"},
		{"jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln end", "jwt *** end"},
		{"api_key: 'k-123', next", "api_key: '***', next"},
		{"time: 10:30 error: timeout token=", "time: 10:30 error: timeout token="},
		{"https://h/p?token=t1#frag", "https://h/p?token=***#frag"},
	}
	for _, tt := range tests {
		if got, _ := strict.String(tt.in); got != tt.want {
			t.Errorf("strict String(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got, changed := strict.String(tt.want); got != tt.want || changed {
			t.Errorf("strict String is not idempotent on %q: %q", tt.want, got)
		}
	}
	// Default mode leaves free text alone (only URLs and keys).
	if got, _ := Default().String("password=hunter2"); got != "password=hunter2" {
		t.Errorf("default mode rewrote free text: %q", got)
	}
}

func str(kv attribute.KeyValue) string { return kv.Value.String() }

func find(attrs []attribute.KeyValue, key string) attribute.Value {
	for _, kv := range attrs {
		if string(kv.Key) == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

func mapGet(v attribute.Value, key string) attribute.Value {
	for _, kv := range v.AsMap() {
		if string(kv.Key) == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

func TestApplyMasksMessageKeysAndNestedValues(t *testing.T) {
	user := attribute.Map("user",
		attribute.String("name", "bob"),
		attribute.String("password", "x"),
		attribute.Map("profile", attribute.String("homepage", "https://bob:pw@example.com")),
	)
	list := attribute.Slice("peers",
		attribute.MapValue(attribute.String("host", "a"), attribute.String("token", "t1")),
		attribute.StringValue("http://u:p@b"),
	)
	attrs := []attribute.KeyValue{
		attribute.String("api_key", "k"),
		attribute.Int("pin", 1234),
		attribute.String("dsn", "postgres://app:pw@db/app"),
		attribute.StringSlice("urls", []string{"ok", "redis://:pw@r"}),
		user, list,
		attribute.String("note", "nothing"),
		{Key: "Authorization"},
	}
	origUser := user.Value.String()
	msg, out := Default().Redact("connect https://app:pw@db failed", attrs)
	if msg != "connect https://app:***@db failed" {
		t.Errorf("message: %q", msg)
	}
	checks := map[string]string{
		"api_key": "***",
		"pin":     "1234", // "pin" is strict-only
		"dsn":     "postgres://app:***@db/app",
		"urls":    `["ok","redis://:***@r"]`,
		"note":    "nothing",
	}
	for k, want := range checks {
		if got := find(out, k).String(); got != want {
			t.Errorf("%s = %s, want %s", k, got, want)
		}
	}
	u := find(out, "user")
	if mapGet(u, "password").AsString() != "***" || mapGet(u, "name").AsString() != "bob" ||
		mapGet(mapGet(u, "profile"), "homepage").AsString() != "https://bob:***@example.com" {
		t.Errorf("user = %s", u.String())
	}
	p := find(out, "peers").AsSlice()
	if mapGet(p[0], "token").AsString() != "***" || mapGet(p[0], "host").AsString() != "a" || p[1].AsString() != "http://u:***@b" {
		t.Errorf("peers = %s", find(out, "peers").String())
	}
	if find(out, "Authorization").Type() != attribute.EMPTY {
		t.Error("an empty value was replaced")
	}
	if user.Value.String() != origUser {
		t.Error("a nested value was modified in place; it may be shared with a With logger")
	}
}

func TestConfigKeysPatternsPathsAndMask(t *testing.T) {
	r := mustNew(t, Config{
		Keys:        []string{"card_token", "X-Tenant-Secretish"},
		KeyPatterns: []*regexp.Regexp{regexp.MustCompile(`^internal\.`)},
		Paths:       []string{"user.card.number", "billing"},
		Schemes:     []string{"custom"},
		Mask:        "[redacted]",
	})
	nested := attribute.Map("user", attribute.Map("card", attribute.String("number", "4111"), attribute.String("brand", "visa")))
	attrs := []attribute.KeyValue{
		attribute.String("myCardToken", "ct"),
		attribute.String("x_tenant_secretish", "s"),
		attribute.String("internal.debug", "d"),
		attribute.String("user.card.number", "4111"), // flat
		nested,
		attribute.Map("user.card", attribute.String("number", "4111")), // half flat
		attribute.Map("billing", attribute.String("anything", "x")),
		attribute.String("link", "custom://u:p@h"),
		attribute.String("password", "p"),
		attribute.String("user.card.brand", "visa"),
	}
	_, out := r.Redact("", attrs)
	want := map[string]string{
		"myCardToken":        "[redacted]",
		"x_tenant_secretish": "[redacted]",
		"internal.debug":     "[redacted]",
		"user.card.number":   "[redacted]",
		"billing":            "[redacted]",
		"link":               "custom://u:[redacted]@h",
		"password":           "[redacted]",
		"user.card.brand":    "visa",
	}
	for k, w := range want {
		if got := find(out, k).String(); got != w {
			t.Errorf("%s = %s, want %s", k, got, w)
		}
	}
	if got := mapGet(mapGet(find(out, "user"), "card"), "number").AsString(); got != "[redacted]" {
		t.Errorf("nested path: %q", got)
	}
	if got := mapGet(mapGet(find(out, "user"), "card"), "brand").AsString(); got != "visa" {
		t.Errorf("nested sibling: %q", got)
	}
	if got := mapGet(find(out, "user.card"), "number").AsString(); got != "[redacted]" {
		t.Errorf("half-flat path: %q", got)
	}
	// The pattern cache gives the same answer the second time.
	if !r.Sensitive("internal.debug") || r.Sensitive("external.debug") || r.Sensitive("external.debug") {
		t.Error("pattern cache")
	}
}

func TestBadConfigsAreRejected(t *testing.T) {
	for _, cfg := range []Config{
		{Keys: []string{"--"}},
		{Keys: []string{strings.Repeat("a", 64)}},
		{Paths: []string{"a..b"}},
		{Paths: []string{""}},
		{KeyPatterns: []*regexp.Regexp{nil}},
		{Mode: 7},
		{Schemes: []string{""}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

// No attribute turns redaction off: the old per-call opt-out
// ("fapilog.redaction"="off") could be produced by any input that controls
// a key, at the top level or nested.
func TestNoAttributeTurnsRedactionOff(t *testing.T) {
	for _, v := range []attribute.Value{attribute.StringValue("off"), attribute.StringValue("denied"), attribute.BoolValue(false)} {
		msg, out := Default().Redact("https://u:p@h", []attribute.KeyValue{
			attribute.String("password", "p"), {Key: "fapilog.redaction", Value: v},
		})
		if msg != "https://u:***@h" || find(out, "password").AsString() != "***" {
			t.Errorf("fapilog.redaction=%s: %q %v", v.String(), msg, out)
		}
	}
}

func deep(n int) attribute.Value {
	v := attribute.StringValue("https://u:p@h")
	for range n {
		v = attribute.MapValue(attribute.KeyValue{Key: "k", Value: v})
	}
	return v
}

func TestGuardrailsFailClosed(t *testing.T) {
	r := mustNew(t, Config{MaxDepth: 3, MaxKeys: 4})
	_, out := r.Redact("", []attribute.KeyValue{{Key: "shallow", Value: deep(2)}})
	if got := out[0].Value.String(); !strings.Contains(got, "u:***@h") {
		t.Errorf("within depth: %s", got)
	}
	_, out = r.Redact("", []attribute.KeyValue{{Key: "deep", Value: deep(5)}})
	if got := out[0].Value.String(); strings.Contains(got, "u:p@h") || !strings.Contains(got, LimitMarker) {
		t.Errorf("past depth: %s", got)
	}
	_, out = r.Redact("", []attribute.KeyValue{
		attribute.String("a", "1"), attribute.String("b", "2"), attribute.String("c", "3"),
		attribute.String("d", "4"), attribute.String("e", "https://u:p@h"), attribute.Int("f", 1), {Key: "g"},
	})
	if got := str(out[3]); got != "4" {
		t.Errorf("4th attribute: %s", got)
	}
	if str(out[4]) != LimitMarker || str(out[5]) != LimitMarker || out[6].Value.Type() != attribute.EMPTY {
		t.Errorf("past MaxKeys: %v", out)
	}
	if Default().maxDepth != DefaultMaxDepth || Default().maxKeys != DefaultMaxKeys {
		t.Error("defaults")
	}
}

func TestNothingToMaskAllocatesNothing(t *testing.T) {
	nested := attribute.Map("req", attribute.String("method", "GET"), attribute.String("path", "/x"),
		attribute.Slice("tags", attribute.StringValue("a"), attribute.MapValue(attribute.Int("n", 1))))
	cases := map[string][]attribute.KeyValue{
		"3 scalars":      {attribute.String("user", "bob"), attribute.Int("status", 200), attribute.String("path", "/orders/42")},
		"nested":         {nested, attribute.StringSlice("ids", []string{"a", "b", "c", "d"})},
		"masked already": {attribute.String("password", DefaultMask), attribute.String("url", "https://***:***@h")},
	}
	for name, attrs := range cases {
		for _, r := range []*Redactor{Default(), Strict()} {
			buf := make([]attribute.KeyValue, len(attrs))
			n := testing.AllocsPerRun(100, func() {
				copy(buf, attrs)
				r.Redact("request handled: see https://example.com/docs", buf)
			})
			if n != 0 {
				t.Errorf("%s (%s): %v allocations", name, r.Mode(), n)
			}
		}
	}
}

func TestShortAndUnusualConfiguredKeys(t *testing.T) {
	r := mustNew(t, Config{Keys: []string{"x", "ÿkey"}})
	for key, want := range map[string]bool{"x": true, "aX": true, "a_x": true, "ax": false, "myÿkey": false, "my_ÿkey": true, "X-": true, "_x_": true} {
		if got := r.Sensitive(key); got != want {
			t.Errorf("Sensitive(%q) = %v, want %v", key, got, want)
		}
	}
}

// Every position of a 32-byte string, for each byte hasURLByte looks for
// and for its neighbours and high-bit twins, which it must not take for it.
func TestHasURLByteAtEveryPosition(t *testing.T) {
	for _, c := range []byte{':', '%', '\\', ';', '9', '$', '&', '[', ']', ':' | 0x80, '%' | 0x80, '\\' | 0x80, 0, 0xff} {
		for n := 1; n <= 32; n++ {
			for i := range n {
				b := []byte(strings.Repeat("a", n))
				b[i] = c
				want := c == ':' || c == '%' || c == '\\'
				if got := hasURLByte(string(b)); got != want {
					t.Fatalf("hasURLByte(%q) = %v, want %v", b, got, want)
				}
			}
		}
	}
}
