package spool

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

// TestFlippedByteCostsOnlyThatEntry flips one byte in the middle of a file
// of 100 records: the 99 intact ones come back (the damaged one is skipped,
// not everything after it), the damage is reported as damage, not as a
// torn tail, and the repaired file reads the same at the next Open.
func TestFlippedByteCostsOnlyThatEntry(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, 0)
	var recs []string
	for i := range 100 {
		recs = append(recs, fmt.Sprintf("record-%03d", i))
	}
	appendAll(t, s, recs...)
	path := s.Path()
	s.Close()
	b, _ := os.ReadFile(path)
	i := bytes.Index(b, []byte("record-050"))
	b[i+3] ^= 0x20 // one flipped bit in the payload: its checksum fails
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}

	s = open(t, dir, 0)
	got, _ := peekAll(t, s)
	wantRecs := append(append([]string(nil), recs[:50]...), recs[51:]...)
	want(t, got, wantRecs...)
	r := s.Recovery()
	if r.TornBytes != 0 || r.DamagedBytes != entrySize([]byte("record-050")) || r.DamagedEntries != 1 {
		t.Fatalf("recovery %+v: want the one damaged entry reported as damage, no torn tail", r)
	}
	s.Close()
	s = open(t, dir, 0)
	defer s.Close()
	got, _ = peekAll(t, s)
	want(t, got, wantRecs...)
	if r := s.Recovery(); r.DamagedBytes != 0 || r.TornBytes != 0 {
		t.Fatalf("second open found damage again: %+v", r)
	}
}

// TestDamagedLengthFieldResyncs breaks the length field of an entry (it
// now claims to run past the end of the file): the reader finds the next
// entry by its marker and keeps it.
func TestDamagedLengthFieldResyncs(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, 0)
	appendAll(t, s, "aaaa", "bbbb", "cccc", "dddd")
	path := s.Path()
	s.Close()
	b, _ := os.ReadFile(path)
	i := bytes.Index(b, []byte("bbbb"))
	lenAt := i - 1 - entryHeaderLen + markerLen // kind byte, then the header before it
	b[lenAt+2] = 0x7f
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, 0)
	defer s.Close()
	got, _ := peekAll(t, s)
	want(t, got, "aaaa", "cccc", "dddd")
}

// TestDamageFoundWhileOpenCostsOnlyThatEntry damages an entry of a spool
// in use: Peek skips it and returns the rest, Len agrees, and Ack goes on
// to work.
func TestDamageFoundWhileOpenCostsOnlyThatEntry(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, 0)
	defer s.Close()
	appendAll(t, s, "aaaa", "bbbb", "cccc", "dddd")
	b, _ := os.ReadFile(s.Path())
	i := bytes.Index(b, []byte("bbbb"))
	if _, err := s.f.WriteAt([]byte("X"), int64(i)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Peek(10)
	if err == nil {
		t.Fatal("Peek over a damaged entry returned no error")
	}
	var texts []string
	for _, e := range got {
		texts = append(texts, string(e.Data))
	}
	want(t, texts, "aaaa", "cccc", "dddd")
	if s.Len() != 3 {
		t.Fatalf("Len() = %d after losing one of 4 entries, want 3", s.Len())
	}
	if err := s.Ack(2); err != nil {
		t.Fatal(err)
	}
	rest, _ := peekAll(t, s)
	want(t, rest, "dddd")
}
