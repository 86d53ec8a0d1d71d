// Package tracestoretest runs a real traces backend, Jaeger v2
// (tools/jaeger), as a child process for end-to-end tests, and reads traces
// back through Jaeger's query HTTP API, as Grafana's Jaeger datasource does.
//
// Start builds Jaeger once (see Binary), starts it on free loopback ports
// with in-memory storage, waits until its query API and both OTLP receivers
// answer, and stops it when the test ends. Spans arrive over OTLP/gRPC at
// OTLPGRPCEndpoint or OTLP/HTTP at OTLPHTTPEndpoint; Trace, FindTraces and
// WaitForTrace read them back through /api/traces.
//
// The package uses the standard library only (and internal/toolbuild for
// the cached build), so the root module never depends on Jaeger's modules.
package tracestoretest

import (
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
	"github.com/fapilog/fapilog-go/internal/toolbuild"
)

const (
	// Version is the Jaeger release tools/jaeger/go.mod pins.
	Version = "v1.76.0"
	// CacheEnv names the environment variable that overrides the folder
	// holding built Jaeger binaries (else the collector's cache folder).
	CacheEnv = "FAPILOG_JAEGER_CACHE"
	// DefaultStartTimeout bounds how long Start waits for Jaeger to be ready.
	DefaultStartTimeout = 60 * time.Second
	// StopGrace is how long Stop waits after an interrupt before killing.
	StopGrace = 10 * time.Second

	pollInterval = 100 * time.Millisecond
)

var tool = &toolbuild.Tool{
	Name:        "jaeger",
	Dir:         "tools/jaeger",
	MainPackage: "github.com/jaegertracing/jaeger/cmd/jaeger",
	Version:     Version,
	CacheEnv:    CacheEnv,
	About:       "about 10 minutes on 2 cores",
}

// Binary returns the path of a Jaeger v2 binary built from tools/jaeger,
// building it first if needed: it is cached at <cache>/jaeger-<hash>, the
// file tools/jaeger/build.sh builds (see toolbuild.Tool). A failed build
// fails tb.
func Binary(tb testing.TB) string {
	tb.Helper()
	return tool.Binary(tb)
}

// config is Jaeger v2's configuration (a collector-style file): OTLP
// receivers, spans written to in-memory storage, and the query extension
// serving the HTTP API (no UI: the module ships no UI assets). Its own
// telemetry is off so that it opens no port beyond the four given, and the
// query server does not trace itself (it would export to localhost:4317
// and hold up shutdown for 10 s).
const config = `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: info
extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
  jaeger_query:
    storage:
      traces: memstore
    enable_tracing: false
    http:
      endpoint: %s
    grpc:
      endpoint: %s
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %s
      http:
        endpoint: %s
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`

// Jaeger is a running (or stopped) Jaeger v2 process started by Start. Its
// methods are safe for concurrent use.
type Jaeger struct {
	// OTLPGRPCEndpoint is the OTLP/gRPC receiver, host:port on 127.0.0.1.
	OTLPGRPCEndpoint string
	// OTLPHTTPEndpoint is the OTLP/HTTP receiver, host:port on 127.0.0.1
	// (traces at /v1/traces).
	OTLPHTTPEndpoint string
	// QueryURL is the query extension's HTTP API base, "http://host:port".
	QueryURL string
	// OutputFile collects Jaeger's stdout and stderr.
	OutputFile string

	client *http.Client

	mu   sync.Mutex
	proc *servertest.Process
}

// Start builds Jaeger if needed, starts it on free loopback ports and waits
// until it is ready. It is stopped when the test ends; if the test failed,
// its output is logged through tb.
func Start(tb testing.TB) *Jaeger {
	tb.Helper()
	bin := Binary(tb)
	dir := tb.TempDir()
	j := &Jaeger{
		OutputFile: filepath.Join(dir, "jaeger.log"),
		client:     &http.Client{Timeout: 30 * time.Second},
	}
	tb.Cleanup(func() {
		if err := j.Stop(); err != nil {
			tb.Errorf("tracestoretest: stopping Jaeger: %v", err)
		}
		j.client.CloseIdleConnections()
		if tb.Failed() {
			tb.Logf("tracestoretest: Jaeger output (%s):\n%s", j.OutputFile, j.Output())
		}
	})
	// Ports picked as free can be taken before Jaeger binds them: then try
	// again with new ones.
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = j.start(bin, dir); err == nil || !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	if err != nil {
		tb.Fatalf("tracestoretest: %v", err)
	}
	return j
}

func (j *Jaeger) start(bin, dir string) error {
	addrs, err := freeAddrs(4)
	if err != nil {
		return err
	}
	j.QueryURL = "http://" + addrs[0]
	j.OTLPGRPCEndpoint, j.OTLPHTTPEndpoint = addrs[2], addrs[3]
	cfg := filepath.Join(dir, "jaeger.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, config, addrs[0], addrs[1], addrs[2], addrs[3]), 0o644); err != nil {
		return err
	}
	cmd := exec.Command(bin, "--config", cfg)
	cmd.Dir = dir
	p, err := servertest.Start(cmd, j.OutputFile)
	if err != nil {
		return err
	}
	j.mu.Lock()
	j.proc = p
	j.mu.Unlock()

	deadline := time.Now().Add(DefaultStartTimeout)
	for !j.ready(addrs[2], addrs[3]) {
		select {
		case <-p.Done():
			j.mu.Lock()
			j.proc = nil
			j.mu.Unlock()
			return fmt.Errorf("Jaeger exited before it was ready (%v); its output:\n%s", p.Err(), j.Output())
		case <-time.After(pollInterval):
		}
		if !time.Now().Before(deadline) {
			_ = j.Stop()
			return fmt.Errorf("Jaeger not ready after %s; its output:\n%s", DefaultStartTimeout, j.Output())
		}
	}
	return nil
}

// ready reports whether the query API answers and both receivers accept
// connections: extensions start before receivers, so the API alone is not
// enough.
func (j *Jaeger) ready(receivers ...string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.QueryURL+"/api/services", nil)
	if err != nil {
		return false
	}
	resp, err := j.client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	for _, a := range receivers {
		c, err := net.DialTimeout("tcp", a, time.Second)
		if err != nil {
			return false
		}
		c.Close()
	}
	return true
}

// Stop interrupts Jaeger and waits for it, killing it after StopGrace. It
// returns the process's exit error, if any. Stopping a stopped Jaeger does
// nothing.
func (j *Jaeger) Stop() error {
	j.mu.Lock()
	p := j.proc
	j.proc = nil
	j.mu.Unlock()
	if p == nil {
		return nil
	}
	if err := p.Stop(os.Interrupt, StopGrace); err != nil {
		return fmt.Errorf("Jaeger: %w", err)
	}
	return nil
}

// Output returns what Jaeger has written to stdout and stderr so far.
func (j *Jaeger) Output() string {
	return servertest.OutputFrom(j.OutputFile, 0)
}

// Trace is one trace as Jaeger's query API returns it.
type Trace struct {
	TraceID   string             `json:"traceID"`
	Spans     []Span             `json:"spans"`
	Processes map[string]Process `json:"processes"`
}

// Span is one span of a Trace. IDs are lower-case hex in their W3C width
// (32 and 16 digits, leading zeros kept: Jaeger v2 keeps OTLP's ids), so
// they compare equal to the logs' trace_id and span_id.
type Span struct {
	TraceID       string      `json:"traceID"`
	SpanID        string      `json:"spanID"`
	OperationName string      `json:"operationName"`
	References    []Reference `json:"references"`
	ProcessID     string      `json:"processID"`
}

// Reference links a span to another, such as its parent (CHILD_OF).
type Reference struct {
	RefType string `json:"refType"`
	TraceID string `json:"traceID"`
	SpanID  string `json:"spanID"`
}

// Process is the resource a span came from.
type Process struct {
	ServiceName string `json:"serviceName"`
}

// Parent returns the span id of s's CHILD_OF reference, or "".
func (s Span) Parent() string {
	for _, r := range s.References {
		if r.RefType == "CHILD_OF" {
			return r.SpanID
		}
	}
	return ""
}

// Service returns the service name of span s of t.
func (t Trace) Service(s Span) string { return t.Processes[s.ProcessID].ServiceName }

// ErrNotFound is returned by Trace for a trace id Jaeger does not hold.
var ErrNotFound = errors.New("tracestoretest: trace not found")

// Trace fetches one trace by its hex id (GET /api/traces/{id}); a trace
// Jaeger does not hold is ErrNotFound.
func (j *Jaeger) Trace(ctx context.Context, traceID string) (Trace, error) {
	traces, err := j.get(ctx, "/api/traces/"+url.PathEscape(traceID))
	if err != nil {
		return Trace{}, err
	}
	if len(traces) != 1 {
		return Trace{}, fmt.Errorf("tracestoretest: trace %s: %d traces in the answer, want 1", traceID, len(traces))
	}
	return traces[0], nil
}

// FindTraces returns up to 10000 traces of service from the last hour
// (GET /api/traces?service=...), as a search in Jaeger's UI does.
func (j *Jaeger) FindTraces(ctx context.Context, service string) ([]Trace, error) {
	now := time.Now()
	q := url.Values{
		"service": {service},
		"limit":   {"10000"},
		"start":   {strconv.FormatInt(now.Add(-time.Hour).UnixMicro(), 10)},
		"end":     {strconv.FormatInt(now.Add(time.Minute).UnixMicro(), 10)},
	}
	return j.get(ctx, "/api/traces?"+q.Encode())
}

func (j *Jaeger) get(ctx context.Context, path string) ([]Trace, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.QueryURL+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := j.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("tracestoretest: GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("tracestoretest: GET %s: %w", path, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("tracestoretest: GET %s: %s: %.4096s", path, resp.Status, body)
	}
	var ans struct {
		Data []Trace `json:"data"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		return nil, fmt.Errorf("tracestoretest: GET %s: decoding the answer: %w", path, err)
	}
	return ans.Data, nil
}

// WaitForTrace polls Trace until the trace has at least spans spans or
// timeout passes, and returns the last trace seen (with fewer spans, or
// none, if it never came). Only a failing request fails tb.
func (j *Jaeger) WaitForTrace(tb testing.TB, traceID string, spans int, timeout time.Duration) Trace {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout+30*time.Second)
	defer cancel()
	deadline := time.Now().Add(timeout)
	for {
		tr, err := j.Trace(ctx, traceID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			tb.Fatal(err)
		}
		if len(tr.Spans) >= spans || !time.Now().Before(deadline) {
			return tr
		}
		time.Sleep(pollInterval)
	}
}

// freeAddrs returns n loopback addresses with ports that were free a
// moment ago (all held open together, so they differ).
func freeAddrs(n int) ([]string, error) {
	addrs := make([]string, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		defer ln.Close()
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs, nil
}
