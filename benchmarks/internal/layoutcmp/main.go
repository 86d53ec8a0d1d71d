// Command layoutcmp compares the benchmark output of two builds of the
// library, each linked with several random function layouts, as
// benchmarks/compare.sh produces it.
//
// A change of a few per cent in one benchmark of one build cannot be told
// from where the linker happened to put the hot functions (which ones share
// instruction-cache sets) or where the stack happens to lie. So every build
// is linked several times with -ldflags=-randlayout=SEED, and the
// StackShift benchmark runs each call at several stack depths. For each
// layout, the time of a row at one depth is its fastest round (the least
// disturbed by the machine), and the layout's ratio is the geometric mean,
// over the depths, of new ÷ old. The answer is the geometric mean of the
// layouts' ratios, with a 95 % confidence interval over layouts (Student's
// t): layouts are the independent samples.
//
//	go run ./internal/layoutcmp -old 'dir/old.*.txt' -new 'dir/new.*.txt'
//
// The seed is the last dot-separated field of a file's name before ".txt";
// files of one version with the same seed are one layout.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// times[row][seed][shift] = fastest ns/op over the rounds.
type times map[string]map[string]map[string]float64

var (
	benchLine = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+([0-9.]+) ns/op`)
	shiftPart = regexp.MustCompile(`/shift=(\d+)`)
)

func main() {
	oldGlob := flag.String("old", "", "glob of the old build's output files")
	newGlob := flag.String("new", "", "glob of the new build's output files")
	flag.Parse()
	if *oldGlob == "" || *newGlob == "" {
		fmt.Fprintln(os.Stderr, "usage: layoutcmp -old GLOB -new GLOB")
		os.Exit(2)
	}
	oldT, err := load(*oldGlob)
	if err == nil {
		var newT times
		if newT, err = load(*newGlob); err == nil {
			err = report(os.Stdout, oldT, newT)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "layoutcmp:", err)
		os.Exit(1)
	}
}

func load(glob string) (times, error) {
	files, err := filepath.Glob(glob)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no file matches %q", glob)
	}
	t := times{}
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".txt")
		seed := base[strings.LastIndex(base, ".")+1:]
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		err = parse(fh, seed, t)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
	}
	return t, nil
}

func parse(r io.Reader, seed string, t times) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		ns, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			return err
		}
		row, shift := m[1], "0"
		if s := shiftPart.FindStringSubmatch(row); s != nil {
			shift = strings.TrimLeft(s[1], "0")
			row = shiftPart.ReplaceAllString(row, "")
		}
		if t[row] == nil {
			t[row] = map[string]map[string]float64{}
		}
		if t[row][seed] == nil {
			t[row][seed] = map[string]float64{}
		}
		if cur, ok := t[row][seed][shift]; !ok || ns < cur {
			t[row][seed][shift] = ns
		}
	}
	return sc.Err()
}

// result is one row's comparison.
type result struct {
	row              string
	oldNs, newNs     float64 // medians over layouts and depths
	ratio, low, high float64
	layouts, faster  int
}

func compare(row string, oldR, newR map[string]map[string]float64) (result, bool) {
	res := result{row: row}
	var logs, olds, news []float64
	for seed, oldS := range oldR {
		newS := newR[seed]
		var sum float64
		n := 0
		for shift, o := range oldS {
			if nw, ok := newS[shift]; ok && o > 0 && nw > 0 {
				sum += math.Log(nw / o)
				n++
				olds, news = append(olds, o), append(news, nw)
			}
		}
		if n > 0 {
			logs = append(logs, sum/float64(n))
		}
	}
	if len(logs) < 2 {
		return res, false
	}
	mean, sd := meanSD(logs)
	half := tQuantile(len(logs)-1) * sd / math.Sqrt(float64(len(logs)))
	res.ratio, res.low, res.high = math.Exp(mean), math.Exp(mean-half), math.Exp(mean+half)
	res.oldNs, res.newNs = median(olds), median(news)
	res.layouts = len(logs)
	for _, l := range logs {
		if l < 0 {
			res.faster++
		}
	}
	return res, true
}

func report(w io.Writer, oldT, newT times) error {
	var rows []string
	for row := range oldT {
		if newT[row] != nil {
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		return fmt.Errorf("no benchmark row is in both builds' output")
	}
	sort.Strings(rows)
	fmt.Fprintf(w, "%-44s %10s %10s %8s %17s %s\n", "row", "old ns/op", "new ns/op", "new/old", "95% CI", "new faster in")
	for _, row := range rows {
		r, ok := compare(row, oldT[row], newT[row])
		if !ok {
			fmt.Fprintf(w, "%-44s (fewer than two layouts in both builds)\n", row)
			continue
		}
		fmt.Fprintf(w, "%-44s %10.0f %10.0f %8.3f %8.3f – %.3f %d of %d layouts\n",
			r.row, r.oldNs, r.newNs, r.ratio, r.low, r.high, r.faster, r.layouts)
	}
	return nil
}

func meanSD(xs []float64) (mean, sd float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(xs)-1))
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// tQuantile is the 97.5th percentile of Student's t with df degrees of
// freedom (two-sided 95 %).
func tQuantile(df int) float64 {
	table := []float64{0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
		2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086}
	switch {
	case df < 1:
		return math.Inf(1)
	case df < len(table):
		return table[df]
	case df < 30:
		return 2.05
	}
	return 1.96
}
