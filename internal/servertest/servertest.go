// Package servertest runs the server processes the test harnesses start
// (the collector, VictoriaLogs, Jaeger, the topology's collectors): started
// with their output appended to one file across restarts, stopped with a
// signal and a grace period, killed as in a crash. Each harness keeps what
// is its own: the arguments, the readiness check, the queries.
package servertest

import (
	"fmt"
	"os"
	"os/exec"
	"time"
)

// Process is one run of a server. Its methods are safe for concurrent use;
// the harness that owns it serialises Start and Stop.
type Process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // from cmd.Wait, set before done is closed
}

// Start starts cmd (its path, arguments, folder and environment set by
// the caller), appending its stdout and stderr to output (created if
// needed). The child dies with the test process on Linux (SetProcAttrs).
func Start(cmd *exec.Cmd, output string) (*Process, error) {
	out, err := os.OpenFile(output, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd.Stdout = out
	cmd.Stderr = out
	SetProcAttrs(cmd)
	err = cmd.Start()
	out.Close() // the child has its own descriptor
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	p := &Process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err is the process's exit error; valid once Done is closed.
func (p *Process) Err() error { return p.err }

// Pid returns the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Running reports whether the process has not exited yet.
func (p *Process) Running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Kill ends the process at once and waits for it, as a crash would.
func (p *Process) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Stop sends sig (a kill where sig cannot be delivered, as an interrupt on
// Windows) and waits for the exit, killing the process after grace. It
// returns the exit error, or an error saying it had to kill.
func (p *Process) Stop(sig os.Signal, grace time.Duration) error {
	if err := p.cmd.Process.Signal(sig); err != nil {
		_ = p.cmd.Process.Kill()
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.done:
		return p.err
	case <-timer.C:
		p.Kill()
		return fmt.Errorf("still running %s after %v: killed", grace, sig)
	}
}

// Size returns the length of file, 0 if it does not exist: where the next
// run's output will start.
func Size(file string) int64 {
	if fi, err := os.Stat(file); err == nil {
		return fi.Size()
	}
	return 0
}

// OutputFrom returns file's contents from offset on (all of it if the file
// is shorter, as after it was replaced), or a note saying why it cannot.
func OutputFrom(file string, offset int64) string {
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Sprintf("(reading %s: %v)", file, err)
	}
	if offset > int64(len(b)) {
		offset = 0
	}
	return string(b[offset:])
}
