// Package logstoretest runs a real log store, VictoriaLogs (tools/victorialogs),
// as a child process for end-to-end tests, and queries it with LogsQL the
// way a user of the deployed stack does.
//
// Start builds VictoriaLogs once (see Binary), starts it on a free loopback
// port with its storage in the test's temp dir, waits until /health answers,
// and stops the process when the test ends. Records arrive over OTLP/HTTP at
// OTLPLogsURL (the collector's otlp_http exporter, or an SDK exporter, posts
// there); Query, Count and WaitForCount read them back through
// /select/logsql/query.
//
// The package uses the standard library only (and internal/toolbuild for the
// cached build, internal/servertest for the process), so the root module
// never depends on VictoriaLogs' modules.
package logstoretest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fapilog/fapilog-go/internal/servertest"
)

const (
	// DefaultStartTimeout bounds how long Start and Restart wait for /health.
	DefaultStartTimeout = 30 * time.Second
	// StopGrace is how long Stop waits after an interrupt before killing.
	StopGrace = 10 * time.Second

	// OTLPLogsPath is VictoriaLogs' OTLP/HTTP (protobuf) logs endpoint.
	OTLPLogsPath = "/insert/opentelemetry/v1/logs"
	// QueryPath is the LogsQL query endpoint; it answers in JSON lines.
	QueryPath = "/select/logsql/query"

	pollInterval = 100 * time.Millisecond
)

// Option changes how Start runs VictoriaLogs.
type Option func(*settings)

type settings struct {
	startTimeout time.Duration
	args         []string
}

// WithStartTimeout replaces DefaultStartTimeout.
func WithStartTimeout(d time.Duration) Option {
	return func(s *settings) { s.startTimeout = d }
}

// WithArgs adds command-line flags, such as "-retentionPeriod=1d", after the
// ones Start sets (-httpListenAddr, -storageDataPath).
func WithArgs(args ...string) Option {
	return func(s *settings) { s.args = append(s.args, args...) }
}

// Row is one log entry as LogsQL returns it: every field, including _msg,
// _time, _stream and _stream_id, as a string.
type Row map[string]string

// Store is a running (or stopped) VictoriaLogs process started by Start.
// Its methods are safe for concurrent use.
type Store struct {
	// Addr is the HTTP listen address, host:port on 127.0.0.1. It stays the
	// same across Restart.
	Addr string
	// URL is "http://" + Addr.
	URL string
	// DataDir is -storageDataPath; it survives Restart and Kill.
	DataDir string
	// OutputFile collects VictoriaLogs' stdout and stderr.
	OutputFile string

	bin          string
	args         []string
	startTimeout time.Duration
	client       *http.Client

	mu   sync.Mutex
	proc *servertest.Process
}

// Start builds VictoriaLogs if needed (see Binary), starts it on a free
// loopback port with an empty storage folder, and waits until it is ready.
// The process is stopped when the test ends; if the test failed, its output
// is logged through tb.
func Start(tb testing.TB, opts ...Option) *Store {
	tb.Helper()
	s := settings{startTimeout: DefaultStartTimeout}
	for _, o := range opts {
		o(&s)
	}
	bin := Binary(tb)
	dir := tb.TempDir()
	st := &Store{
		DataDir:      filepath.Join(dir, "data"),
		OutputFile:   filepath.Join(dir, "victoria-logs.log"),
		bin:          bin,
		startTimeout: s.startTimeout,
		client:       &http.Client{Timeout: 30 * time.Second},
	}
	tb.Cleanup(func() {
		if err := st.Stop(); err != nil {
			tb.Errorf("logstoretest: stopping VictoriaLogs: %v", err)
		}
		st.client.CloseIdleConnections()
		if tb.Failed() {
			tb.Logf("logstoretest: VictoriaLogs output (%s):\n%s", st.OutputFile, st.Output())
		}
	})

	// A port picked as free can be taken before VictoriaLogs binds it: then
	// try again with a new one.
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if st.Addr, err = freePort(); err != nil {
			tb.Fatalf("logstoretest: %v", err)
		}
		st.URL = "http://" + st.Addr
		st.args = append([]string{
			"-httpListenAddr=" + st.Addr,
			"-storageDataPath=" + st.DataDir,
			"-loggerLevel=INFO",
		}, s.args...)
		st.mu.Lock()
		err = st.startLocked(false)
		st.mu.Unlock()
		if !errors.Is(err, errAddrInUse) {
			break
		}
	}
	if err != nil {
		tb.Fatalf("logstoretest: %v", err)
	}
	return st
}

// OTLPLogsURL is the full URL of the OTLP/HTTP logs endpoint, for an
// exporter that takes the URL as is (the collector's otlp_http
// logs_endpoint, the SDK's otlploghttp.WithEndpointURL).
func (s *Store) OTLPLogsURL() string { return s.URL + OTLPLogsPath }

// Restart starts VictoriaLogs again on the same port and storage, stopping
// it first if it is running. What it had flushed to disk is still there.
func (s *Store) Restart(tb testing.TB) {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.stopLocked(); err != nil {
		tb.Logf("logstoretest: stopping before restart: %v", err)
	}
	if err := s.startLocked(true); err != nil {
		tb.Fatalf("logstoretest: restart: %v", err)
	}
}

// Stop interrupts the process (SIGINT, on which VictoriaLogs flushes its
// in-memory data and exits) and waits for it, killing it after StopGrace.
// It returns the process's exit error, if any. Stopping a stopped store does
// nothing.
func (s *Store) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopLocked()
}

// Kill ends the process at once and waits for it: data not yet flushed to
// disk is lost, as in a crash.
func (s *Store) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.proc
	if p == nil {
		return
	}
	s.proc = nil
	p.Kill()
}

// Running reports whether the process started last is still running.
func (s *Store) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil && s.proc.Running()
}

// Output returns what VictoriaLogs has written to stdout and stderr so far,
// across restarts.
func (s *Store) Output() string {
	return servertest.OutputFrom(s.OutputFile, 0)
}

// Flush makes every record ingested so far visible to queries
// (/internal/force_flush). Without it VictoriaLogs shows new records within
// about a second.
func (s *Store) Flush(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/internal/force_flush", nil)
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("logstoretest: flush: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("logstoretest: flush: %s: %s", resp.Status, bytes.TrimSpace(body))
	}
	return nil
}

// Query runs a LogsQL query over all time and returns every row, in the
// order VictoriaLogs sends them (add "| sort by (_time)" for an order).
// A query VictoriaLogs rejects returns an error with its message.
func (s *Store) Query(ctx context.Context, query string) ([]Row, error) {
	form := url.Values{"query": {query}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+QueryPath, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("logstoretest: query %q: %w", query, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("logstoretest: query %q: %s: %s", query, resp.Status, bytes.TrimSpace(body))
	}
	rows, err := ParseRows(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("logstoretest: query %q: %w", query, err)
	}
	return rows, nil
}

// ParseRows reads LogsQL's JSON lines answer: one object per line whose
// values are all strings. Empty lines are skipped.
func ParseRows(r io.Reader) ([]Row, error) {
	var rows []Row
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var row Row
		if err := json.Unmarshal(line, &row); err != nil {
			return nil, fmt.Errorf("line %d of the answer: %w", n, err)
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	return rows, nil
}

// Count returns how many entries a LogsQL filter matches, with
// "| stats count() n" appended to it.
func (s *Store) Count(ctx context.Context, filter string) (int, error) {
	rows, err := s.Query(ctx, filter+" | stats count() n")
	if err != nil {
		return 0, err
	}
	if len(rows) != 1 {
		return 0, fmt.Errorf("logstoretest: count of %q: %d rows, want 1", filter, len(rows))
	}
	n, err := strconv.Atoi(rows[0]["n"])
	if err != nil {
		return 0, fmt.Errorf("logstoretest: count of %q: %w", filter, err)
	}
	return n, nil
}

// MustQuery is Query that fails tb on error.
func (s *Store) MustQuery(tb testing.TB, query string) []Row {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := s.Query(ctx, query)
	if err != nil {
		tb.Fatal(err)
	}
	return rows
}

// WaitForCount flushes and counts the entries filter matches until there
// are at least n or timeout passes, and returns the last count. It does not
// fail the test when the count stays short (compare it yourself), only when
// a query fails.
func (s *Store) WaitForCount(tb testing.TB, filter string, n int, timeout time.Duration) int {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout+30*time.Second)
	defer cancel()
	deadline := time.Now().Add(timeout)
	for {
		if err := s.Flush(ctx); err != nil {
			tb.Fatal(err)
		}
		got, err := s.Count(ctx, filter)
		if err != nil {
			tb.Fatal(err)
		}
		if got >= n || !time.Now().Before(deadline) {
			return got
		}
		time.Sleep(pollInterval)
	}
}

var errAddrInUse = errors.New("address already in use")

// startLocked starts the process and waits for /health. With retryInUse,
// a process that exits because the port is still in use is started again
// until the start timeout.
func (s *Store) startLocked(retryInUse bool) error {
	if s.proc != nil {
		return errors.New("VictoriaLogs already running")
	}
	deadline := time.Now().Add(s.startTimeout)
	for {
		err := s.startOnce(deadline)
		if err == nil || !errors.Is(err, errAddrInUse) || !retryInUse || !time.Now().Before(deadline) {
			return err
		}
		time.Sleep(pollInterval)
	}
}

func (s *Store) startOnce(deadline time.Time) error {
	offset := servertest.Size(s.OutputFile)
	p, err := servertest.Start(s.command(), s.OutputFile)
	if err != nil {
		return err
	}

	for {
		if s.healthy() {
			s.proc = p
			return nil
		}
		select {
		case <-p.Done():
			log := servertest.OutputFrom(s.OutputFile, offset)
			err := fmt.Errorf("VictoriaLogs exited before it was ready (%v); its output:\n%s", p.Err(), log)
			if strings.Contains(log, "address already in use") {
				err = fmt.Errorf("%w: %w", errAddrInUse, err)
			}
			return err
		case <-time.After(pollInterval):
		}
		if !time.Now().Before(deadline) {
			p.Kill()
			return fmt.Errorf("VictoriaLogs not ready on %s after %s; its output:\n%s",
				s.Addr, s.startTimeout, servertest.OutputFrom(s.OutputFile, offset))
		}
	}
}

// healthy reports whether /health answers 200: VictoriaLogs serves HTTP
// only once its storage is open.
func (s *Store) healthy() bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/health", nil)
	if err != nil {
		return false
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (s *Store) command() *exec.Cmd {
	cmd := exec.Command(s.bin, s.args...)
	cmd.Dir = filepath.Dir(s.OutputFile)
	return cmd
}

func (s *Store) stopLocked() error {
	p := s.proc
	if p == nil {
		return nil
	}
	s.proc = nil
	// On SIGINT VictoriaLogs flushes its in-memory data and exits.
	if err := p.Stop(os.Interrupt, StopGrace); err != nil {
		return fmt.Errorf("VictoriaLogs: %w", err)
	}
	return nil
}

// freePort returns a loopback address with a port that was free a moment
// ago.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
