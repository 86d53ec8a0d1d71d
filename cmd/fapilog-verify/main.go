// Command fapilog-verify checks the tamper-evident audit chains of
// fapilog-go logs: AUDIT and SECURITY records carry audit.chain_id,
// audit.seq, audit.prev_hash and audit.hash (see package audit).
//
// It reads JSON lines from the files named (or standard input): the
// OpenTelemetry Collector's file exporter output (OTLP/JSON) and the
// console exporter's output, mixed freely; lines that are neither are
// skipped. For each chain it reports how many records verify and every
// fault: ALTERED, BROKEN-LINK, GAP, REORDERED, REPLAYED, CONFLICT,
// MALFORMED (and UNCHAINED with -require-chain).
//
//	fapilog-verify [-format auto|otlp|console] [-partial] [-require-chain] [-q] [file ...]
//
// A line that looks like a record but that JSON readers could read
// differently (duplicate keys at any level, keys equal but for case,
// trailing data, invalid UTF-8, lone surrogate escapes, an OTLP value with
// two members or an unknown field) is MALFORMED: the verifier checks what
// every downstream tool reads, or nothing.
//
// Exit status: 0 when every chain verifies, 1 on any fault, 2 when the
// input cannot be read.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/fapilog/fapilog-go/audit"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fapilog-verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "auto", "input format: auto (per line), otlp (collector file exporter) or console")
	partial := fs.Bool("partial", false, "accept chains that start after seq 1 (rotated logs)")
	require := fs.Bool("require-chain", false, "report AUDIT and SECURITY records without a chain as faults")
	quiet := fs.Bool("q", false, "print nothing; only the exit status tells")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fapilog-verify [flags] [file ...]   (standard input when no file or \"-\")")
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
	v := audit.NewVerifier(audit.Options{Partial: *partial, RequireChain: *require})
	files := fs.Args()
	if len(files) == 0 {
		files = []string{"-"}
	}
	for _, name := range files {
		r, source := stdin, "stdin"
		if name != "-" {
			file, err := os.Open(name)
			if err != nil {
				fmt.Fprintf(stderr, "fapilog-verify: %v\n", err)
				return 2
			}
			r, source = file, name
			defer file.Close()
		}
		skipped, err := audit.ReadJSON(r, source, f, v.Add)
		v.Skipped(skipped)
		if err != nil {
			fmt.Fprintf(stderr, "fapilog-verify: %v\n", err)
			return 2
		}
	}
	rep := v.Report()
	if !*quiet {
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
