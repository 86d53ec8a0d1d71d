package integration

import (
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/collectortest"
)

// TestConfiguredOnlyByEnvironment configures everything with variables and
// no option in code: endpoint, protocol, plain text, compression, headers
// (a bearer token the collector requires), resource and level. The records
// pass through a byte-counting TCP relay in front of the collector, which
// shows that gzip really compresses what goes on the wire.
func TestConfiguredOnlyByEnvironment(t *testing.T) {
	const token = "s3cr3t-token"
	// A body that compresses well: 8 records of 32 KiB.
	body := strings.Repeat("fapilog-go sends OTLP ", 32<<10/22)
	const records = 8
	payload := int64(records * len(body))

	for _, protocol := range protocols {
		for _, compression := range []string{"gzip", "none"} {
			t.Run(protoName(protocol)+"/"+compression, func(t *testing.T) {
				c := startCollector(t, collectortest.WithBearerToken(token))
				upstream := c.GRPCEndpoint
				if protocol != "grpc" {
					upstream = c.HTTPEndpoint
				}
				relay := startRelay(t, upstream)

				vars := map[string]string{
					"OTEL_EXPORTER_OTLP_PROTOCOL":    protocol,
					"OTEL_EXPORTER_OTLP_COMPRESSION": compression,
					"OTEL_EXPORTER_OTLP_HEADERS":     "Authorization=Bearer%20" + token,
					"OTEL_SERVICE_NAME":              "env-only",
					"OTEL_RESOURCE_ATTRIBUTES":       "service.version=1.2.3,region=eu-west-1",
					"FAPILOG_LEVEL":                  "WARNING",
				}
				if protocol == "grpc" {
					// host:port, made plain text by the INSECURE variable.
					vars["OTEL_EXPORTER_OTLP_ENDPOINT"] = relay.Addr()
					vars["OTEL_EXPORTER_OTLP_INSECURE"] = "true"
				} else {
					// A URL: the scheme says plain text, /v1/logs is appended.
					vars["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://" + relay.Addr()
				}
				setEnv(t, vars)

				// What the library resolves from these variables alone.
				rc, err := exporter.FromEnv(exporter.Config{})
				if err != nil {
					t.Fatalf("exporter.FromEnv: %v", err)
				}
				if rc.Kind != exporter.KindOTLP || string(rc.Protocol) != protocol || rc.Compression != compression ||
					rc.Insecure == nil || !*rc.Insecure || rc.Headers["Authorization"] != "Bearer "+token {
					t.Fatalf("resolved %+v (insecure %v), want otlp %s %s plain text with the token", rc, rc.Insecure, protocol, compression)
				}

				logger := fapilog.GetLogger("env-only") // no options
				logger.Info("below FAPILOG_LEVEL")      // not sent
				for range records {
					logger.Warning(body, "compression", compression)
				}
				res := drain(t, logger)
				if res.Submitted != records {
					t.Errorf("Submitted = %d, want %d (INFO is below FAPILOG_LEVEL=WARNING)", res.Submitted, records)
				}

				recs := waitLogs(t, c, records)
				if len(recs) != records {
					t.Fatalf("collector wrote %d records, want %d", len(recs), records)
				}
				for _, r := range recs {
					if r.Body != body || r.SeverityText != "WARNING" || r.ScopeName != "env-only" || r.Attrs["compression"] != compression {
						t.Errorf("record %.40q… severity %q scope %q attrs %v", r.Body, r.SeverityText, r.ScopeName, r.Attrs)
					}
					if r.ResourceAttrs["service.name"] != "env-only" || r.ResourceAttrs["service.version"] != "1.2.3" ||
						r.ResourceAttrs["region"] != "eu-west-1" {
						t.Errorf("resource %v", r.ResourceAttrs)
					}
				}

				sent := relay.BytesUp()
				t.Logf("%s %s: %d bytes of bodies, %d bytes on the wire to the collector", protocol, compression, payload, sent)
				switch compression {
				case "gzip":
					if sent*10 > payload {
						t.Errorf("gzip: %d bytes on the wire for %d bytes of bodies, want under a tenth", sent, payload)
					}
				case "none":
					if sent < payload {
						t.Errorf("none: %d bytes on the wire for %d bytes of bodies, want at least all of them", sent, payload)
					}
				}
			})
		}
	}
}

// relay is a transparent TCP relay to a real collector that counts the
// bytes clients send through it.
type relay struct {
	ln       net.Listener
	upstream string
	up       atomic.Int64
	wg       sync.WaitGroup
	mu       sync.Mutex
	closed   bool
	conns    []net.Conn
}

// startRelay relays a loopback port to upstream until t ends.
func startRelay(t *testing.T, upstream string) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln, upstream: upstream}
	r.wg.Add(1)
	go r.accept()
	t.Cleanup(r.close)
	return r
}

// Addr is the relay's host:port.
func (r *relay) Addr() string { return r.ln.Addr().String() }

// BytesUp is how many bytes clients have sent so far.
func (r *relay) BytesUp() int64 { return r.up.Load() }

func (r *relay) accept() {
	defer r.wg.Done()
	for {
		down, err := r.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", r.upstream)
		if err != nil {
			down.Close()
			continue
		}
		if !r.track(down, up) {
			return
		}
		r.wg.Add(2)
		go r.pipe(up, down, &r.up)
		go r.pipe(down, up, nil)
	}
}

// track remembers conns for close; false when the relay is closing.
func (r *relay) track(conns ...net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	r.conns = append(r.conns, conns...)
	return true
}

func (r *relay) pipe(dst, src net.Conn, count *atomic.Int64) {
	defer r.wg.Done()
	var w io.Writer = dst
	if count != nil {
		w = countingWriter{dst, count}
	}
	_, _ = io.Copy(w, src) // an error (reset, closed) ends this direction
	// Half-close so the other side sees EOF, as it would without the relay.
	if tc, ok := dst.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}

func (r *relay) close() {
	r.ln.Close()
	r.mu.Lock()
	r.closed = true
	conns := r.conns
	r.conns = nil
	r.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	r.wg.Wait()
}

type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}
