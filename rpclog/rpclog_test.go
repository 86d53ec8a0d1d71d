package rpclog

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/grpctest"
	"github.com/fapilog/fapilog-go/levels"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func attrs(r sdklog.Record) map[string]attribute.Value {
	m := map[string]attribute.Value{}
	r.WalkAttributes(func(kv attribute.KeyValue) bool { m[string(kv.Key)] = kv.Value; return true })
	return m
}

// rig is a real gRPC server and client on loopback, each side with its own
// logger over an in-memory exporter.
type rig struct {
	client               testpb.TestServiceClient
	serverAddr           string
	serverLog, clientLog *fapilog.Logger
	serverMem, clientMem *exporter.Memory
	handlerIDs           chan string
}

func newRig(t *testing.T, serverOpts, clientOpts []Option) *rig {
	t.Helper()
	r := &rig{serverMem: exporter.NewMemory(), clientMem: exporter.NewMemory(), handlerIDs: make(chan string, 16)}
	r.serverLog = fapilog.GetLogger("server", fapilog.Reuse(false), fapilog.WithExporter(r.serverMem), fapilog.WithLevel(levels.Debug))
	r.clientLog = fapilog.GetLogger("client", fapilog.Reuse(false), fapilog.WithExporter(r.clientMem), fapilog.WithLevel(levels.Debug))
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(UnaryServerInterceptor(r.serverLog, serverOpts...)),
		grpc.ChainStreamInterceptor(StreamServerInterceptor(r.serverLog, serverOpts...)),
	)
	svc := &grpctest.Service{OnCall: func(ctx context.Context, method string) {
		r.serverLog.DebugContext(ctx, "handler "+method)
	}}
	conn, addr := grpctest.Serve(t, srv, svc,
		grpc.WithChainUnaryInterceptor(UnaryClientInterceptor(r.clientLog, clientOpts...)),
		grpc.WithChainStreamInterceptor(StreamClientInterceptor(r.clientLog, clientOpts...)),
	)
	r.client, r.serverAddr = testpb.NewTestServiceClient(conn), addr
	return r
}

// records drains both loggers and returns the server's and the client's
// records, failing t unless every record was exported.
func (r *rig) records(t *testing.T) (server, client []sdklog.Record) {
	t.Helper()
	for _, l := range []*fapilog.Logger{r.serverLog, r.clientLog} {
		res, err := l.StopAndDrain(context.Background())
		if err != nil || res.Exported != res.Submitted {
			t.Fatalf("drain %s: %+v %v", l.Name(), res, err)
		}
	}
	return r.serverMem.Records(), r.clientMem.Records()
}

// only returns the one record with body msg.
func only(t *testing.T, recs []sdklog.Record, msg string) (sdklog.Record, map[string]attribute.Value) {
	t.Helper()
	var found []sdklog.Record
	for _, r := range recs {
		if r.Body().AsString() == msg {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d records %q in %d", len(found), msg, len(recs))
	}
	return found[0], attrs(found[0])
}

func TestUnary(t *testing.T) {
	tests := []struct {
		name                string
		code                codes.Code
		serverMsg, serverSv string
		clientMsg, clientSv string
	}{
		{"ok", codes.OK, "request_completed", "INFO", "call_completed", "INFO"},
		{"client fault is info on the server", codes.NotFound, "request_completed", "INFO", "call_failed", "WARNING"},
		{"unavailable is a warning", codes.Unavailable, "request_completed", "WARNING", "call_failed", "WARNING"},
		{"internal is a server error", codes.Internal, "request_failed", "ERROR", "call_failed", "WARNING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, nil, nil)
			req := &testpb.SimpleRequest{}
			if tt.code != codes.OK {
				req.ResponseStatus = &testpb.EchoStatus{Code: int32(tt.code), Message: "broken " + tt.code.String()}
			}
			var header metadata.MD
			ctx := metadata.AppendToOutgoingContext(context.Background(), RequestIDMetadata, "rid-7")
			_, err := r.client.UnaryCall(ctx, req, grpc.Header(&header))
			if status.Code(err) != tt.code {
				t.Fatalf("call: %v", err)
			}
			if got := header.Get(RequestIDMetadata); len(got) != 1 || got[0] != "rid-7" {
				t.Errorf("request id header %v", got)
			}
			server, client := r.records(t)

			_, h := only(t, server, "handler UnaryCall")
			if h[KeyRequestID].AsString() != "rid-7" {
				t.Errorf("handler's record request_id %v", h[KeyRequestID])
			}
			rec, a := only(t, server, tt.serverMsg)
			if rec.SeverityText() != tt.serverSv {
				t.Errorf("server record at %s, want %s", rec.SeverityText(), tt.serverSv)
			}
			checkCall(t, a, "UnaryCall", tt.code, "")
			if a[KeyPeerAddress].AsString() != "127.0.0.1" || a[KeyPeerPort].AsInt64() == 0 || a[KeyRequestID].AsString() != "rid-7" {
				t.Errorf("server record peer/request id: %v", a)
			}
			rec, a = only(t, client, tt.clientMsg)
			if rec.SeverityText() != tt.clientSv {
				t.Errorf("client record at %s, want %s", rec.SeverityText(), tt.clientSv)
			}
			checkCall(t, a, "UnaryCall", tt.code, "")
			if _, port, _ := net.SplitHostPort(r.serverAddr); a[KeyPeerAddress].AsString() != "127.0.0.1" || strconv.FormatInt(a[KeyPeerPort].AsInt64(), 10) != port {
				t.Errorf("client record peer %v:%v, want %s", a[KeyPeerAddress], a[KeyPeerPort], r.serverAddr)
			}
			if tt.code != codes.OK && a[KeyError].AsString() != "broken "+tt.code.String() {
				t.Errorf("error.message %v", a[KeyError])
			}
		})
	}
}

func checkCall(t *testing.T, a map[string]attribute.Value, method string, code codes.Code, kind string) {
	t.Helper()
	if a[KeySystem].AsString() != "grpc" || a[KeyService].AsString() != "grpc.testing.TestService" || a[KeyMethod].AsString() != method {
		t.Errorf("rpc attributes %v", a)
	}
	if a[KeyStatusCode].AsInt64() != int64(code) || a[KeyStatus].AsString() != code.String() {
		t.Errorf("status %v %v, want %d %s", a[KeyStatusCode], a[KeyStatus], code, code)
	}
	if a[KeyLatencyMS].Type() != attribute.FLOAT64 || a[KeyLatencyMS].AsFloat64() < 0 {
		t.Errorf("latency %v", a[KeyLatencyMS])
	}
	if a[KeyStreamKind].AsString() != kind {
		t.Errorf("stream kind %q, want %q", a[KeyStreamKind].AsString(), kind)
	}
}

func TestStreams(t *testing.T) {
	r := newRig(t, nil, nil)
	ctx := context.Background()

	// Server streaming: 3 responses.
	ss, err := r.client.StreamingOutputCall(ctx, &testpb.StreamingOutputCallRequest{
		ResponseParameters: []*testpb.ResponseParameters{{}, {}, {}}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		if _, err := ss.Recv(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 3 {
		t.Fatalf("%d responses", n)
	}

	// Client streaming: 2 requests, one answer.
	cs, err := r.client.StreamingInputCall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := cs.Send(&testpb.StreamingInputCallRequest{Payload: &testpb.Payload{Body: []byte("ab")}}); err != nil {
			t.Fatal(err)
		}
	}
	if resp, err := cs.CloseAndRecv(); err != nil || resp.AggregatedPayloadSize != 4 {
		t.Fatalf("CloseAndRecv %v %v", resp, err)
	}

	// Bidi: 4 exchanges.
	bs, err := r.client.FullDuplexCall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if err := bs.Send(&testpb.StreamingOutputCallRequest{}); err != nil {
			t.Fatal(err)
		}
		if _, err := bs.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	_ = bs.CloseSend()
	if _, err := bs.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("bidi end %v", err)
	}

	// A server stream that fails after one message.
	fs, err := r.client.StreamingOutputCall(ctx, &testpb.StreamingOutputCallRequest{
		ResponseParameters: []*testpb.ResponseParameters{{}},
		ResponseStatus:     &testpb.EchoStatus{Code: int32(codes.DataLoss), Message: "lost"}})
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := fs.Recv(); err != nil {
			if status.Code(err) != codes.DataLoss {
				t.Fatalf("failing stream ended with %v", err)
			}
			break
		}
	}

	server, client := r.records(t)
	type want struct {
		method, kind   string
		code           codes.Code
		recv, sent     int64 // as the server sees them
		serverMsg, sev string
	}
	for _, w := range []want{
		{"StreamingOutputCall", "server", codes.OK, 1, 3, "request_completed", "INFO"},
		{"StreamingInputCall", "client", codes.OK, 2, 1, "request_completed", "INFO"},
		{"FullDuplexCall", "bidi", codes.OK, 4, 4, "request_completed", "INFO"},
		{"StreamingOutputCall", "server", codes.DataLoss, 1, 1, "request_failed", "ERROR"},
	} {
		find := func(recs []sdklog.Record, side string) (sdklog.Record, map[string]attribute.Value) {
			for _, rec := range recs {
				a := attrs(rec)
				if a[KeyMethod].AsString() == w.method && a[KeyStatusCode].AsInt64() == int64(w.code) {
					return rec, a
				}
			}
			t.Fatalf("%s: no %s record for %s %s", side, side, w.method, w.code)
			return sdklog.Record{}, nil
		}
		rec, a := find(server, "server")
		checkCall(t, a, w.method, w.code, w.kind)
		if rec.Body().AsString() != w.serverMsg || rec.SeverityText() != w.sev {
			t.Errorf("server %s %s: %q at %s", w.method, w.code, rec.Body().AsString(), rec.SeverityText())
		}
		if a[KeyMsgsReceived].AsInt64() != w.recv || a[KeyMsgsSent].AsInt64() != w.sent {
			t.Errorf("server %s: received %v sent %v, want %d %d", w.method, a[KeyMsgsReceived], a[KeyMsgsSent], w.recv, w.sent)
		}
		_, a = find(client, "client")
		checkCall(t, a, w.method, w.code, w.kind)
		if a[KeyMsgsReceived].AsInt64() != w.sent || a[KeyMsgsSent].AsInt64() != w.recv {
			t.Errorf("client %s: received %v sent %v, want %d %d", w.method, a[KeyMsgsReceived], a[KeyMsgsSent], w.sent, w.recv)
		}
		if a[KeyPeerAddress].AsString() != "127.0.0.1" {
			t.Errorf("client %s: peer %v", w.method, a[KeyPeerAddress])
		}
	}
	if len(client) != 4 {
		t.Errorf("%d client records, want one per stream", len(client))
	}
}

func TestUnimplementedIsServerError(t *testing.T) {
	r := newRig(t, nil, nil)
	if _, err := r.client.EmptyCall(context.Background(), &testpb.Empty{}); status.Code(err) != codes.Unimplemented {
		t.Fatal(err)
	}
	server, _ := r.records(t)
	rec, a := only(t, server, "request_failed")
	if rec.SeverityText() != "ERROR" || a[KeyMethod].AsString() != "EmptyCall" {
		t.Errorf("%s %v", rec.SeverityText(), a)
	}
}

func TestOptions(t *testing.T) {
	quiet := func(codes.Code) levels.Level { return levels.Debug }
	skipAll := func(m string) bool { return strings.HasSuffix(m, "/UnaryCall") }
	r := newRig(t, []Option{WithSkip(skipAll)}, []Option{WithLevels(quiet)})
	if _, err := r.client.UnaryCall(context.Background(), &testpb.SimpleRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.client.EmptyCall(context.Background(), &testpb.Empty{}); status.Code(err) != codes.Unimplemented {
		t.Fatal(err)
	}
	server, client := r.records(t)
	for _, rec := range server {
		if attrs(rec)[KeyMethod].AsString() == "UnaryCall" {
			t.Errorf("skipped method logged: %q", rec.Body().AsString())
		}
	}
	_, h := only(t, server, "handler UnaryCall")
	if h[KeyRequestID].AsString() == "" {
		t.Error("a skipped call's handler has no request id")
	}
	if len(client) != 2 {
		t.Fatalf("%d client records", len(client))
	}
	for _, rec := range client {
		if rec.SeverityText() != "DEBUG" {
			t.Errorf("WithLevels ignored: %s", rec.SeverityText())
		}
	}
}

func TestServerPanicIsLoggedAndRepanics(t *testing.T) {
	mem := exporter.NewMemory()
	logger := fapilog.GetLogger("panics", fapilog.Reuse(false), fapilog.WithExporter(mem))
	t.Cleanup(func() { _, _ = logger.StopAndDrain(context.Background()) })
	unary := UnaryServerInterceptor(logger)
	stream := StreamServerInterceptor(logger)
	info := &grpc.UnaryServerInfo{FullMethod: "/pkg.Svc/Boom"}

	var got any
	func() {
		defer func() { got = recover() }()
		_, _ = unary(context.Background(), nil, info, func(context.Context, any) (any, error) { panic("kaboom") })
	}()
	if got != "kaboom" {
		t.Fatalf("recovered %v, want the handler's panic to go on", got)
	}
	// Flushed before the panic went on: it is exported without a drain.
	if mem.Len() != 1 {
		t.Fatalf("%d records exported before the re-panic", mem.Len())
	}
	func() {
		defer func() { got = recover() }()
		_ = stream(nil, fakeStream{}, &grpc.StreamServerInfo{FullMethod: "/pkg.Svc/Flow", IsServerStream: true},
			func(any, grpc.ServerStream) error { panic("stream kaboom") })
	}()
	if got != "stream kaboom" {
		t.Fatalf("recovered %v", got)
	}
	recs := mem.Records()
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	for i, rec := range recs {
		a := attrs(rec)
		if rec.SeverityText() != "ERROR" || rec.Body().AsString() != "request_failed" ||
			a[KeyStatusCode].AsInt64() != int64(codes.Internal) || !strings.Contains(a["exception.message"].AsString(), "kaboom") {
			t.Errorf("record %d: %s %q %v", i, rec.SeverityText(), rec.Body().AsString(), a)
		}
	}
}

type fakeStream struct{ grpc.ServerStream }

func (fakeStream) Context() context.Context { return context.Background() }

func TestSplitMethod(t *testing.T) {
	for in, want := range map[string][2]string{
		"/pkg.Svc/Method": {"pkg.Svc", "Method"},
		"pkg.Svc/Method":  {"pkg.Svc", "Method"},
		"/Method":         {"", "Method"},
		"":                {"", ""},
		"/a/b/c":          {"a/b", "c"},
	} {
		s, m := splitMethod(in)
		if s != want[0] || m != want[1] {
			t.Errorf("splitMethod(%q) = %q, %q", in, s, m)
		}
	}
}

// A stream the caller abandons by cancelling its context is logged once,
// with Canceled, and the messages it got.
func TestAbandonedClientStreamIsLoggedOnCancel(t *testing.T) {
	r := newRig(t, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	ss, err := r.client.StreamingOutputCall(ctx, &testpb.StreamingOutputCallRequest{
		ResponseParameters: []*testpb.ResponseParameters{{}, {}, {}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ss.Recv(); err != nil {
		t.Fatal(err)
	}
	cancel() // abandoned after one message: never read again
	// The record comes from the context's AfterFunc: wait for it (a
	// deadline for a slow machine, not a speed assertion).
	deadline := time.Now().Add(30 * time.Second)
	for r.clientLog.Stats().Submitted == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	_, client := r.records(t)
	if len(client) != 1 {
		t.Fatalf("%d client records, want exactly one", len(client))
	}
	a := attrs(client[0])
	if a[KeyStatusCode].AsInt64() != int64(codes.Canceled) || a[KeyMsgsReceived].AsInt64() < 1 || client[0].Body().AsString() != "call_failed" {
		t.Errorf("%q %v", client[0].Body().AsString(), a)
	}
}
