package fapilog

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/settings"
)

func fileLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		out = append(out, sc.Text())
	}
	return out
}

func TestAuditFile(t *testing.T) {
	t.Run("option", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "audit.log")
		mem := exporter.NewMemory()
		l := GetLogger("audit-file", Reuse(false), WithExporter(mem), WithAuditFile(exporter.FileConfig{Path: path, MaxSizeMB: 5}))
		l.Info("hello")
		l.Audit("role changed", "user", "alice")
		l.Security("login failed", "user", "bob")
		r, err := l.StopAndDrain(context.Background())
		if err != nil || r.Exported != 3 || r.Submitted != 3 {
			t.Fatalf("%+v %v", r, err)
		}
		if mem.Len() != 3 {
			t.Errorf("exporter got %d", mem.Len())
		}
		lines := fileLines(t, path)
		if len(lines) != 2 || !strings.Contains(lines[0], `"role changed"`) || !strings.Contains(lines[1], `"SECURITY"`) ||
			!strings.Contains(lines[0], "audit.hash") {
			t.Errorf("audit file:\n%s", strings.Join(lines, "\n"))
		}
	})
	t.Run("variable", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "env-audit.log")
		t.Setenv(EnvAuditFile, path)
		a, err := GetAsyncLogger(context.Background(), "audit-file-env", Reuse(false), WithExporterConfig(exporter.Config{Kind: exporter.KindNone}))
		if err != nil {
			t.Fatal(err)
		}
		_ = a.Audit(context.Background(), "exported")
		_ = a.Info(context.Background(), "not in the file")
		if _, err := a.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		if lines := fileLines(t, path); len(lines) != 1 {
			t.Errorf("audit file: %q", lines)
		}
	})
	t.Run("unopenable", func(t *testing.T) {
		t.Setenv(EnvAuditFile, "/dev/null/audit.log")
		if _, err := GetAsyncLogger(context.Background(), "audit-file-bad", Reuse(false)); err == nil || !strings.Contains(err.Error(), "audit file") {
			t.Errorf("GetAsyncLogger: %v", err)
		}
		var warned []string
		l := GetLogger("audit-file-bad", Reuse(false), WithExporterConfig(exporter.Config{Kind: exporter.KindNone}),
			optionFunc(func(o *settings.Options) { o.Warn = func(s string) { warned = append(warned, s) } }))
		l.Audit("still exported")
		if r, _ := l.StopAndDrain(context.Background()); r.Exported != 1 || len(warned) == 0 {
			t.Errorf("%+v, warnings %q", r, warned)
		}
	})
}
