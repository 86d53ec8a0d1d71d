//go:build unix

package logstoretest

import (
	"errors"
	"syscall"
)

// Pause stops the VictoriaLogs process with SIGSTOP: it keeps its socket
// but answers nothing, as a stalled or overloaded store would. Senders see
// their requests hang until Resume (or their own timeout). Added for the
// topology tests (integration/topology), which make the store slow.
func (s *Store) Pause() error { return s.signal(syscall.SIGSTOP) }

// Resume continues a paused process (SIGCONT).
func (s *Store) Resume() error { return s.signal(syscall.SIGCONT) }

func (s *Store) signal(sig syscall.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return errors.New("logstoretest: the store is not running")
	}
	return s.proc.Signal(sig)
}

// PID returns the running VictoriaLogs process's id, or 0 (for reading
// its CPU time in /proc).
func (s *Store) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return 0
	}
	return s.proc.Pid()
}
