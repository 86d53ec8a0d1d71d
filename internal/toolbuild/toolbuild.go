// Package toolbuild builds the test-only servers the integration tests run
// (VictoriaLogs, Jaeger), each from its own module under tools/, once per
// version: the binary is cached across test runs under a name holding a hash
// of the module's go.mod and go.sum, which pin the version.
//
// scripts/toolbuild.sh (which the tools' build.sh scripts call) builds the
// same files, so scripts/test.sh can build in the background while other
// checks run; concurrent builds from test processes and the script are
// serialised with flock(2) on "<binary>.lock", and a binary is moved into
// place only once complete.
package toolbuild

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// ModulePath is the import path of the root module; RepoRoot looks for the
// go.mod that declares it.
const ModulePath = "github.com/fapilog/fapilog-go"

// BaseCacheEnv names the variable that moves every tool's cache (the
// collector's, VictoriaLogs', Jaeger's) at once. Without it the folder is
// os.UserCacheDir()/fapilog-go.
const BaseCacheEnv = "FAPILOG_OTELCOL_CACHE"

// Tool describes one server built from a module under tools/. Declare each
// as a package-level variable: Binary remembers the path it built for the
// life of the test process. Binary is safe for concurrent use; the fields
// must not change after the first call.
type Tool struct {
	// Name names the binary: <cache>/<Name>-<hash>.
	Name string
	// Dir is the build module's folder relative to the repo root, such as
	// "tools/jaeger", or an absolute path.
	Dir string
	// MainPackage is the import path of the main package built there.
	MainPackage string
	// Hashed lists the file patterns in Dir whose contents name a build
	// (see SourceHash); nil means go.mod and go.sum, which pin a tool's
	// version.
	Hashed []string
	// Version is the release Dir's go.mod pins, for messages.
	Version string
	// CacheEnv names the environment variable that overrides the cache
	// folder for this tool (else BaseCacheDir).
	CacheEnv string
	// About says what a cold build costs, for the message printed before it.
	About string

	mu    sync.Mutex
	built string
}

// Binary returns the path of the tool's binary, building it first if
// needed. A failed build fails tb with the build output.
func (t *Tool) Binary(tb testing.TB) string {
	tb.Helper()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.built != "" {
		return t.built
	}
	path, err := t.build()
	if err != nil {
		tb.Fatalf("toolbuild: %v", err)
	}
	t.built = path
	return path
}

// CacheDir returns the folder holding the tool's built binaries: the value
// of CacheEnv if set, else the collector's cache folder, so one variable
// ($FAPILOG_OTELCOL_CACHE) moves every cache.
func (t *Tool) CacheDir() (string, error) {
	if d := os.Getenv(t.CacheEnv); t.CacheEnv != "" && d != "" {
		return d, nil
	}
	return BaseCacheDir()
}

// BaseCacheDir returns $FAPILOG_OTELCOL_CACHE, else
// os.UserCacheDir()/fapilog-go.
func BaseCacheDir() (string, error) {
	if d := os.Getenv(BaseCacheEnv); d != "" {
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
// build from dir: the files matching patterns (default go.mod and go.sum),
// sorted by name, each listed as "<sha256 hex>  <name>\n" (the output
// format of sha256sum), and that listing hashed again. scripts/toolbuild.sh
// and tools/otelcol/build.sh compute the same value.
func SourceHash(dir string, patterns ...string) (string, error) {
	if len(patterns) == 0 {
		patterns = []string{"go.mod", "go.sum"}
	}
	var names []string
	for _, p := range patterns {
		matches, err := filepath.Glob(filepath.Join(dir, p))
		if err != nil {
			return "", err
		}
		if len(matches) == 0 && !strings.ContainsAny(p, "*?[") {
			return "", fmt.Errorf("%s: %w", filepath.Join(dir, p), os.ErrNotExist)
		}
		for _, m := range matches {
			names = append(names, filepath.Base(m))
		}
	}
	sort.Strings(names)
	var listing []byte
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return "", err
		}
		listing = fmt.Appendf(listing, "%x  %s\n", sha256.Sum256(data), n)
	}
	sum := sha256.Sum256(listing)
	return hex.EncodeToString(sum[:])[:16], nil
}

func (t *Tool) build() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	src := t.Dir
	if !filepath.IsAbs(src) {
		src = filepath.Join(root, src)
	}
	hash, err := SourceHash(src, t.Hashed...)
	if err != nil {
		return "", fmt.Errorf("hashing %s: %w", src, err)
	}
	cache, err := t.CacheDir()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(cache, t.Name+"-"+hash+exeSuffix())
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

	tmp, err := os.MkdirTemp(cache, "."+t.Name+"-"+hash+".")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)

	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("building %s needs the go command: %w", t.Name, err)
	}
	out := filepath.Join(tmp, t.Name+exeSuffix())
	cmd := exec.Command(goTool, "build", "-trimpath", "-o", out, t.MainPackage)
	cmd.Dir = src
	// GOWORK=off: never pick up a go.work from above. CGO off: static
	// binaries, pure-Go dependencies only.
	cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
	start := time.Now()
	fmt.Fprintf(os.Stderr, "toolbuild: building %s %s into %s (%s, once)\n", t.Name, t.Version, bin, t.About)
	output, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building %s in %s failed (%v):\n%s", t.Name, src, err, output)
	}
	if err := os.Rename(out, bin); err != nil {
		return "", err
	}
	fmt.Fprintf(os.Stderr, "toolbuild: built %s in %s\n", bin, time.Since(start).Round(time.Second))
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
