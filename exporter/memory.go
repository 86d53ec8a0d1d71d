package exporter

import (
	"context"
	"sync"

	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// Memory is an exporter that keeps every exported record in memory, for
// tests. It is safe for concurrent use. Pass it to a logger with
// WithExporter, log, flush or drain, then inspect Records.
type Memory struct {
	mu      sync.Mutex
	records []sdklog.Record
	stopped bool
}

var _ sdklog.Exporter = (*Memory)(nil)

// NewMemory returns an empty, running in-memory exporter.
func NewMemory() *Memory { return &Memory{} }

// Export stores a clone of each record (the SDK reuses the originals). It
// returns [sdklog.ErrExporterShutdown] after Shutdown.
func (m *Memory) Export(_ context.Context, records []sdklog.Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return sdklog.ErrExporterShutdown
	}
	for i := range records {
		m.records = append(m.records, records[i].Clone())
	}
	return nil
}

// Records returns a copy of the stored records, oldest first. Changing the
// returned records does not change the stored ones.
func (m *Memory) Records() []sdklog.Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]sdklog.Record, len(m.records))
	for i := range m.records {
		out[i] = m.records[i].Clone()
	}
	return out
}

// Len returns the number of stored records.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.records)
}

// Reset forgets the stored records. It does not restart a stopped exporter.
func (m *Memory) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.records = nil
}

// Stopped reports whether Shutdown has been called.
func (m *Memory) Stopped() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stopped
}

// Shutdown marks the exporter stopped; the stored records stay readable.
func (m *Memory) Shutdown(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stopped = true
	return nil
}

// ForceFlush does nothing: records are stored as they are exported.
func (m *Memory) ForceFlush(context.Context) error { return nil }
