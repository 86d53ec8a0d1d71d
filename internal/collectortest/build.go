package collectortest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// ModulePath is the import path of the root module; RepoRoot looks for the
// go.mod that declares it.
const ModulePath = "github.com/fapilog/fapilog-go"

// CacheEnv names the environment variable that overrides the folder holding
// built collector binaries. Without it the folder is
// os.UserCacheDir()/fapilog-go.
const CacheEnv = "FAPILOG_OTELCOL_CACHE"

// collectorDir is where the collector's module lives, relative to the repo root.
const collectorDir = "tools/otelcol"

var (
	buildMu   sync.Mutex
	builtPath string
)

// Binary returns the path of the project's OpenTelemetry Collector
// (tools/otelcol), building it first if needed. The binary is cached across
// test runs at <cache>/otelcol-<hash>, where <cache> is $FAPILOG_OTELCOL_CACHE
// or os.UserCacheDir()/fapilog-go and <hash> is SourceHash of tools/otelcol.
// Concurrent builds from several test processes are serialised with a file
// lock, and the binary is moved into place only once complete. A failed
// build fails tb with the build output.
func Binary(tb testing.TB) string {
	tb.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if builtPath != "" {
		return builtPath
	}
	path, err := buildBinary()
	if err != nil {
		tb.Fatalf("collectortest: %v", err)
	}
	builtPath = path
	return path
}

// CacheDir returns the folder holding built collector binaries.
func CacheDir() (string, error) {
	if d := os.Getenv(CacheEnv); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	return filepath.Join(d, "fapilog-go"), nil
}

// RepoRoot walks up from the working directory to the folder whose go.mod
// declares module github.com/fapilog/fapilog-go.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if modulePathOf(filepath.Join(dir, "go.mod")) == ModulePath {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod for module %s above the working directory", ModulePath)
		}
		dir = parent
	}
}

func modulePathOf(gomod string) string {
	f, err := os.Open(gomod)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "module"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// SourceHash returns the first 16 hex digits of the SHA-256 that names a
// build of the collector in dir: the files *.go, go.mod and go.sum directly
// in dir, sorted by name, each listed as "<sha256 hex>  <name>\n" (the
// output format of sha256sum), and that listing hashed again.
// tools/otelcol/build.sh computes the same value.
func SourceHash(dir string) (string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return "", err
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	names = append(names, "go.mod", "go.sum")
	sort.Strings(names)
	var listing bytes.Buffer
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&listing, "%x  %s\n", sha256.Sum256(data), n)
	}
	sum := sha256.Sum256(listing.Bytes())
	return hex.EncodeToString(sum[:])[:16], nil
}

func buildBinary() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	src := filepath.Join(root, collectorDir)
	hash, err := SourceHash(src)
	if err != nil {
		return "", fmt.Errorf("hashing collector sources: %w", err)
	}
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(cache, "otelcol-"+hash)
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

	tmp, err := os.MkdirTemp(cache, ".otelcol-"+hash+".")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)

	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("building the collector needs the go command: %w", err)
	}
	out := filepath.Join(tmp, "otelcol")
	cmd := exec.Command(goTool, "build", "-trimpath", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
	start := time.Now()
	output, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building the collector in %s failed (%v):\n%s", src, err, output)
	}
	if err := os.Rename(out, bin); err != nil {
		return "", err
	}
	fmt.Fprintf(os.Stderr, "collectortest: built %s in %s\n", bin, time.Since(start).Round(time.Second))
	return bin, nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return false
	}
	return fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
