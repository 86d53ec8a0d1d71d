package exporter

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// consoleFormatVars are the variables that decide the console format.
var consoleFormatVars = []string{envConsoleFormat, envNoColor}

func TestBuildChoosesTheConsoleFormat(t *testing.T) {
	var buf bytes.Buffer
	tests := []struct {
		name      string
		env       map[string]string
		cfg       Config
		tty       bool // write to a pseudo-terminal instead of buf
		wantKind  string
		wantColor bool
	}{
		{name: "auto, not a terminal: JSON", cfg: Config{Console: &buf}, wantKind: "json"},
		{name: "auto, terminal: coloured pretty", tty: true, wantKind: "pretty", wantColor: true},
		{name: "auto, terminal, NO_COLOR: plain pretty", tty: true, env: map[string]string{"NO_COLOR": "1"}, wantKind: "pretty"},
		{name: "explicit auto, terminal", cfg: Config{ConsoleFormat: ConsoleAuto}, tty: true, wantKind: "pretty", wantColor: true},
		{name: "json on a terminal", cfg: Config{ConsoleFormat: ConsoleJSON}, tty: true, wantKind: "json"},
		{name: "pretty to a buffer is not coloured", cfg: Config{Console: &buf, ConsoleFormat: ConsolePretty}, wantKind: "pretty"},
		{name: "pretty on a terminal is coloured", cfg: Config{ConsoleFormat: ConsolePretty}, tty: true, wantKind: "pretty", wantColor: true},
		{name: "variable selects pretty", cfg: Config{Console: &buf}, env: map[string]string{"FAPILOG_CONSOLE_FORMAT": " Pretty "}, wantKind: "pretty"},
		{name: "variable selects json on a terminal", tty: true, env: map[string]string{"FAPILOG_CONSOLE_FORMAT": "json"}, wantKind: "json"},
		{name: "option beats variable", cfg: Config{Console: &buf, ConsoleFormat: ConsoleJSON}, env: map[string]string{"FAPILOG_CONSOLE_FORMAT": "pretty"}, wantKind: "json"},
		{name: "empty NO_COLOR is unset", tty: true, env: map[string]string{"NO_COLOR": ""}, wantKind: "pretty", wantColor: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t, nil)
			for _, k := range consoleFormatVars {
				t.Setenv(k, "")
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			cfg := tt.cfg
			if tt.tty {
				pty := openPTY(t)
				if pty == nil {
					t.Skip("no pseudo-terminal")
				}
				cfg.Console = pty
			}
			b := build(t, cfg)
			defer shutdown(t, b.Exporter)
			if b.Kind != KindConsole {
				t.Fatalf("kind %q", b.Kind)
			}
			le, ok := b.Exporter.(*lineExporter)
			if !ok {
				t.Fatalf("built %T, want a console exporter", b.Exporter)
			}
			switch e := le.enc.(type) {
			case *console:
				if tt.wantKind != "json" {
					t.Fatalf("built JSON, want %s", tt.wantKind)
				}
			case *pretty:
				if tt.wantKind != "pretty" || e.color != tt.wantColor {
					t.Fatalf("built pretty (colour %v), want %s (colour %v)", e.color, tt.wantKind, tt.wantColor)
				}
			default:
				t.Fatalf("built %T", e)
			}
		})
	}
}

func TestFromEnvResolvesTheConsoleFormat(t *testing.T) {
	for _, tt := range []struct {
		name, env string
		cfg       Config
		want      ConsoleFormat
		wantErr   string
	}{
		{name: "unset stays unset (auto)", want: ""},
		{name: "variable", env: "PRETTY", want: ConsolePretty},
		{name: "variable auto", env: "auto", want: ConsoleAuto},
		{name: "field wins", env: "pretty", cfg: Config{ConsoleFormat: "JSON"}, want: ConsoleJSON},
		{name: "bad variable names it", env: "fancy", wantErr: `FAPILOG_CONSOLE_FORMAT="fancy": want auto, json or pretty`},
		{name: "bad field names it", cfg: Config{ConsoleFormat: "xml"}, wantErr: `Config.ConsoleFormat="xml"`},
		{name: "ignored for other kinds", env: "fancy", cfg: Config{Kind: KindNone}, want: ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t, map[string]string{envConsoleFormat: tt.env})
			got, err := FromEnv(tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ConsoleFormat != tt.want {
				t.Fatalf("ConsoleFormat %q, want %q", got.ConsoleFormat, tt.want)
			}
			again, err := FromEnv(got)
			if err != nil || again.ConsoleFormat != got.ConsoleFormat {
				t.Fatalf("FromEnv is not idempotent: %q, %v", again.ConsoleFormat, err)
			}
		})
	}
}

func TestBuildRejectsABadConsoleFormat(t *testing.T) {
	clearEnv(t, map[string]string{envConsoleFormat: "fancy"})
	if _, err := Build(context.Background(), Config{Console: io.Discard}); err == nil {
		t.Fatal("Build accepted FAPILOG_CONSOLE_FORMAT=fancy")
	}
}

func TestConsoleFormatString(t *testing.T) {
	if ConsoleFormat("").String() != "auto" || ConsolePretty.String() != "pretty" {
		t.Fatal("String")
	}
}
