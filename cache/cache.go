// Package cache is the per-name registry behind fapilog.GetLogger and
// fapilog.GetAsyncLogger: one instance per name, created once even when many
// goroutines ask for a new name at the same moment, and removed by pointer so
// that draining an old instance never evicts a newer one of the same name.
//
// The connections behind the loggers are shared by the exporter package,
// reference counted per endpoint, so a registry of thousands of names still
// holds one connection per collector.
package cache

import (
	"sync"
)

// Registry maps names to instances. The zero value is ready to use. All
// methods are safe for concurrent use. Get is lock-free (a sync.Map read), so
// a cached lookup from many goroutines at once does not contend; writes are
// serialized by a mutex, and create runs at most once per name.
type Registry[T comparable] struct {
	mu sync.Mutex // serializes writers; readers use m alone
	m  sync.Map   // name → T
	n  int        // guarded by mu
}

// Get returns the instance cached under name.
func (r *Registry[T]) Get(name string) (T, bool) {
	if v, ok := r.m.Load(name); ok {
		return v.(T), true
	}
	var zero T
	return zero, false
}

// GetOrCreate returns the instance cached under name, or calls create and
// caches its result. create runs at most once per name while the name is
// cached (it is called with the registry locked, so it must be quick and must
// not call back into r). An error from create is returned and nothing is
// cached.
func (r *Registry[T]) GetOrCreate(name string, create func() (T, error)) (v T, created bool, err error) {
	if v, ok := r.Get(name); ok {
		return v, false, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.Get(name); ok {
		return v, false, nil
	}
	v, err = create()
	if err != nil {
		return v, false, err
	}
	r.m.Store(name, v)
	r.n++
	return v, true, nil
}

// Remove deletes name only while it still maps to v, and reports whether it
// did.
func (r *Registry[T]) Remove(name string, v T) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m.CompareAndDelete(name, v) {
		r.n--
		return true
	}
	return false
}

// Snapshot returns a copy of the registry.
func (r *Registry[T]) Snapshot() map[string]T {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]T, r.n)
	r.m.Range(func(k, v any) bool {
		out[k.(string)] = v.(T)
		return true
	})
	return out
}

// Len returns the number of cached names.
func (r *Registry[T]) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// Replace makes name map to v until the returned restore is called, which
// puts back what name mapped to before (or nothing) provided name still
// maps to v; otherwise restore leaves the registry alone. Calling restore
// again does nothing. It is meant for tests (see fapilogtest.Observe).
func (r *Registry[T]) Replace(name string, v T) (restore func()) {
	r.mu.Lock()
	prev, had := r.m.Swap(name, v)
	if !had {
		r.n++
	}
	r.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			if had {
				r.m.CompareAndSwap(name, v, prev)
			} else if r.m.CompareAndDelete(name, v) {
				r.n--
			}
		})
	}
}
