package pipeline

import (
	"context"
	"sync"

	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// syncProcessor exports each record on the caller's goroutine before Emit
// returns: for writers that are local and fast (the console), where a
// batch held for up to a second is what a panic or os.Exit right after the
// call would lose. slog and zap write before the call returns too.
//
// Unlike sdklog.SimpleProcessor it does not pass the caller's ctx to the
// exporter (a cancelled request ctx must not fail the write), it reuses
// one record slot under its lock (no allocation), and it returns no error
// to the SDK, which would hand it to the OTel global error handler: the
// counting exporter counts and reports failures itself.
//
// It is safe for concurrent use: exports are serialized, so lines never
// interleave.
type syncProcessor struct {
	mu  sync.Mutex
	exp sdklog.Exporter
	one [1]sdklog.Record
}

var _ sdklog.Processor = (*syncProcessor)(nil)

func newSyncProcessor(exp sdklog.Exporter) *syncProcessor { return &syncProcessor{exp: exp} }

// OnEmit exports r now.
func (s *syncProcessor) OnEmit(_ context.Context, r *sdklog.Record) error {
	s.mu.Lock()
	s.one[0] = *r
	_ = s.exp.Export(context.Background(), s.one[:])
	s.one[0] = sdklog.Record{} // drop references to the caller's values
	s.mu.Unlock()
	return nil
}

// Enabled reports true: the level gate is the library's.
func (s *syncProcessor) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }

// Shutdown shuts the exporter down; nothing is queued.
func (s *syncProcessor) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exp.Shutdown(ctx)
}

// ForceFlush flushes the exporter (a buffered writer); nothing is queued.
func (s *syncProcessor) ForceFlush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exp.ForceFlush(ctx)
}
