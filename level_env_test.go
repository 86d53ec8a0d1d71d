package fapilog

import (
	"context"
	"strings"
	"testing"

	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/levels"
)

// An unknown FAPILOG_LEVEL used to make GetAsyncLogger fail while
// GetLogger only warned, and the warning did not say which level it used.
// Now both warn, say "using INFO", and log at INFO.
func TestUnknownEnvLevelWarnsTheSameForBothKinds(t *testing.T) {
	t.Setenv(EnvLevel, "DEBG")
	capture, warnings := captureWarnings(t)

	l := GetLogger("debg", Reuse(false), capture, WithExporterConfig(exporter.Config{Kind: exporter.KindNone}))
	defer l.StopAndDrain(context.Background())
	a, err := GetAsyncLogger(context.Background(), "debg-async", Reuse(false), capture, WithExporterConfig(exporter.Config{Kind: exporter.KindNone}))
	if err != nil {
		t.Fatalf("GetAsyncLogger: %v; want the same warning as GetLogger, not an error", err)
	}
	defer a.Drain(context.Background())
	if l.Level() != levels.Info || a.Level() != levels.Info {
		t.Errorf("levels %s and %s, want INFO", l.Level(), a.Level())
	}
	if lines := warnings(); len(lines) != 1 || !strings.Contains(lines[0], `"DEBG"`) || !strings.Contains(lines[0], "using INFO") || !strings.Contains(lines[0], EnvLevel) {
		t.Errorf("stderr %q: want one warning naming the variable, the value and the level used", lines)
	}
}
