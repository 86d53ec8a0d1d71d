package exporter

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/fapilog/fapilog-go/levels"
)

// failing is a destination that fails every export, or the records whose
// body is in only (a PartialError).
type failing struct {
	mu    sync.Mutex
	seen  int
	only  []string
	calls int
}

func (f *failing) Export(_ context.Context, recs []sdklog.Record) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.seen += len(recs)
	if f.only == nil {
		return errors.New("disk on fire")
	}
	var idx []int
	for i := range recs {
		if slices.Contains(f.only, recs[i].Body().AsString()) {
			idx = append(idx, i)
		}
	}
	if idx == nil {
		return nil
	}
	return &PartialError{Failed: idx, Err: errors.New("some refused")}
}
func (f *failing) Shutdown(context.Context) error   { return errors.New("shutdown failed") }
func (f *failing) ForceFlush(context.Context) error { return nil }

func leveled(bodies ...string) []sdklog.Record {
	// body "audit…" is AUDIT, "security…" SECURITY, "error…" ERROR, else INFO.
	out := make([]sdklog.Record, len(bodies))
	for i, b := range bodies {
		l := levels.Info
		switch {
		case len(b) >= 5 && b[:5] == "audit":
			l = levels.Audit
		case len(b) >= 8 && b[:8] == "security":
			l = levels.Security
		case len(b) >= 5 && b[:5] == "error":
			l = levels.Error
		}
		out[i].SetBody(attribute.StringValue(b))
		out[i].SetSeverity(l.Severity())
		out[i].SetSeverityText(l.String())
	}
	return out
}

func bodies(recs []sdklog.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Body().AsString())
	}
	return out
}

func TestFanoutRoutesByLevel(t *testing.T) {
	all, audit, severe := NewMemory(), NewMemory(), NewMemory()
	f := NewFanout(
		To("console", all),
		ToLevels("audit file", audit, levels.Audit, levels.Security),
		ToMinLevel("pager", severe, levels.Error),
	)
	if err := f.Export(context.Background(), leveled("info1", "audit1", "error1", "security1", "info2")); err != nil {
		t.Fatal(err)
	}
	if got := bodies(all.Records()); !slices.Equal(got, []string{"info1", "audit1", "error1", "security1", "info2"}) {
		t.Errorf("console got %v", got)
	}
	if got := bodies(audit.Records()); !slices.Equal(got, []string{"audit1", "security1"}) {
		t.Errorf("audit file got %v", got)
	}
	if got := bodies(severe.Records()); !slices.Equal(got, []string{"audit1", "error1", "security1"}) {
		t.Errorf("pager got %v", got)
	}
	if err := f.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := all.Export(context.Background(), nil); !errors.Is(err, sdklog.ErrExporterShutdown) {
		t.Error("Shutdown did not reach the destinations")
	}
}

func TestFanoutCounting(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		routes     func(mem *Memory) []Route
		batch      []string
		wantFailed []int // nil: no error; all: plain error
		wantAll    bool  // every record failed: not a PartialError
		wantMem    []string
		wantErrIs  error
	}{
		{
			name: "a failing audit file fails only the audit records",
			routes: func(m *Memory) []Route {
				return []Route{To("console", m), ToLevels("audit file", &failing{}, levels.Audit)}
			},
			batch:      []string{"info1", "audit1", "info2", "audit2"},
			wantFailed: []int{1, 3},
			wantMem:    []string{"info1", "audit1", "info2", "audit2"},
		},
		{
			name:    "a destination failing everything fails everything",
			routes:  func(m *Memory) []Route { return []Route{To("console", m), To("otlp", &failing{})} },
			batch:   []string{"info1", "info2"},
			wantAll: true,
			wantMem: []string{"info1", "info2"},
		},
		{
			name: "a partial failure maps back to the batch",
			routes: func(m *Memory) []Route {
				return []Route{To("console", m), ToLevels("audit", &failing{only: []string{"audit2"}}, levels.Audit)}
			},
			batch:      []string{"audit1", "info1", "audit2"},
			wantFailed: []int{2},
			wantMem:    []string{"audit1", "info1", "audit2"},
		},
		{
			name:       "a record no route takes is failed",
			routes:     func(m *Memory) []Route { return []Route{ToLevels("audit", m, levels.Audit)} },
			batch:      []string{"audit1", "info1"},
			wantFailed: []int{1},
			wantMem:    []string{"audit1"},
			wantErrIs:  ErrNoRoute,
		},
		{
			name:    "all delivered",
			routes:  func(m *Memory) []Route { return []Route{To("a", m), To("b", NewMemory())} },
			batch:   []string{"info1"},
			wantMem: []string{"info1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := NewMemory()
			err := NewFanout(tt.routes(mem)...).Export(ctx, leveled(tt.batch...))
			var pe *PartialError
			switch {
			case tt.wantAll:
				if err == nil || errors.As(err, &pe) {
					t.Fatalf("err %v, want a plain error", err)
				}
			case tt.wantFailed == nil:
				if err != nil {
					t.Fatalf("err %v", err)
				}
			default:
				if !errors.As(err, &pe) || !slices.Equal(pe.Failed, tt.wantFailed) {
					t.Fatalf("err %v, want failed %v", err, tt.wantFailed)
				}
			}
			if tt.wantErrIs != nil && !errors.Is(err, tt.wantErrIs) {
				t.Errorf("err %v, want %v", err, tt.wantErrIs)
			}
			if got := bodies(mem.Records()); !slices.Equal(got, tt.wantMem) {
				t.Errorf("memory got %v, want %v", got, tt.wantMem)
			}
		})
	}
}

func TestFanoutErrorsNameTheDestination(t *testing.T) {
	f := NewFanout(To("", NewMemory()), To("", &failing{}))
	err := f.Export(context.Background(), leveled("x"))
	if err == nil || !strings.Contains(err.Error(), "destination 2") || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("err %v", err)
	}
	if err := f.Shutdown(context.Background()); err == nil || !strings.Contains(err.Error(), "destination 2") {
		t.Errorf("shutdown err %v", err)
	}
}
