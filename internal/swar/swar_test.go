package swar

import (
	"bytes"
	"testing"
)

// checkLast fails unless Last(b) holds each of b's last eight bytes and
// no byte but b's and zero.
func checkLast(t *testing.T, b []byte) {
	t.Helper()
	w := Last(b)
	var word [8]byte
	for i := range word {
		word[i] = byte(w >> (8 * i))
	}
	for _, c := range b[max(0, len(b)-8):] {
		if bytes.IndexByte(word[:], c) < 0 {
			t.Fatalf("Last(% x) = % x: byte %#x missing", b, word, c)
		}
	}
	for _, c := range word {
		if c != 0 && bytes.IndexByte(b, c) < 0 {
			t.Fatalf("Last(% x) = % x: byte %#x is not in b", b, word, c)
		}
	}
}

// Every length up to 16, every byte distinct and non-zero, so that a byte
// lost or read from outside b shows.
func TestLastHoldsTheLastBytes(t *testing.T) {
	for n := 0; n <= 16; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(0x81 + 7*i)
		}
		checkLast(t, b)
	}
}

func FuzzLast(f *testing.F) {
	f.Add([]byte("abc"))
	f.Add([]byte("\xff\x00\x01\x7f\x80request"))
	f.Fuzz(checkLast)
}
