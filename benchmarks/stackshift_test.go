package benchmarks

import (
	"fmt"
	"os"
	"testing"

	fapilog "github.com/fapilog/fapilog-go"
)

var padSink byte

// padded calls f k frames deeper than padded(0, f) does; each frame holds
// 64 bytes, so everything below f runs at another stack address.
//
//go:noinline
func padded(k int, f func()) {
	var pad [64]byte
	pad[k%64] = byte(k)
	if k == 0 {
		f()
	} else {
		padded(k-1, f)
	}
	padSink += pad[(k+1)%64]
}

// BenchmarkStackShift is BenchmarkLog's serial fapilog call run at other
// stack depths. Two builds that differ by a few frames can differ by
// several per cent in one benchmark without doing more work: a load in the
// SDK (filterInvalid, reading an attribute the caller has just stored on
// the stack) stalls or not depending on where the stack lies, which a
// program's call depth decides, not the library. Comparing two builds over
// every shift averages that out. It runs only with
// FAPILOG_BENCH_STACKSHIFT=1 (run.sh leaves it out):
//
//	FAPILOG_BENCH_STACKSHIFT=1 go test -run '^$' -bench StackShift -cpu 1 .
func BenchmarkStackShift(b *testing.B) {
	if os.Getenv("FAPILOG_BENCH_STACKSHIFT") == "" {
		b.Skip("set FAPILOG_BENCH_STACKSHIFT=1")
	}
	for _, n := range []int{3, 10} {
		for _, redaction := range []bool{true, false} {
			for k := 0; k <= 15; k += 3 {
				b.Run(fmt.Sprintf("attrs=%d/redaction=%v/shift=%02d", n, redaction, k), func(b *testing.B) {
					var opts []fapilog.Option
					if !redaction {
						opts = append(opts, fapilog.WithoutRedaction())
					}
					call, finish := startFapilog(b, n, opts...)
					b.ReportAllocs()
					b.ResetTimer()
					padded(k, func() {
						for i := 0; i < b.N; i++ {
							call()
						}
					})
					b.StopTimer()
					b.ReportMetric(dropRate(uint64(b.N), finish()), "drop%")
				})
			}
		}
	}
}
