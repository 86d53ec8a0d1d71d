package core

import (
	"fmt"
	"sort"
	"strings"

	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/settings"
)

// engineKey names the engine a logger may share: loggers whose keys are
// equal are built from the same resolved configuration of everything the
// engine owns (exporter, resource, batch processor, admission), and of the
// same kind (sync or async: a name is cached once per kind, so scope names
// stay unique within one engine).
//
// Only what the engine owns is in the key. The level, the stages, the wait
// policy and the baggage keys are the Core's, per logger.
func engineKey(kind Kind, rc exporter.Config, res *resource.Resource, c settings.Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "kind=%d|q=%d|b=%d|i=%d|t=%d|r=%d|", kind, c.QueueSize, c.BatchSize,
		c.ExportInterval, c.ExportTimeout, c.Reserved)
	fmt.Fprintf(&b, "exp=%s|%s|%s|%s|%d|%q|%q|%q|fmt=%s|console=%p|", rc.Kind, rc.Protocol, rc.Endpoint,
		rc.Compression, rc.Timeout, rc.Certificate, rc.ClientCertificate, rc.ClientKey, rc.ConsoleFormat, rc.Console)
	if rc.Insecure != nil {
		fmt.Fprintf(&b, "insecure=%t|", *rc.Insecure)
	}
	if rc.Retry != nil {
		fmt.Fprintf(&b, "retry=%+v|", *rc.Retry)
	}
	keys := make([]string, 0, len(rc.Headers))
	for k := range rc.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "h=%q:%q|", k, rc.Headers[k])
	}
	if c.AuditFile != nil {
		fmt.Fprintf(&b, "auditfile=%+v|", *c.AuditFile)
	}
	if res != nil {
		fmt.Fprintf(&b, "res=%q|", res.SchemaURL())
		for _, kv := range res.Attributes() {
			fmt.Fprintf(&b, "%q=%s:%q|", kv.Key, kv.Value.Type(), kv.Value.String())
		}
	}
	return b.String()
}
