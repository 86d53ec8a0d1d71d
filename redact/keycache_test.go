package redact

import (
	"fmt"
	"sync"
	"testing"
	"unsafe"
)

// A key whose bytes change in place (a zero-copy string over a reused
// buffer, as some decoders make) keeps its address and length: the cache
// must not hand it the answer of the bytes it held before. Here a benign
// key becomes "password" and must be masked.
func TestTheKeyCacheNeverAnswersForBytesThatChanged(t *testing.T) {
	r := Default()
	buf := []byte("username")
	key := unsafe.String(&buf[0], len(buf))
	if r.Sensitive(key) {
		t.Fatal("username is sensitive")
	}
	if r.Sensitive(key) { // now from the cache
		t.Fatal("username is sensitive (cached)")
	}
	copy(buf, "password")
	if !r.Sensitive(key) {
		t.Fatal("the bytes now say password, and the cache answered for username")
	}
}

// The cache gives the answer classification gives, for every key, from
// many goroutines at once (run with -race).
func TestTheKeyCacheAgreesWithClassification(t *testing.T) {
	r, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"password", "user", "status", "api_key", "tokens", "total_tokens", "path", "newPassword2",
		"pass\u200bword", "ｐａｓｓｗｏｒｄ", "sessions", "Authorization", "x-api-key", "request_id"}
	for i := range 600 { // more than the slots and the fill budget
		keys = append(keys, fmt.Sprintf("field_%d", i), fmt.Sprintf("secret_%d", i))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 3 {
				for i := range keys {
					k := keys[(i+g*7+round)%len(keys)]
					if got, want := r.classify(k), r.keys.classify(k); got != want {
						t.Errorf("classify(%q) = %v through the cache, %v without", k, got, want)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// Keys made anew on every call (from data) fill slots only until the
// budget is spent; after that a miss allocates nothing.
func TestNewKeysStopAllocatingOnceTheBudgetIsSpent(t *testing.T) {
	r, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 2*keyCacheFills)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d_field", i)
	}
	for _, k := range keys[:keyCacheFills] {
		r.classify(k)
	}
	i := keyCacheFills
	if a := testing.AllocsPerRun(500, func() { r.classify(keys[i]); i++ }); a != 0 {
		t.Fatalf("%.1f allocations per new key after the budget", a)
	}
}

// Keys whose addresses fall on one set (constants do, by chance: a quarter
// of programs with a dozen keys had two on one slot of the direct-mapped
// cache this replaced) are all remembered: after one miss each, calls that
// take turns between them allocate nothing. Here four keys share one set,
// two of them the whole hash prefix the old cache chose its slot by.
func TestKeysSharingASetDoNotEvictEachOther(t *testing.T) {
	r, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	slotOf := func(k string) uint64 { return keyHash(k) >> (64 - keyCacheSetBits - 2) }
	bySlot := map[uint64][]string{}
	var keys []string
	for i := 0; len(keys) == 0 && i < 1<<16; i++ {
		k := fmt.Sprintf("field_%05d", i)
		s := slotOf(k)
		bySlot[s] = append(bySlot[s], k)
		if len(bySlot[s]) < 2 {
			continue
		}
		// Two keys on one slot; two more on the same set.
		same := bySlot[s][:2]
		var others []string
		for s2, ks := range bySlot {
			if s2 != s && s2>>2 == s>>2 {
				others = append(others, ks...)
			}
		}
		if len(others) >= 2 {
			keys = append(append(keys, same...), others[:2]...)
		}
	}
	if len(keys) != 4 {
		t.Fatal("found no four keys on one set")
	}
	for _, k := range keys {
		r.classify(k)
	}
	i := 0
	if a := testing.AllocsPerRun(100, func() { r.classify(keys[i%len(keys)]); i++ }); a != 0 {
		t.Fatalf("%.2f allocations per call taking turns between four keys of one set", a)
	}
	if n := r.keyCache.Load().fills.Load(); n != 4 {
		t.Fatalf("%d fills for four keys, want 4", n)
	}
}
