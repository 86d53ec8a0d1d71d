package toolbuild_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/fapilog/fapilog-go/internal/toolbuild"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// tinyTool writes a module with a main package that prints marker.
func tinyTool(t *testing.T, marker string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":  "module example.com/tiny\n\ngo 1.22\n",
		"go.sum":  "",
		"main.go": "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"" + marker + "\") }\n",
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestScriptAndToolAgree builds a tiny module with Tool.Binary and checks
// that scripts/toolbuild.sh (what the tools' build.sh and scripts/test.sh
// run) names the same cached file, so the suite's background build and the
// tests share one build; then that a changed go.mod is a new binary.
func TestScriptAndToolAgree(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the build script needs bash and sha256sum")
	}
	root, err := toolbuild.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := tinyTool(t, "tiny-1")
	t.Setenv("FAPILOG_TINY_CACHE", t.TempDir())
	tool := &toolbuild.Tool{Name: "tiny", Dir: dir, MainPackage: ".", Version: "v0", CacheEnv: "FAPILOG_TINY_CACHE", About: "seconds"}
	bin := tool.Binary(t)
	if again := tool.Binary(t); again != bin {
		t.Errorf("second Binary = %q, want the remembered %q", again, bin)
	}
	hash, err := toolbuild.SourceHash(dir)
	if err != nil {
		t.Fatal(err)
	}
	cache, _ := tool.CacheDir()
	if want := filepath.Join(cache, "tiny-"+hash); bin != want {
		t.Errorf("Binary = %q, want %q", bin, want)
	}
	out, err := exec.Command(bin).Output()
	if err != nil || strings.TrimSpace(string(out)) != "tiny-1" {
		t.Fatalf("running %s: %q, %v", bin, out, err)
	}

	script := func() string {
		t.Helper()
		cmd := exec.Command("bash", filepath.Join(root, "scripts", "toolbuild.sh"), dir, "tiny", ".", "FAPILOG_TINY_CACHE")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		got, err := cmd.Output()
		if err != nil {
			t.Fatalf("toolbuild.sh: %v\n%s", err, stderr.String())
		}
		return strings.TrimSpace(string(got))
	}
	if got := script(); got != bin {
		t.Errorf("toolbuild.sh printed %q, Binary returned %q", got, bin)
	}

	// A version bump (here: any go.mod change) must not reuse the old build.
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/tiny\n\ngo 1.23\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"tiny-2\") }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bumped := script()
	if bumped == bin {
		t.Fatalf("after a go.mod change the script reused %s", bin)
	}
	out, err = exec.Command(bumped).Output()
	if err != nil || strings.TrimSpace(string(out)) != "tiny-2" {
		t.Fatalf("running %s: %q, %v", bumped, out, err)
	}
	fresh := &toolbuild.Tool{Name: "tiny", Dir: dir, MainPackage: ".", CacheEnv: "FAPILOG_TINY_CACHE"}
	if got := fresh.Binary(t); got != bumped {
		t.Errorf("Binary after the script built = %q, want %q", got, bumped)
	}
}
