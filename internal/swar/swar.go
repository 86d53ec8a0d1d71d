// Package swar holds what the word-at-a-time scans of strings share (in
// bridge, the ASCII test of every string; in redact, the search for the
// bytes a URL starts with): the last word of a string. A scan tests every
// full word but the last, b[0:8], b[8:16]… while more than eight bytes
// are left, then Last(b): no byte loop remains.
package swar

import "encoding/binary"

// Last returns a word that holds every one of the last min(len(b), 8)
// bytes of b and no byte that is not in b, but zeros. For eight bytes or
// more it is the last eight, overlapping the words before them; a shorter
// b is read as two overlapping halves (or one byte), so some bytes are in
// the word twice. Both scans ask about the bytes a word holds, not where:
// a byte read twice, or a zero, does not change their answer.
func Last(b []byte) uint64 {
	n := len(b)
	switch {
	case n >= 8:
		return binary.LittleEndian.Uint64(b[n-8:])
	case n >= 4:
		return uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint32(b[n-4:]))<<32
	case n >= 2:
		return uint64(binary.LittleEndian.Uint16(b)) | uint64(binary.LittleEndian.Uint16(b[n-2:]))<<16
	case n == 1:
		return uint64(b[0])
	}
	return 0
}
