// Package benchmarks compares fapilog-go with the other ways into
// OpenTelemetry logs in Go (the raw SDK, otelslog, otelzap) and with loggers
// that write JSON (zap, zerolog, log/slog), in one `go test -bench` process.
//
// It is a module of its own so that otelslog, otelzap, zap and zerolog never
// enter the library's go.mod. Every OpenTelemetry contender writes into the
// same kind of pipeline: an SDK BatchProcessor with its default settings over
// a no-op exporter that counts the records it receives, so the drop rate
// (records emitted but never exported) is reported beside the time.
//
// Run ./run.sh for the full comparison (-count 6, benchstat, the README
// table in docs/readme/performance.md). The package's tests are quick:
//
//	go test -count=1 -run . -bench . -benchtime 1x ./...
//
// The end-to-end tests print their tables with -v; their sizes are flags
// (-e2e.records, -collector.records).
//
// To tell whether a change made the emit path faster or slower by a few
// per cent, run ./compare.sh OLD_REV: a single build's time moves that
// much with where the linker puts the functions and where the stack lies,
// so compare.sh links each build with several random layouts, runs each
// call at several stack depths (BenchmarkStackShift) and reports the ratio
// with a confidence interval over layouts (internal/layoutcmp).
package benchmarks
