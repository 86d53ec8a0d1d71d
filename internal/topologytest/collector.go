package topologytest

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/fapilog/fapilog-go/internal/collectortest"
)

// GatewayName is the name the DNS responder resolves to every gateway.
const GatewayName = "gateways.fapilog.test"

// StartTimeout bounds how long a collector may take to become healthy.
const StartTimeout = 60 * time.Second

// Collector is an agent or gateway process started from a shipped
// configuration under deploy/.
type Collector struct {
	*Process
	// GRPCEndpoint is the OTLP/gRPC receiver (host:port).
	GRPCEndpoint string
	// HTTPEndpoint is the OTLP/HTTP receiver (agents only).
	HTTPEndpoint string
	// HealthEndpoint serves the health_check extension.
	HealthEndpoint string
	// MetricsEndpoint serves the collector's own Prometheus metrics.
	MetricsEndpoint string
	// QueueDir is the agent's file_storage directory.
	QueueDir string
}

// Gateways is a pool of gateways behind one DNS name.
type Gateways struct {
	List []*Collector
	// Target is the agent's FAPILOG_GATEWAY_ENDPOINT: gRPC's dns resolver,
	// asking DNS for GatewayName, which resolves to every gateway.
	Target string
	DNS    *DNS
}

// DeployConfig returns the path of a shipped configuration, such as
// "otel-agent.yaml".
func DeployConfig(tb testing.TB, name string) string {
	tb.Helper()
	root, err := collectortest.RepoRoot()
	if err != nil {
		tb.Fatalf("topologytest: %v", err)
	}
	return filepath.Join(root, "deploy", name)
}

// StartGateways starts n gateways from deploy/otel-gateway.yaml, gateway i
// on 127.0.0.(2+i) with one port for all, exporting to logsEndpoint (the
// store's OTLP/HTTP logs URL), and a DNS responder that resolves
// GatewayName to all of them. extra are YAML configurations merged over the
// shipped one (a later --config).
func StartGateways(tb testing.TB, n int, logsEndpoint string, extra ...string) *Gateways {
	tb.Helper()
	bin := collectortest.Binary(tb)
	ips := make([]netip.Addr, n)
	for i := range ips {
		ips[i] = netip.AddrFrom4([4]byte{127, 0, 0, byte(2 + i)})
	}
	for _, ip := range ips {
		// Linux routes all of 127.0.0.0/8 to the loopback interface; macOS
		// has only 127.0.0.1 unless an alias is added.
		ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
		if err != nil {
			tb.Skipf("topologytest: the gateways need loopback address %s: %v", ip, err)
		}
		ln.Close()
	}
	pp := ports{tb: tb}
	grpcPort := pp.reserve(ips)
	g := &Gateways{DNS: StartDNS(tb, map[string][]netip.Addr{GatewayName: ips})}
	g.Target = fmt.Sprintf("dns://%s/%s:%d", g.DNS.Addr, GatewayName, grpcPort)
	dir := tb.TempDir()
	for i, ip := range ips {
		g.List = append(g.List, &Collector{
			GRPCEndpoint:    net.JoinHostPort(ip.String(), strconv.Itoa(grpcPort)),
			HealthEndpoint:  net.JoinHostPort(ip.String(), strconv.Itoa(pp.reserve(ips[i:i+1]))),
			MetricsEndpoint: net.JoinHostPort(ip.String(), strconv.Itoa(pp.reserve(ips[i:i+1]))),
		})
	}
	pp.release()
	for i, ip := range ips {
		c := g.List[i]
		env := []string{
			"FAPILOG_GATEWAY_GRPC_ENDPOINT=" + c.GRPCEndpoint,
			"FAPILOG_GATEWAY_HEALTH_ENDPOINT=" + c.HealthEndpoint,
			"FAPILOG_GATEWAY_METRICS_HOST=" + ip.String(),
			"FAPILOG_GATEWAY_METRICS_PORT=" + portOf(c.MetricsEndpoint),
			"FAPILOG_LOGSTORE_OTLP_LOGS_ENDPOINT=" + logsEndpoint,
		}
		name := fmt.Sprintf("gateway-%d", i+1)
		args := configArgs(tb, DeployConfig(tb, "otel-gateway.yaml"), dir, name, extra)
		c.Process = StartProcess(tb, name, filepath.Join(dir, name+".log"), bin, args, env,
			func() bool { return Accepts(c.GRPCEndpoint) && healthy(c.HealthEndpoint) }, StartTimeout)
	}
	return g
}

// StartAgent starts an agent from deploy/otel-agent.yaml on 127.0.0.1,
// sending to the gateway target (see Gateways.Target), with its persistent
// queue in a fresh folder that restarts keep.
func StartAgent(tb testing.TB, gatewayTarget string, extra ...string) *Collector {
	tb.Helper()
	bin := collectortest.Binary(tb)
	dir := tb.TempDir()
	lo := []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	pp := ports{tb: tb}
	c := &Collector{
		GRPCEndpoint:    "127.0.0.1:" + strconv.Itoa(pp.reserve(lo)),
		HTTPEndpoint:    "127.0.0.1:" + strconv.Itoa(pp.reserve(lo)),
		HealthEndpoint:  "127.0.0.1:" + strconv.Itoa(pp.reserve(lo)),
		MetricsEndpoint: "127.0.0.1:" + strconv.Itoa(pp.reserve(lo)),
		QueueDir:        filepath.Join(dir, "queue"),
	}
	pp.release()
	env := []string{
		"FAPILOG_AGENT_GRPC_ENDPOINT=" + c.GRPCEndpoint,
		"FAPILOG_AGENT_HTTP_ENDPOINT=" + c.HTTPEndpoint,
		"FAPILOG_AGENT_HEALTH_ENDPOINT=" + c.HealthEndpoint,
		"FAPILOG_AGENT_METRICS_HOST=127.0.0.1",
		"FAPILOG_AGENT_METRICS_PORT=" + portOf(c.MetricsEndpoint),
		"FAPILOG_AGENT_QUEUE_DIR=" + c.QueueDir,
		"FAPILOG_GATEWAY_ENDPOINT=" + gatewayTarget,
	}
	args := configArgs(tb, DeployConfig(tb, "otel-agent.yaml"), dir, "agent", extra)
	c.Process = StartProcess(tb, "agent", filepath.Join(dir, "agent.log"), bin, args, env,
		func() bool { return Accepts(c.GRPCEndpoint) && Accepts(c.HTTPEndpoint) && healthy(c.HealthEndpoint) }, StartTimeout)
	return c
}

// Restart starts a killed or stopped collector again, same ports, same
// queue directory.
func (c *Collector) Restart(tb testing.TB) {
	tb.Helper()
	if err := c.Stop(); err != nil {
		tb.Logf("topologytest: %v", err)
	}
	if err := c.Start(); err != nil {
		tb.Fatalf("topologytest: restarting %s: %v", c.Name, err)
	}
}

func configArgs(tb testing.TB, shipped, dir, name string, extra []string) []string {
	tb.Helper()
	args := []string{"--config", shipped}
	for i, e := range extra {
		f := filepath.Join(dir, fmt.Sprintf("%s-extra-%d.yaml", name, i))
		if err := writeFile(f, e); err != nil {
			tb.Fatalf("topologytest: %v", err)
		}
		args = append(args, "--config", f)
	}
	return args
}

func healthy(endpoint string) bool {
	client := http.Client{Timeout: time.Second}
	resp, err := client.Get("http://" + endpoint + "/")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func portOf(hostport string) string {
	_, p, _ := net.SplitHostPort(hostport)
	return p
}

// ports hands out TCP ports that are free on given addresses, keeping
// each one bound until release, so that no two picks return the same port.
// The ports are free again, for the collectors to bind, once released.
type ports struct {
	tb  testing.TB
	lns []net.Listener
}

// reserve returns a port free on every one of ips and keeps it bound.
func (p *ports) reserve(ips []netip.Addr) int {
	p.tb.Helper()
	for attempt := 0; attempt < 100; attempt++ {
		first, err := net.Listen("tcp", net.JoinHostPort(ips[0].String(), "0"))
		if err != nil {
			p.tb.Fatalf("topologytest: finding a free port: %v", err)
		}
		port := first.Addr().(*net.TCPAddr).Port
		lns := []net.Listener{first}
		ok := true
		for _, ip := range ips[1:] {
			ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), strconv.Itoa(port)))
			if err != nil {
				ok = false
				break
			}
			lns = append(lns, ln)
		}
		if ok {
			p.lns = append(p.lns, lns...)
			return port
		}
		for _, ln := range lns {
			ln.Close()
		}
	}
	p.tb.Fatalf("topologytest: no port free on all of %v", ips)
	return 0
}

func (p *ports) release() {
	for _, ln := range p.lns {
		ln.Close()
	}
	p.lns = nil
}

// commonFreePort returns a TCP port that was free a moment ago on every
// one of ips.
func commonFreePort(tb testing.TB, ips []netip.Addr) int {
	tb.Helper()
	p := ports{tb: tb}
	defer p.release()
	return p.reserve(ips)
}
