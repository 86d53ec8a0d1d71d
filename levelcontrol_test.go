package fapilog

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/settings"
	"github.com/fapilog/fapilog-go/levels"
)

func none() Option { return WithExporterConfig(exporter.Config{Kind: exporter.KindNone}) }

func TestLevelsByNameFromEnvironment(t *testing.T) {
	t.Setenv(EnvLevel, "ERROR")
	t.Setenv(EnvLevels, " env-db = debug ,env-http=WARNING,broken,env-x=LOUD,=CRITICAL")
	capture, warnings := captureWarnings(t)

	get := func(name string, opts ...Option) levels.Level {
		l := GetLogger(name, append([]Option{Reuse(false), none(), capture}, opts...)...)
		defer l.StopAndDrain(context.Background())
		return l.Level()
	}
	for name, want := range map[string]levels.Level{"env-db": levels.Debug, "env-http": levels.Warning, "env-other": levels.Error, "": levels.Critical, "env-x": levels.Error} {
		if got := get(name); got != want {
			t.Errorf("GetLogger(%q).Level() = %s, want %s", name, got, want)
		}
	}
	if got := get("env-db", WithLevel(levels.Info)); got != levels.Info {
		t.Errorf("WithLevel lost to FAPILOG_LEVELS: %s", got)
	}
	a, err := GetAsyncLogger(context.Background(), "env-db", Reuse(false), none(), capture)
	if err != nil {
		t.Fatal(err)
	}
	if a.Level() != levels.Debug {
		t.Errorf("async env-db at %s", a.Level())
	}
	_, _ = a.Drain(context.Background())
	var runLevel levels.Level
	_ = Runtime(context.Background(), func(l *Logger) error { runLevel = l.Level(); return nil }, WithName("env-http"), none(), capture)
	if runLevel != levels.Warning {
		t.Errorf("Runtime env-http at %s", runLevel)
	}
	lines := warnings()
	joined := strings.Join(lines, "\n")
	if !strings.Contains(joined, `"broken" has no '='`) || !strings.Contains(joined, `"LOUD"`) {
		t.Errorf("warnings %q: want the bad entries named", lines)
	}
}

func TestParseLevels(t *testing.T) {
	got, problems := settings.ParseNamedLevels("a=DEBUG,b=warn,a=error,,c")
	if len(got) != 2 || got["a"] != levels.Error || got["b"] != levels.Warning || len(problems) != 1 {
		t.Errorf("%v %v", got, problems)
	}
}

type levelAnswer struct {
	Loggers []LevelEntry `json:"loggers"`
	Error   string       `json:"error"`
}

func call(t *testing.T, h http.Handler, method, target, contentType, body string) (int, levelAnswer) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var a levelAnswer
	if method != http.MethodHead {
		if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
			t.Fatalf("%s %s: not JSON: %q", method, target, rec.Body.String())
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("content type %q", ct)
		}
	}
	return rec.Code, a
}

func TestLevelHandler(t *testing.T) {
	sync1 := GetLogger("lh-a", none())
	child := sync1.With("k", "v")
	async1, err := GetAsyncLogger(context.Background(), "lh-a", none())
	if err != nil {
		t.Fatal(err)
	}
	other := GetLogger("lh-b", none(), WithLevel(levels.Warning))
	t.Cleanup(func() {
		_, _ = sync1.StopAndDrain(context.Background())
		_, _ = async1.Drain(context.Background())
		_, _ = other.StopAndDrain(context.Background())
	})
	h := LevelHandler()

	code, a := call(t, h, "GET", "/", "", "")
	mine := map[string]string{}
	for _, e := range a.Loggers {
		if strings.HasPrefix(e.Name, "lh-") {
			mine[e.Name+"/"+e.Kind] = e.Level
		}
	}
	if code != 200 || len(mine) != 3 || mine["lh-a/sync"] != "INFO" || mine["lh-a/async"] != "INFO" || mine["lh-b/sync"] != "WARNING" {
		t.Fatalf("GET: %d %v", code, a)
	}
	if code, a = call(t, h, "GET", "/?name=lh-a", "", ""); code != 200 || len(a.Loggers) != 2 {
		t.Errorf("GET ?name=lh-a: %d %v", code, a)
	}

	code, a = call(t, h, "PUT", "/", "application/json", `{"name":"lh-a","level":"debug"}`)
	if code != 200 || len(a.Loggers) != 2 || a.Loggers[0].Level != "DEBUG" {
		t.Errorf("PUT: %d %v", code, a)
	}
	if !sync1.Enabled(levels.Debug) || !child.Enabled(levels.Debug) || !async1.Enabled(levels.Debug) || other.Enabled(levels.Info) {
		t.Error("PUT did not reach the loggers named lh-a only (and their children)")
	}

	form := url.Values{"name": {"lh-b"}, "level": {"ERROR"}}.Encode()
	if code, _ = call(t, h, "POST", "/", "application/x-www-form-urlencoded", form); code != 200 || other.Level() != levels.Error {
		t.Errorf("POST form: %d, level %s", code, other.Level())
	}
	if code, _ = call(t, h, "PUT", "/?name=lh-b&level=warning", "", ""); code != 200 || other.Level() != levels.Warning {
		t.Errorf("PUT query: %d, level %s", code, other.Level())
	}
	// AUDIT always passes whatever is set.
	call(t, h, "PUT", "/", "application/json", `{"name":"lh-b","level":"SECURITY"}`)
	if !other.Enabled(levels.Audit) {
		t.Error("AUDIT gated")
	}

	for _, c := range []struct {
		method, target, ct, body string
		want                     int
	}{
		{"GET", "/?name=lh-none", "", "", 404},
		{"PUT", "/", "application/json", `{"name":"lh-none","level":"DEBUG"}`, 404},
		{"PUT", "/", "application/json", `{"name":"lh-a","level":"LOUD"}`, 400},
		{"PUT", "/", "application/json", `{"level":"DEBUG"}`, 400},
		{"PUT", "/", "application/json", `{"name":"lh-a"}`, 400},
		{"PUT", "/", "application/json", `{"name":"lh-a","level":"DEBUG","extra":1}`, 400},
		{"PUT", "/", "application/json", `{"name":`, 400},
		{"PUT", "/", "application/json", `{"name":"` + strings.Repeat("x", maxLevelBody) + `","level":"DEBUG"}`, 400},
		{"DELETE", "/", "", "", 405},
	} {
		if code, a := call(t, h, c.method, c.target, c.ct, c.body); code != c.want || a.Error == "" {
			t.Errorf("%s %s %.40s: %d %q, want %d with an error", c.method, c.target, c.body, code, a.Error, c.want)
		}
	}
}

func FuzzLevelHandler(f *testing.F) {
	f.Add("application/json", `{"name":"fz","level":"DEBUG"}`)
	f.Add("application/x-www-form-urlencoded", "name=fz&level=%ZZ")
	f.Add("application/json", `{"name":null,"level":5}`)
	l := GetLogger("fz", none())
	f.Cleanup(func() { _, _ = l.StopAndDrain(context.Background()) })
	h := LevelHandler()
	f.Fuzz(func(t *testing.T, ct, body string) {
		req := httptest.NewRequest("PUT", "/", strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 && rec.Code != 400 && rec.Code != 404 {
			t.Fatalf("code %d for %q %q", rec.Code, ct, body)
		}
		var v map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatalf("not JSON: %q", rec.Body.String())
		}
	})
}

func FuzzParseLevels(f *testing.F) {
	f.Add("a=DEBUG,b=warn")
	f.Add("=,,==,x=7")
	f.Fuzz(func(t *testing.T, s string) {
		table, _ := settings.ParseNamedLevels(s)
		for _, l := range table {
			if l <= 0 {
				t.Fatalf("level %d from %q", l, s)
			}
		}
	})
}
