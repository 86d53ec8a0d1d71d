// Package rpclog is gRPC middleware that logs every call with a fapilog
// logger, the gRPC sibling of httplog: server and client interceptors,
// unary and stream, each logging one record per call with the method,
// status code, duration and peer.
//
// The package is named rpclog, not grpclog, so that it never shadows
// google.golang.org/grpc/grpclog in a file that uses both.
//
// On the server, a call ends in request_completed, or in request_failed at
// ERROR when its status code is a server error (Unknown, Unimplemented,
// Internal, DataLoss; see ServerLevel) or its handler panicked. The server
// interceptors bind a request id to the call's context (taken from the
// x-request-id metadata or generated, and sent back as a header), so every
// record the handler logs with that context carries it.
//
// Install otelgrpc's stats handler on the same server or client: it starts
// the span before any interceptor runs, so the records carry the span's
// trace and span ids:
//
//	srv := grpc.NewServer(
//		grpc.StatsHandler(otelgrpc.NewServerHandler()),
//		grpc.ChainUnaryInterceptor(rpclog.UnaryServerInterceptor(logger)),
//		grpc.ChainStreamInterceptor(rpclog.StreamServerInterceptor(logger)),
//	)
//
// On the client, interceptors run before the stats handler starts the
// client span, so client records carry the caller's span (the client
// span's parent), which is what the caller's own records carry too.
package rpclog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/levels"
)

// RequestIDMetadata is the metadata key the server interceptors read the
// request id from and send it back under (as a header).
const RequestIDMetadata = "x-request-id"

// Attribute keys, from the OpenTelemetry RPC semantic conventions where one
// exists.
const (
	KeyRequestID     = "request_id"
	KeySystem        = "rpc.system" // always "grpc"
	KeyService       = "rpc.service"
	KeyMethod        = "rpc.method"
	KeyStatusCode    = "rpc.grpc.status_code" // the code's number
	KeyStatus        = "rpc.grpc.status"      // the code's name, e.g. "NotFound"
	KeyError         = "error.message"        // the status message of a failed call
	KeyLatencyMS     = "latency_ms"
	KeyPeerAddress   = "network.peer.address"
	KeyPeerPort      = "network.peer.port"
	KeyStreamKind    = "rpc.grpc.stream" // "client", "server" or "bidi"; absent on unary calls
	KeyMsgsReceived  = "rpc.messages_received"
	KeyMsgsSent      = "rpc.messages_sent"
	msgServerOK      = "request_completed"
	msgServerFailed  = "request_failed"
	msgClientOK      = "call_completed"
	msgClientFailed  = "call_failed"
	maxRequestIDLen  = 128
	panicFlushBudget = 5 * time.Second
)

// ServerLevel is the default level of a server call that ended with code:
// ERROR for the codes that say the server is at fault (Unknown,
// Unimplemented, Internal, DataLoss), WARNING for those that usually need a
// look (DeadlineExceeded, PermissionDenied, ResourceExhausted,
// FailedPrecondition, Aborted, OutOfRange, Unavailable), INFO for the rest.
// It follows go-grpc-middleware's DefaultServerCodeToLevel.
func ServerLevel(code codes.Code) levels.Level {
	switch code {
	case codes.Unknown, codes.Unimplemented, codes.Internal, codes.DataLoss:
		return levels.Error
	case codes.DeadlineExceeded, codes.PermissionDenied, codes.ResourceExhausted,
		codes.FailedPrecondition, codes.Aborted, codes.OutOfRange, codes.Unavailable:
		return levels.Warning
	}
	return levels.Info
}

// ClientLevel is the default level of a client call that ended with code:
// INFO when it succeeded, WARNING otherwise (the server logs its own
// failures at ERROR; a client failure is the remote's).
func ClientLevel(code codes.Code) levels.Level {
	if code == codes.OK {
		return levels.Info
	}
	return levels.Warning
}

// Option configures the interceptors.
type Option func(*options)

type options struct {
	level func(codes.Code) levels.Level
	skip  func(fullMethod string) bool
}

// WithLevels replaces ServerLevel (or ClientLevel on the client
// interceptors) as the choice of a call's level by its status code.
func WithLevels(f func(codes.Code) levels.Level) Option {
	return func(o *options) { o.level = f }
}

// WithSkip leaves calls for which skip returns true unlogged, e.g. the
// health service: WithSkip(func(m string) bool { return strings.HasPrefix(m, "/grpc.health.v1.") }).
// Their handlers still get the request id.
func WithSkip(skip func(fullMethod string) bool) Option {
	return func(o *options) { o.skip = skip }
}

func build(def func(codes.Code) levels.Level, opts []Option) options {
	o := options{level: def}
	for _, f := range opts {
		f(&o)
	}
	if o.level == nil {
		o.level = def
	}
	return o
}

// UnaryServerInterceptor logs each unary call the server handles. It is
// safe for concurrent use.
func UnaryServerInterceptor(logger *fapilog.Logger, opts ...Option) grpc.UnaryServerInterceptor {
	o := build(ServerLevel, opts)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		start := time.Now()
		ctx = bindRequestID(ctx, logger)
		defer func() {
			if o.skip != nil && o.skip(info.FullMethod) {
				return
			}
			if p := recover(); p != nil {
				serverPanic(ctx, logger, info.FullMethod, "", start, p)
			}
			o.logServer(ctx, logger, info.FullMethod, "", start, err, nil)
		}()
		return handler(ctx, req)
	}
}

// StreamServerInterceptor logs each stream the server handles, when its
// handler returns, with the number of messages received and sent. It is
// safe for concurrent use.
func StreamServerInterceptor(logger *fapilog.Logger, opts ...Option) grpc.StreamServerInterceptor {
	o := build(ServerLevel, opts)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		start := time.Now()
		ctx := bindRequestID(ss.Context(), logger)
		ws := &serverStream{ServerStream: ss, ctx: ctx}
		kind := streamKind(info.IsClientStream, info.IsServerStream)
		defer func() {
			if o.skip != nil && o.skip(info.FullMethod) {
				return
			}
			if p := recover(); p != nil {
				serverPanic(ctx, logger, info.FullMethod, kind, start, p)
			}
			o.logServer(ctx, logger, info.FullMethod, kind, start, err, []any{KeyMsgsReceived, ws.received, KeyMsgsSent, ws.sent})
		}()
		return handler(srv, ws)
	}
}

// UnaryClientInterceptor logs each unary call the client makes. It is safe
// for concurrent use.
func UnaryClientInterceptor(logger *fapilog.Logger, opts ...Option) grpc.UnaryClientInterceptor {
	o := build(ClientLevel, opts)
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, callOpts ...grpc.CallOption) error {
		start := time.Now()
		var p peer.Peer
		err := invoker(ctx, method, req, reply, cc, append(callOpts, grpc.Peer(&p))...)
		if o.skip == nil || !o.skip(method) {
			o.logClient(ctx, logger, method, "", start, err, &p, cc, nil)
		}
		return err
	}
}

// StreamClientInterceptor logs each stream the client opens, once it ends:
// when RecvMsg returns io.EOF (success) or an error, when opening it fails,
// or when the caller's context is done first (a stream abandoned by
// cancelling it, logged with Canceled or DeadlineExceeded). It is safe for
// concurrent use.
func StreamClientInterceptor(logger *fapilog.Logger, opts ...Option) grpc.StreamClientInterceptor {
	o := build(ClientLevel, opts)
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, callOpts ...grpc.CallOption) (grpc.ClientStream, error) {
		start := time.Now()
		kind := streamKind(desc.ClientStreams, desc.ServerStreams)
		skip := o.skip != nil && o.skip(method)
		p := new(peer.Peer)
		cs, err := streamer(ctx, desc, cc, method, append(callOpts, grpc.Peer(p))...)
		if err != nil {
			if !skip {
				o.logClient(ctx, logger, method, kind, start, err, p, cc, nil)
			}
			return cs, err
		}
		if skip {
			return cs, nil
		}
		s := &clientStream{ClientStream: cs, serverStreams: desc.ServerStreams}
		s.end = func(err error, withPeer bool, received, sent int64) {
			pe := p
			if !withPeer {
				pe = nil
			}
			// The caller's ctx may be done by now: keep its values (span,
			// bound fields), not its cancellation.
			o.logClient(context.WithoutCancel(ctx), logger, method, kind, start, err, pe, cc,
				[]any{KeyMsgsReceived, received, KeyMsgsSent, sent})
		}
		s.stop = context.AfterFunc(ctx, func() { s.finish(status.FromContextError(ctx.Err()).Err(), false) })
		return s, nil
	}
}

func (o options) logServer(ctx context.Context, logger *fapilog.Logger, method, kind string, start time.Time, err error, extra []any) {
	code := status.Code(err)
	level := o.level(code)
	if !logger.Enabled(level) {
		return
	}
	kv := callAttrs(method, kind, start, code, err)
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		kv = appendPeer(kv, p.Addr.String())
	}
	kv = append(kv, extra...)
	msg := msgServerOK
	if level >= levels.Error {
		msg = msgServerFailed
	}
	logger.Log(ctx, level, msg, kv...)
}

func (o options) logClient(ctx context.Context, logger *fapilog.Logger, method, kind string, start time.Time, err error, p *peer.Peer, cc *grpc.ClientConn, extra []any) {
	code := status.Code(err)
	level := o.level(code)
	if !logger.Enabled(level) {
		return
	}
	kv := callAttrs(method, kind, start, code, err)
	switch {
	case p != nil && p.Addr != nil:
		kv = appendPeer(kv, p.Addr.String())
	case cc != nil: // the call never reached a connection
		kv = appendPeer(kv, cc.Target())
	}
	kv = append(kv, extra...)
	msg := msgClientOK
	if level >= levels.Error || err != nil {
		msg = msgClientFailed
	}
	logger.Log(ctx, level, msg, kv...)
}

// callAttrs returns the attributes every record has.
func callAttrs(fullMethod, kind string, start time.Time, code codes.Code, err error) []any {
	service, method := splitMethod(fullMethod)
	kv := make([]any, 0, 24)
	kv = append(kv,
		KeySystem, "grpc",
		KeyService, service,
		KeyMethod, method,
		KeyStatusCode, int64(code),
		KeyStatus, code.String(),
		KeyLatencyMS, float64(time.Since(start).Microseconds())/1000,
	)
	if kind != "" {
		kv = append(kv, KeyStreamKind, kind)
	}
	if err != nil {
		kv = append(kv, KeyError, status.Convert(err).Message())
	}
	return kv
}

// appendPeer adds the peer's address, split into host and port when it has
// one (a unix socket has none).
func appendPeer(kv []any, addr string) []any {
	if host, port, err := net.SplitHostPort(addr); err == nil {
		kv = append(kv, KeyPeerAddress, host)
		var n int64
		if _, err := fmt.Sscan(port, &n); err == nil {
			return append(kv, KeyPeerPort, n)
		}
		return kv
	}
	return append(kv, KeyPeerAddress, addr)
}

// splitMethod splits "/pkg.Service/Method" into its service and method.
func splitMethod(full string) (string, string) {
	full = strings.TrimPrefix(full, "/")
	if i := strings.LastIndexByte(full, '/'); i >= 0 {
		return full[:i], full[i+1:]
	}
	return "", full
}

func streamKind(client, server bool) string {
	switch {
	case client && server:
		return "bidi"
	case client:
		return "client"
	case server:
		return "server"
	}
	return ""
}

// serverPanic logs a handler's panic at ERROR with its stack and flushes the
// logger before the panic goes on: gRPC does not recover handler panics, so
// the process is about to end and a queued record would be lost.
func serverPanic(ctx context.Context, logger *fapilog.Logger, method, kind string, start time.Time, p any) {
	kv := callAttrs(method, kind, start, codes.Internal, nil)
	if pe, ok := peer.FromContext(ctx); ok && pe.Addr != nil {
		kv = appendPeer(kv, pe.Addr.String())
	}
	logger.ExceptionContext(ctx, msgServerFailed, fmt.Errorf("panic: %v", p), kv...)
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), panicFlushBudget)
	_ = logger.Flush(fctx)
	cancel()
	panic(p)
}

// bindRequestID binds the call's request id (from the metadata, or a new
// one) to ctx and sends it back as a header.
func bindRequestID(ctx context.Context, logger *fapilog.Logger) context.Context {
	id := ""
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get(RequestIDMetadata); len(v) > 0 {
			id = v[0]
		}
	}
	if id == "" || len(id) > maxRequestIDLen {
		id = newRequestID()
	}
	// SetHeader fails only when the headers were sent already, which cannot
	// have happened before the handler ran.
	_ = grpc.SetHeader(ctx, metadata.Pairs(RequestIDMetadata, id))
	return logger.Bind(ctx, KeyRequestID, id)
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// serverStream carries the bound context to the handler and counts
// messages.
type serverStream struct {
	grpc.ServerStream
	ctx            context.Context
	received, sent int64
}

func (s *serverStream) Context() context.Context { return s.ctx }

func (s *serverStream) RecvMsg(m any) error {
	err := s.ServerStream.RecvMsg(m)
	if err == nil {
		s.received++
	}
	return err
}

func (s *serverStream) SendMsg(m any) error {
	err := s.ServerStream.SendMsg(m)
	if err == nil {
		s.sent++
	}
	return err
}

// clientStream counts messages and reports the stream's end once. gRPC
// allows one goroutine to send while another receives, and the end may
// also come from the context's AfterFunc, so the counts are atomic and the
// end is reported under a sync.Once.
type clientStream struct {
	grpc.ClientStream
	serverStreams  bool
	end            func(err error, withPeer bool, received, sent int64)
	stop           func() bool // stops the AfterFunc; set before the caller has the stream
	received, sent atomic.Int64
	once           sync.Once
	done           atomic.Bool
}

func (s *clientStream) SendMsg(m any) error {
	err := s.ClientStream.SendMsg(m)
	if err == nil {
		s.sent.Add(1)
	}
	return err
}

func (s *clientStream) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	// finish runs once: if the context's AfterFunc got there first, these
	// calls wait for its record, so the stream's end is logged before
	// RecvMsg returns it.
	switch {
	case err == nil:
		s.received.Add(1)
		if !s.serverStreams {
			// The server answers a client stream with one message, and the
			// caller need not call RecvMsg again after it.
			s.finish(nil, true)
		}
	case errors.Is(err, io.EOF):
		s.finish(nil, true)
	default:
		s.finish(err, true)
	}
	if s.done.Load() {
		s.stop() // RecvMsg ended the stream: the AfterFunc is not needed
	}
	return err
}

// finish reports the end once. withPeer is false on the AfterFunc's
// goroutine, where gRPC may still be filling in the peer: the record then
// names the target.
func (s *clientStream) finish(err error, withPeer bool) {
	s.once.Do(func() {
		s.done.Store(true)
		s.end(err, withPeer, s.received.Load(), s.sent.Load())
	})
}
