//go:build linux

package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/collectortest"
	"github.com/fapilog/fapilog-go/internal/syncbuf"
	"github.com/fapilog/fapilog-go/levels"
)

// The fault matrix: every failure scenario over OTLP/gRPC, OTLP/HTTP
// (protobuf) and the console, against the real collector. Each subtest logs
// one row, "MATRIX | protocol | scenario | sent | exported | dropped |
// failed | spooled | missing | duplicates | resent |"; grep MATRIX in the
// -v output for the table. duplicates are the copies beyond the first the
// collector holds; resent is what the library reported as possible
// duplicates (DrainResult.Resent of the process that replayed the spool):
//
//	go test -race -v -run TestFaultMatrix ./reliability/ | grep MATRIX
//
// missing counts records sent and found neither at the collector (or in
// the console output) nor in a spool; a row with missing > 0 is a loss the
// library knew of (it is in Dropped or Failed, and on stderr) unless the
// process was killed before it could count it.

// matrixProtocols are the columns of the matrix.
var matrixProtocols = []string{string(exporter.ProtocolGRPC), string(exporter.ProtocolHTTP), "console"}

const (
	matrixProtoEnv = "FAPILOG_MATRIX_PROTO"
	matrixSpoolEnv = "FAPILOG_MATRIX_SPOOL"
	matrixModeEnv  = "FAPILOG_MATRIX_MODE"
	matrixOutEnv   = "FAPILOG_MATRIX_OUT"
	// matrixGoEnv names the file whose creation tells the frozen-mode
	// helper to log its records (once the collector is frozen).
	matrixGoEnv = "FAPILOG_MATRIX_GO"
)

// otlpAddr is c's OTLP address (host:port) for proto.
func otlpAddr(proto string, c *collectortest.Collector) string {
	if proto == string(exporter.ProtocolHTTP) {
		return c.HTTPEndpoint
	}
	return c.GRPCEndpoint
}

// replaySpool is the next process of a crash: a logger on the spool
// folder dir, which replays what the dead one left there to c, drained.
func replaySpool(t *testing.T, name, proto string, c *collectortest.Collector, dir string) fapilog.DrainResult {
	t.Helper()
	next := fapilog.GetLogger(name, fapilog.Reuse(false), fapilog.WithSpool(dir),
		fapilog.WithExporterConfig(otlpConfig(proto, c, shortRetry(10*time.Second))))
	_ = next.Flush(context.Background()) // asks for the replay now
	time.Sleep(time.Second)
	r, _ := drain(t, next, 30*time.Second) // the drain makes a last replay attempt
	return r
}

// otlpConfig exports over proto in plain text to the collector c.
func otlpConfig(proto string, c *collectortest.Collector, retry *exporter.RetryConfig) exporter.Config {
	cfg := grpcConfig(c.GRPCEndpoint, retry)
	if proto == string(exporter.ProtocolHTTP) {
		cfg.Protocol = exporter.ProtocolHTTP
		cfg.Endpoint = "http://" + c.HTTPEndpoint
	}
	return cfg
}

func matrixRow(t *testing.T, proto, scenario string, sent int, res fapilog.DrainResult, missing, dups int) {
	t.Helper()
	t.Logf("MATRIX | %s | %s | %d | %d | %d | %d | %d | %d | %d | %d |", proto, scenario, sent,
		res.Exported, res.Dropped, res.Failed, res.Spooled, missing, dups, res.Resent)
	if uint64(dups) > res.Resent {
		// At least once, and every duplicate counted: a record the
		// collector may hold twice (a retry after an attempt whose outcome
		// is unknown, a resend after a crash) is in Resent.
		t.Errorf("the collector holds %d duplicates, the library reported %d possible ones", dups, res.Resent)
	}
}

// consoleIDs reads the ids of the records of scope in a console file.
func consoleIDs(t *testing.T, path, scope string) map[int64]int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	ids := map[int64]int{}
	for _, line := range strings.Split(string(b), "\n") {
		var r struct {
			Scope      string         `json:"scope"`
			Attributes map[string]any `json:"attributes"`
		}
		if json.Unmarshal([]byte(line), &r) != nil || r.Scope != scope {
			continue
		}
		if id, ok := r.Attributes["id"].(float64); ok {
			ids[int64(id)]++
		}
	}
	return ids
}

func countMissing(ids map[int64]int, n int) (missing, dups int) {
	for i := range int64(n) {
		switch c := ids[i]; {
		case c == 0:
			missing++
		case c > 1:
			dups += c - 1
		}
	}
	return missing, dups
}

func TestFaultMatrix(t *testing.T) {
	for _, proto := range matrixProtocols {
		t.Run(proto, func(t *testing.T) {
			if proto != "console" {
				t.Run("collector killed and restarted", func(t *testing.T) { matrixKillRestart(t, proto) })
				t.Run("collector absent at start", func(t *testing.T) { matrixAbsentAtStart(t, proto) })
				t.Run("collector down past the retry window", func(t *testing.T) { matrixLongOutage(t, proto) })
			}
			t.Run("SIGKILL of the app without spool", func(t *testing.T) { matrixAppKilled(t, proto, false) })
			if proto != "console" { // the console never fails an export: nothing to spool
				t.Run("SIGKILL of the app with spool", func(t *testing.T) { matrixAppKilled(t, proto, true) })
				t.Run("SIGKILL of the app while the collector holds its request", func(t *testing.T) { matrixFrozen(t, proto) })
			}
			t.Run("panic right after a log call", func(t *testing.T) { matrixPanic(t, proto, false) })
			t.Run("drain with a done ctx", func(t *testing.T) { matrixDoneCtx(t, proto, false) })
			if proto != "console" {
				t.Run("panic right after a log call with spool", func(t *testing.T) { matrixPanic(t, proto, true) })
				t.Run("drain with a done ctx with spool", func(t *testing.T) { matrixDoneCtx(t, proto, true) })
			}
		})
	}
}

func matrixKillRestart(t *testing.T, proto string) {
	const n = 3000
	c := startCollector(t)
	name := "mx-kill-" + proto
	l := fapilog.GetLogger(name, fapilog.Reuse(false), fapilog.WithLevel(levels.Debug),
		fapilog.WithExporterConfig(otlpConfig(proto, c, shortRetry(30*time.Second))),
		fapilog.WithExportInterval(20*time.Millisecond), fapilog.WithBatchSize(128),
		fapilog.WithBackpressureWait(time.Minute), fapilog.WithProtectedWait(time.Minute))
	done := make(chan struct{})
	logged := make(chan int, n)
	go func() {
		defer close(done)
		for i := range n {
			l.Log(context.Background(), mixedLevels[i%len(mixedLevels)], "record", "id", i)
			logged <- i
			time.Sleep(200 * time.Microsecond)
		}
	}()
	for range n / 3 {
		<-logged
	}
	c.Kill()
	time.Sleep(1500 * time.Millisecond)
	c.Restart(t)
	<-done
	res, err := drain(t, l, time.Minute)
	if err != nil {
		t.Errorf("drain: %v", err)
	}
	checkBalance(t, res)
	d := delivered(t, c, name, n, 10*time.Second)
	missing := len(d.missing(n))
	matrixRow(t, proto, "collector killed, back 1.5 s later", n, res, missing, d.duplicates())
	if missing != 0 || res.Failed != 0 || res.Dropped != 0 {
		t.Errorf("%d missing at the collector; %s", missing, summary(res))
	}
}

func matrixAbsentAtStart(t *testing.T, proto string) {
	const n = 500
	c := startCollector(t)
	c.Kill()
	name := "mx-absent-" + proto
	l := fapilog.GetLogger(name, fapilog.Reuse(false), fapilog.WithLevel(levels.Debug),
		fapilog.WithExporterConfig(otlpConfig(proto, c, shortRetry(30*time.Second))),
		fapilog.WithExportInterval(20*time.Millisecond),
		fapilog.WithBackpressureWait(time.Minute), fapilog.WithProtectedWait(time.Minute))
	for i := range n {
		l.Log(context.Background(), mixedLevels[i%len(mixedLevels)], "record", "id", i)
	}
	time.Sleep(1500 * time.Millisecond)
	c.Restart(t)
	res, err := drain(t, l, time.Minute)
	if err != nil {
		t.Errorf("drain: %v", err)
	}
	checkBalance(t, res)
	d := delivered(t, c, name, n, 10*time.Second)
	missing := len(d.missing(n))
	matrixRow(t, proto, "collector absent at start, up 1.5 s later", n, res, missing, d.duplicates())
	if missing != 0 || res.Exported != n {
		t.Errorf("%d missing at the collector; %s", missing, summary(res))
	}
}

func matrixLongOutage(t *testing.T, proto string) {
	const before, during = 100, 300
	c := startCollector(t)
	name := "mx-outage-" + proto
	l := fapilog.GetLogger(name, fapilog.Reuse(false), fapilog.WithLevel(levels.Debug),
		fapilog.WithExporterConfig(otlpConfig(proto, c, shortRetry(time.Second))),
		fapilog.WithExportInterval(20*time.Millisecond),
		fapilog.WithBackpressureWait(time.Minute), fapilog.WithProtectedWait(time.Minute))
	ctx := context.Background()
	for i := range before {
		l.Log(ctx, mixedLevels[i%len(mixedLevels)], "before", "id", i)
	}
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	c.Kill()
	for i := before; i < before+during; i++ {
		l.Log(ctx, mixedLevels[i%len(mixedLevels)], "during", "id", i)
	}
	res, err := drain(t, l, time.Minute)
	checkBalance(t, res)
	d := delivered(t, c, name, before, 5*time.Second)
	missing := len(d.missing(before + during))
	matrixRow(t, proto, "collector down past the 1 s retry window", before+during, res, missing, d.duplicates())
	if res.Exported != before || res.Failed+res.Dropped != during || uint64(missing) != res.Failed+res.Dropped {
		t.Errorf("want %d exported and the %d others counted lost: %s, %d missing", before, during, summary(res), missing)
	}
	if err == nil {
		t.Error("the drain after losing records returned nil")
	}
}

// matrixAppKilled runs the app in a subprocess that logs AUDIT records
// while the collector is down, SIGKILLs it, brings the collector back and
// lets a next process (here: a logger on the same spool folder) replay
// what the spool holds.
func matrixAppKilled(t *testing.T, proto string, withSpool bool) {
	const n = 300
	name := "mx-sigkill-" + proto
	scenario := "SIGKILL of the app during an outage, no spool"
	env := []string{matrixProtoEnv + "=" + proto, matrixModeEnv + "=sigkill", helperCountEnv + "=" + itoa(n)}
	var c *collectortest.Collector
	out := filepath.Join(t.TempDir(), "console.jsonl")
	if proto == "console" {
		scenario = "SIGKILL of the app"
		env = append(env, matrixOutEnv+"="+out)
	} else {
		c = startCollector(t)
		c.Kill()
		endpoint := otlpAddr(proto, c)
		env = append(env, helperEndpointEnv+"="+endpoint)
	}
	dir := filepath.Join(t.TempDir(), "spool")
	if withSpool {
		scenario = "SIGKILL of the app during an outage, spool"
		env = append(env, matrixSpoolEnv+"="+dir)
	}
	h := startHelper(t, "matrix", env...)
	ready := h.next(t, time.Minute)
	// Killed 300 ms after the last call returned: about one failed export
	// (retry window 300 ms), so part of what was accepted is still queued.
	time.Sleep(300 * time.Millisecond)
	h.signal(t, 9)
	h.wait(t, 10*time.Second)

	var res fapilog.DrainResult
	var ids map[int64]int
	if proto == "console" {
		ids = consoleIDs(t, out, name)
		res.Exported = uint64(len(ids))
	} else {
		c.Restart(t)
		if withSpool { // the next process replays the spool
			r := replaySpool(t, "mx-next-"+proto, proto, c, dir)
			res.Spooled = r.Recovered // what came back from the spool
			res.Resent = r.Resent
		}
		d := delivered(t, c, name, ready.Logged, 3*time.Second)
		ids = d.ids
		res.Exported = uint64(d.unique())
	}
	missing, dups := countMissing(ids, ready.Logged)
	matrixRow(t, proto, scenario, ready.Logged, res, missing, dups)
	if proto == "console" && missing != 0 {
		t.Errorf("%d of %d console records lost to SIGKILL: they must be written before the call returns", missing, ready.Logged)
	}
	if withSpool && missing != 0 {
		// With a spool, protected records are written ahead: every
		// accepted AUDIT record survives the kill (at least once).
		t.Errorf("%d of %d accepted AUDIT records lost to SIGKILL with a spool", missing, ready.Logged)
	}

	if !withSpool && missing != 0 {
		t.Logf("without a spool, %d accepted records still queued died with the process", missing)
	}
}

// matrixFrozen is the at-least-once case: the app's export is written to a
// collector that holds it without answering (frozen with SIGSTOP), the app
// is killed, the collector resumes and may still take that request, and
// the next process replays the write-ahead log. Nothing may be missing,
// and every duplicate the collector then holds must be in Resent.
func matrixFrozen(t *testing.T, proto string) {
	const n = 200
	name := "mx-frozen-" + proto
	c := startCollector(t)
	endpoint := otlpAddr(proto, c)
	dir := filepath.Join(t.TempDir(), "spool")
	goFile := filepath.Join(t.TempDir(), "go")
	h := startHelper(t, "matrix", matrixProtoEnv+"="+proto, matrixModeEnv+"=frozen", helperCountEnv+"="+itoa(n),
		helperEndpointEnv+"="+endpoint, matrixSpoolEnv+"="+dir, matrixGoEnv+"="+goFile)
	h.next(t, time.Minute) // connected: one record delivered
	if err := c.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			if err := c.Signal(syscall.SIGCONT); err != nil {
				t.Error(err)
			}
		}
	}
	defer resume()
	if err := os.WriteFile(goFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ready := h.next(t, time.Minute)
	// Two export intervals: the batch is written to the frozen collector.
	time.Sleep(300 * time.Millisecond)
	h.signal(t, 9)
	h.wait(t, 10*time.Second)
	resume()

	r := replaySpool(t, "mx-next-frozen-"+proto, proto, c, dir)
	d := delivered(t, c, name, ready.Logged, 3*time.Second)
	missing, dups := countMissing(d.ids, ready.Logged)
	res := fapilog.DrainResult{Exported: uint64(d.unique()), Spooled: r.Recovered, Resent: r.Resent}
	matrixRow(t, proto, "SIGKILL of the app while the collector holds its request, spool", ready.Logged, res, missing, dups)
	if missing != 0 {
		t.Errorf("%d of %d accepted AUDIT records lost", missing, ready.Logged)
	}
	if r.Resent == 0 {
		// The batch written to the frozen collector had left the process:
		// the next one must say those records may arrive twice.
		t.Errorf("no record reported as a possible duplicate after a kill with a request in flight (recovered %d)", r.Recovered)
	}
}

func matrixPanic(t *testing.T, proto string, withSpool bool) {
	const n = 10
	name := "mx-panic-" + proto
	env := []string{matrixProtoEnv + "=" + proto, matrixModeEnv + "=panic", helperCountEnv + "=" + itoa(n)}
	dir := filepath.Join(t.TempDir(), "spool")
	scenario := "panic right after the log calls"
	if withSpool {
		env = append(env, matrixSpoolEnv+"="+dir)
		scenario += ", spool"
	}
	var c *collectortest.Collector
	out := filepath.Join(t.TempDir(), "console.jsonl")
	if proto == "console" {
		env = append(env, matrixOutEnv+"="+out)
	} else {
		c = startCollector(t)
		endpoint := otlpAddr(proto, c)
		env = append(env, helperEndpointEnv+"="+endpoint)
	}
	h := startHelper(t, "matrix", env...)
	if code := h.wait(t, time.Minute); code != 2 {
		t.Fatalf("helper exit code %d, want 2 (panic); stderr:\n%s", code, h.stderrText())
	}
	var ids map[int64]int
	var res fapilog.DrainResult
	if proto == "console" {
		ids = consoleIDs(t, out, name)
	} else {
		if withSpool { // the next process replays the write-ahead log
			r := replaySpool(t, "mx-next-panic-"+proto, proto, c, dir)
			res.Spooled = r.Recovered
			res.Resent = r.Resent
		}
		ids = delivered(t, c, name, n, 3*time.Second).ids
	}
	missing, dups := countMissing(ids, n)
	res.Exported = uint64(n - missing)
	matrixRow(t, proto, scenario, n, res, missing, dups)
	if (proto == "console" || withSpool) && missing != 0 {
		t.Errorf("%d of %d ERROR records lost to a panic right after the call", missing, n)
	}

	if missing != 0 {
		t.Logf("without a spool, %d records queued for OTLP die with the panicking process", missing)
	}
}

func matrixDoneCtx(t *testing.T, proto string, withSpool bool) {
	const n = 200
	name := "mx-donectx-" + proto
	scenario := "drain with a done ctx"
	var opts []fapilog.Option
	if withSpool {
		name += "-spool"
		scenario += ", spool"
		opts = append(opts, fapilog.WithSpool(t.TempDir()))
	}
	var c *collectortest.Collector
	var cfg exporter.Config
	out := &syncbuf.Buffer{}
	if proto == "console" {
		cfg = exporter.Config{Kind: exporter.KindConsole, Console: out, ConsoleFormat: exporter.ConsoleJSON}
	} else {
		c = startCollector(t)
		cfg = otlpConfig(proto, c, shortRetry(10*time.Second))
	}
	l := fapilog.GetLogger(name, append([]fapilog.Option{fapilog.Reuse(false), fapilog.WithExporterConfig(cfg),
		fapilog.WithExportInterval(time.Minute)}, opts...)...) // queued until the drain
	for i := range n {
		l.Audit("record", "id", i)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a signal.NotifyContext after SIGTERM
	res, err := l.StopAndDrain(ctx)
	if res.Submitted != res.Exported+res.Dropped+res.Failed+res.Spooled {
		t.Errorf("counts do not add up: %s spooled=%d", summary(res), res.Spooled)
	}
	var ids map[int64]int
	if proto == "console" {
		text := out.String()
		path := filepath.Join(t.TempDir(), "out.jsonl")
		if werr := os.WriteFile(path, []byte(text), 0o600); werr != nil {
			t.Fatal(werr)
		}
		ids = consoleIDs(t, path, name)
	} else {
		ids = delivered(t, c, name, int(res.Exported), 3*time.Second).ids
	}
	missing, dups := countMissing(ids, n)
	missing -= int(res.Spooled) // on disk: the next process sends them
	matrixRow(t, proto, scenario, n, res, missing, dups)
	if withSpool && res.Spooled+res.Exported != n {
		t.Errorf("with a spool, what the done ctx cut off must be spooled: %s spooled=%d", summary(res), res.Spooled)
	}
	if uint64(missing) != res.Failed+res.Dropped {
		t.Errorf("%d missing, but Failed %d + Dropped %d", missing, res.Failed, res.Dropped)
	}
	if missing > 0 && err == nil {
		t.Error("a drain that lost records returned nil")
	}
	// The batch goroutine, the exporter and the connection are released
	// (goleak checks the goroutines at the end of the package).
	deadline := time.Now().Add(5 * time.Second)
	for exporter.OpenConnections() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := exporter.OpenConnections(); n != 0 {
		t.Errorf("%d connections still open after a drain with a done ctx", n)
	}
}

// helperMatrix is the app of the matrix's process scenarios: it logs
// helperCount records at AUDIT (sigkill) or ERROR (panic) and then either
// waits to be killed or panics.
func helperMatrix() int {
	n := helperCount(100)
	proto := os.Getenv(matrixProtoEnv)
	var cfg exporter.Config
	if proto == "console" {
		f, err := os.Create(os.Getenv(matrixOutEnv))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		cfg = exporter.Config{Kind: exporter.KindConsole, Console: f, ConsoleFormat: exporter.ConsoleJSON}
	} else {
		cfg = exporter.Config{Kind: exporter.KindOTLP, Protocol: exporter.Protocol(proto),
			Endpoint: "http://" + os.Getenv(helperEndpointEnv), Headers: map[string]string{},
			Retry: &exporter.RetryConfig{Enabled: true, InitialInterval: 50 * time.Millisecond, MaxInterval: 100 * time.Millisecond, MaxElapsedTime: 300 * time.Millisecond},
		}
	}
	opts := []fapilog.Option{fapilog.WithExporterConfig(cfg), fapilog.WithExportInterval(100 * time.Millisecond)}
	if dir := os.Getenv(matrixSpoolEnv); dir != "" {
		opts = append(opts, fapilog.WithSpool(dir))
	}
	l := fapilog.GetLogger("mx-"+os.Getenv(matrixModeEnv)+"-"+proto, opts...)
	if os.Getenv(matrixModeEnv) == "frozen" {
		// One record to open the connection, then the rest once the
		// collector is frozen: their export is written and never answered.
		l.Audit("accepted before SIGKILL", "id", 0)
		_ = l.Flush(context.Background())
		emit(helperLine{Event: "connected", Logged: 1})
		for {
			if _, err := os.Stat(os.Getenv(matrixGoEnv)); err == nil {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		for i := 1; i < n; i++ {
			l.Audit("accepted before SIGKILL", "id", i)
		}
		emit(helperLine{Event: "ready", Logged: n})
		select {}
	}
	if os.Getenv(matrixModeEnv) == "panic" {
		for i := range n {
			l.Error("before the panic", "id", i)
		}
		panic("right after the log calls")
	}
	for i := range n {
		l.Audit("accepted before SIGKILL", "id", i)
	}
	emit(helperLine{Event: "ready", Logged: n})
	select {}
}
