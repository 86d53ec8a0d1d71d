package cache

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

type item struct{ name string }

func TestGetOrCreateCreatesOncePerNameUnderConcurrentFirstCalls(t *testing.T) {
	var r Registry[*item]
	var creates atomic.Int32
	var wg sync.WaitGroup
	got := make([]*item, 64)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, _, err := r.GetOrCreate("svc", func() (*item, error) {
				creates.Add(1)
				return &item{"svc"}, nil
			})
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		}()
	}
	wg.Wait()
	if creates.Load() != 1 {
		t.Fatalf("create ran %d times, want 1", creates.Load())
	}
	for _, v := range got {
		if v != got[0] {
			t.Fatal("callers got different instances for one name")
		}
	}
}

func TestCreateErrorCachesNothing(t *testing.T) {
	var r Registry[*item]
	boom := errors.New("boom")
	if _, _, err := r.GetOrCreate("a", func() (*item, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if r.Len() != 0 {
		t.Fatal("a failed create was cached")
	}
	v, created, err := r.GetOrCreate("a", func() (*item, error) { return &item{"a"}, nil })
	if err != nil || !created || v == nil {
		t.Fatalf("retry after error: %v %v %v", v, created, err)
	}
}

func TestRemoveIsByPointer(t *testing.T) {
	var r Registry[*item]
	old, _, _ := r.GetOrCreate("a", func() (*item, error) { return &item{"old"}, nil })
	if !r.Remove("a", old) {
		t.Fatal("Remove of the cached instance failed")
	}
	newer, _, _ := r.GetOrCreate("a", func() (*item, error) { return &item{"new"}, nil })
	if r.Remove("a", old) {
		t.Fatal("removing a stale instance evicted the newer one")
	}
	if v, ok := r.Get("a"); !ok || v != newer {
		t.Fatal("newer instance lost")
	}
	snap := r.Snapshot()
	delete(snap, "a")
	if r.Len() != 1 {
		t.Fatal("Snapshot is not a copy")
	}
}
