package fapilog

import (
	"strings"
	"testing"
	"time"
)

func TestResolveReadsTheVariablesOptionsWin(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		opts    []Option
		check   func(c config) bool
		wantErr string // "" = no error
	}{
		{"reserved default is a quarter of the queue", map[string]string{EnvQueueSize: "100"}, nil,
			func(c config) bool { return c.queueSize == 100 && *c.reserved == 25 }, ""},
		{"reserved from the variable", map[string]string{EnvReserved: "7"}, nil,
			func(c config) bool { return *c.reserved == 7 }, ""},
		{"reserved zero from the variable", map[string]string{EnvReserved: "0"}, nil,
			func(c config) bool { return *c.reserved == 0 }, ""},
		{"bad reserved keeps the default and says so", map[string]string{EnvReserved: "-3"}, nil,
			func(c config) bool { return *c.reserved == DefaultQueueSize/4 }, EnvReserved},
		{"reserved option beats the variable", map[string]string{EnvReserved: "7"}, []Option{WithReservedCapacity(3)},
			func(c config) bool { return *c.reserved == 3 }, ""},
		{"queue and batch sizes", map[string]string{EnvQueueSize: "64", EnvBatchSize: "16"}, nil,
			func(c config) bool { return c.queueSize == 64 && c.batchSize == 16 }, ""},
		{"batch never exceeds the queue", map[string]string{EnvQueueSize: "8", EnvBatchSize: "16"}, nil,
			func(c config) bool { return c.batchSize == 8 }, ""},
		{"waits in milliseconds", map[string]string{EnvProtectedWait: "250", EnvBackpressureWait: "0"}, nil,
			func(c config) bool { return *c.protectedWait == 250*time.Millisecond && *c.backpressureWait == 0 }, ""},
		{"export timings", map[string]string{EnvExportInterval: "20", EnvExportTimeout: "3000"}, nil,
			func(c config) bool {
				return c.exportInterval == 20*time.Millisecond && c.exportTimeout == 3*time.Second
			}, ""},
		{"blank variables are unset", map[string]string{EnvQueueSize: "  ", EnvLevel: ""}, nil,
			func(c config) bool { return c.queueSize == DefaultQueueSize && *c.level == DefaultLevel }, ""},
		{"bad queue size", map[string]string{EnvQueueSize: "lots"}, nil,
			func(c config) bool { return c.queueSize == DefaultQueueSize }, EnvQueueSize},
		{"bad wait", map[string]string{EnvProtectedWait: "soon"}, nil,
			func(c config) bool { return *c.protectedWait == DefaultProtectedWait }, EnvProtectedWait},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{EnvReserved, EnvQueueSize, EnvBatchSize, EnvProtectedWait, EnvBackpressureWait,
				EnvExportInterval, EnvExportTimeout, EnvLevel, EnvPreset} {
				t.Setenv(k, "")
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := resolve(tt.opts)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want one naming %s", err, tt.wantErr)
			}
			if !tt.check(c) {
				t.Fatalf("resolved: level %v, queue %d, batch %d, reserved %d, protected wait %v, backpressure wait %v, interval %v, timeout %v",
					*c.level, c.queueSize, c.batchSize, *c.reserved, *c.protectedWait, *c.backpressureWait, c.exportInterval, c.exportTimeout)
			}
		})
	}
}
