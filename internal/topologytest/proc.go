package topologytest

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fapilog/fapilog-go/internal/servertest"
)

// StopGrace is how long Stop waits after SIGTERM before SIGKILL.
const StopGrace = 15 * time.Second

// Process is a child process that a test can kill, stop, pause and restart
// with the same command line, environment and output file. Its methods are
// safe for concurrent use.
type Process struct {
	// Name labels the process in errors and logs.
	Name string
	// OutputFile collects stdout and stderr across restarts.
	OutputFile string

	bin     string
	args    []string
	env     []string
	ready   func() bool
	timeout time.Duration

	mu   sync.Mutex
	proc *servertest.Process
}

// StartProcess starts bin with args and env (added to the test's
// environment), waits until ready reports true (or the process exits, or
// timeout passes) and stops it (SIGTERM) when tb ends. Output goes to
// outputFile; a failed test logs it.
func StartProcess(tb testing.TB, name, outputFile, bin string, args, env []string, ready func() bool, timeout time.Duration) *Process {
	tb.Helper()
	p := &Process{Name: name, OutputFile: outputFile, bin: bin, args: args, env: env, ready: ready, timeout: timeout}
	tb.Cleanup(func() {
		if err := p.Stop(); err != nil {
			tb.Logf("topologytest: stopping %s: %v", name, err)
		}
		if tb.Failed() {
			tb.Logf("topologytest: %s output (%s):\n%s", name, outputFile, tail(p.Output(), 8000))
		}
	})
	if err := p.Start(); err != nil {
		tb.Fatalf("topologytest: %v", err)
	}
	return p
}

// Start starts the process if it is not running and waits until it is ready.
func (p *Process) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.proc != nil {
		return fmt.Errorf("%s already running", p.Name)
	}
	header := fmt.Sprintf("\n---- topologytest: starting %s at %s\n", p.Name, time.Now().UTC().Format(time.RFC3339Nano))
	if err := appendFile(p.OutputFile, header); err != nil {
		return err
	}
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = append(os.Environ(), p.env...)
	c, err := servertest.Start(cmd, p.OutputFile)
	if err != nil {
		return fmt.Errorf("%s: %w", p.Name, err)
	}
	deadline := time.Now().Add(p.timeout)
	for !p.ready() {
		select {
		case <-c.Done():
			return fmt.Errorf("%s exited before it was ready (%v); output:\n%s", p.Name, c.Err(), tail(p.Output(), 4000))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.Kill()
			return fmt.Errorf("%s not ready after %s; output:\n%s", p.Name, p.timeout, tail(p.Output(), 4000))
		}
	}
	p.proc = c
	return nil
}

// PID returns the running process's id, or 0.
func (p *Process) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.proc == nil {
		return 0
	}
	return p.proc.Pid()
}

// Kill ends the process with SIGKILL, as a crash would, and waits for it.
func (p *Process) Kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.proc
	if c == nil {
		return
	}
	p.proc = nil
	_ = c.Signal(sigCont) // a paused process must not stay a zombie-to-be
	c.Kill()
}

// Stop sends SIGTERM and waits, with SIGKILL after StopGrace. Stopping a
// stopped process does nothing.
func (p *Process) Stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.proc
	if c == nil {
		return nil
	}
	p.proc = nil
	_ = c.Signal(sigCont)
	err := c.Stop(syscall.SIGTERM, StopGrace)
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.Sys().(syscall.WaitStatus).Signaled() {
		return nil // ended by our SIGTERM
	}
	if err != nil {
		return fmt.Errorf("%s: %w", p.Name, err)
	}
	return nil
}

// Pause stops the process with SIGSTOP: it keeps its sockets but answers
// nothing, as an overloaded or stalled server would. Resume undoes it.
func (p *Process) Pause() error { return p.signal(sigStop) }

// Resume continues a paused process (SIGCONT).
func (p *Process) Resume() error { return p.signal(sigCont) }

func (p *Process) signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.proc == nil {
		return fmt.Errorf("%s is not running", p.Name)
	}
	return p.proc.Signal(sig)
}

// Running reports whether the process started last is still running.
func (p *Process) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.proc != nil && p.proc.Running()
}

// Output returns what the process has written so far, across restarts.
func (p *Process) Output() string {
	return servertest.OutputFrom(p.OutputFile, 0)
}

// CPUTime returns the user+system CPU time the running process has used
// so far (from /proc on Linux; 0 elsewhere or when it is not running).
func (p *Process) CPUTime() time.Duration {
	pid := p.PID()
	if pid == 0 {
		return 0
	}
	return processCPUTime(pid)
}

// Accepts reports whether addr accepts TCP connections now.
func Accepts(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

func writeFile(name, data string) error { return os.WriteFile(name, []byte(data), 0o644) }

func appendFile(name, data string) error {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(data)
	return errors.Join(err, f.Close())
}

// ProcessCPUTime returns the user+system CPU time process pid has used so
// far (from /proc on Linux; 0 elsewhere).
func ProcessCPUTime(pid int) time.Duration { return processCPUTime(pid) }

// FreePort returns a TCP port on the loopback address ip that was free a
// moment ago. Use an address no collector of the topology listens on
// (127.0.0.1 is the agent's, 127.0.0.2 and up the gateways'), such as
// 127.0.0.9, so that its port cannot be handed to them too.
func FreePort(tb testing.TB, ip string) int {
	tb.Helper()
	return commonFreePort(tb, []netip.Addr{netip.MustParseAddr(ip)})
}
