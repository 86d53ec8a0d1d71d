package main

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// out is the output of one run of one build at one layout: each row at two
// depths, the second round slower (a disturbed round must not count).
func out(ns3, ns10 float64) string {
	var b strings.Builder
	for _, slow := range []float64{1, 1.5} {
		for _, shift := range []string{"00", "09"} {
			fmt.Fprintf(&b, "BenchmarkStackShift/attrs=3/redaction=true/shift=%s-2 \t 100000\t %.1f ns/op\t 656 B/op\n", shift, ns3*slow)
			fmt.Fprintf(&b, "BenchmarkStackShift/attrs=10/redaction=true/shift=%s \t 100000\t %.1f ns/op\n", shift, ns10*slow)
		}
	}
	b.WriteString("PASS\nok  \tx\t1.0s\n")
	return b.String()
}

func TestCompareTakesFastestRoundAndAveragesLayouts(t *testing.T) {
	oldT, newT := times{}, times{}
	// Layouts differ by a few per cent; new is 10 % faster at 3 attributes
	// and as fast at 10 on every layout.
	for i, f := range []float64{1.00, 1.03, 0.98, 1.05} {
		seed := fmt.Sprint(i + 1)
		if err := parse(strings.NewReader(out(1000*f, 2000*f)), seed, oldT); err != nil {
			t.Fatal(err)
		}
		if err := parse(strings.NewReader(out(900*f*(1+0.01*float64(i%2)), 2000*f)), seed, newT); err != nil {
			t.Fatal(err)
		}
	}
	if got := oldT["StackShift/attrs=3/redaction=true"]["1"]["9"]; got != 1000 {
		t.Fatalf("fastest round at shift 9 = %v, want 1000 (the slow round must not count)", got)
	}
	r, ok := compare("StackShift/attrs=3/redaction=true", oldT["StackShift/attrs=3/redaction=true"], newT["StackShift/attrs=3/redaction=true"])
	if !ok || r.layouts != 4 || r.faster != 4 {
		t.Fatalf("compare = %+v, %v; want 4 layouts, new faster in 4", r, ok)
	}
	if math.Abs(r.ratio-0.9045) > 0.001 || r.low > r.ratio || r.high < r.ratio || r.high > 0.92 {
		t.Fatalf("ratio %.4f (%.4f–%.4f), want about 0.9045 with an interval below 0.92", r.ratio, r.low, r.high)
	}
	r, _ = compare("StackShift/attrs=10/redaction=true", oldT["StackShift/attrs=10/redaction=true"], newT["StackShift/attrs=10/redaction=true"])
	if math.Abs(r.ratio-1) > 1e-9 || r.faster != 0 {
		t.Fatalf("10 attrs: %+v, want ratio 1 and new faster in none", r)
	}
	var b strings.Builder
	if err := report(&b, oldT, newT); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "StackShift/attrs=3/redaction=true") || !strings.Contains(b.String(), "4 of 4 layouts") {
		t.Fatalf("report:\n%s", b.String())
	}
}

func TestReportNeedsCommonRows(t *testing.T) {
	oldT, newT := times{}, times{}
	_ = parse(strings.NewReader("BenchmarkA \t 10\t 5 ns/op\n"), "1", oldT)
	_ = parse(strings.NewReader("BenchmarkB \t 10\t 5 ns/op\n"), "1", newT)
	if err := report(&strings.Builder{}, oldT, newT); err == nil {
		t.Fatal("no common row: want an error")
	}
}
