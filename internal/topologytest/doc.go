// Package topologytest runs the agent → gateway collector topology that the
// README recommends, for real, on loopback: collectors of the project's own
// build (tools/otelcol) started with the shipped configurations
// deploy/otel-agent.yaml and deploy/otel-gateway.yaml, a DNS responder that
// resolves one name to every gateway (so the agent's gRPC round_robin
// balancer sees them all), child processes that can be killed, stopped,
// paused and restarted, and the application program (topoapp) whose
// records the tests count in the log store.
//
// It is test support: only tests and the load tool import it.
package topologytest
