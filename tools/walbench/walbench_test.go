// Package walbench measures the two candidate stores of the write-ahead log
// of protected records on this machine's disk: the library's hand-written
// spool (internal/spool: append-only file, CRC per entry, fsync shared by
// concurrent appends) and bbolt (the store of the Collector's persistent
// queue: a B+tree, one transaction per record, or db.Batch to share a
// commit). Each op appends one 300-byte record durably and removes it
// again, as the log does for a record whose export succeeded.
//
//	cd tools/walbench && go test -run XXX -bench . -benchtime 3000x
package walbench

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/fapilog/fapilog-go/internal/spool"
)

var rec = make([]byte, 300)

func BenchmarkSpool(b *testing.B) {
	for _, par := range []int{1, 8} {
		b.Run(fmt.Sprintf("%d-goroutines", par*runtime.GOMAXPROCS(0)), func(b *testing.B) {
			s, err := spool.Open(b.TempDir(), spool.Options{MaxBytes: 1 << 30})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.SetParallelism(par)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					wait, err := s.AppendNoWait(rec)
					if err != nil {
						b.Error(err)
						return
					}
					if err := wait(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			if err := s.Ack(s.Len()); err != nil { // removal, once for all
				b.Fatal(err)
			}
		})
	}
}

func BenchmarkBbolt(b *testing.B) {
	for _, mode := range []string{"update", "batch"} {
		par := 1
		if mode == "batch" {
			par = 8
		}
		b.Run(fmt.Sprintf("%s/%d-goroutines", mode, par*runtime.GOMAXPROCS(0)), func(b *testing.B) {
			db, err := bbolt.Open(filepath.Join(b.TempDir(), "wal.db"), 0o600, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if err := db.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucketIfNotExists([]byte("wal")); return err }); err != nil {
				b.Fatal(err)
			}
			var seq atomic.Uint64
			put := func(tx *bbolt.Tx) error {
				var k [8]byte
				binary.BigEndian.PutUint64(k[:], seq.Add(1))
				return tx.Bucket([]byte("wal")).Put(k[:], rec)
			}
			commit := db.Update
			if mode == "batch" {
				commit = db.Batch
			}
			b.SetParallelism(par)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := commit(put); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			if err := db.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket([]byte("wal")) }); err != nil {
				b.Fatal(err)
			}
		})
	}
}
