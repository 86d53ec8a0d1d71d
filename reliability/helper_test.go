//go:build linux

package reliability

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/levels"
)

// The test binary doubles as a subprocess: with helperEnv set, TestMain
// runs the named helper instead of the tests. The helpers talk to the test
// over stdout, one JSON object per line.
const (
	helperEnv         = "FAPILOG_RELIABILITY_HELPER"
	helperEndpointEnv = "FAPILOG_RELIABILITY_ENDPOINT"
	helperCountEnv    = "FAPILOG_RELIABILITY_COUNT"
)

// helperLine is one line a helper prints.
type helperLine struct {
	Event string `json:"event"`
	// ready / sample
	Logged   int    `json:"logged"`
	Exported uint64 `json:"exported"`
	RSSKiB   int64  `json:"rss_kib,omitempty"`
	HeapKiB  uint64 `json:"heap_kib,omitempty"`
	// done
	Result *fapilog.DrainResult `json:"result,omitempty"`
	Err    string               `json:"err,omitempty"`
}

func emit(l helperLine) {
	b, _ := json.Marshal(l)
	fmt.Println(string(b))
}

func runHelper(name string) int {
	switch name {
	case "sigterm":
		return helperSIGTERM()
	case "memory":
		return helperMemory()
	case "matrix":
		return helperMatrix() // matrix_test.go
	}
	fmt.Fprintf(os.Stderr, "unknown helper %q\n", name)
	return 2
}

func helperCount(def int) int {
	if n, err := strconv.Atoi(os.Getenv(helperCountEnv)); err == nil && n > 0 {
		return n
	}
	return def
}

// helperSIGTERM logs a known number of records inside fapilog.Runtime, with
// a batch processor that exports nothing on its own before the drain (the
// queue holds them all and the interval is a minute), prints "ready", and
// blocks until SIGTERM. Runtime drains on the signal; the helper then prints
// the logger's final counts.
func helperSIGTERM() int {
	n := helperCount(5000)
	cfg := exporter.Config{
		Kind: exporter.KindOTLP, Protocol: exporter.ProtocolGRPC,
		Endpoint: "http://" + os.Getenv(helperEndpointEnv),
		Retry:    &exporter.RetryConfig{Enabled: true, InitialInterval: 50 * time.Millisecond, MaxInterval: 250 * time.Millisecond, MaxElapsedTime: 10 * time.Second},
	}
	// The application's own shutdown signal: fn returns when it arrives.
	// Runtime listens for SIGTERM too, and starts draining at once.
	sigCtx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	var logger *fapilog.Logger
	err := fapilog.Runtime(context.Background(), func(l *fapilog.Logger) error {
		logger = l
		for i := range n {
			l.Log(context.Background(), mixedLevels[i%len(mixedLevels)], "accepted before SIGTERM", "id", i)
		}
		emit(helperLine{Event: "ready", Logged: n, Exported: l.Stats().Exported})
		<-sigCtx.Done()
		return nil
	}, fapilog.WithName("sigterm-runtime"), fapilog.WithLevel(levels.Debug), fapilog.WithExporterConfig(cfg),
		fapilog.WithQueueSize(8192), fapilog.WithBatchSize(8192), fapilog.WithExportInterval(time.Minute),
		fapilog.WithDrainTimeout(20*time.Second))
	res := logger.Stats() // final: the drain is over
	line := helperLine{Event: "done", Result: &res}
	if err != nil {
		line.Err = err.Error()
	}
	emit(line)
	if err != nil && strings.Contains(err.Error(), "runtime: drain") {
		return 3
	}
	return 0
}

// rssKiB reads VmRSS of this process.
func rssKiB() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return -1
}

func heapKiB() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc / 1024
}

// helperMemory logs steadily while the collector is down (the endpoint
// refuses connections) and samples its RSS every 10,000 records.
func helperMemory() int {
	n := helperCount(200000)
	cfg := exporter.Config{
		Kind: exporter.KindOTLP, Protocol: exporter.ProtocolGRPC,
		Endpoint: "http://" + os.Getenv(helperEndpointEnv),
		// Short retries: most records go the whole way (queued, exported,
		// failed) instead of being turned away at a full queue, which is
		// the path that could hold memory.
		Retry: &exporter.RetryConfig{Enabled: true, InitialInterval: time.Millisecond, MaxInterval: 2 * time.Millisecond, MaxElapsedTime: 5 * time.Millisecond},
	}
	l := fapilog.GetLogger("memory-outage", fapilog.Reuse(false), fapilog.WithLevel(levels.Debug), fapilog.WithExporterConfig(cfg),
		fapilog.WithBackpressureWait(20*time.Millisecond), fapilog.WithExportInterval(10*time.Millisecond))
	payload := strings.Repeat("p", 200)
	logOne := func(i int) {
		lv := levels.Info
		if i%3 == 0 {
			lv = levels.Warning
		}
		l.Log(context.Background(), lv, "steady logging during an outage", "id", i, "user", "u-"+strconv.Itoa(i%1000),
			"payload", payload, "n", i%97, "ok", i%2 == 0, "ratio", float64(i)/3)
	}
	const warm = 10000
	for i := range warm {
		logOne(-1 - i)
	}
	runtime.GC()
	emit(helperLine{Event: "sample", Logged: 0, RSSKiB: rssKiB(), HeapKiB: heapKiB()})
	for i := range n {
		logOne(i)
		if (i+1)%10000 == 0 {
			emit(helperLine{Event: "sample", Logged: i + 1, RSSKiB: rssKiB(), HeapKiB: heapKiB(), Exported: l.Stats().Exported})
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := l.StopAndDrain(ctx)
	line := helperLine{Event: "done", Result: &res, RSSKiB: rssKiB(), HeapKiB: heapKiB()}
	if err != nil {
		line.Err = err.Error()
	}
	emit(line)
	return 0
}
