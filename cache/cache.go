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
	"maps"
	"sync"
)

// Registry maps names to instances. The zero value is ready to use. All
// methods are safe for concurrent use.
type Registry[T comparable] struct {
	mu sync.RWMutex
	m  map[string]T
}

// Get returns the instance cached under name. Lookups share the lock, so
// concurrent ones do not wait for each other.
func (r *Registry[T]) Get(name string) (T, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	v, ok := r.m[name]
	return v, ok
}

// GetOrCreate returns the instance cached under name, or calls create and
// caches its result. create runs at most once per name while the name is
// cached (it is called with the registry locked, so it must be quick and must
// not call back into r). An error from create is returned and nothing is
// cached.
func (r *Registry[T]) GetOrCreate(name string, create func() (T, error)) (v T, created bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.m[name]; ok {
		return v, false, nil
	}
	v, err = create()
	if err != nil {
		return v, false, err
	}
	if r.m == nil {
		r.m = make(map[string]T)
	}
	r.m[name] = v
	return v, true, nil
}

// Remove deletes name only while it still maps to v, and reports whether it
// did.
func (r *Registry[T]) Remove(name string, v T) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if cur, ok := r.m[name]; ok && cur == v {
		delete(r.m, name)
		return true
	}
	return false
}

// Snapshot returns a copy of the registry.
func (r *Registry[T]) Snapshot() map[string]T {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.m)
}

// Len returns the number of cached names.
func (r *Registry[T]) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.m)
}

// Replace makes name map to v until the returned restore is called, which
// puts back what name mapped to before (or nothing) provided name still
// maps to v; otherwise restore leaves the registry alone. Calling restore
// again does nothing. It is meant for tests (see fapilogtest.Observe).
func (r *Registry[T]) Replace(name string, v T) (restore func()) {
	r.mu.Lock()
	old, had := r.m[name]
	if r.m == nil {
		r.m = make(map[string]T)
	}
	r.m[name] = v
	r.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			if cur, ok := r.m[name]; !ok || cur != v {
				return
			}
			if had {
				r.m[name] = old
			} else {
				delete(r.m, name)
			}
		})
	}
}
