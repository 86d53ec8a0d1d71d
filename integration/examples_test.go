package integration

import (
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fapilog/fapilog-go/internal/collectortest"
	"github.com/fapilog/fapilog-go/internal/syncbuf"
)

// TestHTTPExample builds examples/http, runs it against a real collector
// configured by variables only, sends requests, stops it with SIGTERM, and
// checks at the collector that each request has its request_completed or
// request_failed record, with the otelhttp server span's ids.
func TestHTTPExample(t *testing.T) {
	bin := buildExample(t, "http")
	const userAgent = "fapilog-integration/1.0"
	const remoteTrace = "4bf92f3577b34da6a3ce929d0e0e4736"

	for _, protocol := range protocols {
		t.Run(protoName(protocol), func(t *testing.T) {
			c := startCollector(t)
			setEnv(t, merge(otlpEnv(c, protocol), map[string]string{
				"OTEL_SERVICE_NAME": "http-example-test",
				"ADDR":              "127.0.0.1:0",
			}))
			p := startProcess(t, bin)
			base := p.waitForStderr(t, regexp.MustCompile(`listening on (http://\S+)`))

			// A new connection per request: the transport retries a GET
			// whose reused connection drops (as /panic's does), which
			// would serve it twice.
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: waitTimeout}

			type request struct {
				path, sentID, traceparent string
				status                    int // 0: the connection is dropped (panic)
				msg, sevText              string
				sevNumber                 int
				gotID                     string // the echoed X-Request-ID
			}
			reqs := []*request{
				{path: "/hello?name=Ada", sentID: "req-hello-1", traceparent: "00-" + remoteTrace + "-00f067aa0ba902b7-01",
					status: 200, msg: "request_completed", sevText: "INFO", sevNumber: 9},
				{path: "/hello", status: 200, msg: "request_completed", sevText: "INFO", sevNumber: 9},
				{path: "/fail", sentID: "req-fail-1", status: 500, msg: "request_failed", sevText: "ERROR", sevNumber: 17},
				{path: "/fail", status: 500, msg: "request_failed", sevText: "ERROR", sevNumber: 17},
				{path: "/missing", status: 404, msg: "request_completed", sevText: "INFO", sevNumber: 9},
				{path: "/panic", sentID: "req-panic-1", status: 0, msg: "request_failed", sevText: "ERROR", sevNumber: 17},
			}
			for _, r := range reqs {
				hr, err := http.NewRequest(http.MethodGet, base+r.path, nil)
				if err != nil {
					t.Fatal(err)
				}
				hr.Header.Set("User-Agent", userAgent)
				if r.sentID != "" {
					hr.Header.Set("X-Request-ID", r.sentID)
				}
				if r.traceparent != "" {
					hr.Header.Set("traceparent", r.traceparent)
				}
				resp, err := client.Do(hr)
				if r.status == 0 {
					if err == nil {
						resp.Body.Close()
						t.Fatalf("GET %s: status %d, want the connection dropped by the panic", r.path, resp.StatusCode)
					}
					r.gotID = r.sentID
					continue
				}
				if err != nil {
					t.Fatalf("GET %s: %v", r.path, err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != r.status {
					t.Fatalf("GET %s: status %d, want %d", r.path, resp.StatusCode, r.status)
				}
				r.gotID = resp.Header.Get("X-Request-ID")
				if r.gotID == "" || (r.sentID != "" && r.gotID != r.sentID) {
					t.Fatalf("GET %s: X-Request-ID %q echoed, sent %q", r.path, r.gotID, r.sentID)
				}
			}

			p.terminate(t)            // SIGTERM: drain the logs, flush the spans, exit 0
			wantLogs := len(reqs) + 2 // plus one "saying hello" per /hello
			if want := "logs submitted=8 exported=8 dropped=0 failed=0"; !strings.Contains(p.stderr.String(), want) {
				t.Errorf("stderr does not report %q:\n%s", want, p.stderr.String())
			}

			spans := c.WaitForSpans(t, len(reqs), waitTimeout)
			if len(spans) != len(reqs) {
				t.Fatalf("collector has %d spans, want %d (one server span per request)", len(spans), len(reqs))
			}
			spanByID := map[string]collectortest.Span{}
			for _, s := range spans {
				spanByID[s.SpanID] = s
				if s.Kind != 2 || s.ResourceAttrs["service.name"] != "http-example-test" {
					t.Errorf("span %q: kind %d, service.name %v; want a server span of http-example-test", s.Name, s.Kind, s.ResourceAttrs["service.name"])
				}
			}
			recs := waitLogs(t, c, wantLogs)
			if len(recs) != wantLogs {
				t.Fatalf("collector has %d log records, want %d", len(recs), wantLogs)
			}
			byID := map[string][]collectortest.LogRecord{}
			for _, rec := range recs {
				id, _ := rec.Attrs["request_id"].(string)
				byID[id] = append(byID[id], rec)
				if rec.ResourceAttrs["service.name"] != "http-example-test" || rec.ScopeName != "examples/http" {
					t.Errorf("%v: service.name %v scope %q", rec.Body, rec.ResourceAttrs["service.name"], rec.ScopeName)
				}
			}

			for _, r := range reqs {
				var rec *collectortest.LogRecord
				var hello []collectortest.LogRecord
				for i, got := range byID[r.gotID] {
					switch got.Body {
					case r.msg:
						if rec != nil {
							t.Errorf("GET %s: two %s records", r.path, r.msg)
						}
						rec = &byID[r.gotID][i]
					case "saying hello":
						hello = append(hello, got)
					default:
						t.Errorf("GET %s: unexpected record %v", r.path, got.Body)
					}
				}
				if rec == nil {
					t.Errorf("GET %s (request_id %q): no %s record at the collector", r.path, r.gotID, r.msg)
					continue
				}
				path, _, _ := strings.Cut(r.path, "?")
				status := r.status
				if status == 0 {
					status = 500
				}
				a := rec.Attrs
				if rec.SeverityText != r.sevText || rec.SeverityNumber != r.sevNumber {
					t.Errorf("GET %s: severity %d %q, want %d %q", r.path, rec.SeverityNumber, rec.SeverityText, r.sevNumber, r.sevText)
				}
				if a["http.request.method"] != "GET" || a["url.path"] != path || a["http.response.status_code"] != int64(status) ||
					a["client.address"] != "127.0.0.1" || a["user_agent.original"] != userAgent {
					t.Errorf("GET %s: attributes %v", r.path, a)
				}
				if ms, ok := a["latency_ms"].(float64); !ok || ms < 0 {
					t.Errorf("GET %s: latency_ms = %#v, want a float >= 0", r.path, a["latency_ms"])
				}
				if r.sentID == "" && !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(r.gotID) {
					t.Errorf("GET %s: generated request id %q, want 32 hex digits", r.path, r.gotID)
				}
				if r.status == 0 && a["exception.message"] != "panic: boom" {
					t.Errorf("GET %s: exception.message = %v, want panic: boom", r.path, a["exception.message"])
				}

				// The record's ids are the otelhttp server span's.
				s, ok := spanByID[rec.SpanID]
				if !ok || rec.TraceID == "" || s.TraceID != rec.TraceID {
					t.Errorf("GET %s: record trace %q span %q matches no exported span", r.path, rec.TraceID, rec.SpanID)
					continue
				}
				if rec.Flags&1 != 1 {
					t.Errorf("GET %s: flags %d, want sampled", r.path, rec.Flags)
				}
				if s.Attrs["url.path"] != path || (r.status != 0 && s.Attrs["http.response.status_code"] != int64(r.status)) {
					t.Errorf("GET %s: the record's span is %q %v", r.path, s.Name, s.Attrs)
				}
				if r.traceparent != "" && (rec.TraceID != remoteTrace || s.ParentSpanID != "00f067aa0ba902b7") {
					t.Errorf("GET %s: trace %s parent %s, want the caller's traceparent", r.path, rec.TraceID, s.ParentSpanID)
				}
				if strings.HasPrefix(r.path, "/hello") {
					if len(hello) != 1 || hello[0].SpanID != rec.SpanID || hello[0].TraceID != rec.TraceID {
						t.Errorf("GET %s: the handler's own record %v does not share the request's span and request_id", r.path, hello)
					}
				}
			}
		})
	}
}

// TestOTLPExample runs examples/otlp against a real collector over both
// protocols, and once without an endpoint, where it prints a hint and logs
// to stdout.
func TestOTLPExample(t *testing.T) {
	bin := buildExample(t, "otlp")
	for _, protocol := range protocols {
		t.Run(protoName(protocol), func(t *testing.T) {
			c := startCollector(t)
			setEnv(t, merge(otlpEnv(c, protocol), map[string]string{"OTEL_SERVICE_NAME": "otlp-example-test"}))
			p := startProcess(t, bin)
			if err := p.wait(t); err != nil {
				t.Fatalf("examples/otlp: %v\nstderr:\n%s", err, p.stderr.String())
			}
			if strings.Contains(p.stderr.String(), "not set") || p.stdout.Len() != 0 {
				t.Errorf("with an endpoint: stderr %q, stdout %q; want no hint and nothing on stdout", p.stderr.String(), p.stdout.String())
			}
			recs := byBody(t, waitLogs(t, c, 2))
			for body, sev := range map[string]string{"Hello, collector": "INFO", "Config changed": "AUDIT"} {
				r, ok := recs[body]
				if !ok || r.SeverityText != sev || r.ScopeName != "otlp-example" || r.ResourceAttrs["service.name"] != "otlp-example-test" {
					t.Errorf("%q: %+v", body, r)
				}
			}
			if r := recs["Config changed"]; r.Attrs["user"] != "alice" {
				t.Errorf("Config changed: attributes %v", r.Attrs)
			}
		})
	}
	t.Run("no endpoint", func(t *testing.T) {
		setEnv(t, nil)
		p := startProcess(t, bin)
		if err := p.wait(t); err != nil {
			t.Fatalf("examples/otlp: %v\nstderr:\n%s", err, p.stderr.String())
		}
		if !strings.Contains(p.stderr.String(), "OTEL_EXPORTER_OTLP_ENDPOINT is not set") {
			t.Errorf("stderr has no hint:\n%s", p.stderr.String())
		}
		if n := strings.Count(p.stdout.String(), "\n"); n != 2 || !strings.Contains(p.stdout.String(), "Hello, collector") {
			t.Errorf("stdout: %d lines, want the 2 records as JSON lines:\n%s", n, p.stdout.String())
		}
	})
}

// buildExample builds ./examples/<name> into t's temp dir.
func buildExample(t *testing.T, name string) string {
	t.Helper()
	root, err := collectortest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("go", "build", "-o", bin, "./examples/"+name)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/%s: %v\n%s", name, err, out)
	}
	return bin
}

// process is an example program running as a child process, with the test
// process's environment.
type process struct {
	cmd            *exec.Cmd
	stdout, stderr syncbuf.Buffer
	done           chan struct{}
	err            error // set before done is closed
}

func startProcess(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	setChildProcAttrs(p.cmd)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s stderr:\n%s", filepath.Base(bin), p.stderr.String())
		}
	})
	return p
}

// wait waits for the process to exit and returns its exit error.
func (p *process) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(waitTimeout):
		t.Fatalf("%s still running after %s", p.cmd.Path, waitTimeout)
		return nil
	}
}

// terminate sends SIGTERM and fails t unless the process exits cleanly.
func (p *process) terminate(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(t); err != nil {
		t.Fatalf("after SIGTERM: %v\nstderr:\n%s", err, p.stderr.String())
	}
}

// waitForStderr waits until stderr matches re and returns its first group.
func (p *process) waitForStderr(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		if m := re.FindStringSubmatch(p.stderr.String()); m != nil {
			return m[1]
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited (%v) before printing %q; stderr:\n%s", p.cmd.Path, p.err, re, p.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not print %q in %s; stderr:\n%s", p.cmd.Path, re, waitTimeout, p.stderr.String())
		}
	}
}
