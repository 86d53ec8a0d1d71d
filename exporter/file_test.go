package exporter

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
)

func fileRecords(n int, body string) []sdklog.Record {
	out := make([]sdklog.Record, n)
	for i := range out {
		out[i].SetBody(attribute.StringValue(body))
		out[i].SetSeverity(log.SeverityInfo)
		out[i].SetSeverityText("INFO")
	}
	return out
}

// lines reads the JSON lines of path (gunzipped when it ends in .gz).
func lines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r interface{ Read([]byte) (int, error) } = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = gz
	}
	var out []map[string]any
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s: not a JSON line: %v", path, err)
		}
		out = append(out, m)
	}
	return out
}

// rotated lists the rotated files of path, in lumberjack's default naming.
func rotated(t *testing.T, path string) []string {
	t.Helper()
	ext := filepath.Ext(path)
	prefix := strings.TrimSuffix(filepath.Base(path), ext)
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(prefix) + `-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}` + regexp.QuoteMeta(ext) + `(\.gz)?$`)
	ents, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if re.MatchString(e.Name()) {
			out = append(out, filepath.Join(filepath.Dir(path), e.Name()))
		} else if e.Name() != filepath.Base(path) {
			t.Errorf("unexpected file %s", e.Name())
		}
	}
	return out
}

func TestFileWritesConsoleJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "audit.log")
	e, err := NewFile(FileConfig{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Export(context.Background(), fileRecords(3, "hello")); err != nil {
		t.Fatal(err)
	}
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := lines(t, path)
	if len(got) != 3 || got[0]["body"] != "hello" || got[2]["severity_text"] != "INFO" {
		t.Fatalf("lines %v", got)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	if err := e.Export(context.Background(), fileRecords(1, "late")); err != sdklog.ErrExporterShutdown {
		t.Errorf("export after shutdown: %v", err)
	}
	if err := e.Shutdown(context.Background()); err != nil {
		t.Errorf("second shutdown: %v", err)
	}
}

func TestFileRotatesBySizeKeepsBackupsAndCompresses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	e, err := NewFile(FileConfig{Path: path, MaxSizeMB: 1, MaxBackups: 2, Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("x", 100<<10) // ~100 KiB a line: 10 lines a file
	for i := range 45 {
		if err := e.Export(context.Background(), fileRecords(1, body)); err != nil {
			t.Fatalf("export %d: %v", i, err)
		}
		time.Sleep(2 * time.Millisecond) // rotated names have millisecond precision
	}
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Compression and removal run on lumberjack's goroutine: wait for them.
	deadline := time.Now().Add(30 * time.Second)
	var backups []string
	for {
		backups = rotated(t, path)
		gz := 0
		for _, b := range backups {
			if strings.HasSuffix(b, ".gz") {
				gz++
			}
		}
		if (len(backups) == 2 && gz == 2) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(backups) != 2 {
		t.Fatalf("backups %v, want 2 (MaxBackups)", backups)
	}
	for _, b := range backups {
		if !strings.HasSuffix(b, ".gz") {
			t.Errorf("%s not compressed", b)
		}
		if n := len(lines(t, b)); n < 9 || n > 10 {
			t.Errorf("%s holds %d lines, want a full 1 MB file", b, n)
		}
	}
	if n := len(lines(t, path)); n != 5 {
		t.Errorf("current file holds %d lines, want 5", n)
	}
}

func TestFileRotateEvery(t *testing.T) {
	path := filepath.Join(t.TempDir(), "timed.log")
	e, err := NewFile(FileConfig{Path: path, RotateEvery: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		time.Sleep(2 * time.Millisecond)
		if err := e.Export(context.Background(), fileRecords(1, "tick")); err != nil {
			t.Fatal(err)
		}
	}
	_ = e.Shutdown(context.Background())
	if b := rotated(t, path); len(b) != 2 {
		t.Errorf("backups %v, want 2: each export after the first starts a new file", b)
	}
	if n := len(lines(t, path)); n != 1 {
		t.Errorf("current file holds %d lines", n)
	}
}

func TestFileShared(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.log")
	cfg := FileConfig{Path: path, MaxSizeMB: 5}
	a, err := NewFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewFile(FileConfig{Path: path, MaxSizeMB: 6}); err == nil {
		t.Error("a second FileConfig for an open path was accepted")
	}
	_ = a.Export(context.Background(), fileRecords(1, "a"))
	_ = a.Shutdown(context.Background())
	// The file stays open for b.
	if err := b.Export(context.Background(), fileRecords(1, "b")); err != nil {
		t.Fatalf("export through the remaining exporter: %v", err)
	}
	_ = b.Shutdown(context.Background())
	if n := len(lines(t, path)); n != 2 {
		t.Errorf("%d lines", n)
	}
	// Closed by the last one: another config is accepted now.
	c, err := NewFile(FileConfig{Path: path, MaxSizeMB: 6})
	if err != nil {
		t.Fatalf("reopen with another config: %v", err)
	}
	_ = c.Shutdown(context.Background())
}

func TestFileErrors(t *testing.T) {
	for _, cfg := range []FileConfig{
		{},
		{Path: filepath.Join(t.TempDir(), "x.log"), MaxSizeMB: -1},
		{Path: filepath.Join(t.TempDir(), "x.log"), RotateEvery: -time.Second},
		{Path: "/dev/null/cannot/x.log"},
	} {
		if _, err := NewFile(cfg); err == nil {
			t.Errorf("NewFile(%+v) accepted", cfg)
		}
	}
	// A batch larger than the whole file size fails its export, not silently.
	e, err := NewFile(FileConfig{Path: filepath.Join(t.TempDir(), "small.log"), MaxSizeMB: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Shutdown(context.Background())
	if err := e.Export(context.Background(), fileRecords(1, strings.Repeat("y", 2<<20))); err == nil || !strings.Contains(err.Error(), "small.log") {
		t.Errorf("oversize write: %v", err)
	}
}
