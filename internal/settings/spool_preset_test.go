package settings

import (
	"path/filepath"
	"testing"
)

// The hardened preset writes protected records ahead to a spool in a
// default folder; an option or the variable still wins, and WithSpool("")
// turns it off.
func TestHardenedPresetTurnsTheSpoolOn(t *testing.T) {
	clearEnv(t)
	c, err := Resolve(&Options{Preset: Of(PresetHardened)})
	if err != nil {
		t.Fatal(err)
	}
	if c.SpoolDir != DefaultSpoolDir() || filepath.Base(c.SpoolDir) != "spool" {
		t.Fatalf("hardened: SpoolDir %q, want the default %q", c.SpoolDir, DefaultSpoolDir())
	}
	if c, _ := Resolve(&Options{Preset: Of(PresetHardened), SpoolDir: Of("")}); c.SpoolDir != "" {
		t.Fatalf("WithSpool(\"\") under hardened: %q", c.SpoolDir)
	}
	dir := t.TempDir()
	t.Setenv(EnvSpoolDir, dir)
	if c, _ := Resolve(&Options{Preset: Of(PresetHardened)}); c.SpoolDir != dir {
		t.Fatalf("variable under hardened: %q", c.SpoolDir)
	}
	clearEnv(t)
	if c, _ := Resolve(&Options{Preset: Of(PresetProduction)}); c.SpoolDir != "" {
		t.Fatalf("production turned the spool on: %q", c.SpoolDir)
	}
}
