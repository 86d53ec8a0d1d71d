package collectortest

import (
	"testing"

	"github.com/fapilog/fapilog-go/internal/toolbuild"
)

// CacheEnv names the environment variable that overrides the folder holding
// built collector binaries (and, as toolbuild.BaseCacheEnv, every other
// tool's). Without it the folder is os.UserCacheDir()/fapilog-go.
const CacheEnv = toolbuild.BaseCacheEnv

// collector is the project's OpenTelemetry Collector. Its build is named by
// its own sources (the generated *.go files) as well as go.mod and go.sum,
// since regenerate.sh changes both; tools/otelcol/build.sh computes the
// same hash.
var collector = &toolbuild.Tool{
	Name:        "otelcol",
	Dir:         "tools/otelcol",
	MainPackage: ".",
	Hashed:      hashed,
	Version:     "v0.165.0 (fapilog-otelcol)",
	CacheEnv:    CacheEnv,
	About:       "about a minute on 2 idle cores",
}

var hashed = []string{"*.go", "go.mod", "go.sum"}

// Binary returns the path of the project's OpenTelemetry Collector
// (tools/otelcol), building it first if needed: cached across test runs at
// <cache>/otelcol-<SourceHash>, where <cache> is $FAPILOG_OTELCOL_CACHE or
// os.UserCacheDir()/fapilog-go (see toolbuild.Tool for the locking). A
// failed build fails tb with the build output.
func Binary(tb testing.TB) string {
	tb.Helper()
	return collector.Binary(tb)
}

// CacheDir returns the folder holding built collector binaries.
func CacheDir() (string, error) { return collector.CacheDir() }

// RepoRoot returns the root of the fapilog-go checkout (toolbuild.RepoRoot).
func RepoRoot() (string, error) { return toolbuild.RepoRoot() }

// SourceHash returns the hash that names a build of the collector in dir:
// its *.go files, go.mod and go.sum (toolbuild.SourceHash).
func SourceHash(dir string) (string, error) { return toolbuild.SourceHash(dir, hashed...) }
