//go:build linux

package reliability

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/fapilog/fapilog-go/internal/syncbuf"
)

// helperProc is a running helper subprocess (this test binary, see
// helper_test.go).
type helperProc struct {
	cmd    *exec.Cmd
	lines  chan helperLine
	stderr *syncbuf.Buffer
	done   chan error
}

func startHelper(t *testing.T, name string, env ...string) *helperProc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{helperEnv + "=" + name}, env...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &helperProc{cmd: cmd, lines: make(chan helperLine, 1024), stderr: &syncbuf.Buffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var l helperLine
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Event != "" {
				p.lines <- l
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() {
		<-readDone // Wait closes stdout: read everything first
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		for range p.lines {
		}
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
		}
	})
	return p
}

// next returns the next line of the helper, failing the test after timeout.
func (p *helperProc) next(t *testing.T, timeout time.Duration) helperLine {
	t.Helper()
	select {
	case l, ok := <-p.lines:
		if !ok {
			t.Fatalf("helper ended early; stderr:\n%s", p.stderrText())
		}
		return l
	case <-time.After(timeout):
		t.Fatalf("no line from the helper in %v; stderr:\n%s", timeout, p.stderrText())
	}
	return helperLine{}
}

// wait waits for the helper to exit and returns its exit code.
func (p *helperProc) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err // for Cleanup
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatalf("helper: %v", err)
		}
		return 0
	case <-time.After(timeout):
		t.Fatalf("helper still running after %v; stderr:\n%s", timeout, p.stderrText())
	}
	return -1
}

func (p *helperProc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

func (p *helperProc) stderrText() string {
	return p.stderr.String()
}

func itoa(n int) string { return strconv.Itoa(n) }
