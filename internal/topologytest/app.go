package topologytest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fapilog/fapilog-go/internal/collectortest"

	"github.com/fapilog/fapilog-go/internal/servertest"
)

// AppResult is one topoapp's final line, written by topoapp and decoded
// here: its logger's DrainResult counts, the wall time of the logging loop
// (EmitNanos) and of the drain (DrainNanos), and the process's user+system
// CPU time up to the end of the drain (CPUNanos).
type AppResult struct {
	App       string `json:"app"`
	Submitted uint64 `json:"submitted"`
	Exported  uint64 `json:"exported"`
	Dropped   uint64 `json:"dropped"`
	Failed    uint64 `json:"failed"`
	Retried   uint64 `json:"retried"`
	Spooled   uint64 `json:"spooled"`
	// QueueHighWatermark is the most records ever in flight: at the queue
	// size, the app waited for the topology (backpressure).
	QueueHighWatermark uint64 `json:"queue_high_watermark"`
	EmitNanos          int64  `json:"emit_ns"`
	DrainNanos         int64  `json:"drain_ns"`
	CPUNanos           int64  `json:"cpu_ns"`
	DrainErr           string `json:"drain_error,omitempty"`
	// Stderr is what the process wrote on stderr (loss reports, for one).
	Stderr string `json:"-"`
}

// BuildApp builds topoapp into dir and returns the binary's path.
func BuildApp(tb testing.TB, dir string) string {
	tb.Helper()
	root, err := collectortest.RepoRoot()
	if err != nil {
		tb.Fatalf("topologytest: %v", err)
	}
	bin := filepath.Join(dir, "topoapp")
	cmd := exec.Command("go", "build", "-o", bin, "./internal/topologytest/topoapp")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("topologytest: building topoapp: %v\n%s", err, out)
	}
	return bin
}

// AppEnv returns the variables that point a topoapp at the agent over
// OTLP/gRPC or OTLP/HTTP ("grpc" or "http/protobuf"), with every other
// OTEL_ and FAPILOG_ variable of the test process blanked.
func AppEnv(agent *Collector, protocol string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if (strings.HasPrefix(k, "OTEL_") || strings.HasPrefix(k, "FAPILOG_")) && k != collectortest.CacheEnv {
			env = append(env, k+"=")
		}
	}
	endpoint := agent.GRPCEndpoint
	if protocol != "grpc" {
		endpoint = agent.HTTPEndpoint
	}
	env = append(env,
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://"+endpoint,
		"OTEL_EXPORTER_OTLP_PROTOCOL="+protocol,
		"OTEL_SERVICE_NAME=topoapp",
	)
	return append(env, extra...)
}

// RunApps runs one topoapp per name at once, each with args plus -app
// NAME, and returns their results in the order of names. A process that
// fails or prints no result fails tb.
func RunApps(ctx context.Context, tb testing.TB, bin string, names []string, env []string, args ...string) []AppResult {
	tb.Helper()
	results := make([]AppResult, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var stdout, stderr bytes.Buffer
			cmd := exec.CommandContext(ctx, bin, append(append([]string{}, args...), "-app", name)...)
			cmd.Env = append(os.Environ(), env...)
			cmd.Stdout = &stdout
			cmd.Stderr = &stderr
			servertest.SetProcAttrs(cmd)
			if err := cmd.Run(); err != nil {
				errs[i] = fmt.Errorf("%s: %v\nstderr:\n%s", name, err, tail(stderr.String(), 4000))
				return
			}
			if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &results[i]); err != nil {
				errs[i] = fmt.Errorf("%s: decoding its result %q: %v", name, stdout.String(), err)
				return
			}
			results[i].Stderr = stderr.String()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			tb.Fatalf("topologytest: app %v", err)
		}
	}
	return results
}
