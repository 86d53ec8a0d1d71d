package logstoretest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/fapilog/fapilog-go/internal/collectortest"
)

// CacheEnv names the environment variable that overrides the folder holding
// built VictoriaLogs binaries. Without it the folder is the collector's
// (collectortest.CacheDir: $FAPILOG_OTELCOL_CACHE or
// os.UserCacheDir()/fapilog-go), so one variable moves both caches.
const CacheEnv = "FAPILOG_VICTORIALOGS_CACHE"

// Version is the VictoriaLogs release tools/victorialogs/go.mod pins.
const Version = "v1.52.1"

// toolDir is where the VictoriaLogs build module lives, relative to the
// repo root.
const toolDir = "tools/victorialogs"

// mainPackage is the VictoriaLogs single-node server.
const mainPackage = "github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs"

var (
	buildMu   sync.Mutex
	builtPath string
)

// Binary returns the path of a VictoriaLogs server binary built from
// tools/victorialogs, building it first if needed. The binary is cached
// across test runs at <cache>/victoria-logs-<hash>, where <cache> is
// CacheDir and <hash> is SourceHash of tools/victorialogs (its go.mod and
// go.sum, which pin the version). tools/victorialogs/build.sh builds the
// same file; concurrent builds from test processes and the script are
// serialised with a file lock, and the binary is moved into place only once
// complete. A failed build fails tb with the build output.
func Binary(tb testing.TB) string {
	tb.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if builtPath != "" {
		return builtPath
	}
	path, err := buildBinary()
	if err != nil {
		tb.Fatalf("logstoretest: %v", err)
	}
	builtPath = path
	return path
}

// CacheDir returns the folder holding built VictoriaLogs binaries:
// $FAPILOG_VICTORIALOGS_CACHE, else the collector's cache folder.
func CacheDir() (string, error) {
	if d := os.Getenv(CacheEnv); d != "" {
		return d, nil
	}
	return collectortest.CacheDir()
}

// SourceHash returns the first 16 hex digits of the SHA-256 that names a
// build of VictoriaLogs from dir: go.mod and go.sum, each listed as
// "<sha256 hex>  <name>\n" (the output format of sha256sum), and that
// listing hashed again. tools/victorialogs/build.sh computes the same value.
func SourceHash(dir string) (string, error) {
	var listing []byte
	for _, n := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return "", err
		}
		listing = fmt.Appendf(listing, "%x  %s\n", sha256.Sum256(data), n)
	}
	sum := sha256.Sum256(listing)
	return hex.EncodeToString(sum[:])[:16], nil
}

func buildBinary() (string, error) {
	root, err := collectortest.RepoRoot()
	if err != nil {
		return "", err
	}
	src := filepath.Join(root, toolDir)
	hash, err := SourceHash(src)
	if err != nil {
		return "", fmt.Errorf("hashing %s: %w", src, err)
	}
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(cache, "victoria-logs-"+hash+exeSuffix())
	if isExecutable(bin) {
		return bin, nil
	}

	unlock, err := lockFile(bin + ".lock")
	if err != nil {
		return "", fmt.Errorf("locking %s.lock: %w", bin, err)
	}
	defer unlock()
	if isExecutable(bin) { // built by another process while we waited
		return bin, nil
	}

	tmp, err := os.MkdirTemp(cache, ".victoria-logs-"+hash+".")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)

	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("building VictoriaLogs needs the go command: %w", err)
	}
	out := filepath.Join(tmp, "victoria-logs")
	cmd := exec.Command(goTool, "build", "-trimpath", "-o", out, mainPackage)
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
	start := time.Now()
	fmt.Fprintf(os.Stderr, "logstoretest: building VictoriaLogs %s into %s (a few minutes, once)\n", Version, bin)
	output, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building VictoriaLogs in %s failed (%v):\n%s", src, err, output)
	}
	if err := os.Rename(out, bin); err != nil {
		return "", err
	}
	fmt.Fprintf(os.Stderr, "logstoretest: built %s in %s\n", bin, time.Since(start).Round(time.Second))
	return bin, nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return false
	}
	if runtime.GOOS == "windows" { // no execute bits there
		return fi.Mode().IsRegular()
	}
	return fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

func exeSuffix() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}
