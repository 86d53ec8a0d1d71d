package fapilog

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/bridge"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/redact"
)

// The secret every case hides; each case logs it once.
const corpusSecret = "Zq7sEcr3tV4lue"

// corpusCase is one way a secret reaches a log call. scope says where it
// must be masked: "default" (the default redaction) or "strict" (only
// ModeStrict: text scanning the default leaves out, see package redact).
type corpusCase struct {
	name  string
	scope string
	log   func(l *Logger, s string)
}

func kvCase(name, key string) corpusCase {
	return corpusCase{name, "default", func(l *Logger, s string) { l.Info("m", key, s) }}
}

func msgCase(name, scope, format string) corpusCase {
	return corpusCase{name, scope, func(l *Logger, s string) { l.Info(fmt.Sprintf(format, s)) }}
}

func valCase(name, scope, format string) corpusCase {
	return corpusCase{name, scope, func(l *Logger, s string) { l.Info("m", "target", fmt.Sprintf(format, s)) }}
}

type loginForm struct {
	User     string
	Password string
}

type taggedPW struct {
	User string `json:"user"`
	P    string `json:"password"`
}

type taggedShort struct {
	User string `json:"user"`
	Pw   string `json:"pw"`
}

type taggedKey struct {
	Name string `json:"name"`
	Key  string `json:"api_key"`
}

type innerSecret struct{ ClientSecret string }

type outer struct {
	Name  string
	Inner innerSecret
}

type Creds struct{ Token string }

type embedding struct {
	Creds
	Host string
}

// corpus is the secret-case corpus: sensitive keys, Unicode tricks on keys,
// value types, URL credentials in every encoding seen in logs, structs,
// map keys, slog and context fields.
func corpus() []corpusCase {
	var cs []corpusCase
	// Sensitive keys the default covered before.
	for _, k := range []string{
		"password", "passwd", "passphrase", "pwd", "secret", "token", "api_key", "apiKey", "API-Key",
		"x-api-key", "private_key", "secret_key", "access_key", "authorization", "cookie", "set-cookie",
		"credentials", "session_id", "connection_string", "auth", "session", "jwt", "jsessionid",
		"phpsessid", "db_password", "githubToken", "http.request.header.authorization", "client_secret",
		"refresh_token", "access_token",
	} {
		cs = append(cs, kvCase("key "+k, k))
	}
	// Sensitive keys the default missed.
	for _, k := range []string{
		"pass", "pw", "db_pass", "password1", "password_confirmation", "newPassword2", "passw0rd",
		"ssh_key", "signing_key", "private_key_pem", "apikeys",
	} {
		cs = append(cs, kvCase("key "+k, k))
	}
	// Unicode tricks on keys.
	for name, k := range map[string]string{
		"trailing NBSP":            "password\u00a0",
		"Cyrillic а":               "p\u0430ssword",
		"fullwidth letters":        "\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44",
		"zero-width space":         "pass\u200bword",
		"zero-width joiner in key": "to\u200dken",
		"Greek Alpha in API_KEY":   "\u0391PI_KEY",
		"mathematical bold":        "\U0001d429\U0001d41a\U0001d42c\U0001d42c\U0001d430\U0001d428\U0001d42b\U0001d41d",
		"upper case":               "PASSWORD",
		"trailing space":           "Password ",
	} {
		cs = append(cs, kvCase("key "+name, k))
	}
	// Value types under a sensitive key.
	cs = append(cs,
		corpusCase{"int under password", "default", func(l *Logger, s string) { l.Info("m", "password", 123456789, "note", "x"+s[:0]) }},
		corpusCase{"[]byte under token", "default", func(l *Logger, s string) { l.Info("m", "token", []byte(s)) }},
		corpusCase{"[]string under secret", "default", func(l *Logger, s string) { l.Info("m", "secret", []string{"a", s}) }},
		corpusCase{"map under credentials", "default", func(l *Logger, s string) { l.Info("m", "credentials", map[string]string{"k": s}) }},
		corpusCase{"struct under auth", "default", func(l *Logger, s string) { l.Info("m", "auth", loginForm{"bob", s}) }},
		corpusCase{"nested map password", "default", func(l *Logger, s string) {
			l.Info("m", "req", map[string]any{"body": map[string]any{"password": s}})
		}},
		corpusCase{"slice of maps token", "default", func(l *Logger, s string) { l.Info("m", "items", []map[string]string{{"token": s}}) }},
	)
	// URL credentials.
	for _, f := range []struct{ name, format string }{
		{"postgres", "postgres://app:%s@db:5432/app"},
		{"mysql", "mysql://root:%s@tcp(db:3306)/x"},
		{"redis", "redis://:%s@cache:6379/0"},
		{"mongodb+srv", "mongodb+srv://u:%s@cluster0.example.net/db"},
		{"amqp", "amqp://guest:%s@mq:5672/"},
		{"https user:pass", "https://bob:%s@example.com/x"},
		{"https token@", "https://%s@github.com/o/r.git"},
		{"jdbc:mysql", "jdbc:mysql://u:%s@h/db"},
		{"ftp", "ftp://anon:%s@files.example.com/"},
		{"upper-case scheme", "HTTPS://bob:%s@example.com/"},
	} {
		cs = append(cs, valCase("URL "+f.name, "default", f.format))
	}
	for _, f := range []struct{ name, format string }{
		{"# in password", "postgres://app:ab#%s@db/app"},
		{"/ in password", "postgres://app:ab/%s@db/app"},
		{"? in password", "https://bob:ab?%s@example.com/"},
		{"space in password", "redis://u:ab %s@cache:6379"},
		{"@ in password", "postgres://app:ab@%s@db/app"},
		{"JSON-escaped https", `{"url":"https:\/\/bob:%s@example.com\/x"}`},
		{"JSON-escaped postgres", `postgres:\/\/app:%s@db\/app`},
		{"JSON \\u-escaped URL", `{"u":"https\u003a\u002f\u002fbob:%s\u0040example.com"}`},
		{"percent-encoded", "next=https%%3A%%2F%%2Fbob%%3A%s%%40example.com%%2Fx"},
		{"percent-encoded lower case", "https%%3a%%2f%%2fbob%%3a%s%%40example.com"},
	} {
		cs = append(cs, valCase("URL "+f.name, "default", f.format))
	}
	cs = append(cs,
		msgCase("URL in message", "default", "dial postgres://app:%s@db/app failed"),
		msgCase("URL with # password in message", "default", "dial postgres://app:x#%s@db/app failed"),
		msgCase("JSON-escaped URL in message", "default", `payload {"dsn":"postgres:\/\/app:%s@db\/app"}`),
		corpusCase{"URL in []byte value", "default", func(l *Logger, s string) { l.Info("m", "dsn", []byte("postgres://app:"+s+"@db/app")) }},
		corpusCase{"URL in nested []byte", "default", func(l *Logger, s string) {
			l.Info("m", "cfg", map[string]any{"raw": []byte("redis://:" + s + "@cache")})
		}},
		corpusCase{"URL in nested map", "default", func(l *Logger, s string) {
			l.Info("m", "cfg", map[string]any{"db": map[string]string{"url": "postgres://a:" + s + "@h/d"}})
		}},
		corpusCase{"URL in []string", "default", func(l *Logger, s string) { l.Info("m", "mirrors", []string{"ok", "https://u:" + s + "@m"}) }},
		corpusCase{"URL in []any", "default", func(l *Logger, s string) { l.Info("m", "mirrors", []any{1, "https://u:" + s + "@m"}) }},
	)
	// Structs.
	cs = append(cs,
		corpusCase{"struct field Password", "default", func(l *Logger, s string) { l.Info("m", "form", loginForm{"bob", s}) }},
		corpusCase{"struct json tag password", "default", func(l *Logger, s string) { l.Info("m", "form", taggedPW{"bob", s}) }},
		corpusCase{"struct json tag pw", "default", func(l *Logger, s string) { l.Info("m", "form", taggedShort{"bob", s}) }},
		corpusCase{"struct json tag api_key", "default", func(l *Logger, s string) { l.Info("m", "client", taggedKey{"svc", s}) }},
		corpusCase{"nested struct ClientSecret", "default", func(l *Logger, s string) { l.Info("m", "cfg", outer{"x", innerSecret{s}}) }},
		corpusCase{"pointer to struct", "default", func(l *Logger, s string) { l.Info("m", "form", &loginForm{"bob", s}) }},
		corpusCase{"embedded struct Token", "default", func(l *Logger, s string) { l.Info("m", "conn", embedding{Creds{s}, "h"}) }},
	)
	// Map keys.
	cs = append(cs,
		corpusCase{"URL with credentials as a map key", "default", func(l *Logger, s string) {
			l.Info("m", "pools", map[string]int{"postgres://app:" + s + "@db/app": 3})
		}},
		corpusCase{"URL as a nested map key", "default", func(l *Logger, s string) {
			l.Info("m", "stats", map[string]any{"by_dsn": map[string]int{"redis://:" + s + "@cache": 1}})
		}},
		corpusCase{"secrets as keys under a sensitive key", "default", func(l *Logger, s string) {
			l.Info("m", "tokens", map[string]string{s: "bob"})
		}},
		corpusCase{"key=value as a map key", "strict", func(l *Logger, s string) {
			l.Info("m", "seen", map[string]int{"password=" + s: 1})
		}},
	)
	// slog and context.
	cs = append(cs,
		corpusCase{"slog.String password", "default", func(l *Logger, s string) { l.Info("m", slog.String("password", s)) }},
		corpusCase{"slog.Group db.password", "default", func(l *Logger, s string) {
			l.Info("m", slog.Group("db", slog.String("host", "h"), slog.String("password", s)))
		}},
		corpusCase{"slog.Any struct", "default", func(l *Logger, s string) { l.Info("m", slog.Any("form", loginForm{"bob", s})) }},
		corpusCase{"Bind api_key", "default", func(l *Logger, s string) {
			l.InfoContext(l.Bind(context.Background(), "api_key", s), "m")
		}},
		corpusCase{"With token", "default", func(l *Logger, s string) { l.With("token", s).Info("m") }},
		corpusCase{"attribute.String secret", "default", func(l *Logger, s string) { l.Info("m", attribute.String("secret", s)) }},
	)
	// Text the default does not scan (strict mode does).
	cs = append(cs,
		msgCase("Bearer token in message", "strict", "Authorization: Bearer %s"),
		valCase("query parameter access_token", "strict", "GET /cb?code=1&access_token=%s&x=1"),
		valCase("JSON password in a string", "strict", `{"user":"bob","password":"%s"}`),
		valCase("password=value in text", "strict", "login user=bob password=%s"),
		valCase("URL of an unknown scheme", "strict", "custom://u:%s@h"),
	)
	return cs
}

// leaks reports whether s appears in the record's body, keys or values
// (bytes as text).
func leaks(t *testing.T, l *Logger, mem *exporter.Memory, s string) bool {
	t.Helper()
	recs := flushed(t, l, mem)
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	found := strings.Contains(r.Body().AsString(), s)
	var walk func(v attribute.Value)
	walk = func(v attribute.Value) {
		switch v.Type() {
		case attribute.STRING, attribute.BYTESLICE:
			found = found || strings.Contains(v.AsString(), s)
		case attribute.STRINGSLICE:
			for _, x := range bridge.SliceOf[string](v) {
				found = found || strings.Contains(x, s)
			}
		case attribute.SLICE:
			for _, x := range bridge.SliceView(v) {
				walk(x)
			}
		case attribute.MAP:
			for _, kv := range bridge.MapView(v) {
				found = found || strings.Contains(string(kv.Key), s)
				walk(kv.Value)
			}
		}
	}
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		found = found || strings.Contains(string(kv.Key), s)
		walk(kv.Value)
		return true
	})
	return found
}

// TestSecretCorpus logs every case with the default redaction and with
// strict redaction and checks that the secret is masked where its scope
// says. FAPILOG_CORPUS_REPORT=1 only prints the table (to measure code that
// fails it).
func TestSecretCorpus(t *testing.T) {
	report := os.Getenv("FAPILOG_CORPUS_REPORT") != ""
	cs := corpus()
	maskedDefault, maskedStrict, inDefault := 0, 0, 0
	var table strings.Builder
	for _, c := range cs {
		masked := map[string]bool{}
		for _, mode := range []string{"default", "strict"} {
			var opts []Option
			if mode == "strict" {
				opts = append(opts, WithRedaction(redact.Config{Mode: redact.ModeStrict}))
			}
			l, mem := newMem(t, opts...)
			c.log(l, corpusSecret)
			masked[mode] = !leaks(t, l, mem, corpusSecret)
		}
		if c.scope == "default" {
			inDefault++
		}
		if masked["default"] {
			maskedDefault++
		}
		if masked["strict"] {
			maskedStrict++
		}
		fmt.Fprintf(&table, "| %s | %s | %v | %v |\n", c.name, c.scope, masked["default"], masked["strict"])
		if report {
			continue
		}
		if c.scope == "default" && !masked["default"] {
			t.Errorf("%s: leaks with the default redaction", c.name)
		}
		if !masked["strict"] {
			t.Errorf("%s: leaks with strict redaction", c.name)
		}
	}
	t.Logf("%d cases (%d in the default's scope): masked %d by default, %d by strict\n%s",
		len(cs), inDefault, maskedDefault, maskedStrict, table.String())
}
