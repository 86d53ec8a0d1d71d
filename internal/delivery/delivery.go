// Package delivery lets an exporter tell the pipeline that called it
// whether an export may have reached the collector more than once, or at
// all when it failed: what the pipeline needs to count possible duplicates
// (DrainResult.Resent). A Report travels in the context of one Export
// call; the exporter's transports write to it, the pipeline reads it after
// Export returns.
package delivery

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

// Report is what an exporter learned about the attempts of one export. It
// is safe for concurrent use (a fan-out exporter's children share it). A
// nil *Report reports nothing and ignores what it is told.
type Report struct {
	observed  atomic.Bool
	uncertain atomic.Bool
	onSend    func()
	sendOnce  sync.Once
}

// Reporter is implemented by exporters whose transports report on their
// attempts (Observe, Uncertain) and call Sending before a request may
// leave. For the others the pipeline assumes the worst: every export may
// send, and a failed one may have delivered.
type Reporter interface {
	// ReportsDelivery is true when the exporter reports.
	ReportsDelivery() bool
}

// Reports reports whether the exporter e reports on its attempts.
func Reports(e any) bool {
	r, ok := e.(Reporter)
	return ok && r.ReportsDelivery()
}

type key struct{}

// With returns ctx carrying a new Report.
func With(ctx context.Context) (context.Context, *Report) {
	r := &Report{}
	return context.WithValue(ctx, key{}, r), r
}

// From returns the Report of ctx, or nil.
func From(ctx context.Context) *Report {
	r, _ := ctx.Value(key{}).(*Report)
	return r
}

// Observe says that the exporter reports on its attempts: without it, the
// pipeline cannot tell and must guess from the error.
func (r *Report) Observe() {
	if r != nil {
		r.observed.Store(true)
	}
}

// OnSend sets f to run once, before the first request of the export may
// leave the process: where the pipeline marks its records sent on disk, so
// that after a crash only records that may have reached the collector
// count as possible duplicates. Set it before Export.
func (r *Report) OnSend(f func()) { r.onSend = f }

// Sending is called by a transport before an attempt whose request may
// reach the collector (a connection is there or being made). It runs the
// OnSend function the first time, synchronously: the mark is written
// before the request.
func (r *Report) Sending() {
	if r != nil && r.onSend != nil {
		r.sendOnce.Do(r.onSend)
	}
}

// Uncertain records an attempt that failed after its request may have
// reached the collector (a timeout, a connection lost after the request
// was written): the collector may hold those records although the
// attempt failed.
func (r *Report) Uncertain() {
	if r != nil {
		r.uncertain.Store(true)
	}
}

// MaybeDelivered reports whether an attempt of the export failed with an
// unknown outcome (then a later successful attempt may have delivered the
// records twice, and a failed export may have delivered them once), and
// whether the exporter reported at all.
func (r *Report) MaybeDelivered() (maybe, observed bool) {
	if r == nil {
		return false, false
	}
	return r.uncertain.Load(), r.observed.Load()
}

// NeverConnected reports whether err says the connection to the collector
// was never made (refused, unreachable, unknown host, a failed dial), so
// nothing was sent. gRPC reports these as text only, hence the phrases.
// It is the one place the exporter's transports and the pipeline (for
// exporters that do not report) decide it.
func NeverConnected(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) {
		return true
	}
	if op := (*net.OpError)(nil); errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"connection refused", "while dialing", "no such host", "network is unreachable", "no route to host"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
