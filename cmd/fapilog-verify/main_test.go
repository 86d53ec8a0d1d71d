package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/syncbuf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// consoleLog writes a real console exporter stream: 5 AUDIT records with
// INFO records between them.
func consoleLog(t *testing.T) []string {
	var buf syncbuf.Buffer
	l := fapilog.GetLogger("verify-cmd", fapilog.Reuse(false), fapilog.WithExporter(exporter.NewConsole(&buf)))
	for _, u := range []string{"alice", "bob", "carol", "dave", "erin"} {
		l.Audit("role changed", "user", u, "role", "admin")
		l.Info("request handled")
	}
	if _, err := l.StopAndDrain(context.Background()); err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(buf.String()), "\n")
}

func write(t *testing.T, lines []string) string {
	name := filepath.Join(t.TempDir(), "app.log")
	if err := os.WriteFile(name, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestCleanLogExitsZero(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{write(t, consoleLog(t))}, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "OK: every chain verifies") || !strings.Contains(out.String(), "verified 5") {
		t.Fatalf("output:\n%s", out.String())
	}
}

func TestTamperedLogExitsOneAndNamesEachFault(t *testing.T) {
	lines := consoleLog(t)                                                      // AUDIT records are lines 0, 2, 4, 6, 8
	lines[2] = strings.Replace(lines[2], `"user":"bob"`, `"user":"mallory"`, 1) // alter seq 2
	lines = append(lines[:4], lines[6:]...)                                     // delete seq 3
	lines[4], lines[6] = lines[6], lines[4]                                     // swap seq 4 and 5
	lines = append(lines, lines[0])                                             // replay seq 1
	var out, errOut bytes.Buffer
	code := run([]string{write(t, lines)}, nil, &out, &errOut)
	t.Logf("fapilog-verify output:\n%s", out.String())
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, errOut.String())
	}
	for _, want := range []string{"ALTERED     seq 2", "GAP         seq 3", "REORDERED   seq 4", "REPLAYED    seq 1", "FAIL: 4 fault(s)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestStdinFlagsAndErrors(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"-q", "-format", "console"}, strings.NewReader(strings.Join(consoleLog(t), "\n")), &out, &errOut); code != 0 || out.Len() != 0 {
		t.Fatalf("-q on stdin: exit %d, output %q %q", code, out.String(), errOut.String())
	}
	if code := run([]string{"-format", "xml"}, nil, &out, &errOut); code != 2 {
		t.Fatalf("bad format: exit %d", code)
	}
	if code := run([]string{filepath.Join(t.TempDir(), "missing")}, nil, &out, &errOut); code != 2 {
		t.Fatalf("missing file: exit %d", code)
	}
	out.Reset()
	if code := run([]string{"-format", "otlp", write(t, []string{`{"resourceLogs":"x"}`})}, nil, &out, &errOut); code != 1 || !strings.Contains(out.String(), "MALFORMED") {
		t.Fatalf("malformed OTLP: exit %d\n%s", code, out.String())
	}
	out.Reset()
	if code := run([]string{write(t, []string{"plain text"})}, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "NOTHING TO VERIFY") {
		t.Fatalf("no chain: exit %d\n%s", code, out.String())
	}
}

// A store fed at least once holds exact copies: exit 1 (REPLAYED) by
// default, exit 0 with -allow-duplicates, which counts them.
func TestAllowDuplicatesAcceptsExactCopies(t *testing.T) {
	lines := consoleLog(t)
	name := write(t, append(lines, lines[2])) // seq 2 delivered twice
	var out, errOut bytes.Buffer
	if code := run([]string{name}, nil, &out, &errOut); code != 1 || !strings.Contains(out.String(), "REPLAYED") {
		t.Fatalf("default: exit %d\n%s", code, out.String())
	}
	out.Reset()
	if code := run([]string{"-allow-duplicates", name}, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "exact copies") {
		t.Fatalf("-allow-duplicates: exit %d\n%s%s", code, out.String(), errOut.String())
	}
}
