package integration

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/fapilog/fapilog-go/internal/collectortest"
	"github.com/fapilog/fapilog-go/internal/logstoretest"
	"github.com/fapilog/fapilog-go/internal/syncbuf"
	"github.com/fapilog/fapilog-go/internal/tracestoretest"
)

// stackService is the service name docker-compose.yml gives examples/http.
const stackService = "fapilog-example-http"

// TestStackExampleToVictoriaLogs runs the path a user deploys with
// docker-compose.yml: examples/http under load → the project's collector
// running deploy/otel-collector.yaml (the same file compose mounts, its
// endpoints set by variables) → a real VictoriaLogs for the logs and a real
// Jaeger v2 for the traces. Then it asks
// VictoriaLogs, in LogsQL, what a user will ask: every record is there
// (count = DrainResult.Exported), a request's records by trace id, AUDIT at
// severity 22, attributes as filters, the service as the log stream; and
// Jaeger, through its query API, for the trace a log record names.
func TestStackExampleToVictoriaLogs(t *testing.T) {
	bin := buildExample(t, "http")
	for _, protocol := range protocols {
		t.Run(protoName(protocol), func(t *testing.T) {
			store := logstoretest.Start(t)
			jaeger := tracestoretest.Start(t) // a real Jaeger v2, the traces' destination in compose too
			col := startDeployCollector(t, store.OTLPLogsURL(), jaeger.OTLPGRPCEndpoint)

			addr := col.grpc
			if protocol != "grpc" {
				addr = col.http
			}
			setEnv(t, map[string]string{
				"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + addr,
				"OTEL_EXPORTER_OTLP_PROTOCOL": protocol,
				"OTEL_SERVICE_NAME":           stackService,
				"ADDR":                        "127.0.0.1:0",
			})
			p := startProcess(t, bin)
			base := p.waitForStderr(t, regexp.MustCompile(`listening on (http://\S+)`))

			want := driveLoad(t, base)
			p.terminate(t) // drains the logs and prints the DrainResult
			m := regexp.MustCompile(`logs submitted=(\d+) exported=(\d+) dropped=(\d+) failed=(\d+)`).FindStringSubmatch(p.stderr.String())
			if m == nil {
				t.Fatalf("no drain result on stderr:\n%s", p.stderr.String())
			}
			exported, _ := strconv.Atoi(m[2])
			if m[1] != m[2] || m[3] != "0" || m[4] != "0" || exported != want.records {
				t.Fatalf("drain: %s; want %d records submitted and exported", m[0], want.records)
			}
			col.stop(t) // a graceful stop sends what the batch processor holds

			q := stackQuerier{t: t, store: store}
			// Every record, exactly once, in the service's stream.
			if n := store.WaitForCount(t, "*", exported, waitTimeout); n != exported {
				t.Fatalf("VictoriaLogs holds %d records, want DrainResult.Exported = %d", n, exported)
			}
			q.count(`_stream:{service.name="`+stackService+`"}`, exported)
			q.count(`_stream:{service.name="some-other-service"}`, 0)

			// Severities as users filter them; AUDIT is 22 (FATAL2).
			q.count(`severity_text:=INFO`, want.info)
			q.count(`severity_number:=17`, want.failed)
			q.count(`severity_number:=22`, want.audits)
			q.count(`severity_number:>=21`, want.audits)
			audit := q.rows(`severity_number:=22 | sort by (_time) | limit 1`, 1)[0]
			q.fields(audit, map[string]string{
				"_msg": "role changed", "severity_text": "AUDIT", "user": "user-0", "role": "admin",
				"_stream": `{service.name="` + stackService + `"}`, "scope.name": "examples/http",
			})
			if audit["trace_id"] == "" || audit["request_id"] == "" {
				t.Errorf("AUDIT record without its request's trace_id or request_id: %v", audit)
			}

			// Attributes: typed values arrive as fields a filter can compare.
			q.count(`http.response.status_code:=500`, want.failed)
			q.count(`http.response.status_code:>=400`, want.failed+want.missing)
			q.count(`url.path:="/missing"`, want.missing)
			q.count(`_msg:="saying hello" name:="Ada"`, want.ada)
			q.count(`_msg:=request_failed`, want.failed)
			q.count(`user_agent.original:="`+stackUserAgent+`"`, want.requests)

			// One request, followed by its trace id as Grafana's link does.
			traced := q.rows(`trace_id:="`+stackTraceID+`" | sort by (_msg)`, 2)
			if traced[0]["_msg"] != "request_completed" || traced[1]["_msg"] != "saying hello" {
				t.Errorf("records of trace %s: %v", stackTraceID, traced)
			}
			for _, r := range traced {
				q.fields(r, map[string]string{"request_id": stackRequestID, "span_id": traced[0]["span_id"]})
			}
			q.count(`request_id:="`+stackRequestID+`"`, 2)
			// The log → trace link with real data: the trace id found in
			// VictoriaLogs is a trace Jaeger holds, with the logs' span id as
			// the request's server span, under the caller's parent.
			tr := jaeger.WaitForTrace(t, stackTraceID, 1, waitTimeout)
			var span *tracestoretest.Span
			for _, s := range tr.Spans {
				if s.TraceID == stackTraceID && s.SpanID == traced[0]["span_id"] {
					span = &s
				}
			}
			if span == nil || span.Parent() != stackParentSpan || tr.Service(*span) != stackService {
				t.Errorf("Jaeger has no span %s/%s of %s under the caller's parent: %+v", stackTraceID, traced[0]["span_id"], stackService, tr)
			} else {
				t.Logf("Jaeger /api/traces/%s  →  %d span(s); span %s %q of %s, CHILD_OF %s", stackTraceID, len(tr.Spans), span.SpanID, span.OperationName, tr.Service(*span), span.Parent())
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			traces, err := jaeger.FindTraces(ctx, stackService)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			spans := 0
			for _, tr := range traces {
				spans += len(tr.Spans)
			}
			if spans != want.requests {
				t.Errorf("Jaeger has %d spans of %s in %d traces, want one server span per request (%d)", spans, stackService, len(traces), want.requests)
			}
			t.Logf("Jaeger /api/traces?service=%s  →  %d traces, %d spans", stackService, len(traces), spans)

			// What the README shows.
			byLevel := q.rows(`* | stats by (severity_text) count() records | sort by (severity_text)`, 3)
			got := map[string]string{}
			for _, r := range byLevel {
				got[r["severity_text"]] = r["records"]
			}
			if got["AUDIT"] != strconv.Itoa(want.audits) || got["ERROR"] != strconv.Itoa(want.failed) || got["INFO"] != strconv.Itoa(want.info) {
				t.Errorf("records by severity: %v, want AUDIT %d ERROR %d INFO %d", byLevel, want.audits, want.failed, want.info)
			}
		})
	}
}

const (
	stackUserAgent  = "fapilog-stack-test/1.0"
	stackTraceID    = "0af7651916cd43dd8448eb211c80319c"
	stackParentSpan = "b7ad6b7169203331"
	stackRequestID  = "stack-req-1"
	stackWorkers    = 8
	stackPerWorker  = 100
)

// stackLoad counts what driveLoad sent and the records it must produce.
type stackLoad struct {
	requests, records                  int
	info, failed, audits, missing, ada int
}

// driveLoad sends stackWorkers×stackPerWorker requests from concurrent
// clients (hello, 500s, 404s and AUDIT role changes mixed) plus one with a
// known traceparent and request id, and returns the counts to expect.
func driveLoad(t *testing.T, base string) stackLoad {
	t.Helper()
	client := &http.Client{Timeout: waitTimeout}
	do := func(method, path string, hdr map[string]string, status int) error {
		req, err := http.NewRequest(method, base+path, nil)
		if err != nil {
			return err
		}
		req.Header.Set("User-Agent", stackUserAgent)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != status {
			return fmt.Errorf("%s %s: status %d, want %d", method, path, resp.StatusCode, status)
		}
		return nil
	}

	var mu sync.Mutex
	var load stackLoad
	var wg sync.WaitGroup
	errs := make(chan error, stackWorkers)
	for w := range stackWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var l stackLoad
			for i := range stackPerWorker {
				var err error
				switch i % 10 {
				case 0: // request_failed at ERROR
					err = do(http.MethodGet, "/fail", nil, 500)
					l.failed++
				case 1: // role changed at AUDIT, then request_completed
					err = do(http.MethodPost, "/admin/role?"+url.Values{"user": {fmt.Sprintf("user-%d", i/10)}, "role": {"admin"}}.Encode(), nil, 204)
					l.audits++
					l.info++
				case 2:
					err = do(http.MethodGet, "/missing", nil, 404)
					l.missing++
					l.info++
				default: // saying hello, then request_completed
					name := fmt.Sprintf("n%d", w)
					if i%10 == 3 {
						name = "Ada"
						l.ada++
					}
					err = do(http.MethodGet, "/hello?name="+name, nil, 200)
					l.info += 2
				}
				l.requests++
				if err != nil {
					errs <- err
					return
				}
			}
			mu.Lock()
			defer mu.Unlock()
			load.requests += l.requests
			load.info += l.info
			load.failed += l.failed
			load.audits += l.audits
			load.missing += l.missing
			load.ada += l.ada
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := do(http.MethodGet, "/hello?name=Grace", map[string]string{
		"X-Request-ID": stackRequestID,
		"traceparent":  "00-" + stackTraceID + "-" + stackParentSpan + "-01",
	}, 200); err != nil {
		t.Fatal(err)
	}
	load.requests++
	load.info += 2
	load.records = load.info + load.failed + load.audits
	return load
}

// stackQuerier runs LogsQL queries for one test, logging each with its
// answer (go test -v shows them: the README quotes them).
type stackQuerier struct {
	t     *testing.T
	store *logstoretest.Store
}

func (q stackQuerier) count(filter string, want int) {
	q.t.Helper()
	n, err := q.store.Count(context.Background(), filter)
	if err != nil {
		q.t.Fatal(err)
	}
	q.t.Logf("LogsQL %s | stats count() n  →  %d", filter, n)
	if n != want {
		q.t.Errorf("LogsQL %q matches %d records, want %d", filter, n, want)
	}
}

func (q stackQuerier) rows(query string, want int) []logstoretest.Row {
	q.t.Helper()
	rows := q.store.MustQuery(q.t, query)
	for _, r := range rows {
		q.t.Logf("LogsQL %s  →  %v", query, r)
	}
	if len(rows) != want {
		q.t.Fatalf("LogsQL %q: %d rows, want %d: %v", query, len(rows), want, rows)
	}
	return rows
}

func (q stackQuerier) fields(r logstoretest.Row, want map[string]string) {
	q.t.Helper()
	for k, v := range want {
		if r[k] != v {
			q.t.Errorf("field %s = %q, want %q (record %v)", k, r[k], v, r)
		}
	}
}

// deployCollector is the project's collector running deploy/otel-collector.yaml.
type deployCollector struct {
	grpc, http, health string
	cmd                *exec.Cmd
	done               chan struct{}
	err                error
	out                syncbuf.Buffer
}

// startDeployCollector runs the project's collector with
// deploy/otel-collector.yaml unchanged, its endpoints set through the
// variables the file documents, and waits for its health check.
func startDeployCollector(t *testing.T, victoriaLogsURL, jaegerEndpoint string) *deployCollector {
	t.Helper()
	root, err := collectortest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(root, "deploy", "otel-collector.yaml")
	if _, err := os.ReadFile(cfg); err != nil { // so go test's cache tracks the file
		t.Fatal(err)
	}
	addrs := freeAddrs(t, 4)
	c := &deployCollector{grpc: addrs[0], http: addrs[1], health: addrs[2], done: make(chan struct{})}
	_, metricsPort, _ := net.SplitHostPort(addrs[3])
	c.cmd = exec.Command(collectortest.Binary(t), "--config", cfg)
	c.cmd.Env = append(os.Environ(),
		"OTELCOL_OTLP_GRPC_ENDPOINT="+c.grpc,
		"OTELCOL_OTLP_HTTP_ENDPOINT="+c.http,
		"OTELCOL_HEALTH_ENDPOINT="+c.health,
		"OTELCOL_METRICS_PORT="+metricsPort,
		"VICTORIALOGS_OTLP_LOGS_URL="+victoriaLogsURL,
		"JAEGER_OTLP_GRPC_ENDPOINT="+jaegerEndpoint,
	)
	c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.out
	setChildProcAttrs(c.cmd)
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			_ = c.cmd.Process.Kill()
			<-c.done
		}
		if t.Failed() {
			t.Logf("deploy collector output:\n%s", c.out.String())
		}
	})
	deadline := time.Now().Add(waitTimeout)
	for {
		resp, err := http.Get("http://" + c.health + "/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c
			}
		}
		select {
		case <-c.done:
			t.Fatalf("collector with %s exited: %v\n%s", cfg, c.err, c.out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("collector with %s not healthy after %s:\n%s", cfg, waitTimeout, c.out.String())
		}
	}
}

// stop interrupts the collector, which then flushes its pipelines, and
// fails t unless it exits cleanly.
func (c *deployCollector) stop(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatalf("interrupting the collector: %v", err)
	}
	select {
	case <-c.done:
		if c.err != nil {
			t.Fatalf("collector exit: %v\n%s", c.err, c.out.String())
		}
	case <-time.After(waitTimeout):
		t.Fatalf("collector still running %s after an interrupt", waitTimeout)
	}
}

// freeAddrs returns n distinct loopback addresses whose ports were free a
// moment ago.
func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		out = append(out, ln.Addr().String())
	}
	return out
}
