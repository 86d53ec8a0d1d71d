package pipeline

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/log"
)

// Item 4: a drain whose ctx is already done (a signal.NotifyContext after
// SIGTERM, or a ClearLoggerCache deadline spent on earlier loggers) still
// releases the batch goroutine and the exporter, and counts what it cut
// off; with a spool, the cut-off protected records go to the spool.
func TestStopWithADoneCtxReleasesEverything(t *testing.T) {
	for _, withSpool := range []bool{false, true} {
		name := "no spool"
		if withSpool {
			name = "spool"
		}
		t.Run(name, func(t *testing.T) {
			exp := newHeld(true) // a blackholed collector: Export waits for its ctx
			s := Settings{Exporter: exp, QueueSize: 64, BatchSize: 4, ExportInterval: time.Millisecond,
				Name: "done-ctx", Warn: func(string) {}}
			if withSpool {
				s.Spool = openSpool(t, t.TempDir(), 0)
				s.Protected = []log.Severity{log.SeverityError}
			}
			p := New(s)
			emitN(t, p, log.SeverityError, 20)
			time.Sleep(20 * time.Millisecond) // a batch is in flight, blocked

			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			stopped := make(chan struct{})
			var res Result
			var err error
			go func() { res, err = p.Stop(ctx); close(stopped) }()
			select {
			case <-stopped:
			case <-time.After(10 * time.Second):
				t.Fatal("Stop with a done ctx did not return")
			}
			if res.Submitted != 20 || res.Exported != 0 || res.Dropped != 0 || res.Failed+res.Spooled != 20 {
				t.Fatalf("%+v", res)
			}
			if withSpool && res.Spooled != 20 {
				t.Fatalf("spooled %d of the 20 cut-off protected records, want all: %+v", res.Spooled, res)
			}
			if !withSpool && err == nil {
				t.Fatal("Stop that cut off 20 records returned nil")
			}
			// The exporter is shut down (which ends the batch goroutine) even
			// though the drain's ctx was done from the start.
			deadline := time.Now().Add(5 * time.Second)
			for !exp.shutdown.Load() && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if !exp.shutdown.Load() {
				t.Fatal("the exporter was never shut down: the batch goroutine and the connection leak")
			}
		})
	}
}
