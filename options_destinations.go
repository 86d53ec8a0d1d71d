package fapilog

import (
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/settings"
)

// EnvAuditFile names a file that AUDIT and SECURITY records are also
// written to (JSON lines, rotated at 100 MB, all files kept); WithAuditFile
// sets the rotation too.
const EnvAuditFile = settings.EnvAuditFile

// WithAuditFile also writes AUDIT and SECURITY records to a file, beside
// the logger's exporter, rotated by size and age with old files removed
// and compressed as cfg says (see exporter.NewFile; fapilog-verify reads
// it). A record counts as exported only when the exporter and the file
// both took it (see exporter.NewFanout). A FileConfig without a Path turns
// FAPILOG_AUDIT_FILE off. For other routings, give WithExporter an
// exporter.NewFanout.
func WithAuditFile(cfg exporter.FileConfig) Option {
	return optionFunc(func(o *settings.Options) { o.AuditFile = settings.Of(cfg) })
}
