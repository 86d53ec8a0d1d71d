// Package collectortest runs the project's own OpenTelemetry Collector
// (tools/otelcol) as a child process for end-to-end tests, and reads back
// what it received.
//
// Start builds the collector once (see Binary), writes a configuration with
// an OTLP receiver on two free loopback ports, a file exporter per signal
// (OTLP/JSON lines in the test's temp dir) and the debug exporter, and
// stops the process when the test ends. Logs, Spans and WaitForLogs parse
// the file exporter's output into flat structs.
//
// The package uses the standard library only, so the root module never
// depends on the collector's modules.
package collectortest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fapilog/fapilog-go/internal/servertest"
)

const (
	// DefaultStartTimeout bounds how long Start and Restart wait for the
	// receiver's ports to accept connections.
	DefaultStartTimeout = 30 * time.Second
	// StopGrace is how long Stop waits after SIGTERM before SIGKILL.
	StopGrace = 10 * time.Second
	// FlushInterval is the file exporter's flush interval in the generated
	// configuration.
	FlushInterval = 100 * time.Millisecond

	pollInterval = 50 * time.Millisecond
)

// Option changes the configuration Start generates.
type Option func(*settings)

type settings struct {
	bearerToken    string
	tls            *tlsSettings
	extra          []string
	startTimeout   time.Duration
	debugVerbosity string
}

type tlsSettings struct {
	certFile, keyFile, clientCAFile string
}

// WithBearerToken protects both OTLP receivers with the bearertokenauth
// extension: requests must carry "Authorization: Bearer <token>".
func WithBearerToken(token string) Option {
	return func(s *settings) { s.bearerToken = token }
}

// WithTLS serves both OTLP receivers over TLS with the given PEM
// certificate and key. A non-empty clientCAFile makes the receivers require
// client certificates signed by that CA (mutual TLS).
func WithTLS(certFile, keyFile, clientCAFile string) Option {
	return func(s *settings) {
		s.tls = &tlsSettings{certFile: certFile, keyFile: keyFile, clientCAFile: clientCAFile}
	}
}

// WithConfig adds a YAML configuration that the collector merges over the
// generated one (it is passed as a second --config). Maps merge key by key;
// lists, such as a pipeline's exporters, are replaced whole. For example:
//
//	collectortest.WithConfig(`
//	processors:
//	  batch: {}
//	service:
//	  pipelines:
//	    logs:
//	      processors: [batch]
//	`)
func WithConfig(extra string) Option {
	return func(s *settings) { s.extra = append(s.extra, extra) }
}

// WithStartTimeout replaces DefaultStartTimeout.
func WithStartTimeout(d time.Duration) Option {
	return func(s *settings) { s.startTimeout = d }
}

// WithDebugVerbosity sets the debug exporter's verbosity: "basic" (the
// default), "normal" or "detailed". Its output lands in the collector log
// that a failed test prints.
func WithDebugVerbosity(level string) Option {
	return func(s *settings) { s.debugVerbosity = level }
}

// Collector is a running (or stopped) collector process started by Start.
// Its methods are safe for concurrent use.
type Collector struct {
	// GRPCEndpoint and HTTPEndpoint are the OTLP receiver's addresses as
	// host:port on 127.0.0.1. They stay the same across Restart.
	GRPCEndpoint string
	HTTPEndpoint string

	// Dir is the temp folder that holds the files below.
	Dir string
	// ConfigFile is the generated configuration.
	ConfigFile string
	// LogsFile and TracesFile are the file exporter's outputs (OTLP/JSON,
	// one export request per line), appended to across Restart.
	LogsFile   string
	TracesFile string
	// OutputFile collects the collector's stdout and stderr.
	OutputFile string

	bin          string
	args         []string
	startTimeout time.Duration

	mu   sync.Mutex
	proc *servertest.Process
}

// Start builds the collector if needed (see Binary), starts it on two free
// loopback ports and waits until both accept TCP connections. The process is
// stopped when the test ends; if the test failed, the collector's output is
// logged through tb.
func Start(tb testing.TB, opts ...Option) *Collector {
	tb.Helper()
	s := settings{startTimeout: DefaultStartTimeout, debugVerbosity: "basic"}
	for _, o := range opts {
		o(&s)
	}
	bin := Binary(tb)

	dir := tb.TempDir()
	c := &Collector{
		Dir:          dir,
		ConfigFile:   filepath.Join(dir, "config.yaml"),
		LogsFile:     filepath.Join(dir, "logs.jsonl"),
		TracesFile:   filepath.Join(dir, "traces.jsonl"),
		OutputFile:   filepath.Join(dir, "collector.log"),
		bin:          bin,
		startTimeout: s.startTimeout,
	}
	c.args = []string{"--config", c.ConfigFile}
	for i, extra := range s.extra {
		name := filepath.Join(dir, fmt.Sprintf("extra-%d.yaml", i))
		if err := os.WriteFile(name, []byte(extra), 0o644); err != nil {
			tb.Fatalf("collectortest: %v", err)
		}
		c.args = append(c.args, "--config", name)
	}

	tb.Cleanup(func() {
		if err := c.Stop(); err != nil {
			tb.Errorf("collectortest: stopping the collector: %v", err)
		}
		if tb.Failed() {
			tb.Logf("collectortest: collector output (%s):\n%s", c.OutputFile, c.Output())
		}
	})

	// A port picked as free can be taken before the collector binds it:
	// then try again with new ports.
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		c.GRPCEndpoint, c.HTTPEndpoint, err = freePorts()
		if err != nil {
			tb.Fatalf("collectortest: %v", err)
		}
		if err = os.WriteFile(c.ConfigFile, generateConfig(c, &s), 0o644); err != nil {
			tb.Fatalf("collectortest: %v", err)
		}
		c.mu.Lock()
		err = c.startLocked(false)
		c.mu.Unlock()
		if !errors.Is(err, errAddrInUse) {
			break
		}
	}
	if err != nil {
		tb.Fatalf("collectortest: %v", err)
	}
	return c
}

// Restart starts the collector again on the same ports with the same
// configuration, stopping it first (SIGTERM) if it is running. The file
// exporter appends to the same files, so records received before the
// restart (and flushed) are still returned by Logs; a line left half
// written by Kill is dropped.
func (c *Collector) Restart(tb testing.TB) {
	tb.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.stopLocked(); err != nil {
		tb.Logf("collectortest: stopping before restart: %v", err)
	}
	// A killed collector may have left half a line: drop it, so that the
	// next run's output starts on a line of its own.
	for _, f := range []string{c.LogsFile, c.TracesFile} {
		if err := trimPartialLine(f); err != nil {
			tb.Fatalf("collectortest: restart: %v", err)
		}
	}
	if err := c.startLocked(true); err != nil {
		tb.Fatalf("collectortest: restart: %v", err)
	}
}

// Stop sends SIGTERM and waits for the process to exit, with SIGKILL after
// StopGrace. It returns the process's exit error, if any. Stopping a
// stopped collector does nothing.
func (c *Collector) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopLocked()
}

// Kill ends the process with SIGKILL and waits for it: records the file
// exporter had not flushed yet are lost, as in a crash.
func (c *Collector) Kill() {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.proc
	if p == nil {
		return
	}
	c.proc = nil
	p.Kill()
}

// Signal sends sig to the running process (SIGSTOP and SIGCONT freeze and
// resume it: a collector that holds requests without answering). It
// returns an error when no process runs.
func (c *Collector) Signal(sig os.Signal) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proc == nil {
		return errors.New("collectortest: no collector running")
	}
	return c.proc.Signal(sig)
}

// Running reports whether the process started last is still running.
func (c *Collector) Running() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.proc != nil && c.proc.Running()
}

// Output returns what the collector has written to stdout and stderr so
// far, across restarts.
func (c *Collector) Output() string {
	return servertest.OutputFrom(c.OutputFile, 0)
}

// Logs returns every log record the collector has written to LogsFile so
// far. The file exporter flushes every FlushInterval: use WaitForLogs to
// wait for records just sent.
func (c *Collector) Logs(tb testing.TB) []LogRecord {
	tb.Helper()
	data, err := readIfExists(c.LogsFile)
	if err == nil {
		var recs []LogRecord
		if recs, err = ParseLogs(data); err == nil {
			return recs
		}
	}
	tb.Fatalf("collectortest: reading %s: %v", c.LogsFile, err)
	return nil
}

// Spans returns every span the collector has written to TracesFile so far.
func (c *Collector) Spans(tb testing.TB) []Span {
	tb.Helper()
	data, err := readIfExists(c.TracesFile)
	if err == nil {
		var spans []Span
		if spans, err = ParseSpans(data); err == nil {
			return spans
		}
	}
	tb.Fatalf("collectortest: reading %s: %v", c.TracesFile, err)
	return nil
}

// WaitForLogs polls Logs until it returns at least n records or timeout
// passes, and returns what it has then. It does not fail the test on
// timeout: compare the length yourself.
func (c *Collector) WaitForLogs(tb testing.TB, n int, timeout time.Duration) []LogRecord {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		recs := c.Logs(tb)
		if len(recs) >= n || !time.Now().Before(deadline) {
			return recs
		}
		time.Sleep(pollInterval)
	}
}

// WaitForSpans is WaitForLogs for spans.
func (c *Collector) WaitForSpans(tb testing.TB, n int, timeout time.Duration) []Span {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		spans := c.Spans(tb)
		if len(spans) >= n || !time.Now().Before(deadline) {
			return spans
		}
		time.Sleep(pollInterval)
	}
}

var errAddrInUse = errors.New("address already in use")

// startLocked starts the process and waits for both ports. With
// retryInUse, a collector that exits because a port is still in use is
// started again until the start timeout.
func (c *Collector) startLocked(retryInUse bool) error {
	if c.proc != nil {
		return errors.New("collector already running")
	}
	deadline := time.Now().Add(c.startTimeout)
	for {
		err := c.startOnce(deadline)
		if err == nil || !errors.Is(err, errAddrInUse) || !retryInUse || !time.Now().Before(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *Collector) startOnce(deadline time.Time) error {
	offset := servertest.Size(c.OutputFile)
	p, err := servertest.Start(c.command(), c.OutputFile)
	if err != nil {
		return err
	}

	for {
		if accepts(c.GRPCEndpoint) && accepts(c.HTTPEndpoint) {
			c.proc = p
			return nil
		}
		select {
		case <-p.Done():
			log := servertest.OutputFrom(c.OutputFile, offset)
			err := fmt.Errorf("collector exited before listening (%v); its output:\n%s", p.Err(), log)
			if strings.Contains(log, "address already in use") {
				err = fmt.Errorf("%w: %w", errAddrInUse, err)
			}
			return err
		case <-time.After(pollInterval):
		}
		if !time.Now().Before(deadline) {
			p.Kill()
			return fmt.Errorf("collector not listening on %s and %s after %s; its output:\n%s",
				c.GRPCEndpoint, c.HTTPEndpoint, c.startTimeout, servertest.OutputFrom(c.OutputFile, offset))
		}
	}
}

func (c *Collector) command() *exec.Cmd {
	cmd := exec.Command(c.bin, c.args...)
	cmd.Dir = c.Dir
	return cmd
}

func (c *Collector) stopLocked() error {
	p := c.proc
	if p == nil {
		return nil
	}
	c.proc = nil
	if err := p.Stop(syscall.SIGTERM, StopGrace); err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	return nil
}

func accepts(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// freePorts returns two distinct loopback addresses with ports that were
// free a moment ago.
func freePorts() (grpcAddr, httpAddr string, err error) {
	var addrs [2]string
	var lns [2]net.Listener
	defer func() {
		for _, ln := range lns {
			if ln != nil {
				ln.Close()
			}
		}
	}()
	for i := range lns {
		lns[i], err = net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", "", fmt.Errorf("finding a free port: %w", err)
		}
		addrs[i] = lns[i].Addr().String()
	}
	return addrs[0], addrs[1], nil
}

// trimPartialLine truncates path after its last newline.
func trimPartialLine(path string) error {
	data, err := readIfExists(path)
	if err != nil || len(data) == 0 || data[len(data)-1] == '\n' {
		return err
	}
	return os.Truncate(path, int64(bytes.LastIndexByte(data, '\n')+1))
}

func readIfExists(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// generateConfig renders the collector configuration. It is JSON, which is
// YAML too, so paths and tokens need no YAML quoting rules.
func generateConfig(c *Collector, s *settings) []byte {
	type m = map[string]any
	protocol := func(endpoint string) m {
		p := m{"endpoint": endpoint}
		if s.bearerToken != "" {
			p["auth"] = m{"authenticator": "bearertokenauth"}
		}
		if s.tls != nil {
			t := m{"cert_file": s.tls.certFile, "key_file": s.tls.keyFile}
			if s.tls.clientCAFile != "" {
				t["client_ca_file"] = s.tls.clientCAFile
			}
			p["tls"] = t
		}
		return p
	}
	fileExporter := func(path string) m {
		return m{
			"path":           path,
			"format":         "json",
			"append":         true,
			"flush_interval": FlushInterval.String(),
		}
	}
	extensions := m{}
	serviceExtensions := []string{}
	if s.bearerToken != "" {
		extensions["bearertokenauth"] = m{"token": s.bearerToken}
		serviceExtensions = append(serviceExtensions, "bearertokenauth")
	}
	cfg := m{
		"receivers": m{
			"otlp": m{"protocols": m{
				"grpc": protocol(c.GRPCEndpoint),
				"http": protocol(c.HTTPEndpoint),
			}},
		},
		"exporters": m{
			"file/logs":   fileExporter(c.LogsFile),
			"file/traces": fileExporter(c.TracesFile),
			"debug":       m{"verbosity": s.debugVerbosity},
		},
		"service": m{
			"extensions": serviceExtensions,
			"telemetry": m{
				// No Prometheus endpoint on :8888: tests run collectors side by side.
				"metrics": m{"level": "none"},
				"logs":    m{"level": "info"},
			},
			"pipelines": m{
				"logs":    m{"receivers": []string{"otlp"}, "exporters": []string{"file/logs", "debug"}},
				"traces":  m{"receivers": []string{"otlp"}, "exporters": []string{"file/traces", "debug"}},
				"metrics": m{"receivers": []string{"otlp"}, "exporters": []string{"debug"}},
			},
		},
	}
	if len(extensions) > 0 {
		cfg["extensions"] = extensions
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		panic(err) // only maps, slices and strings: cannot happen
	}
	return append(b, '\n')
}
