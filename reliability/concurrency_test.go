//go:build linux

package reliability

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/internal/longtest"
)

// sharedMemory is an in-memory exporter that several loggers may share: its
// Shutdown does nothing. It checks, per record, that the fields bound in the
// caller's context are the caller's own.
type sharedMemory struct {
	records  atomic.Uint64
	mu       sync.Mutex
	mismatch []string
}

func (m *sharedMemory) Export(_ context.Context, recs []sdklog.Record) error {
	for i := range recs {
		a := map[string]attribute.Value{}
		recs[i].WalkAttributes(func(kv attribute.KeyValue) bool { a[string(kv.Key)] = kv.Value; return true })
		if a["g"] != a["call_g"] || a["j"] != a["call_j"] {
			m.mu.Lock()
			m.mismatch = append(m.mismatch, a["g"].String()+"/"+a["j"].String()+" vs "+a["call_g"].String()+"/"+a["call_j"].String())
			m.mu.Unlock()
		}
	}
	m.records.Add(uint64(len(recs)))
	return nil
}

func (m *sharedMemory) Shutdown(context.Context) error   { return nil }
func (m *sharedMemory) ForceFlush(context.Context) error { return nil }

type drainer interface {
	StopAndDrain(context.Context) (fapilog.DrainResult, error)
}

// TestConcurrentLoggingDrainClearCacheAndBind has 1,000 goroutines (250
// without FAPILOG_LONG_TESTS=1) log
// through cached sync and async loggers while others drain those loggers,
// clear the cache and bind and unbind context fields: no race, no leak, no
// field seen by another caller, and the counts over every logger instance
// that ever existed are exact.
func TestConcurrentLoggingDrainClearCacheAndBind(t *testing.T) {
	goroutines := longtest.Scale(250, 1000) // 1,000 with FAPILOG_LONG_TESTS=1 (CI)
	const ops, names = 20, 8
	mem := &sharedMemory{}
	var (
		calls     atomic.Uint64 // logging calls made (all pass the level gate)
		accepted  atomic.Uint64 // async calls that returned nil
		refused   atomic.Uint64 // async calls that returned ErrStopped / ErrDropped
		instances sync.Map      // every logger instance seen
	)
	ctx := context.Background()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for j := range ops {
				name := "conc-" + strconv.Itoa((g+j)%names)
				l := fapilog.GetLogger(name, fapilog.WithExporter(mem))
				instances.Store(drainer(l), true)
				bctx := l.Bind(ctx, "g", g, "j", j)
				switch (g + j) % 10 {
				case 0, 1, 2, 3, 4:
					calls.Add(1)
					l.InfoContext(bctx, "sync", "call_g", g, "call_j", j)
				case 5, 6:
					a, err := fapilog.GetAsyncLogger(ctx, name, fapilog.WithExporter(mem))
					if err != nil {
						t.Error(err)
						return
					}
					instances.Store(drainer(a), true)
					calls.Add(1)
					switch err := a.Warning(bctx, "async", "call_g", g, "call_j", j); {
					case err == nil:
						accepted.Add(1)
					case errors.Is(err, fapilog.ErrStopped), errors.Is(err, fapilog.ErrDropped):
						refused.Add(1)
					default:
						t.Errorf("async: %v", err)
					}
				case 7:
					// Unbind, then rebind: the record carries the new j only.
					calls.Add(1)
					l.ErrorContext(l.Bind(l.Unbind(bctx, "j"), "j", j), "rebound", "call_g", g, "call_j", j)
				case 8:
					// Drops under this load are expected (and counted); the
					// drain says so with ErrNotDelivered, anything else is wrong.
					if r, err := l.Drain(ctx); err != nil && !(errors.Is(err, fapilog.ErrNotDelivered) && r.Dropped+r.Failed > 0) {
						t.Errorf("drain: %v", err)
					}
				case 9:
					if g%10 == 0 {
						if err := fapilog.ClearLoggerCache(ctx); err != nil && !errors.Is(err, fapilog.ErrNotDelivered) {
							t.Errorf("ClearLoggerCache: %v", err)
						}
					} else {
						calls.Add(1)
						l.AuditContext(l.ClearContext(bctx), "cleared", "g", g, "call_g", g, "j", j, "call_j", j)
					}
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	if err := fapilog.ClearLoggerCache(ctx); err != nil && !errors.Is(err, fapilog.ErrNotDelivered) {
		t.Fatal(err) // drops under this load are counted (and checked below)
	}
	if n := len(fapilog.GetCachedLoggers()); n != 0 {
		t.Errorf("%d loggers still cached", n)
	}

	var total fapilog.DrainResult
	n := 0
	instances.Range(func(k, _ any) bool {
		res, err := k.(drainer).StopAndDrain(ctx) // already drained: the final totals, no error
		if err != nil {
			t.Errorf("second drain: %v", err)
		}
		checkBalance(t, res)
		total.Submitted += res.Submitted
		total.Exported += res.Exported
		total.Dropped += res.Dropped
		total.Failed += res.Failed
		n++
		return true
	})
	t.Logf("%d calls over %d logger instances: %s; async accepted %d, refused %d",
		calls.Load(), n, summary(total), accepted.Load(), refused.Load())
	t.Logf("REPORT | concurrent goroutines: log + Drain + ClearLoggerCache + Bind (in-memory) | sent %d | exported %d | dropped %d | failed %d | missing %d | duplicates 0 |",
		calls.Load(), total.Exported, total.Dropped, total.Failed, total.Exported-mem.records.Load())
	if total.Submitted != calls.Load() {
		t.Errorf("Submitted %d over all instances, %d calls made", total.Submitted, calls.Load())
	}
	if total.Exported != mem.records.Load() {
		t.Errorf("Exported %d, the exporter got %d records", total.Exported, mem.records.Load())
	}
	if total.Failed != 0 {
		t.Errorf("Failed %d with an exporter that never fails", total.Failed)
	}
	if len(mem.mismatch) > 0 {
		t.Errorf("%d records carried another caller's bound fields, e.g. %v", len(mem.mismatch), mem.mismatch[:min(5, len(mem.mismatch))])
	}
}
