// Package grpctest serves grpc-go's own interop TestService on loopback, so
// tests of the gRPC interceptors run real unary and streaming calls over a
// real connection without generated code of their own.
package grpctest

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/status"
)

// Service implements TestService. Each call may log through OnCall with the
// handler's context (so tests see what a handler's own records carry).
//
//   - UnaryCall answers with the status in ResponseStatus (OK when unset).
//   - StreamingOutputCall sends one response per ResponseParameters entry,
//     then ends with ResponseStatus.
//   - StreamingInputCall reads to the end and answers with the total size.
//   - FullDuplexCall echoes one response per request.
type Service struct {
	testpb.UnimplementedTestServiceServer
	OnCall func(ctx context.Context, method string)
}

func (s *Service) called(ctx context.Context, m string) {
	if s.OnCall != nil {
		s.OnCall(ctx, m)
	}
}

func echoErr(st *testpb.EchoStatus) error {
	if st == nil || st.Code == 0 {
		return nil
	}
	return status.Error(codes.Code(st.Code), st.Message)
}

// UnaryCall implements TestService.
func (s *Service) UnaryCall(ctx context.Context, req *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
	s.called(ctx, "UnaryCall")
	if err := echoErr(req.GetResponseStatus()); err != nil {
		return nil, err
	}
	return &testpb.SimpleResponse{}, nil
}

// StreamingOutputCall implements TestService.
func (s *Service) StreamingOutputCall(req *testpb.StreamingOutputCallRequest, ss grpc.ServerStreamingServer[testpb.StreamingOutputCallResponse]) error {
	s.called(ss.Context(), "StreamingOutputCall")
	for range req.GetResponseParameters() {
		if err := ss.Send(&testpb.StreamingOutputCallResponse{}); err != nil {
			return err
		}
	}
	return echoErr(req.GetResponseStatus())
}

// StreamingInputCall implements TestService.
func (s *Service) StreamingInputCall(ss grpc.ClientStreamingServer[testpb.StreamingInputCallRequest, testpb.StreamingInputCallResponse]) error {
	s.called(ss.Context(), "StreamingInputCall")
	var total int32
	for {
		m, err := ss.Recv()
		if errors.Is(err, io.EOF) {
			return ss.SendAndClose(&testpb.StreamingInputCallResponse{AggregatedPayloadSize: total})
		}
		if err != nil {
			return err
		}
		total += int32(len(m.GetPayload().GetBody()))
	}
}

// FullDuplexCall implements TestService.
func (s *Service) FullDuplexCall(ss grpc.BidiStreamingServer[testpb.StreamingOutputCallRequest, testpb.StreamingOutputCallResponse]) error {
	s.called(ss.Context(), "FullDuplexCall")
	for {
		_, err := ss.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := ss.Send(&testpb.StreamingOutputCallResponse{}); err != nil {
			return err
		}
	}
}

// Serve starts srv (with svc registered) on a loopback port and returns a
// client connection to it made with dialOpts; both are closed when tb ends.
func Serve(tb testing.TB, srv *grpc.Server, svc *Service, dialOpts ...grpc.DialOption) (*grpc.ClientConn, string) {
	tb.Helper()
	testpb.RegisterTestServiceServer(srv, svc)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(lis) }()
	tb.Cleanup(func() { srv.Stop(); <-done })
	conn, err := grpc.NewClient(lis.Addr().String(), append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, dialOpts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = conn.Close() })
	return conn, lis.Addr().String()
}
