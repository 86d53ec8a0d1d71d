package delivery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
)

func TestAReportTravelsInTheContext(t *testing.T) {
	if From(context.Background()) != nil {
		t.Fatal("a report without With")
	}
	ctx, r := With(context.Background())
	if From(ctx) != r {
		t.Fatal("From does not return the report of With")
	}
	if maybe, observed := r.MaybeDelivered(); maybe || observed {
		t.Fatalf("a new report says %v, %v", maybe, observed)
	}
	r.Observe()
	r.Uncertain()
	if maybe, observed := r.MaybeDelivered(); !maybe || !observed {
		t.Fatalf("after Observe and Uncertain: %v, %v", maybe, observed)
	}
}

func TestOnSendRunsOnceAndOnlyWhenSending(t *testing.T) {
	_, r := With(context.Background())
	n := 0
	r.OnSend(func() { n++ })
	if n != 0 {
		t.Fatal("OnSend ran before Sending")
	}
	r.Sending()
	r.Sending()
	if n != 1 {
		t.Fatalf("OnSend ran %d times for two attempts, want once", n)
	}
	_, bare := With(context.Background())
	bare.Sending() // no OnSend: nothing to run, no panic
}

type reporting bool

func (r reporting) ReportsDelivery() bool { return bool(r) }

func TestReports(t *testing.T) {
	if !Reports(reporting(true)) || Reports(reporting(false)) || Reports(struct{}{}) {
		t.Fatal("Reports")
	}
}

func TestANilReportIsSafe(t *testing.T) {
	var r *Report
	r.Observe()
	r.Uncertain()
	r.Sending()
	if maybe, observed := r.MaybeDelivered(); maybe || observed {
		t.Fatal("a nil report reported")
	}
}

func TestNeverConnected(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("i/o timeout")}, true},
		{fmt.Errorf("export: %w", syscall.ECONNREFUSED), true},
		{errors.New(`rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:1: connect: connection refused"`), true},
		{errors.New("lookup collector.invalid: no such host"), true},
		{&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, false},
		{errors.New("rpc error: code = Unavailable desc = error reading from server: EOF"), false},
		{context.DeadlineExceeded, false},
	} {
		if got := NeverConnected(c.err); got != c.want {
			t.Errorf("NeverConnected(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
