package fapilog

import (
	"github.com/fapilog/fapilog-go/internal/settings"
)

// The durable spool: protected records (WithProtectedLevels; default ERROR,
// CRITICAL, AUDIT, SECURITY) that would otherwise be lost go to a bounded
// file on local disk and are sent later, in order, by this logger or by the
// next process that opens the same folder.
//
// A protected record goes to the spool when
//   - it finds no room in the export queue in time (its wait ran out, or
//     the async logger's ctx ended): the call returns nil (the sync logger
//     returns nothing, as always) once the record is on disk, or
//     ErrDropped when the spool cannot take it (full);
//   - its export fails (after the exporter's own retries): it is counted
//     as Spooled, not Failed.
//
// A replay goroutine sends spooled records through the logger's exporter,
// in the order they were spooled, as soon as an export succeeds again (and
// otherwise after a backoff of 1s doubling to 30s; Flush asks for one at
// once), and removes them from the file only once exported. Records the
// spool cannot take (WithSpoolMaxBytes) are counted as Dropped (no room in
// time) or Failed (export failed), and named in the stderr warning.
//
// The spool applies to pipelines the library builds (not with
// WithLoggerProvider). Each open logger with a spool holds one slot of the
// folder (two files, up to 256 loggers per folder); see DrainResult for the
// counts and the guarantees.
const (
	// EnvSpoolDir turns the spool on for every logger: records go to
	// files in this folder (created if needed, mode 0700).
	EnvSpoolDir = settings.EnvSpoolDir
	// EnvSpoolMaxBytes bounds each logger's spool file (bytes).
	EnvSpoolMaxBytes = settings.EnvSpoolMaxBytes
	// DefaultSpoolMaxBytes is the default bound of a spool file (64 MiB).
	DefaultSpoolMaxBytes = settings.DefaultSpoolMaxBytes
)

// WithSpool keeps protected records that cannot be delivered in a durable
// spool in dir, and replays them when the collector is back (see
// EnvSpoolDir). WithSpool("") turns the spool off, FAPILOG_SPOOL_DIR
// notwithstanding.
func WithSpool(dir string) Option {
	return optionFunc(func(o *settings.Options) { o.SpoolDir = settings.Of(dir) })
}

// WithSpoolMaxBytes bounds the logger's spool file (default 64 MiB, or
// FAPILOG_SPOOL_MAX_BYTES; at least 4 KiB).
func WithSpoolMaxBytes(n int64) Option {
	return optionFunc(func(o *settings.Options) { o.SpoolMaxBytes = settings.Of(n) })
}
