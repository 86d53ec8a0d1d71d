package spool

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv("SPOOL_TEST_HOLDER"); dir != "" {
		holder(dir)
		return
	}
	goleak.VerifyTestMain(m)
}

// holder is the child process of TestLockAcrossProcessesAndCrash: it opens
// a spool, appends records, says so, and waits to be killed.
func holder(dir string) {
	s, err := Open(dir, Options{})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	for i := range 3 {
		if _, err := s.Append([]byte(fmt.Sprintf("child-%d", i))); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("slot %s\n", filepath.Base(s.Path()))
	os.Stdout.Sync()
	select {} // killed by the parent, without Close
}

func open(t *testing.T, dir string, max int64) *Spool {
	t.Helper()
	s, err := Open(dir, Options{MaxBytes: max})
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip(err) // no flock(2) here: see TestOpenWithoutFlockSaysSo
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func appendAll(t *testing.T, s *Spool, recs ...string) {
	t.Helper()
	for _, r := range recs {
		if n, err := s.Append([]byte(r)); n != 1 || err != nil {
			t.Fatalf("Append(%q) = %d, %v", r, n, err)
		}
	}
}

func peekAll(t *testing.T, s *Spool) ([]string, []bool) {
	t.Helper()
	es, err := s.Peek(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var inh []bool
	for _, e := range es {
		out = append(out, string(e.Data))
		inh = append(inh, e.Inherited)
	}
	return out, inh
}

func want(t *testing.T, got []string, w ...string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(w, ",") {
		t.Fatalf("spool holds %q, want %q", got, w)
	}
}

func TestAppendPeekAckKeepOrder(t *testing.T) {
	s := open(t, t.TempDir(), 0)
	defer s.Close()
	appendAll(t, s, "a", "b")
	if n, err := s.Append([]byte("c"), []byte("d"), []byte("e")); n != 3 || err != nil {
		t.Fatalf("batch append: %d, %v", n, err)
	}
	got, inh := peekAll(t, s)
	want(t, got, "a", "b", "c", "d", "e")
	for i, in := range inh {
		if in {
			t.Fatalf("record %d appended by this spool marked inherited", i)
		}
	}
	if es, _ := s.Peek(2); len(es) != 2 || string(es[1].Data) != "b" {
		t.Fatalf("Peek(2) = %v", es)
	}
	if err := s.Ack(2); err != nil {
		t.Fatal(err)
	}
	appendAll(t, s, "f")
	got, _ = peekAll(t, s)
	want(t, got, "c", "d", "e", "f")
	if s.Len() != 4 {
		t.Fatalf("Len = %d", s.Len())
	}
	if err := s.Ack(5); err == nil {
		t.Fatal("acknowledged more records than the spool holds")
	}
	if err := s.Ack(4); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 0 || s.Size() != headerLen {
		t.Fatalf("emptied spool: Len %d, Size %d, want 0, %d", s.Len(), s.Size(), headerLen)
	}
}

func TestRecordsSurviveCloseAndAreInheritedInOrder(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, 0)
	appendAll(t, s, "1", "2", "3", "4")
	if err := s.Ack(1); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, 0)
	defer s.Close()
	if r := s.Recovery(); r.Records != 3 || r.TornBytes != 0 {
		t.Fatalf("recovery %+v", r)
	}
	appendAll(t, s, "5")
	got, inh := peekAll(t, s)
	want(t, got, "2", "3", "4", "5")
	if fmt.Sprint(inh) != "[true true true false]" {
		t.Fatalf("inherited flags %v", inh)
	}
	// Acknowledged records were dropped from the file at Open.
	if st, _ := os.Stat(s.Path()); st.Size() != s.Size() {
		t.Fatalf("file %d bytes, spool says %d", st.Size(), s.Size())
	}
	if err := s.Ack(2); err != nil {
		t.Fatal(err)
	}
	if _, inh = peekAll(t, s); fmt.Sprint(inh) != "[true false]" {
		t.Fatalf("inherited flags after Ack: %v", inh)
	}
}

func TestTornLastEntryIsDiscardedAndReported(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, 0)
	appendAll(t, s, "first", "second", "third")
	path := s.Path()
	s.Close()
	st, _ := os.Stat(path)
	// A crash in the middle of the third write.
	if err := os.Truncate(path, st.Size()-3); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, 0)
	got, _ := peekAll(t, s)
	want(t, got, "first", "second")
	if r := s.Recovery(); r.TornBytes != entrySize([]byte("third"))-3 || r.Records != 2 {
		t.Fatalf("recovery %+v", r)
	}
	// Appends go after the good data, and survive the next Open.
	appendAll(t, s, "fourth")
	s.Close()
	s = open(t, dir, 0)
	defer s.Close()
	got, _ = peekAll(t, s)
	want(t, got, "first", "second", "fourth")
	if s.Recovery().TornBytes != 0 {
		t.Fatalf("a clean file reported torn bytes: %+v", s.Recovery())
	}
}

func TestCorruptEntryEndsTheSpoolThere(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, 0)
	appendAll(t, s, "aaaa", "bbbb", "cccc")
	path := s.Path()
	s.Close()
	b, _ := os.ReadFile(path)
	i := bytes.Index(b, []byte("bbbb"))
	b[i] = 'X' // a flipped byte: the checksum no longer matches
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, 0)
	defer s.Close()
	got, _ := peekAll(t, s)
	want(t, got, "aaaa")
	if s.Recovery().TornBytes != 2*entrySize([]byte("bbbb")) {
		t.Fatalf("recovery %+v", s.Recovery())
	}
}

func TestForeignFileIsMovedAsideNotOverwritten(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dataPath(dir, 0), []byte("not a spool file, but precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := open(t, dir, 0)
	defer s.Close()
	r := s.Recovery()
	if len(r.Unreadable) != 1 {
		t.Fatalf("recovery %+v", r)
	}
	if b, _ := os.ReadFile(r.Unreadable[0]); string(b) != "not a spool file, but precious" {
		t.Fatalf("moved-aside file holds %q", b)
	}
	appendAll(t, s, "ok")
}

func TestBoundIsKeptAndSpaceReclaimed(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, MinMaxBytes)
	defer s.Close()
	rec := bytes.Repeat([]byte("x"), 100)
	per := entrySize(rec)
	fit := int((MinMaxBytes - headerLen) / per)
	batch := make([][]byte, fit+5)
	for i := range batch {
		batch[i] = rec
	}
	n, err := s.Append(batch...)
	if n != fit || !errors.Is(err, ErrFull) {
		t.Fatalf("Append of %d into room for %d: %d, %v", len(batch), fit, n, err)
	}
	if n, err := s.Append(rec); n != 0 || !errors.Is(err, ErrFull) {
		t.Fatalf("Append into a full spool: %d, %v", n, err)
	}
	if st, _ := os.Stat(s.Path()); st.Size() > MinMaxBytes {
		t.Fatalf("file grew to %d bytes, bound %d", st.Size(), MinMaxBytes)
	}
	if err := s.Ack(10); err != nil {
		t.Fatal(err)
	}
	// The acknowledged space is reclaimed when needed.
	if n, err := s.Append(rec); n != 1 || err != nil {
		t.Fatalf("Append after Ack: %d, %v", n, err)
	}
	if s.Len() != fit-10+1 {
		t.Fatalf("Len = %d, want %d", s.Len(), fit-10+1)
	}
	if st, _ := os.Stat(s.Path()); st.Size() > MinMaxBytes {
		t.Fatalf("file grew to %d bytes, bound %d", st.Size(), MinMaxBytes)
	}
	big := bytes.Repeat([]byte("y"), MinMaxBytes)
	if n, err := s.Append(big); n != 0 || !errors.Is(err, ErrFull) {
		t.Fatalf("Append of a record larger than the bound: %d, %v", n, err)
	}
}

func TestTwoOpenSpoolsNeverShareASlot(t *testing.T) {
	dir := t.TempDir()
	a := open(t, dir, 0)
	defer a.Close()
	b := open(t, dir, 0)
	if a.Path() == b.Path() {
		t.Fatalf("both spools use %s", a.Path())
	}
	appendAll(t, a, "a1")
	appendAll(t, b, "b1")
	b.Close()
	// b's slot is orphaned now: the next Open takes it and inherits b1;
	// a's live slot is left alone.
	c := open(t, dir, 0)
	defer c.Close()
	got, _ := peekAll(t, c)
	want(t, got, "b1")
	got, _ = peekAll(t, a)
	want(t, got, "a1")
}

func TestOrphanedSlotsAreAdopted(t *testing.T) {
	dir := t.TempDir()
	a := open(t, dir, 0)
	b := open(t, dir, 0)
	appendAll(t, a, "a1", "a2")
	appendAll(t, b, "b1")
	a.Close()
	b.Close()
	c := open(t, dir, 0)
	defer c.Close()
	got, inh := peekAll(t, c)
	want(t, got, "a1", "a2", "b1")
	if fmt.Sprint(inh) != "[true true true]" || c.Recovery().Adopted != 1 {
		t.Fatalf("inherited %v, recovery %+v", inh, c.Recovery())
	}
	// The orphan was emptied: a second process finds nothing to adopt.
	d := open(t, dir, 0)
	defer d.Close()
	if d.Len() != 0 {
		t.Fatalf("records adopted twice: %d", d.Len())
	}
}

func TestAdoptionStopsAtTheBound(t *testing.T) {
	dir := t.TempDir()
	a := open(t, dir, MinMaxBytes)
	b := open(t, dir, MinMaxBytes)
	rec := bytes.Repeat([]byte("z"), 1000)
	for range 3 {
		appendAll(t, a, string(rec))
		appendAll(t, b, string(rec))
	}
	a.Close()
	b.Close()
	c := open(t, dir, MinMaxBytes) // room for 4 such records
	if c.Len() != 4 {
		t.Fatalf("adopted into %d records, want 4", c.Len())
	}
	c.Close()
	// Nothing was lost: what did not fit is still in the orphan.
	d := open(t, dir, MinMaxBytes)
	defer d.Close()
	e := open(t, dir, MinMaxBytes)
	defer e.Close()
	if d.Len()+e.Len() != 6 {
		t.Fatalf("records after re-open: %d + %d, want 6", d.Len(), e.Len())
	}
}

func TestClosedSpoolRefusesWork(t *testing.T) {
	s := open(t, t.TempDir(), 0)
	s.Close()
	if _, err := s.Append([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
	if _, err := s.Peek(1); !errors.Is(err, ErrClosed) {
		t.Fatalf("Peek after Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// TestLockAcrossProcessesAndCrash runs a child process that opens a spool,
// appends, and is killed without closing it. While it lives its slot is
// locked; once it is dead the next Open inherits its records, in order.
func TestLockAcrossProcessesAndCrash(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SPOOL_TEST_HOLDER="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make([]byte, 64)
	n, _ := out.Read(line)
	if !strings.HasPrefix(string(line[:n]), "slot slot-000.spool") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q", line[:n])
	}
	s := open(t, dir, 0)
	if filepath.Base(s.Path()) == "slot-000.spool" || s.Len() != 0 {
		t.Fatalf("opened %s (%d records) while the child holds slot 0", s.Path(), s.Len())
	}
	s.Close()
	cmd.Process.Kill()
	cmd.Wait()
	s = open(t, dir, 0)
	defer s.Close()
	got, _ := peekAll(t, s)
	want(t, got, "child-0", "child-1", "child-2")
}

// FuzzOpen opens slot files with arbitrary content after a valid header:
// Open and Peek must not panic, must keep only whole, valid entries, and
// must leave a file the next Open reads the same way.
func FuzzOpen(f *testing.F) {
	h := header()
	valid := appendEntry(appendEntry(nil, kindRecord, []byte("one")), kindRecord, []byte("two"))
	f.Add(valid)
	f.Add(append(valid, appendEntry(nil, kindAck, []byte{1})...))
	f.Add(valid[:len(valid)-1])
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, tail []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(dataPath(dir, 0), append(h[:], tail...), 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(dir, Options{})
		if errors.Is(err, errors.ErrUnsupported) {
			t.Skip(err)
		}
		if err != nil {
			t.Fatal(err)
		}
		first, err := s.Peek(1 << 20)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		s, err = Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		again, err := s.Peek(1 << 20)
		if err != nil || len(again) != len(first) || s.Recovery().TornBytes != 0 {
			t.Fatalf("second open: %d records (first %d), %v, %+v", len(again), len(first), err, s.Recovery())
		}
	})
}
