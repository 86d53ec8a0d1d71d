package topologytest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/fapilog/fapilog-go/internal/collectortest"
)

// acceptedMetric counts the log records a collector's OTLP receiver accepted.
const acceptedMetric = "otelcol_receiver_accepted_log_records"

// TestAgentBalancesOverGateways runs the shipped agent and two shipped
// gateways, with a plain collector (file exporter) standing in for the
// store, sends records from two topoapp processes to the agent, and checks
// that every record arrives once and that both gateways took a share: the
// gRPC round_robin balancer sees both addresses behind the one DNS name.
func TestAgentBalancesOverGateways(t *testing.T) {
	sink := collectortest.Start(t)
	gws := StartGateways(t, 2, "http://"+sink.HTTPEndpoint+"/v1/logs")
	agent := StartAgent(t, gws.Target)
	bin := BuildApp(t, t.TempDir())

	const perApp = 3000
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run := fmt.Sprintf("balance-%d", time.Now().UnixNano())
	res := RunApps(ctx, t, bin, []string{"a", "b"}, AppEnv(agent, "grpc"),
		"-run", run, "-n", fmt.Sprint(perApp), "-rate", "3000")
	for _, r := range res {
		if r.Exported != perApp {
			t.Fatalf("%s: %+v, want all %d exported", r.App, r, perApp)
		}
	}
	recs := sink.WaitForLogs(t, 2*perApp, time.Minute)
	seen := map[string]int{}
	for _, r := range recs {
		seen[fmt.Sprint(r.Attrs["app"], "/", r.Attrs["seq"])]++
	}
	if len(recs) != 2*perApp || len(seen) != 2*perApp {
		t.Fatalf("sink has %d records, %d distinct; want %d once each", len(recs), len(seen), 2*perApp)
	}
	var total float64
	for _, g := range gws.List {
		n, err := g.MetricSum(acceptedMetric)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s accepted %.0f records", g.Name, n)
		if n == 0 {
			t.Errorf("%s took no records: the agent does not balance", g.Name)
		}
		total += n
	}
	if total != 2*perApp {
		t.Errorf("gateways accepted %.0f records in all, want %d", total, 2*perApp)
	}
	if gws.DNS.Queries() == 0 {
		t.Error("the agent never asked the DNS responder")
	}
}

// TestDeployConfigsValidate checks deploy/otel-agent.yaml and
// deploy/otel-gateway.yaml with the collector's own `validate` command, once
// with the defaults docker-compose.yml relies on (no variables set) and
// once with test values, so that neither form can rot.
func TestDeployConfigsValidate(t *testing.T) {
	bin := collectortest.Binary(t)
	for _, name := range []string{"otel-agent.yaml", "otel-gateway.yaml"} {
		for _, env := range [][]string{nil, {
			"FAPILOG_GATEWAY_ENDPOINT=dns://127.0.0.1:53/" + GatewayName + ":4317",
			"FAPILOG_GATEWAY_INSECURE=false",
			"FAPILOG_AGENT_QUEUE_DIR=" + t.TempDir(),
			"FAPILOG_LOGSTORE_OTLP_LOGS_ENDPOINT=http://127.0.0.1:9428/insert/opentelemetry/v1/logs",
		}} {
			cmd := exec.Command(bin, "validate", "--config", DeployConfig(t, name))
			cmd.Env = append(os.Environ(), env...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s with %v: %v\n%s", name, env, err, out)
			}
		}
	}
}
