package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/fapilog/fapilog-go/exporter"
)

// TestProtocolMismatchFailsFastWithAHint points each protocol at the real
// collector's port of the other one, and a host:port (TLS by default) at
// its plaintext gRPC port: each export must fail at its first attempt
// (gRPC used to retry Unavailable until the timeout) with a hint naming
// the variable to set.
func TestProtocolMismatchFailsFastWithAHint(t *testing.T) {
	c := startCollector(t)
	setEnv(t, nil)
	for _, tt := range []struct {
		name     string
		cfg      exporter.Config
		wantHint string
	}{
		{"grpc to the http port", exporter.Config{Protocol: exporter.ProtocolGRPC, Endpoint: "http://" + c.HTTPEndpoint}, "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf"},
		{"http to the grpc port", exporter.Config{Protocol: exporter.ProtocolHTTP, Endpoint: "http://" + c.GRPCEndpoint}, "OTEL_EXPORTER_OTLP_PROTOCOL=grpc"},
		{"grpc host:port is TLS", exporter.Config{Protocol: exporter.ProtocolGRPC, Endpoint: c.GRPCEndpoint}, "OTEL_EXPORTER_OTLP_INSECURE=true"},
		{"http host:port is TLS", exporter.Config{Protocol: exporter.ProtocolHTTP, Endpoint: c.HTTPEndpoint}, "OTEL_EXPORTER_OTLP_INSECURE=true"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.Kind = exporter.KindOTLP
			cfg.Timeout = waitTimeout // a retry loop would show as retries, not as a slow test
			b, err := exporter.Build(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = b.Exporter.Shutdown(context.Background()) }()
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			start := time.Now()
			err = b.Exporter.Export(ctx, oneLogRecord())
			if err == nil || !strings.Contains(err.Error(), tt.wantHint) {
				t.Fatalf("export: %v; want the hint %q", err, tt.wantHint)
			}
			if n := b.Retries(); n != 0 {
				t.Errorf("%d retries after %v: a protocol mismatch must fail at once", n, time.Since(start))
			}
		})
	}
}

// oneLogRecord is one INFO record with a body.
func oneLogRecord() []sdklog.Record {
	var r sdklog.Record
	r.SetBody(attribute.StringValue("mismatch"))
	r.SetSeverity(log.SeverityInfo)
	return []sdklog.Record{r}
}
