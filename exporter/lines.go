package exporter

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// maxKeptBuffer is the largest encoding buffer a console exporter keeps
// between batches; a larger one is dropped after its write.
const maxKeptBuffer = 1 << 20

// lineEncoder appends one record, as one line (or block of lines), to b.
// It is called with the exporter's lock held, so it may keep state.
type lineEncoder interface {
	appendRecord(b []byte, r *sdklog.Record) []byte
}

// lineExporter is what the console formats share: it encodes a batch into a
// buffer reused across batches and writes it in one Write call. Only the
// encoder differs between formats. It is safe for concurrent use.
type lineExporter struct {
	mu      sync.Mutex
	w       io.Writer
	name    string // in errors: "console", "pretty console"
	enc     lineEncoder
	buf     []byte
	stopped bool
}

func newLineExporter(w io.Writer, name string, enc lineEncoder) *lineExporter {
	if w == nil {
		w = os.Stdout
	}
	return &lineExporter{w: w, name: name, enc: enc}
}

// Export encodes records and writes them in one Write call.
func (e *lineExporter) Export(ctx context.Context, records []sdklog.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return sdklog.ErrExporterShutdown
	}
	if len(records) == 0 {
		return nil
	}
	b := e.buf[:0]
	for i := range records {
		b = e.enc.appendRecord(b, &records[i])
	}
	_, err := e.w.Write(b)
	if cap(b) <= maxKeptBuffer {
		e.buf = b[:0]
	} else {
		e.buf = nil
	}
	if err != nil {
		return fmt.Errorf("exporter: %s write: %w", e.name, err)
	}
	return nil
}

// ForceFlush flushes the writer when it has a Flush method (a bufio.Writer,
// for example).
func (e *lineExporter) ForceFlush(context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return nil
	}
	return e.flush()
}

// Shutdown flushes the writer like ForceFlush and stops the exporter; it
// does not close the writer.
func (e *lineExporter) Shutdown(context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return nil
	}
	e.stopped = true
	e.buf = nil
	return e.flush()
}

func (e *lineExporter) flush() error {
	if f, ok := e.w.(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil {
			return fmt.Errorf("exporter: %s flush: %w", e.name, err)
		}
	}
	return nil
}
