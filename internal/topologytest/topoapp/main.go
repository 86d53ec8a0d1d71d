// Command topoapp is the application of the topology tests: a service that
// logs numbered records through fapilog-go, configured by the standard
// OTEL_* and FAPILOG_* variables like any user's service, then drains and
// prints its DrainResult and CPU time as one JSON line on stdout.
//
// Every record carries run_id, app and seq (0..n-1), so the log store can
// count missing and duplicated records per application.
//
//	topoapp -run RUN -app app-1 -n 20000 -rate 2000
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/internal/topologytest"
	"github.com/fapilog/fapilog-go/levels"
)

func main() {
	run := flag.String("run", "", "run id put on every record (required)")
	app := flag.String("app", "app", "application name put on every record")
	n := flag.Int("n", 1000, "records to log")
	rate := flag.Int("rate", 0, "records per second over all workers; 0 logs as fast as it can")
	workers := flag.Int("workers", 1, "goroutines logging")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	drainTimeout := flag.Duration("drain-timeout", 3*time.Minute, "bound on the final drain")
	levelName := flag.String("level", "INFO", "level of every record (ERROR and above are protected: they wait for room, and go to the spool)")
	spool := flag.String("spool", "", "spool folder; the app uses <spool>/<app> (sets FAPILOG_SPOOL_DIR)")
	flag.Parse()
	if *run == "" || *n < 0 || *workers < 1 {
		fmt.Fprintln(os.Stderr, "topoapp: -run is required; -n >= 0, -workers >= 1")
		os.Exit(2)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "topoapp:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "topoapp:", err)
			os.Exit(1)
		}
		defer f.Close()
	}

	level, err := levels.Parse(*levelName)
	if err != nil {
		fmt.Fprintln(os.Stderr, "topoapp:", err)
		os.Exit(2)
	}
	if *spool != "" { // one folder per app, read by the logger like any variable
		if err := os.Setenv("FAPILOG_SPOOL_DIR", filepath.Join(*spool, *app)); err != nil {
			fmt.Fprintln(os.Stderr, "topoapp:", err)
			os.Exit(1)
		}
	}
	log := fapilog.GetLogger(*app)
	payload := strings.Repeat("x", 64)
	var next atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for w := range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				seq := next.Add(1) - 1
				if seq >= int64(*n) {
					return
				}
				if *rate > 0 { // pace: record seq is due at start + seq/rate
					if d := time.Until(start.Add(time.Duration(seq) * time.Second / time.Duration(*rate))); d > 0 {
						time.Sleep(d)
					}
				}
				if level == levels.Info { // the load figure's call
					log.Info("topology record", "run_id", *run, "app", *app, "seq", seq, "worker", w, "payload", payload)
				} else {
					log.Log(context.Background(), level, "topology record", "run_id", *run, "app", *app, "seq", seq, "worker", w, "payload", payload)
				}
			}
		}()
	}
	wg.Wait()
	emitted := time.Since(start)

	ctx, cancel := context.WithTimeout(context.Background(), *drainTimeout)
	defer cancel()
	drainStart := time.Now()
	res, err := log.StopAndDrain(ctx)
	out := topologytest.AppResult{
		App: *app, Submitted: res.Submitted, Exported: res.Exported, Dropped: res.Dropped,
		Failed: res.Failed, Retried: res.Retried, Spooled: res.Spooled, QueueHighWatermark: res.QueueHighWatermark,
		EmitNanos: emitted.Nanoseconds(), DrainNanos: time.Since(drainStart).Nanoseconds(),
		CPUNanos: cpuTime().Nanoseconds(),
	}
	if err != nil {
		out.DrainErr = err.Error()
	}
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "topoapp:", err)
		os.Exit(1)
	}
}
