//go:build !unix

package logstoretest

import "errors"

var errNoPause = errors.New("logstoretest: pausing a process needs SIGSTOP (unix only)")

// Pause is not supported here: it needs SIGSTOP.
func (s *Store) Pause() error { return errNoPause }

// Resume is not supported here: it needs SIGCONT.
func (s *Store) Resume() error { return errNoPause }

// PID returns the running VictoriaLogs process's id, or 0.
func (s *Store) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return 0
	}
	return s.proc.Pid()
}
