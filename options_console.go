package fapilog

import (
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/settings"
)

// The variables of the console format and baggage options.
const (
	// EnvConsoleFormat is read by package exporter: auto, json or pretty.
	EnvConsoleFormat = exporter.EnvConsoleFormat
	// EnvBaggageKeys lists the baggage members copied into attributes,
	// comma-separated (see WithBaggage).
	EnvBaggageKeys = settings.EnvBaggageKeys
)

// WithConsoleFormat sets how the console exporter writes records:
// exporter.ConsoleJSON (JSON lines), exporter.ConsolePretty (one readable,
// coloured line per record) or exporter.ConsoleAuto, the default: pretty
// when the console is a terminal, JSON otherwise. It beats
// FAPILOG_CONSOLE_FORMAT and the ConsoleFormat of WithExporterConfig, and
// matters only when the console exporter is the one built. NO_COLOR (any
// non-empty value) turns the colours off.
func WithConsoleFormat(f exporter.ConsoleFormat) Option {
	return optionFunc(func(o *settings.Options) { o.ConsoleFormat = settings.Of(f) })
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
	ks := settings.NormalizeKeys(keys)
	return optionFunc(func(o *settings.Options) { o.Baggage = settings.Of(ks) })
}
