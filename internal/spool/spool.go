package spool

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults and limits.
const (
	// DefaultMaxBytes bounds a spool file when Options.MaxBytes is 0.
	DefaultMaxBytes = 64 << 20
	// MaxSlots is the number of spools one folder holds at once (one per
	// open logger, across processes).
	MaxSlots = 256
	// MinMaxBytes is the smallest bound accepted.
	MinMaxBytes = 4 << 10
)

// Errors. Append, Peek and Ack wrap them.
var (
	// ErrFull: the record does not fit in the bound.
	ErrFull = errors.New("spool: full")
	// ErrClosed: the spool was closed.
	ErrClosed = errors.New("spool: closed")
	// ErrBusy: every slot of the folder is held by another open spool.
	ErrBusy = errors.New("spool: every slot of the folder is in use")
	// ErrCorrupt: an entry failed its checksum or was cut short.
	ErrCorrupt = errors.New("spool: corrupt entry")
)

// File layout. See the package documentation.
const (
	magic   = "FAPSPOOL"
	version = 3
	// version2 files (no kindSent or kindResent entries) are read and
	// rewritten as version 3 at Open, so that an older reader, which would
	// skip the new kinds, never meets them: it moves the file aside instead.
	version2  = 2
	headerLen = 16
	// Every entry starts with entryMarker, so a reader that meets a
	// damaged entry finds the next one by searching for it (and checking
	// that entry's CRC): a flipped byte costs one entry, not the file.
	entryMarker    = "\xfaSP\x02"
	markerLen      = 4 // len(entryMarker)
	entryHeaderLen = markerLen + 8
	kindRecord     = 1
	kindAck        = 2
	// kindSent marks that the records before an offset were handed to an
	// exporter; Open turns those not acknowledged into kindResent.
	kindSent = 3
	// kindResent is a record an earlier attempt may have delivered.
	kindResent = 4
	// maxEntry bounds one entry's payload whatever the file claims.
	maxEntry = 1 << 30
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Options configure Open.
type Options struct {
	// MaxBytes bounds the spool file (header, entries and bookkeeping);
	// 0 means DefaultMaxBytes. Values below MinMaxBytes are raised to it.
	MaxBytes int64
	// Fresh claims a slot whose file holds no record and adopts nothing:
	// for a spool that must start empty (a pipeline's write-ahead log,
	// whose acknowledgements count its own records only). Slots holding
	// records are left for the next Open without Fresh.
	Fresh bool
}

// Recovery is what Open found in the folder.
type Recovery struct {
	// Records is the number of records the spool held when opened: left by
	// an earlier owner of the slot and adopted from orphaned slots.
	Records int
	// Adopted counts the orphaned slot files (no process held them) whose
	// records were moved into this spool.
	Adopted int
	// TornBytes counts the bytes discarded at the end of files: a partial
	// or corrupt last entry with no valid entry after it, as a crash in
	// the middle of a write leaves.
	TornBytes int64
	// DamagedBytes counts the bytes skipped between valid entries: an
	// entry changed on disk after it was written (a flipped bit, a bad
	// sector). DamagedEntries counts those places; each lost at least one
	// entry (a record, or an acknowledgement whose records are then
	// delivered again). The entries after them are kept.
	DamagedBytes   int64
	DamagedEntries int
	// Unreadable lists files with a foreign or newer header, moved aside
	// (renamed with an ".unreadable-…" suffix) rather than overwritten.
	Unreadable []string
}

// Entry is one record read back from the spool.
type Entry struct {
	// Data is what Append was given.
	Data []byte
	// Inherited is true for records that were in the spool when it was
	// opened (written by an earlier process or logger), false for records
	// appended since.
	Inherited bool
	// MaybeDelivered is true for a record an earlier attempt may have
	// delivered: it was handed to an exporter (MarkSent) and not
	// acknowledged, or appended with AppendMaybeDelivered. Sending it
	// again may duplicate it.
	MaybeDelivered bool
}

// Spool is a bounded, durable FIFO of records in one slot file of a folder.
// It is safe for concurrent use; Peek and Ack assume a single consumer.
type Spool struct {
	dir      string
	slot     int
	path     string
	maxBytes int64
	lock     *os.File
	rec      Recovery

	// syncMu orders fsyncs and every operation that truncates or replaces
	// the file; it is taken before mu.
	syncMu  sync.Mutex
	synced  int64
	syncGen uint64

	mu        sync.Mutex
	f         *os.File
	size      int64  // end of the valid data
	head      int64  // offset of the first live entry
	sent      int64  // records ending at or before it were handed to an exporter (MarkSent)
	count     int    // live records
	inherited int    // live records at the front that were there at Open
	gen       uint64 // bumped whenever the file is truncated or replaced
	closed    bool
	n         atomic.Int64 // count, for lock-free reads
	bytes     atomic.Int64 // size, for lock-free reads
}

// Open claims the first free slot of dir (creating dir if needed), recovers
// what the slot holds (discarding a torn tail), and adopts the records of
// every orphaned slot (one whose file no process holds). The slot stays
// claimed, by an exclusive flock(2) on its lock file, until Close or the end
// of the process. ErrBusy means MaxSlots spools are open on dir.
func Open(dir string, o Options) (*Spool, error) {
	if dir == "" {
		return nil, errors.New("spool: empty folder name")
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxBytes < MinMaxBytes {
		o.MaxBytes = MinMaxBytes
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	s := &Spool{dir: dir, maxBytes: o.MaxBytes}
	for k := range MaxSlots {
		l, ok, err := tryLock(lockPath(dir, k))
		if err != nil {
			return nil, fmt.Errorf("spool: lock: %w", err)
		}
		if ok && o.Fresh {
			if st, err := os.Stat(dataPath(dir, k)); err == nil && st.Size() > headerLen {
				unlock(l)
				continue
			}
		}
		if ok {
			s.slot, s.lock = k, l
			break
		}
	}
	if s.lock == nil {
		return nil, fmt.Errorf("%w: %s", ErrBusy, dir)
	}
	s.path = dataPath(dir, s.slot)
	if err := s.load(); err != nil {
		unlock(s.lock)
		return nil, err
	}
	if !o.Fresh {
		s.adoptOrphans()
	}
	_ = syncDir(dir)
	s.inherited = s.count
	s.rec.Records = s.count
	s.n.Store(int64(s.count))
	s.bytes.Store(s.size)
	return s, nil
}

func lockPath(dir string, k int) string { return filepath.Join(dir, fmt.Sprintf("slot-%03d.lock", k)) }
func dataPath(dir string, k int) string { return filepath.Join(dir, fmt.Sprintf("slot-%03d.spool", k)) }

// Dir returns the folder of the spool.
func (s *Spool) Dir() string { return s.dir }

// Path returns the slot file.
func (s *Spool) Path() string { return s.path }

// Recovery returns what Open found.
func (s *Spool) Recovery() Recovery { return s.rec }

// Len returns the number of records in the spool. It takes no lock.
func (s *Spool) Len() int { return int(s.n.Load()) }

// Size returns the size of the spool file in bytes. It takes no lock.
func (s *Spool) Size() int64 { return s.bytes.Load() }

// MaxBytes returns the bound.
func (s *Spool) MaxBytes() int64 { return s.maxBytes }

// load opens the slot file, writing a header into a new one, and recovers
// its live records.
func (s *Spool) load() error {
	f, end, live, err := openData(s.path, &s.rec)
	if err != nil {
		return err
	}
	s.f, s.size, s.count = f, end, live
	s.head, s.sent = headerLen, headerLen
	return nil
}

// openData opens path, moves a foreign file aside, discards a torn tail and
// drops acknowledged records (rewriting the file), and returns the file
// with its live records from offset headerLen to end.
func openData(path string, rec *Recovery) (f *os.File, end int64, live int, err error) {
	f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("spool: %w", err)
	}
	fail := func(e error) (*os.File, int64, int, error) {
		f.Close()
		return nil, 0, 0, fmt.Errorf("spool: %s: %w", path, e)
	}
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	size := st.Size()
	if size < headerLen {
		// New, or a crash while the header was written: nothing to keep.
		rec.TornBytes += size
		if err := initFile(f); err != nil {
			return fail(err)
		}
		return f, headerLen, 0, nil
	}
	var h [headerLen]byte
	if _, err := f.ReadAt(h[:], 0); err != nil {
		return fail(err)
	}
	v, known := headerVersion(h)
	if !known {
		f.Close()
		aside := fmt.Sprintf("%s.unreadable-%d", path, time.Now().UnixNano())
		if err := os.Rename(path, aside); err != nil {
			return nil, 0, 0, fmt.Errorf("spool: %s has a foreign header and cannot be moved aside: %w", path, err)
		}
		rec.Unreadable = append(rec.Unreadable, aside)
		return openData(path, rec)
	}
	sc, err := scan(f, size)
	if err != nil {
		return fail(err)
	}
	rec.DamagedBytes += sc.damaged.bytes
	rec.DamagedEntries += sc.damaged.places
	if sc.end < size {
		rec.TornBytes += size - sc.end
		if err := f.Truncate(sc.end); err != nil {
			return fail(err)
		}
		if err := f.Sync(); err != nil {
			return fail(err)
		}
	}
	if !sc.acks && !sc.marks && sc.damaged.places == 0 && v == version {
		return f, sc.end, sc.records, nil
	}
	// Drop what was acknowledged and what is damaged, and turn what was
	// sent and not acknowledged into kindResent: rewrite the live records
	// (as version 3).
	if sc.head >= sc.end {
		if err := truncateFile(f); err != nil {
			return fail(err)
		}
		return f, headerLen, 0, nil
	}
	nf, nend, live, err := rewrite(path, f, sc.head, sc.end, sc.sent)
	f.Close()
	if err != nil {
		return nil, 0, 0, fmt.Errorf("spool: %s: %w", path, err)
	}
	return nf, nend, live, nil
}

func header() [headerLen]byte {
	var h [headerLen]byte
	copy(h[:8], magic)
	binary.LittleEndian.PutUint32(h[8:12], version)
	binary.LittleEndian.PutUint32(h[12:16], crc32.Checksum(h[:12], castagnoli))
	return h
}

// headerVersion returns the version of a valid header of this or the
// previous version.
func headerVersion(h [headerLen]byte) (uint32, bool) {
	if h == header() {
		return version, true
	}
	old := header()
	binary.LittleEndian.PutUint32(old[8:12], version2)
	binary.LittleEndian.PutUint32(old[12:16], crc32.Checksum(old[:12], castagnoli))
	return version2, h == old
}

func isRecord(kind byte) bool { return kind == kindRecord || kind == kindResent }

func initFile(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	h := header()
	if _, err := f.WriteAt(h[:], 0); err != nil {
		return err
	}
	return f.Sync()
}

func truncateFile(f *os.File) error {
	if err := f.Truncate(headerLen); err != nil {
		return err
	}
	return f.Sync()
}

// scanResult describes the valid part of a file.
type scanResult struct {
	end     int64 // end of the last valid entry
	head    int64 // offset of the first live entry: where the last ack points
	records int   // valid record entries (those before head included)
	acks    bool
	sent    int64 // the last MarkSent offset
	marks   bool
	damaged damage
}

// damage is what a walk skipped between valid entries.
type damage struct {
	bytes  int64
	places int
}

// scan reads the entries from headerLen to size, skipping damaged ones,
// and finds where the live records start (the last acknowledged offset).
// A damaged or cut-short tail with no valid entry after it ends
// the valid part.
func scan(f *os.File, size int64) (scanResult, error) {
	sc := scanResult{end: headerLen, head: headerLen, sent: headerLen}
	d, err := walk(f, headerLen, size, func(start, end int64, kind byte, payload []byte) bool {
		switch kind {
		case kindRecord, kindResent:
			sc.records++
		case kindSent:
			sc.marks = true
			if off, k := binary.Uvarint(payload); k > 0 && k == len(payload) && off >= uint64(headerLen) && off <= uint64(start) {
				sc.sent = max(sc.sent, int64(off))
			}
		case kindAck:
			sc.acks = true
			if off, k := binary.Uvarint(payload); k > 0 && k == len(payload) && off >= uint64(sc.head) && off <= uint64(end) {
				// Records before the acknowledged offset are delivered.
				sc.head = int64(off)
			}
		}
		sc.end = end
		return true
	})
	sc.damaged = d
	return sc, err
}

// walk calls fn with each valid entry from off to size (its start, its
// end, its kind and payload) until fn returns false. A damaged entry (bad
// marker, impossible length, checksum mismatch) is skipped: the walk goes
// on at the next offset that starts a valid entry, and the skipped bytes
// are returned. Bytes at the end with no valid entry after them (a torn
// tail) are neither reported nor passed: the caller sees where the last
// valid entry ends. Only I/O errors are returned as errors.
func walk(f *os.File, off, size int64, fn func(start, end int64, kind byte, payload []byte) bool) (damage, error) {
	var d damage
	r := bufio.NewReaderSize(io.NewSectionReader(f, off, size-off), 64<<10)
	var h [entryHeaderLen]byte
	var buf []byte
	for off < size {
		ok, err := readEntry(r, &h, &buf, size-off)
		if err != nil {
			return d, fmt.Errorf("spool: read at offset %d: %w", off, err)
		}
		if !ok {
			next, err := resync(f, off+1, size)
			if err != nil {
				return d, err
			}
			if next < 0 {
				return d, nil // a torn tail
			}
			d.bytes += next - off
			d.places++
			off = next
			r.Reset(io.NewSectionReader(f, off, size-off))
			continue
		}
		start := off
		off += entryHeaderLen + int64(len(buf))
		if !fn(start, off, buf[0], buf[1:]) {
			return d, nil
		}
	}
	return d, nil
}

// readEntry reads one entry of at most left bytes into h and buf. It
// reports false for an entry that is damaged or cut short; errors are I/O
// errors only.
func readEntry(r io.Reader, h *[entryHeaderLen]byte, buf *[]byte, left int64) (bool, error) {
	if left < entryHeaderLen {
		return false, nil
	}
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return false, eofIsDamage(err)
	}
	if string(h[:markerLen]) != entryMarker {
		return false, nil
	}
	n := int64(binary.LittleEndian.Uint32(h[markerLen : markerLen+4]))
	if n < 1 || n > maxEntry || entryHeaderLen+n > left {
		return false, nil
	}
	if int64(cap(*buf)) < n {
		*buf = make([]byte, n)
	}
	*buf = (*buf)[:n]
	if _, err := io.ReadFull(r, *buf); err != nil {
		return false, eofIsDamage(err)
	}
	return checksum(h[markerLen:markerLen+4], *buf) == binary.LittleEndian.Uint32(h[markerLen+4:]), nil
}

func eofIsDamage(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	return err
}

// resync returns the first offset at or after from (and before size)
// where a valid entry starts, or -1 when there is none.
func resync(f *os.File, from, size int64) (int64, error) {
	const window = 64 << 10
	chunk := make([]byte, window+markerLen-1)
	var h [entryHeaderLen]byte
	var buf []byte
	for base := from; base+entryHeaderLen <= size; base += window {
		n, err := f.ReadAt(chunk[:min(int64(len(chunk)), size-base)], base)
		if err != nil && !errors.Is(err, io.EOF) {
			return -1, fmt.Errorf("spool: read at offset %d: %w", base, err)
		}
		for i := 0; i+markerLen <= n; {
			j := bytes.Index(chunk[i:n], []byte(entryMarker))
			if j < 0 || i+j >= window {
				break
			}
			at := base + int64(i+j)
			ok, err := readEntry(io.NewSectionReader(f, at, size-at), &h, &buf, size-at)
			if err != nil {
				return -1, fmt.Errorf("spool: read at offset %d: %w", at, err)
			}
			if ok {
				return at, nil
			}
			i += j + 1
		}
	}
	return -1, nil
}

func checksum(lenBytes, payload []byte) uint32 {
	c := crc32.Update(0, castagnoli, lenBytes)
	return crc32.Update(c, castagnoli, payload)
}

// appendEntry appends one framed entry to dst.
func appendEntry(dst []byte, kind byte, payload []byte) []byte {
	n := uint32(1 + len(payload))
	var h [entryHeaderLen]byte
	copy(h[:], entryMarker)
	binary.LittleEndian.PutUint32(h[markerLen:], n)
	c := crc32.Update(0, castagnoli, h[markerLen:markerLen+4])
	c = crc32.Update(c, castagnoli, []byte{kind})
	c = crc32.Update(c, castagnoli, payload)
	binary.LittleEndian.PutUint32(h[markerLen+4:], c)
	dst = append(dst, h[:]...)
	dst = append(dst, kind)
	return append(dst, payload...)
}

func entrySize(payload []byte) int64 { return entryHeaderLen + 1 + int64(len(payload)) }

// rewrite copies the valid records of f from offset from to size (without
// acknowledgements, marks and damaged entries) into a new file that
// replaces path atomically, and returns it, its end and its record count.
// Records ending at or before sent become kindResent.
func rewrite(path string, f *os.File, from, size, sent int64) (*os.File, int64, int, error) {
	tmp := path + ".tmp"
	nf, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, 0, 0, err
	}
	fail := func(e error) (*os.File, int64, int, error) {
		nf.Close()
		os.Remove(tmp)
		return nil, 0, 0, e
	}
	h := header()
	w := bufio.NewWriterSize(nf, 64<<10)
	w.Write(h[:])
	end := int64(headerLen)
	n := 0
	var buf []byte
	_, err = walk(f, from, size, func(_, stop int64, kind byte, payload []byte) bool {
		if !isRecord(kind) {
			return true
		}
		if stop <= sent {
			kind = kindResent
		}
		buf = appendEntry(buf[:0], kind, payload)
		w.Write(buf)
		end += int64(len(buf))
		n++
		return true
	})
	if err != nil {
		return fail(err)
	}
	if err := w.Flush(); err != nil {
		return fail(err)
	}
	if err := nf.Sync(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fail(err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		nf.Close()
		return nil, 0, 0, err
	}
	return nf, end, n, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// adoptOrphans moves into this spool the records of every slot file of the
// folder that no process holds, oldest slot first, as far as the bound
// allows. The records are made durable here before they are removed there,
// so a crash in between can repeat them but never lose them.
func (s *Spool) adoptOrphans() {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, "slot-") || !strings.HasSuffix(name, ".spool") {
			continue
		}
		k, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, "slot-"), ".spool"))
		if err != nil || k == s.slot || k < 0 || k >= MaxSlots || dataPath(s.dir, k) != filepath.Join(s.dir, name) {
			continue
		}
		if info, err := e.Info(); err != nil || info.Size() <= headerLen {
			continue
		}
		l, ok, err := tryLock(lockPath(s.dir, k))
		if err != nil || !ok {
			continue
		}
		s.adopt(dataPath(s.dir, k))
		unlock(l)
	}
}

func (s *Spool) adopt(path string) {
	f, end, live, err := openData(path, &s.rec)
	if err != nil || live == 0 {
		if f != nil {
			f.Close()
		}
		return
	}
	defer f.Close()
	var buf []byte
	var moved int
	movedTo := int64(headerLen)
	_, _ = walk(f, headerLen, end, func(_, end int64, kind byte, payload []byte) bool {
		if !isRecord(kind) {
			return true
		}
		if s.size+int64(len(buf))+entrySize(payload) > s.maxBytes {
			return false
		}
		buf = appendEntry(buf, kind, payload) // openData made sent records kindResent
		moved++
		movedTo = end
		return true
	})
	if moved == 0 {
		return
	}
	if _, err := s.f.WriteAt(buf, s.size); err != nil {
		_ = s.f.Truncate(s.size)
		return
	}
	if err := s.f.Sync(); err != nil {
		_ = s.f.Truncate(s.size)
		return
	}
	s.size += int64(len(buf))
	s.count += moved
	s.rec.Adopted++
	if moved == live {
		_ = truncateFile(f)
		return
	}
	// Only part fitted: acknowledge the moved ones there.
	ack := appendEntry(nil, kindAck, binary.AppendUvarint(nil, uint64(movedTo)))
	if _, err := f.WriteAt(ack, end); err == nil {
		_ = f.Sync()
	}
}

// Append adds records at the end of the spool, in order, as many as fit in
// the bound, and returns how many it added: the first n of recs. It writes
// them with one write(2) and returns once they are on disk (fsync(2); calls
// that overlap share one). An error tells why the others were not added, or
// that the fsync failed (then the n records are in the spool but may not
// survive a crash of the machine).
func (s *Spool) Append(recs ...[]byte) (int, error) { return s.appendKind(kindRecord, recs) }

// AppendMaybeDelivered is Append for records an attempt may have delivered
// already (an export that failed without saying whether the collector got
// them): Peek returns them with MaybeDelivered set.
func (s *Spool) AppendMaybeDelivered(recs ...[]byte) (int, error) {
	return s.appendKind(kindResent, recs)
}

func (s *Spool) appendKind(kind byte, recs [][]byte) (int, error) {
	if len(recs) == 0 {
		return 0, nil
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0, ErrClosed
	}
	if s.size+entrySize(recs[0]) > s.maxBytes && s.reclaimable() {
		// Reclaim acknowledged space; that takes syncMu first.
		s.mu.Unlock()
		s.syncMu.Lock()
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			s.syncMu.Unlock()
			return 0, ErrClosed
		}
		err := s.compactLocked()
		s.mu.Unlock()
		s.syncMu.Unlock()
		if err != nil {
			return 0, fmt.Errorf("spool: reclaiming space: %w", err)
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return 0, ErrClosed
		}
	}
	var buf []byte
	n := 0
	var why error
	for _, r := range recs {
		if 1+len(r) > maxEntry {
			why = fmt.Errorf("%w: a record of %d bytes", ErrFull, len(r))
			break
		}
		if s.size+int64(len(buf))+entrySize(r) > s.maxBytes {
			why = fmt.Errorf("%w: %d of %d bytes used", ErrFull, s.size+int64(len(buf)), s.maxBytes)
			break
		}
		buf = appendEntry(buf, kind, r)
		n++
	}
	if n == 0 {
		s.mu.Unlock()
		return 0, why
	}
	if _, err := s.f.WriteAt(buf, s.size); err != nil {
		// Leave no partial entry behind the valid data.
		_ = s.f.Truncate(s.size)
		s.mu.Unlock()
		return 0, fmt.Errorf("spool: write: %w", err)
	}
	s.size += int64(len(buf))
	s.count += n
	s.n.Store(int64(s.count))
	s.bytes.Store(s.size)
	gen, end := s.gen, s.size
	s.mu.Unlock()
	if err := s.syncTo(gen, end); err != nil {
		return n, fmt.Errorf("spool: fsync: %w", err)
	}
	return n, why
}

// AppendNoWait writes one record at the end of the spool, like Append,
// and returns without waiting for fsync(2): wait makes it durable (calls
// that overlap share one fsync: group commit). It lets a caller order the
// write with other work under its own lock and wait outside it.
func (s *Spool) AppendNoWait(rec []byte) (wait func() error, err error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	if s.size+entrySize(rec) > s.maxBytes && s.reclaimable() {
		// Reclaim acknowledged space first; that takes syncMu first.
		s.mu.Unlock()
		s.syncMu.Lock()
		s.mu.Lock()
		var err error
		if s.closed {
			err = ErrClosed
		} else {
			err = s.compactLocked()
		}
		s.mu.Unlock()
		s.syncMu.Unlock()
		if err != nil {
			return nil, fmt.Errorf("spool: reclaiming space: %w", err)
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil, ErrClosed
		}
	}
	if 1+len(rec) > maxEntry || s.size+entrySize(rec) > s.maxBytes {
		used := s.size
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: %d of %d bytes used", ErrFull, used, s.maxBytes)
	}
	buf := appendEntry(nil, kindRecord, rec)
	if _, err := s.f.WriteAt(buf, s.size); err != nil {
		_ = s.f.Truncate(s.size)
		s.mu.Unlock()
		return nil, fmt.Errorf("spool: write: %w", err)
	}
	s.size += int64(len(buf))
	s.count++
	s.n.Store(int64(s.count))
	s.bytes.Store(s.size)
	gen, end := s.gen, s.size
	s.mu.Unlock()
	return func() error {
		if err := s.syncTo(gen, end); err != nil {
			return fmt.Errorf("spool: fsync: %w", err)
		}
		return nil
	}, nil
}

// syncTo makes the file durable up to end, unless an fsync since did.
func (s *Spool) syncTo(gen uint64, end int64) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	f, cur, size, closed := s.f, s.gen, s.size, s.closed
	s.mu.Unlock()
	if cur != gen || (s.syncGen == gen && s.synced >= end) {
		// Rewritten (and synced) since, or synced by another call.
		return nil
	}
	if closed {
		return ErrClosed
	}
	if err := f.Sync(); err != nil {
		return err
	}
	s.syncGen, s.synced = gen, size
	return nil
}

func (s *Spool) reclaimable() bool { return s.head > headerLen }

// compactLocked drops acknowledged entries by rewriting the file. It needs
// syncMu and mu.
func (s *Spool) compactLocked() error {
	if s.count == 0 {
		if err := truncateFile(s.f); err != nil {
			return err
		}
		s.size, s.head, s.sent = headerLen, headerLen, headerLen
		s.gen++
		s.bytes.Store(s.size)
		return nil
	}
	nf, end, n, err := rewrite(s.path, s.f, s.head, s.size, s.sent)
	if err != nil {
		return err
	}
	s.f.Close()
	s.f, s.size, s.head, s.sent = nf, end, headerLen, headerLen
	if n != s.count {
		// Entries damaged since they were written: they are gone now.
		s.count = n
		s.inherited = min(s.inherited, n)
		s.n.Store(int64(n))
	}
	s.gen++
	s.bytes.Store(s.size)
	return nil
}

// Peek returns up to n records from the front of the spool, oldest first,
// without removing them. An entry damaged on disk since it was written is
// skipped: Peek returns the intact records around it, and an error
// wrapping ErrCorrupt that says how many records were lost; the damaged
// bytes are dropped from the file.
func (s *Spool) Peek(n int) ([]Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	var out []Entry
	if n <= 0 || s.count == 0 {
		return nil, nil
	}
	d, err := walk(s.f, s.head, s.size, func(_, end int64, kind byte, payload []byte) bool {
		if isRecord(kind) {
			out = append(out, Entry{Data: append([]byte(nil), payload...), Inherited: len(out) < s.inherited,
				MaybeDelivered: kind == kindResent || end <= s.sent})
		}
		return len(out) < n
	})
	if err != nil {
		return out, err
	}
	if d.places > 0 {
		return out, s.repairLocked(d)
	}
	return out, nil
}

// repairLocked rewrites the live part of the file without the damaged
// entries a walk met, recounts the records, and returns the error that
// reports the loss. It takes syncMu's place: it is called with mu held
// only, and the rewrite replaces the file under a new generation, so a
// concurrent syncTo of the old generation does nothing.
func (s *Spool) repairLocked(d damage) error {
	s.rec.DamagedBytes += d.bytes
	s.rec.DamagedEntries += d.places
	before := s.count
	nf, end, n, err := rewrite(s.path, s.f, s.head, s.size, s.sent)
	if err != nil {
		return fmt.Errorf("%w: %d bytes in %d places, and the repair failed: %v", ErrCorrupt, d.bytes, d.places, err)
	}
	s.f.Close()
	s.f, s.size, s.head, s.sent, s.count = nf, end, headerLen, headerLen, n
	s.inherited = min(s.inherited, n)
	s.gen++
	s.n.Store(int64(n))
	s.bytes.Store(s.size)
	return fmt.Errorf("%w: %d bytes in %d places changed on disk since they were written; %d records lost, the others kept",
		ErrCorrupt, d.bytes, d.places, max(0, before-n))
}

// Ack removes the first n records (after they were delivered). It records
// the removal durably, and empties the file when nothing is left.
func (s *Spool) Ack(n int) error {
	if n <= 0 {
		return nil
	}
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if n > s.count {
		return fmt.Errorf("spool: ack of %d records, %d in the spool", n, s.count)
	}
	head, err := s.endOfRecordsLocked(n)
	if err != nil {
		return err
	}
	s.head = head
	s.count -= n
	s.inherited = max(0, s.inherited-n)
	s.n.Store(int64(s.count))
	if s.count == 0 {
		return s.compactLocked()
	}
	ack := appendEntry(nil, kindAck, binary.AppendUvarint(nil, uint64(s.head)))
	if s.size+int64(len(ack)) > s.maxBytes {
		// No room for the bookkeeping: rewrite instead.
		return s.compactLocked()
	}
	if err := s.writeMetaLocked(ack); err != nil {
		return err
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("spool: fsync: %w", err)
	}
	s.syncGen, s.synced = s.gen, s.size
	return nil
}

// MarkSent records that the first n records are being handed to an
// exporter, before it is called: if the process dies before their Ack, the
// next Open returns them with MaybeDelivered set (the collector may have
// them), and records never handed over without it. The mark is written
// without fsync(2): it must survive the death of the process, which the
// page cache does; after a crash of the machine a record may be resent
// without the flag. Marks are cumulative and never move back.
func (s *Spool) MarkSent(n int) error {
	if n <= 0 {
		return nil
	}
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	n = min(n, s.count)
	if n == 0 {
		return nil
	}
	end, err := s.endOfRecordsLocked(n)
	if err != nil {
		return err
	}
	if end <= s.sent {
		return nil
	}
	mark := appendEntry(nil, kindSent, binary.AppendUvarint(nil, uint64(end)))
	if s.size+int64(len(mark)) > s.maxBytes {
		return fmt.Errorf("%w: no room to mark %d records sent", ErrFull, n)
	}
	if err := s.writeMetaLocked(mark); err != nil {
		return err
	}
	s.sent = end
	return nil
}

// endOfRecordsLocked returns the offset where the first n live records end.
// Damage met on the way (since the records were peeked) is repaired and
// returned as the error: the caller then acknowledges or marks nothing this
// time, and its records are sent again (at least once). It needs mu.
func (s *Spool) endOfRecordsLocked(n int) (int64, error) {
	end, left := s.head, n
	d, err := walk(s.f, s.head, s.size, func(_, stop int64, kind byte, _ []byte) bool {
		end = stop
		if isRecord(kind) {
			left--
		}
		return left > 0
	})
	if err != nil {
		return 0, err
	}
	if d.places > 0 {
		return 0, s.repairLocked(d)
	}
	return end, nil
}

// writeMetaLocked appends a bookkeeping entry (an acknowledgement or a
// sent mark) without fsync, leaving no partial entry on failure. It needs
// mu.
func (s *Spool) writeMetaLocked(entry []byte) error {
	if _, err := s.f.WriteAt(entry, s.size); err != nil {
		_ = s.f.Truncate(s.size)
		return fmt.Errorf("spool: write: %w", err)
	}
	s.size += int64(len(entry))
	s.bytes.Store(s.size)
	return nil
}

// Close releases the slot. The records stay in the file for the next Open.
func (s *Spool) Close() error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.f.Sync()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	unlock(s.lock)
	return err
}
