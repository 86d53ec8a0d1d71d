package spool

import (
	"fmt"
	"hash/crc32"
	"os"
	"testing"
)

func maybeDelivered(t *testing.T, s *Spool) string {
	t.Helper()
	es, err := s.Peek(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	out := ""
	for _, e := range es {
		out += fmt.Sprintf("%s:%v ", e.Data, e.MaybeDelivered)
	}
	return out
}

// Records handed to an exporter (MarkSent) and not acknowledged come back
// from the next Open flagged MaybeDelivered; records never handed over do
// not. That is what lets the next process count possible duplicates.
func TestRecordsMarkedSentComeBackFlaggedAfterADeath(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, 0)
	appendAll(t, s, "r1", "r2", "r3", "r4", "r5")
	if err := s.MarkSent(3); err != nil {
		t.Fatal(err)
	}
	if got := maybeDelivered(t, s); got != "r1:true r2:true r3:true r4:false r5:false " {
		t.Fatalf("running spool: %s", got)
	}
	if err := s.Ack(1); err != nil { // r1's export went through
		t.Fatal(err)
	}
	s.Close() // the process dies: nothing more is acknowledged
	n := open(t, dir, 0)
	defer n.Close()
	if got := maybeDelivered(t, n); got != "r2:true r3:true r4:false r5:false " {
		t.Fatalf("after reopening: %s", got)
	}
	// The flag survives the rewrite of a compaction and a further mark.
	if err := n.MarkSent(3); err != nil {
		t.Fatal(err)
	}
	if err := n.Ack(2); err != nil {
		t.Fatal(err)
	}
	n.mu.Lock()
	n.syncMu.Lock()
	err := n.compactLocked()
	n.syncMu.Unlock()
	n.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if got := maybeDelivered(t, n); got != "r4:true r5:false " {
		t.Fatalf("after compaction: %s", got)
	}
}

// An adopted orphan keeps its flags: a record the dead owner had handed
// over is still flagged in the adopting spool, the others are not.
func TestAdoptionKeepsTheMaybeDeliveredFlag(t *testing.T) {
	dir := t.TempDir()
	a := open(t, dir, 0)
	b := open(t, dir, 0)
	appendAll(t, a, "a1")
	appendAll(t, b, "b1", "b2")
	if err := b.MarkSent(1); err != nil {
		t.Fatal(err)
	}
	if n, err := b.AppendMaybeDelivered([]byte("b3")); n != 1 || err != nil {
		t.Fatal(n, err)
	}
	a.Close()
	b.Close()
	c := open(t, dir, 0)
	defer c.Close()
	if got := maybeDelivered(t, c); got != "a1:false b1:true b2:false b3:true " {
		t.Fatalf("%s (recovery %+v)", got, c.Recovery())
	}
}

// A Fresh spool starts empty: it skips slots that hold records and adopts
// nothing, and a later Open still finds those records.
func TestAFreshSpoolStartsEmptyAndLeavesOrphansForTheNextOpen(t *testing.T) {
	dir := t.TempDir()
	a := open(t, dir, 0)
	appendAll(t, a, "left")
	a.Close()
	f, err := Open(dir, Options{Fresh: true})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Len() != 0 || f.Recovery().Adopted != 0 {
		t.Fatalf("a fresh spool holds %d records, adopted %d", f.Len(), f.Recovery().Adopted)
	}
	n := open(t, dir, 0)
	defer n.Close()
	got, _ := peekAll(t, n)
	want(t, got, "left")
}

// A version 2 file (before the sent marks) is read, and rewritten as
// version 3 so that an older reader, which would skip the new kinds, moves
// it aside instead of losing records.
func TestAVersion2FileIsReadAndUpgraded(t *testing.T) {
	dir := t.TempDir()
	a := open(t, dir, 0)
	appendAll(t, a, "old1", "old2")
	path := a.Path()
	a.Close()
	h := header()
	v2 := h
	v2[8] = version2
	v2c := crc32c(v2[:12])
	copy(v2[12:], v2c)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	copy(b, v2[:])
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	n := open(t, dir, 0)
	defer n.Close()
	got, _ := peekAll(t, n)
	want(t, got, "old1", "old2")
	var now [headerLen]byte
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if _, err := fh.ReadAt(now[:], 0); err != nil {
		t.Fatal(err)
	}
	if now != h {
		t.Fatalf("the file was not rewritten as version %d", version)
	}
}

func crc32c(b []byte) []byte {
	var out [4]byte
	c := crc32.Checksum(b, castagnoli)
	out[0], out[1], out[2], out[3] = byte(c), byte(c>>8), byte(c>>16), byte(c>>24)
	return out[:]
}
