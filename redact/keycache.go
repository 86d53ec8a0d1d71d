package redact

import (
	"strings"
	"sync/atomic"
	"unsafe"
)

// keyCache remembers how keys classified. The keys of a program are
// mostly constants, whose bytes stay at one address, so a slot is chosen
// by the address and length of the key's bytes (a multiply, no hashing of
// the bytes) and a hit is confirmed by comparing the bytes with the slot's
// own copy: a key whose bytes were changed in place (a zero-copy string
// over a reused buffer) misses and is classified afresh, never given
// another key's answer.
//
// Slots are filled at most keyCacheFills times in all, so a program that
// makes new keys on every call (keys built from data) stops paying an
// allocation per miss once the budget is spent; it pays the
// classification, as without the cache.
type keyCache struct {
	fills atomic.Int32
	slots [keyCacheSlots]atomic.Pointer[keyEntry]
}

type keyEntry struct {
	key string
	m   keyMatch
}

const (
	keyCacheBits  = 8
	keyCacheSlots = 1 << keyCacheBits
	keyCacheFills = 4 * keyCacheSlots
)

// classify is k.classify(key) through r's cache, allocated on first use.
func (r *Redactor) classify(key string) keyMatch {
	c := r.keyCache.Load()
	if c == nil {
		c = &keyCache{}
		if !r.keyCache.CompareAndSwap(nil, c) {
			c = r.keyCache.Load()
		}
	}
	p := uint64(uintptr(unsafe.Pointer(unsafe.StringData(key))))
	s := &c.slots[((p^uint64(len(key))<<48)*0x9E3779B97F4A7C15)>>(64-keyCacheBits)]
	if e := s.Load(); e != nil && e.key == key {
		return e.m
	}
	m := r.keys.classify(key)
	if c.fills.Load() < keyCacheFills {
		c.fills.Add(1)
		s.Store(&keyEntry{key: strings.Clone(key), m: m})
	}
	return m
}
