package fapilog

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/baggage"

	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/core"
)

func withBaggage(t *testing.T, ctx context.Context, kv ...string) context.Context {
	t.Helper()
	var ms []baggage.Member
	for i := 0; i+1 < len(kv); i += 2 {
		m, err := baggage.NewMemberRaw(kv[i], kv[i+1])
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	b, err := baggage.New(ms...)
	if err != nil {
		t.Fatal(err)
	}
	return baggage.ContextWithBaggage(ctx, b)
}

func TestBaggageMembersOnTheAllowListBecomeAttributes(t *testing.T) {
	ctx := withBaggage(t, context.Background(), "tenant", "acme", "region", "eu", "secret", "x")
	tests := []struct {
		name string
		env  string
		opts []Option
		want map[string]string // "" = absent
	}{
		{name: "off by default", want: map[string]string{"tenant": "", "region": "", "secret": ""}},
		{name: "option", opts: []Option{WithBaggage("tenant", " region ", "tenant", "")},
			want: map[string]string{"tenant": "acme", "region": "eu", "secret": ""}},
		{name: "variable", env: " tenant, ,missing ",
			want: map[string]string{"tenant": "acme", "region": "", "secret": ""}},
		{name: "option beats variable", env: "tenant", opts: []Option{WithBaggage("region")},
			want: map[string]string{"tenant": "", "region": "eu"}},
		{name: "WithBaggage() turns the variable off", env: "tenant", opts: []Option{WithBaggage()},
			want: map[string]string{"tenant": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvBaggageKeys, tt.env)
			l, mem := newMem(t, tt.opts...)
			l.InfoContext(ctx, "hello")
			recs := flushed(t, l, mem)
			if len(recs) != 1 {
				t.Fatalf("%d records", len(recs))
			}
			a := attrs(recs[0])
			for k, want := range tt.want {
				got, ok := a[k]
				if want == "" && ok {
					t.Errorf("%s copied: %v", k, got.String())
				}
				if want != "" && got.AsString() != want {
					t.Errorf("%s = %q, want %q", k, got.String(), want)
				}
			}
		})
	}
}

func TestBaggageLosesToBoundFieldsAndCallKeyValues(t *testing.T) {
	l, mem := newMem(t, WithBaggage("a", "b", "c", "d"))
	ctx := withBaggage(t, context.Background(), "a", "bag", "b", "bag", "c", "bag", "d", "bag")
	ctx = l.Bind(ctx, "b", "bound")
	l.With("a", "with", "d", "with").InfoContext(ctx, "hello", "c", "call")
	a := attrs(flushed(t, l, mem)[0])
	for k, want := range map[string]string{"a": "bag", "b": "bound", "c": "call", "d": "bag"} {
		if got := a[k].AsString(); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

func TestBaggageReachesTheAsyncLogger(t *testing.T) {
	t.Setenv(EnvBaggageKeys, "tenant")
	mem := exporter.NewMemory()
	al, err := GetAsyncLogger(context.Background(), t.Name(), Reuse(false), WithExporter(mem))
	if err != nil {
		t.Fatal(err)
	}
	defer al.Drain(context.Background())
	if err := al.Info(withBaggage(t, context.Background(), "tenant", "acme"), "hello"); err != nil {
		t.Fatal(err)
	}
	if got := attrs(flushed(t, al, mem)[0])["tenant"].AsString(); got != "acme" {
		t.Fatalf("tenant = %q", got)
	}
}

func TestWithConsoleFormatChoosesTheConsoleExporter(t *testing.T) {
	for _, tt := range []struct {
		name   string
		env    string
		opts   []Option
		pretty bool
	}{
		{name: "auto on a buffer is JSON"},
		{name: "option pretty", opts: []Option{WithConsoleFormat(exporter.ConsolePretty)}, pretty: true},
		{name: "variable pretty", env: "pretty", pretty: true},
		{name: "option beats variable", env: "pretty", opts: []Option{WithConsoleFormat(exporter.ConsoleJSON)}},
		{name: "option beats WithExporterConfig", opts: []Option{WithConsoleFormat(exporter.ConsolePretty),
			WithExporterConfig(exporter.Config{Kind: exporter.KindConsole, ConsoleFormat: exporter.ConsoleJSON})}, pretty: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("OTEL_LOGS_EXPORTER", "")
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
			t.Setenv("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "")
			t.Setenv(EnvConsoleFormat, tt.env)
			var buf bytes.Buffer
			c, err := resolve(append([]Option{Reuse(false)}, tt.opts...))
			if err != nil {
				t.Fatal(err)
			}
			c.ExporterConfig.Console = &buf // the console exporter writes here
			co, err := core.New(t.Name(), core.Sync, c)
			if err != nil {
				t.Fatal(err)
			}
			l := &Logger{c: co}
			l.Warning("Disk space low", "free_gb", 3.5)
			if _, err := l.StopAndDrain(context.Background()); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			isJSON := strings.HasPrefix(out, "{")
			if tt.pretty == isJSON || !strings.Contains(out, "Disk space low") {
				t.Fatalf("pretty=%v, output %q", tt.pretty, out)
			}
			if tt.pretty && !strings.Contains(out, "WARNING  "+t.Name()+": Disk space low free_gb=3.5") {
				t.Fatalf("pretty output %q", out)
			}
		})
	}
}
