package benchmarks

import (
	"context"
	"errors"
	"flag"
	"fmt"
	fapilog "github.com/fapilog/fapilog-go"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/bridges/otelslog"
)

var (
	e2eRecords = flag.Int("e2e.records", 1_000_000, "records TestEndToEnd emits per contender")
	resultsDir = flag.String("results", "", "folder where the end-to-end tests also write their tables (run.sh sets it)")
)

const e2eGoroutines = 4

// e2eRow is one contender's end-to-end result.
type e2eRow struct {
	name               string
	emitted, exported  uint64
	emitDur, totalDur  time.Duration
	cpuUser, cpuSystem time.Duration // collector test only
	note               string
}

func (r e2eRow) dropped() uint64 {
	if r.exported >= r.emitted {
		return 0
	}
	return r.emitted - r.exported
}

func perSecond(n uint64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// emitConcurrently makes total calls of call from e2eGoroutines goroutines
// and returns when all have returned.
func emitConcurrently(total int, call func()) time.Duration {
	per := total / e2eGoroutines
	var wg sync.WaitGroup
	start := time.Now()
	for g := range e2eGoroutines {
		n := per
		if g == e2eGoroutines-1 {
			n = total - per*(e2eGoroutines-1)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				call()
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// TestEndToEnd emits -e2e.records records (3 attributes) from 4 goroutines
// into each pipeline, flushes, and reports the rates at which records were
// emitted (calls returned) and delivered (received by the exporter, flush
// included), and how many were dropped. The pipelines are the same as the
// benchmarks' (BatchProcessor with default settings over a counting no-op
// exporter); fapilog runs with its default policy.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run skipped in -short mode")
	}
	n := *e2eRecords
	ctx := context.Background()
	var rows []e2eRow

	{ // raw SDK
		exp := &countingExporter{}
		p := sdkProvider(exp)
		lg := p.Logger("e2e")
		start := time.Now()
		emit := emitConcurrently(n, func() { lg.Emit(ctx, sdkRecord(3)) })
		if err := p.ForceFlush(ctx); err != nil {
			t.Fatal(err)
		}
		total := time.Since(start)
		rows = append(rows, e2eRow{name: "raw SDK", emitted: uint64(n), exported: exp.n.Load(), emitDur: emit, totalDur: total})
		_ = p.Shutdown(ctx)
	}
	{ // otelslog
		exp := &countingExporter{}
		p := sdkProvider(exp)
		l := otelslog.NewLogger("e2e", otelslog.WithLoggerProvider(p))
		start := time.Now()
		emit := emitConcurrently(n, func() {
			l.InfoContext(ctx, msg, "method", method, "status", status, "path", path)
		})
		if err := p.ForceFlush(ctx); err != nil {
			t.Fatal(err)
		}
		total := time.Since(start)
		rows = append(rows, e2eRow{name: "otelslog", emitted: uint64(n), exported: exp.n.Load(), emitDur: emit, totalDur: total})
		_ = p.Shutdown(ctx)
	}
	{ // fapilog-go, default policy
		exp := &countingExporter{}
		l := newFapilog(t, exp)
		start := time.Now()
		emit := emitConcurrently(n, func() {
			l.Info(msg, "method", method, "status", status, "path", path)
		})
		if err := l.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		total := time.Since(start)
		res, err := l.Drain(ctx)
		if err != nil && (!errors.Is(err, fapilog.ErrNotDelivered) || res.Dropped+res.Failed == 0) {
			t.Fatal(err)
		}
		row := e2eRow{name: "fapilog-go", emitted: uint64(n), exported: exp.n.Load(), emitDur: emit, totalDur: total}
		if res.Submitted != res.Exported+res.Dropped+res.Failed {
			t.Errorf("fapilog counts do not add up: %+v", res)
		}
		row.note = fmt.Sprintf("DrainResult: submitted %d, exported %d, dropped %d", res.Submitted, res.Exported, res.Dropped)
		rows = append(rows, row)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "End to end: %d records (3 attributes) from %d goroutines, then flush; BatchProcessor defaults over a counting no-op exporter.\n\n", n, e2eGoroutines)
	b.WriteString("| pipeline | emitted/s | delivered/s | dropped | drop % | delivered/s vs raw SDK |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|\n")
	base := perSecond(rows[0].exported, rows[0].totalDur)
	for _, r := range rows {
		d := perSecond(r.exported, r.totalDur)
		fmt.Fprintf(&b, "| %s | %.0f | %.0f | %d | %.1f | %.2f× |\n", r.name,
			perSecond(r.emitted, r.emitDur), d, r.dropped(), dropRate(r.emitted, r.exported), d/base)
	}
	for _, r := range rows {
		if r.note != "" {
			fmt.Fprintf(&b, "\n%s: %s\n", r.name, r.note)
		}
	}
	report(t, "e2e.md", b.String())
}

// report logs a table and, with -results, writes it to a file there.
func report(t *testing.T, name, table string) {
	t.Helper()
	t.Log("\n" + table)
	if *resultsDir == "" {
		return
	}
	if err := os.MkdirAll(*resultsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*resultsDir, name), []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
}
