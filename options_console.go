package fapilog

import (
	"context"
	"os"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"

	"github.com/fapilog/fapilog-go/bridge"
	"github.com/fapilog/fapilog-go/exporter"
)

// The variables of the console format and baggage options.
const (
	// EnvConsoleFormat is read by package exporter: auto, json or pretty.
	EnvConsoleFormat = "FAPILOG_CONSOLE_FORMAT"
	// EnvBaggageKeys lists the baggage members copied into attributes,
	// comma-separated (see WithBaggage).
	EnvBaggageKeys = "FAPILOG_BAGGAGE_KEYS"
)

// WithConsoleFormat sets how the console exporter writes records:
// exporter.ConsoleJSON (JSON lines), exporter.ConsolePretty (one readable,
// coloured line per record) or exporter.ConsoleAuto, the default: pretty
// when the console is a terminal, JSON otherwise. It beats
// FAPILOG_CONSOLE_FORMAT and the ConsoleFormat of WithExporterConfig, and
// matters only when the console exporter is the one built. NO_COLOR (any
// non-empty value) turns the colours off.
func WithConsoleFormat(f exporter.ConsoleFormat) Option {
	return optionFunc(func(c *config) { c.consoleFormat = f })
}

// WithBaggage copies the OpenTelemetry baggage members named by keys from a
// call's ctx into the record's attributes, under the same keys, as strings.
// Only the listed members are copied: baggage comes from upstream callers
// and must not choose what lands in your logs. Bound fields and the call's
// key/values win over baggage on a clash; With fields lose to it.
//
// It beats FAPILOG_BAGGAGE_KEYS (for example "tenant,session.id");
// WithBaggage() with no keys turns the copy off. Without either, reading
// baggage costs nothing.
func WithBaggage(keys ...string) Option {
	ks := normalizeKeys(keys)
	return optionFunc(func(c *config) { c.baggage, c.baggageSet = ks, true })
}

// resolveConsoleAndBaggage resolves the options of this file (option >
// environment > default); resolve calls it.
func resolveConsoleAndBaggage(c *config) {
	if c.consoleFormat != "" {
		c.exporterConfig.ConsoleFormat = c.consoleFormat
	}
	if !c.baggageSet {
		if v, ok := os.LookupEnv(EnvBaggageKeys); ok {
			c.baggage = normalizeKeys(strings.Split(v, ","))
		}
	}
}

// normalizeKeys trims the keys and drops empty and repeated ones; nil when
// none is left.
func normalizeKeys(keys []string) []string {
	var out []string
	for _, k := range keys {
		k = strings.TrimSpace(k)
		if k == "" || contains(out, k) {
			continue
		}
		out = append(out, k)
	}
	return out
}

func contains(ks []string, k string) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// contextFields returns the fields ctx adds to a record: its bound fields,
// after the allowed baggage members when WithBaggage is configured (bound
// fields win on a clash, as they come later). Without baggage keys it is
// boundFields and costs nothing more; with them it allocates only when ctx
// carries one of the members.
func (c *core) contextFields(ctx context.Context) []attribute.KeyValue {
	bound := boundFields(ctx)
	if len(c.baggage) == 0 || ctx == nil {
		return bound
	}
	bag := baggage.FromContext(ctx)
	if bag.Len() == 0 {
		return bound
	}
	var out []attribute.KeyValue
	for _, k := range c.baggage {
		m := bag.Member(k)
		if m.Key() == "" {
			continue
		}
		if out == nil {
			out = make([]attribute.KeyValue, 0, len(c.baggage)+len(bound))
		}
		out = append(out, attribute.String(k, bridge.ValidString(m.Value())))
	}
	if out == nil {
		return bound
	}
	return append(out, bound...)
}
