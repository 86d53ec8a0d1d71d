package fapilog

import (
	"os"
	"strings"

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
