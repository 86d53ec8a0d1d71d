package benchmarks

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/bridges/otelslog"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/collectortest"
)

var (
	collectorRecords = flag.Int("collector.records", 20_000, "records TestThroughCollector emits per contender and round")
	collectorRounds  = flag.Int("collector.rounds", 1, "rounds of TestThroughCollector (the median round is reported)")
)

// collectorConfig keeps the collector light: its logs pipeline ends in the
// debug exporter (one line per batch) instead of the file exporter, so the
// collector takes less of the machine's CPU from the process measured.
const collectorConfig = `
service:
  pipelines:
    logs:
      exporters: [debug]
`

// deliveredExporter counts the records an exporter delivered (its Export
// returned nil): for the SDK pipeline, what reached the collector.
type deliveredExporter struct {
	sdklog.Exporter
	n atomic.Uint64
}

func (e *deliveredExporter) Export(ctx context.Context, recs []sdklog.Record) error {
	err := e.Exporter.Export(ctx, recs)
	if err == nil {
		e.n.Add(uint64(len(recs)))
	}
	return err
}

// cpuTime is the CPU time (user, system) this process has used so far.
func cpuTime(t *testing.T) (user, sys time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

// measured runs emit, then finish (flush and shut down), and returns the
// row with wall times and this process's CPU time over both.
func measured(t *testing.T, name string, n int, call func(), finish func() uint64) e2eRow {
	u0, s0 := cpuTime(t)
	start := time.Now()
	emit := emitConcurrently(n, call)
	delivered := finish()
	total := time.Since(start)
	u1, s1 := cpuTime(t)
	return e2eRow{name: name, emitted: uint64(n), exported: delivered, emitDur: emit, totalDur: total,
		cpuUser: u1 - u0, cpuSystem: s1 - s0}
}

// TestThroughCollector sends -collector.records records (3 attributes)
// from 4 goroutines through OTLP/gRPC to the project's real collector
// (tools/otelcol), with fapilog-go and with otelslog over the SDK's
// default BatchProcessor and otlploggrpc exporter, and reports the records
// per second delivered (acknowledged by the collector) and this process's
// CPU time (getrusage user+sys) per record.
func TestThroughCollector(t *testing.T) {
	if testing.Short() {
		t.Skip("collector run skipped in -short mode")
	}
	col := collectortest.Start(t, collectortest.WithConfig(collectorConfig))
	n := *collectorRecords
	ctx := context.Background()

	runOtelslog := func() e2eRow {
		inner, err := otlploggrpc.New(ctx, otlploggrpc.WithEndpoint(col.GRPCEndpoint), otlploggrpc.WithInsecure())
		if err != nil {
			t.Fatal(err)
		}
		exp := &deliveredExporter{Exporter: inner}
		p := sdkProvider(exp)
		l := otelslog.NewLogger("collector", otelslog.WithLoggerProvider(p))
		return measured(t, "otelslog", n, func() {
			l.InfoContext(ctx, msg, "method", method, "status", status, "path", path)
		}, func() uint64 {
			if err := p.Shutdown(ctx); err != nil {
				t.Error(err)
			}
			return exp.n.Load()
		})
	}
	runFapilog := func() e2eRow {
		insecure := true
		l := fapilog.GetLogger("collector", fapilog.Reuse(false), fapilog.WithExporterConfig(exporter.Config{
			Kind: exporter.KindOTLP, Protocol: exporter.ProtocolGRPC,
			Endpoint: "http://" + col.GRPCEndpoint, Insecure: &insecure,
		}))
		var res fapilog.DrainResult
		row := measured(t, "fapilog-go", n, func() {
			l.Info(msg, "method", method, "status", status, "path", path)
		}, func() uint64 {
			var err error
			// Drops under this load are measured, not a failure: the
			// drain reports them with ErrNotDelivered, and nothing else.
			if res, err = l.Drain(ctx); err != nil && (!errors.Is(err, fapilog.ErrNotDelivered) || res.Dropped+res.Failed == 0) {
				t.Error(err)
			}
			return res.Exported
		})
		row.note = fmt.Sprintf("dropped %d, failed %d", res.Dropped, res.Failed)
		return row
	}

	rounds := max(*collectorRounds, 1)
	byName := map[string][]e2eRow{}
	for r := range rounds {
		// Alternate the order so neither always runs on a warmer collector.
		runs := []func() e2eRow{runOtelslog, runFapilog}
		if r%2 == 1 {
			runs[0], runs[1] = runs[1], runs[0]
		}
		for _, run := range runs {
			row := run()
			byName[row.name] = append(byName[row.name], row)
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Through the collector: %d records (3 attributes) from %d goroutines over OTLP/gRPC to tools/otelcol on loopback, then shutdown; median of %d round(s) by delivered/s. CPU is this process's getrusage user+sys.\n\n", n, e2eGoroutines, rounds)
	b.WriteString("| pipeline | delivered/s | dropped | CPU µs/record delivered | CPU µs/record emitted | wall s |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|\n")
	for _, name := range []string{"otelslog", "fapilog-go"} {
		rows := byName[name]
		sort.Slice(rows, func(i, j int) bool {
			return perSecond(rows[i].exported, rows[i].totalDur) < perSecond(rows[j].exported, rows[j].totalDur)
		})
		r := rows[len(rows)/2]
		cpu := r.cpuUser + r.cpuSystem
		perDelivered := 0.0
		if r.exported > 0 {
			perDelivered = float64(cpu.Microseconds()) / float64(r.exported)
		}
		fmt.Fprintf(&b, "| %s | %.0f | %d | %.2f | %.2f | %.2f |\n", name, perSecond(r.exported, r.totalDur),
			r.dropped(), perDelivered, float64(cpu.Microseconds())/float64(r.emitted), r.totalDur.Seconds())
	}
	report(t, "collector.md", b.String())
}
