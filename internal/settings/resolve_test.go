package settings

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fapilog/fapilog-go/levels"
)

// clearEnv unsets every variable Resolve reads, for the duration of t.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, k := range Variables {
		t.Setenv(k, "")
	}
	for _, k := range []string{"OTEL_LOGS_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"} {
		t.Setenv(k, "")
	}
}

// TestVariablesListsEveryVariable reads this package's source: every Env
// constant is in Variables, so clearEnv clears them all.
func TestVariablesListsEveryVariable(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "settings.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		vs, ok := node.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || !strings.HasPrefix(vs.Names[0].Name, "Env") || len(vs.Values) != 1 {
			return true
		}
		lit, ok := vs.Values[0].(*ast.BasicLit)
		if !ok {
			return true
		}
		name, _ := strconv.Unquote(lit.Value)
		n++
		if !slices.Contains(Variables, name) {
			t.Errorf("%s (%s) is not in Variables", vs.Names[0].Name, name)
		}
		return true
	})
	if n != len(Variables) {
		t.Errorf("%d Env constants, %d Variables", n, len(Variables))
	}
}

func TestResolveReadsTheVariablesOptionsWin(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		opts    Options
		check   func(c Config) bool
		wantErr string // "" = no error
	}{
		{"reserved default is a quarter of the queue", map[string]string{EnvQueueSize: "100"}, Options{},
			func(c Config) bool { return c.QueueSize == 100 && c.Reserved == 25 }, ""},
		{"reserved from the variable", map[string]string{EnvReserved: "7"}, Options{},
			func(c Config) bool { return c.Reserved == 7 }, ""},
		{"reserved zero from the variable", map[string]string{EnvReserved: "0"}, Options{},
			func(c Config) bool { return c.Reserved == 0 }, ""},
		{"bad reserved keeps the default and says so", map[string]string{EnvReserved: "-3"}, Options{},
			func(c Config) bool { return c.Reserved == DefaultQueueSize/4 }, EnvReserved},
		{"reserved option beats the variable", map[string]string{EnvReserved: "7"}, Options{Reserved: Of(3)},
			func(c Config) bool { return c.Reserved == 3 }, ""},
		{"queue and batch sizes", map[string]string{EnvQueueSize: "64", EnvBatchSize: "16"}, Options{},
			func(c Config) bool { return c.QueueSize == 64 && c.BatchSize == 16 }, ""},
		{"batch never exceeds the queue", map[string]string{EnvQueueSize: "8", EnvBatchSize: "16"}, Options{},
			func(c Config) bool { return c.BatchSize == 8 }, ""},
		{"waits in milliseconds", map[string]string{EnvProtectedWait: "250", EnvBackpressureWait: "0"}, Options{},
			func(c Config) bool { return c.ProtectedWait == 250*time.Millisecond && c.BackpressureWait == 0 }, ""},
		{"export timings", map[string]string{EnvExportInterval: "20", EnvExportTimeout: "3000"}, Options{},
			func(c Config) bool {
				return c.ExportInterval == 20*time.Millisecond && c.ExportTimeout == 3*time.Second
			}, ""},
		{"blank variables are unset", map[string]string{EnvQueueSize: "  ", EnvLevel: ""}, Options{},
			func(c Config) bool { return c.QueueSize == DefaultQueueSize && c.Level == DefaultLevel }, ""},
		{"bad queue size", map[string]string{EnvQueueSize: "lots"}, Options{},
			func(c Config) bool { return c.QueueSize == DefaultQueueSize }, EnvQueueSize},
		{"bad wait", map[string]string{EnvProtectedWait: "soon"}, Options{},
			func(c Config) bool { return c.ProtectedWait == DefaultProtectedWait }, EnvProtectedWait},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := Resolve(&tt.opts)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want one naming %s", err, tt.wantErr)
			}
			if !tt.check(c) {
				t.Fatalf("resolved: level %v, queue %d, batch %d, reserved %d, protected wait %v, backpressure wait %v, interval %v, timeout %v",
					c.Level, c.QueueSize, c.BatchSize, c.Reserved, c.ProtectedWait, c.BackpressureWait, c.ExportInterval, c.ExportTimeout)
			}
		})
	}
}

// TestZeroOrInvalidOptionsMeanWhatTheySayOrAreReported: an option is never
// silently replaced by the default.
func TestZeroOrInvalidOptionsMeanWhatTheySayOrAreReported(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		check   func(c Config) bool
		wantErr string // "" = accepted as given
	}{
		{"queue size 0 is reported", Options{QueueSize: Of(0)},
			func(c Config) bool { return c.QueueSize == DefaultQueueSize }, "WithQueueSize(0)"},
		{"negative batch size is reported", Options{BatchSize: Of(-1)},
			func(c Config) bool { return c.BatchSize == DefaultBatchSize }, "WithBatchSize(-1)"},
		{"export interval 0 is reported", Options{ExportInterval: Of(time.Duration(0))},
			func(c Config) bool { return c.ExportInterval == DefaultExportInterval }, "WithExportInterval(0s)"},
		{"export timeout 0 is reported", Options{ExportTimeout: Of(time.Duration(0))},
			func(c Config) bool { return c.ExportTimeout == DefaultExportTimeout }, "WithExportTimeout(0s)"},
		{"drain timeout 0 is reported", Options{DrainTimeout: Of(time.Duration(0))},
			func(c Config) bool { return c.DrainTimeout == DefaultDrainTimeout }, "WithDrainTimeout(0s)"},
		{"negative wait is reported", Options{BackpressureWait: Of(-time.Second)},
			func(c Config) bool { return c.BackpressureWait == DefaultBackpressureWait }, "WithBackpressureWait(-1s)"},
		{"reserved as large as the queue is reported", Options{QueueSize: Of(8), Reserved: Of(8)},
			func(c Config) bool { return c.Reserved == 2 }, "reserved capacity 8"},
		{"spool bound below the minimum is reported", Options{SpoolMaxBytes: Of(int64(10))},
			func(c Config) bool { return c.SpoolMaxBytes == DefaultSpoolMaxBytes }, "WithSpoolMaxBytes(10)"},
		{"unknown preset is reported", Options{Preset: Of("paranoid")},
			func(c Config) bool { return c.Level == DefaultLevel }, `WithPreset("paranoid")`},
		{"backpressure wait 0 drops at once", Options{BackpressureWait: Of(time.Duration(0))},
			func(c Config) bool { return c.BackpressureWait == 0 }, ""},
		{"protected wait 0 does not wait", Options{ProtectedWait: Of(time.Duration(0))},
			func(c Config) bool { return c.ProtectedWait == 0 }, ""},
		{"reserved 0 reserves nothing", Options{Reserved: Of(0)},
			func(c Config) bool { return c.Reserved == 0 }, ""},
		{"no protected levels protects none", Options{Protected: Of([]levels.Level{})},
			func(c Config) bool { return len(c.Protected) == 0 }, ""},
		{"spool off beats the variable", Options{SpoolDir: Of("")},
			func(c Config) bool { return c.SpoolDir == "" }, ""},
		{"no baggage keys beats the variable", Options{Baggage: Of([]string(nil))},
			func(c Config) bool { return c.Baggage == nil }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv(EnvSpoolDir, t.TempDir())
			t.Setenv(EnvBaggageKeys, "tenant")
			if tt.wantErr != "" {
				t.Setenv(EnvSpoolDir, "")
				t.Setenv(EnvBaggageKeys, "")
			}
			c, err := Resolve(&tt.opts)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want one naming %s", err, tt.wantErr)
			}
			if !tt.check(c) {
				t.Fatalf("resolved %+v", c)
			}
		})
	}
}
