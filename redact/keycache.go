package redact

import (
	"strings"
	"sync/atomic"
	"unsafe"
)

// keyCache remembers how keys classified. The keys of a program are
// mostly constants, whose bytes stay at one address, so a set is chosen by
// the address and length of the key's bytes (a multiply, no hashing of the
// bytes) and a hit is confirmed by comparing the bytes with the entry's own
// copy: a key whose bytes were changed in place (a zero-copy string over a
// reused buffer) misses and is classified afresh, never given another
// key's answer.
//
// A set holds keyCacheWays keys, so keys whose addresses fall on one set
// share it rather than evict each other on every call: with one key per
// slot, two hot keys on one slot (a quarter of programs with a dozen keys)
// took an allocation per call each until the fill budget ran out.
//
// Sets are filled at most keyCacheFills times in all, so a program that
// makes new keys on every call (keys built from data) stops paying an
// allocation per miss once the budget is spent; it pays the
// classification, as without the cache.
type keyCache struct {
	fills atomic.Int32
	sets  [1 << keyCacheSetBits][keyCacheWays]atomic.Pointer[keyEntry]
}

type keyEntry struct {
	key string
	m   keyMatch
}

const (
	keyCacheSetBits = 6
	keyCacheWays    = 4
	keyCacheFills   = 4 * keyCacheWays << keyCacheSetBits
)

// keyHash mixes the address and length of key's bytes.
func keyHash(key string) uint64 {
	p := uint64(uintptr(unsafe.Pointer(unsafe.StringData(key))))
	return (p ^ uint64(len(key))<<48) * 0x9E3779B97F4A7C15
}

// classify is k.classify(key) through r's cache, allocated on first use.
func (r *Redactor) classify(key string) keyMatch {
	c := r.keyCache.Load()
	if c == nil {
		c = &keyCache{}
		if !r.keyCache.CompareAndSwap(nil, c) {
			c = r.keyCache.Load()
		}
	}
	h := keyHash(key)
	set := &c.sets[h>>(64-keyCacheSetBits)]
	// Ways fill in order and are never emptied, so the first empty way
	// ends the search.
	for w := range set {
		e := set[w].Load()
		if e == nil {
			break
		}
		if e.key == key {
			return e.m
		}
	}
	m := r.keys.classify(key)
	if c.fills.Load() < keyCacheFills {
		c.fills.Add(1)
		e := &keyEntry{key: strings.Clone(key), m: m}
		for w := range set {
			if set[w].CompareAndSwap(nil, e) {
				return m
			}
		}
		// A full set: replace the way the next bits of the hash pick.
		set[(h>>(64-keyCacheSetBits-2))&(keyCacheWays-1)].Store(e)
	}
	return m
}
