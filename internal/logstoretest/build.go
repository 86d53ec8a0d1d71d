package logstoretest

import (
	"testing"

	"github.com/fapilog/fapilog-go/internal/toolbuild"
)

// CacheEnv names the environment variable that overrides the folder holding
// built VictoriaLogs binaries. Without it the folder is the collector's
// (toolbuild.BaseCacheDir: $FAPILOG_OTELCOL_CACHE or
// os.UserCacheDir()/fapilog-go), so one variable moves both caches.
const CacheEnv = "FAPILOG_VICTORIALOGS_CACHE"

// Version is the VictoriaLogs release tools/victorialogs/go.mod pins.
const Version = "v1.52.1"

var tool = &toolbuild.Tool{
	Name:        "victoria-logs",
	Dir:         "tools/victorialogs",
	MainPackage: "github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs",
	Version:     Version,
	CacheEnv:    CacheEnv,
	About:       "about 1.5 minutes on 2 cores",
}

// Binary returns the path of a VictoriaLogs server binary built from
// tools/victorialogs, building it first if needed (see toolbuild.Tool: the
// binary is cached at <CacheDir>/victoria-logs-<SourceHash>, the file
// tools/victorialogs/build.sh builds). A failed build fails tb.
func Binary(tb testing.TB) string {
	tb.Helper()
	return tool.Binary(tb)
}

// CacheDir returns the folder holding built VictoriaLogs binaries:
// $FAPILOG_VICTORIALOGS_CACHE, else the collector's cache folder.
func CacheDir() (string, error) { return tool.CacheDir() }

// SourceHash returns the hash that names a build of VictoriaLogs from dir
// (toolbuild.SourceHash).
func SourceHash(dir string) (string, error) { return toolbuild.SourceHash(dir) }
