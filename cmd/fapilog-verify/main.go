// Command fapilog-verify checks the tamper-evident audit chains of
// fapilog-go logs: AUDIT and SECURITY records carry audit.chain_id,
// audit.seq, audit.prev_hash and audit.hash, and when signed audit.key_id
// and audit.sig (see package audit).
//
// It reads JSON lines from the files named (or standard input): the
// OpenTelemetry Collector's file exporter output (OTLP/JSON) and the
// console exporter's output, mixed freely; lines that are neither are
// skipped. For each chain it reports how many records verify and every
// fault: ALTERED, BROKEN-LINK, GAP, REORDERED, REPLAYED, CONFLICT,
// MALFORMED (and UNCHAINED with -require-chain).
//
//	fapilog-verify [-format auto|otlp|console] [-partial] [-require-chain]
//	               [-public-key FILE]... [-hmac-key FILE]... [-allow-unsealed] [-q] [file|glob ...]
//
// With -public-key (an Ed25519 public key, PEM; repeat it for rotated keys)
// or -hmac-key (a file holding a shared secret; a trailing newline is
// ignored) every chained record must be signed by one of the keys given
// (else UNSIGNED, WRONG-KEY or BAD-SIGNATURE) and every chain must end with
// its signed seal (else UNSEALED: records cut off at the end, or a logger
// that never drained). -allow-unsealed accepts chains of a process still
// running.
//
// Files may be globs, and rotated files are read in the order they were
// written: a rotated copy name-2026-12-01T11-22-33.000.log (the
// lumberjack form, gzip-compressed when it ends in .gz) comes after older
// copies and before newer ones, and the live name.log comes last, whatever
// the order of the arguments. Files of different logs keep the order they are named in.
//
// A line that looks like a record but that JSON readers could read
// differently (duplicate keys at any level, keys equal but for case,
// trailing data, invalid UTF-8, lone surrogate escapes, an OTLP value with
// two members or an unknown field) is MALFORMED: the verifier checks what
// every downstream tool reads, or nothing.
//
// Exit status: 0 when every chain verifies, 1 on any fault, 2 when the
// input or a key cannot be read.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fapilog/fapilog-go/audit"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// fileList is a repeatable string flag.
type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(v string) error { *f = append(*f, v); return nil }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fapilog-verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "auto", "input format: auto (per line), otlp (collector file exporter) or console")
	partial := fs.Bool("partial", false, "accept chains that start after seq 1 (rotated logs)")
	require := fs.Bool("require-chain", false, "report AUDIT and SECURITY records without a chain as faults")
	quiet := fs.Bool("q", false, "print nothing; only the exit status tells")
	var pubKeys, hmacKeys fileList
	fs.Var(&pubKeys, "public-key", "Ed25519 public key (PEM) that must have signed every chain; repeat for rotated keys")
	fs.Var(&hmacKeys, "hmac-key", "file holding an HMAC-SHA256 shared secret that must have signed every chain; repeatable")
	allowUnsealed := fs.Bool("allow-unsealed", false, "with keys: accept signed chains without a seal (a process still running)")
	allowDups := fs.Bool("allow-duplicates", false, "count exact copies of a record (at-least-once delivery after a crash) instead of reporting them REPLAYED")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fapilog-verify [flags] [file|glob ...]   (standard input when no file or \"-\")")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var f audit.Format
	switch *format {
	case "auto", "":
		f = audit.FormatAuto
	case "otlp":
		f = audit.FormatOTLP
	case "console":
		f = audit.FormatConsole
	default:
		fmt.Fprintf(stderr, "fapilog-verify: unknown -format %q\n", *format)
		return 2
	}
	keys, keyIDs, err := loadKeys(pubKeys, hmacKeys)
	if err != nil {
		fmt.Fprintf(stderr, "fapilog-verify: %v\n", err)
		return 2
	}
	v := audit.NewVerifier(audit.Options{Partial: *partial, RequireChain: *require, Keys: keys, AllowUnsealed: *allowUnsealed,
		AllowDuplicates: *allowDups})
	files, err := inputFiles(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "fapilog-verify: %v\n", err)
		return 2
	}
	for _, name := range files {
		if err := readOne(name, stdin, f, v); err != nil {
			fmt.Fprintf(stderr, "fapilog-verify: %v\n", err)
			return 2
		}
	}
	rep := v.Report()
	if !*quiet {
		if keys.Len() > 0 {
			fmt.Fprintf(stdout, "trusted keys: %s\n", strings.Join(keyIDs, ", "))
		}
		if err := rep.WriteText(stdout); err != nil {
			fmt.Fprintf(stderr, "fapilog-verify: %v\n", err)
			return 2
		}
	}
	if !rep.OK() {
		return 1
	}
	return 0
}

// loadKeys reads the trusted keys and returns them with their ids.
func loadKeys(pubs, macs []string) (*audit.KeyRing, []string, error) {
	keys := &audit.KeyRing{}
	var keyIDs []string
	for _, p := range pubs {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, fmt.Errorf("-public-key: %w", err)
		}
		pub, err := audit.ParseEd25519PublicKey(data)
		if err != nil {
			return nil, nil, fmt.Errorf("-public-key %s: %w", p, err)
		}
		keyIDs = append(keyIDs, keys.AddEd25519(pub))
	}
	for _, p := range macs {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, fmt.Errorf("-hmac-key: %w", err)
		}
		data = bytes.TrimSuffix(bytes.TrimSuffix(data, []byte("\n")), []byte("\r"))
		if len(data) < audit.MinHMACKeySize {
			return nil, nil, fmt.Errorf("-hmac-key %s: %d bytes, want at least %d", p, len(data), audit.MinHMACKeySize)
		}
		keyIDs = append(keyIDs, keys.AddHMAC(data))
	}
	return keys, keyIDs, nil
}

func readOne(name string, stdin io.Reader, f audit.Format, v *audit.Verifier) error {
	r, source := stdin, "stdin"
	if name != "-" {
		file, err := os.Open(name)
		if err != nil {
			return err
		}
		defer file.Close()
		r, source = file, name
		if strings.HasSuffix(name, ".gz") {
			z, err := gzip.NewReader(file)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			defer z.Close()
			r = z
		}
	}
	skipped, err := audit.ReadJSON(r, source, f, v.Add)
	v.Skipped(skipped)
	if err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	return nil
}

// rotationTime is the timestamp lumberjack puts into the names of rotated
// files: name-2006-01-02T15-04-05.000.ext.
const rotationTime = "2006-01-02T15-04-05.000"

// rotated splits a file name into the log it belongs to and the time it
// was rotated; the live file (no timestamp) sorts after its rotated copies.
func rotated(path string) (log string, at time.Time, live bool) {
	dir, base := filepath.Split(path)
	base = strings.TrimSuffix(base, ".gz")
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	if n := len(stem) - len(rotationTime); n > 1 && stem[n-1] == '-' {
		if t, err := time.Parse(rotationTime, stem[n:]); err == nil {
			return dir + stem[:n-1] + ext, t, false
		}
	}
	return dir + base, time.Time{}, true
}

// inputFiles expands globs and orders rotated files: within one log, its
// rotated copies by time, then the live file; logs in the order first named.
func inputFiles(args []string) ([]string, error) {
	if len(args) == 0 {
		return []string{"-"}, nil
	}
	var files []string
	seen := map[string]bool{}
	for _, a := range args {
		matches := []string{a}
		if a != "-" && strings.ContainsAny(a, "*?[") {
			m, err := filepath.Glob(a)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", a, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("%s: no file matches", a)
			}
			matches = m
		}
		for _, m := range matches {
			if !seen[m] {
				seen[m] = true
				files = append(files, m)
			}
		}
	}
	group := map[string]int{}
	for _, f := range files {
		l, _, _ := rotated(f)
		if _, ok := group[l]; !ok {
			group[l] = len(group)
		}
	}
	slices.SortStableFunc(files, func(a, b string) int {
		la, ta, liveA := rotated(a)
		lb, tb, liveB := rotated(b)
		if c := group[la] - group[lb]; c != 0 {
			return c
		}
		switch {
		case liveA && liveB:
			return 0
		case liveA:
			return 1
		case liveB:
			return -1
		}
		return ta.Compare(tb)
	})
	return files, nil
}
