package topology

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fapilog/fapilog-go/internal/collectortest"
	"github.com/fapilog/fapilog-go/internal/topologytest"
)

// TestTopologyLoad measures the topology for the README's load figure:
// records per second end to end (apps → agent → two gateways →
// VictoriaLogs, until the store holds every record), the application's CPU
// time per record, the CPU time of every process, and CPU profiles of one
// app and of the agent. It asserts nothing beyond "every record arrived":
// it is a measurement, run by hand (it needs the whole machine):
//
//	FAPILOG_TOPOLOGY_LOAD=1 go test -count=1 -run TestTopologyLoad -v ./integration/topology/
//
// FAPILOG_TOPOLOGY_LOAD_OUT names a folder for the profiles and their
// `go tool pprof -top` (default: the test's temp folder, logged).
func TestTopologyLoad(t *testing.T) {
	if os.Getenv("FAPILOG_TOPOLOGY_LOAD") != "1" {
		t.Skip("a measurement: set FAPILOG_TOPOLOGY_LOAD=1 to run it")
	}
	apps, _ := strconv.Atoi(envOr("FAPILOG_TOPOLOGY_LOAD_APPS", "2"))
	perApp, _ := strconv.Atoi(envOr("FAPILOG_TOPOLOGY_LOAD_RECORDS", "100000"))
	out := os.Getenv("FAPILOG_TOPOLOGY_LOAD_OUT")
	if out == "" {
		out = t.TempDir()
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}

	pprofAddr := fmt.Sprintf("127.0.0.9:%d", topologytest.FreePort(t, "127.0.0.9"))
	agentPprof := fmt.Sprintf(`
extensions:
  pprof: { endpoint: %q }
service:
  extensions: [health_check, file_storage/queue, pprof]
`, pprofAddr)
	tp := startTopology(t, []string{agentPprof}, nil)

	names := make([]string, apps)
	for i := range names {
		names[i] = fmt.Sprintf("app-%d", i+1)
	}
	run := fmt.Sprintf("load-%d", time.Now().UnixNano())
	// The apps wait for room instead of dropping (a long backpressure
	// wait), so they log exactly as fast as the topology takes records.
	env := topologytest.AppEnv(tp.Agent, "grpc", "FAPILOG_BACKPRESSURE_WAIT_MS=600000")
	cpu := func() map[string]time.Duration {
		m := map[string]time.Duration{"agent": tp.Agent.CPUTime(), "victorialogs": topologytest.ProcessCPUTime(tp.Store.PID())}
		for _, g := range tp.Gateways.List {
			m[g.Name] = g.CPUTime()
		}
		return m
	}
	before := cpu()
	loadBefore := loadavg()

	// The agent's profile covers the middle of the run.
	var wg sync.WaitGroup
	agentProfile := filepath.Join(out, "agent.pprof")
	wg.Add(1)
	go func() {
		defer wg.Done()
		time.Sleep(2 * time.Second)
		if err := fetch("http://"+pprofAddr+"/debug/pprof/profile?seconds=10", agentProfile); err != nil {
			t.Errorf("agent profile: %v", err)
		}
	}()

	// Where records wait shows the bottleneck: sample every queue.
	collectors := append([]*topologytest.Collector{tp.Agent}, tp.Gateways.List...)
	peak := make([]float64, len(collectors))
	stopSampling := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-tick.C:
			}
			for i, c := range collectors {
				if v, err := c.MetricSum("otelcol_exporter_queue_size"); err == nil && v > peak[i] {
					peak[i] = v
				}
			}
		}
	}()

	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	appProfile := filepath.Join(out, "app.pprof")
	var results []topologytest.AppResult
	var mu sync.Mutex
	var appsWG sync.WaitGroup
	for i, name := range names {
		appsWG.Add(1)
		go func() {
			defer appsWG.Done()
			args := []string{"-run", run, "-n", strconv.Itoa(perApp)}
			if i == 0 {
				args = append(args, "-cpuprofile", appProfile)
			}
			r := topologytest.RunApps(ctx, t, tp.App, []string{name}, env, args...)
			mu.Lock()
			results = append(results, r...)
			mu.Unlock()
		}()
	}
	appsWG.Wait()
	appsDone := time.Since(start)
	total := apps * perApp
	got := tp.Store.WaitForCount(t, fmt.Sprintf("run_id:=%q", run), total, 5*time.Minute)
	elapsed := time.Since(start)
	after := cpu()
	close(stopSampling)
	wg.Wait()
	if got != total {
		t.Fatalf("store holds %d of %d records", got, total)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "\nload average before: %s, after: %s (a shared machine: other work ran too)\n", loadBefore, loadavg())
	fmt.Fprintf(&b, "%d apps x %d records (INFO, 5 attributes) over OTLP/gRPC -> agent -> 2 gateways -> VictoriaLogs\n", apps, perApp)
	fmt.Fprintf(&b, "apps done (drained) after %s; store holds all %d after %s: %.0f records/s end to end\n",
		appsDone.Round(time.Millisecond), total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds())
	var appCPU time.Duration
	for _, r := range results {
		fmt.Fprintf(&b, "%s: submitted=%d exported=%d dropped=%d failed=%d; queue high watermark %d; logging loop %s; CPU %s = %.2f µs/record\n",
			r.App, r.Submitted, r.Exported, r.Dropped, r.Failed, r.QueueHighWatermark, time.Duration(r.EmitNanos).Round(time.Millisecond),
			time.Duration(r.CPUNanos).Round(time.Millisecond), float64(r.CPUNanos)/1e3/float64(r.Submitted))
		appCPU += time.Duration(r.CPUNanos)
	}
	fmt.Fprintf(&b, "CPU time during the run (of %s wall x 2 cores = %s available):\n", elapsed.Round(time.Millisecond), (2 * elapsed).Round(time.Millisecond))
	fmt.Fprintf(&b, "  apps (all): %s (%.2f µs/record)\n", appCPU.Round(time.Millisecond), float64(appCPU.Nanoseconds())/1e3/float64(total))
	for _, k := range []string{"agent", "gateway-1", "gateway-2", "victorialogs"} {
		d := after[k] - before[k]
		fmt.Fprintf(&b, "  %s: %s (%.2f µs/record)\n", k, d.Round(time.Millisecond), float64(d.Nanoseconds())/1e3/float64(total))
	}
	fmt.Fprintf(&b, "peak exporter queue (records waiting to leave):")
	for i, c := range collectors {
		fmt.Fprintf(&b, " %s %.0f;", c.Name, peak[i])
	}
	b.WriteString("\n")
	for _, p := range []struct{ name, bin, file string }{
		{"app-1", tp.App, appProfile},
		{"agent", collectortest.Binary(t), agentProfile},
	} {
		top, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount=20", p.bin, p.file).CombinedOutput()
		if err != nil {
			t.Errorf("pprof %s: %v\n%s", p.name, err, top)
			continue
		}
		if err := os.WriteFile(p.file+".top.txt", top, 0o644); err != nil {
			t.Error(err)
		}
		fmt.Fprintf(&b, "\n%s CPU profile (go tool pprof -top):\n%s", p.name, top)
	}
	t.Log(b.String())
	if err := os.WriteFile(filepath.Join(out, "load.txt"), []byte(b.String()), 0o644); err != nil {
		t.Error(err)
	}
	t.Logf("profiles and load.txt in %s", out)
}

// loadavg returns the first three fields of /proc/loadavg, or "?".
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func fetch(url, file string) error {
	client := http.Client{Timeout: time.Minute}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
