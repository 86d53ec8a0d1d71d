// Package reliability holds the fault, bad-input and security tests of
// fapilog-go: they run the library against the project's real
// OpenTelemetry Collector (internal/collectortest), kill and restart it,
// feed the logger hostile values, and check the exact counts of every
// DrainResult against what the collector actually received.
//
// The package has no API; the README's "Guarantees" section lists the promises
// these tests prove.
package reliability
