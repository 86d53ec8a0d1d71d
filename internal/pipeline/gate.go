package pipeline

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// gate admits records into the batch processor only while fewer than
// capacity are in flight (queued or being exported), so the processor's ring
// never overwrites. Protected records may use the whole capacity; the others
// stop short of the reserved share, so a flood of INFO cannot starve ERROR,
// AUDIT or SECURITY.
type gate struct {
	inflight atomic.Int64
	capacity int64
	reserved int64

	waiters atomic.Int32
	mu      sync.Mutex
	wake    chan struct{} // closed and replaced whenever room is released
}

func newGate(capacity, reserved int) *gate {
	if capacity < 1 {
		capacity = 1
	}
	if reserved < 0 {
		reserved = 0
	}
	if reserved >= capacity {
		reserved = capacity - 1
	}
	return &gate{capacity: int64(capacity), reserved: int64(reserved), wake: make(chan struct{})}
}

func (g *gate) limit(protected bool) int64 {
	if protected {
		return g.capacity
	}
	return g.capacity - g.reserved
}

// tryAcquire takes one slot if the level's share has room.
func (g *gate) tryAcquire(protected bool) bool {
	limit := g.limit(protected)
	for {
		cur := g.inflight.Load()
		if cur >= limit {
			return false
		}
		if g.inflight.CompareAndSwap(cur, cur+1) {
			return true
		}
	}
}

// raise sets hw to n if n is larger.
func raise(hw *atomic.Int64, n int64) {
	for {
		cur := hw.Load()
		if n <= cur || hw.CompareAndSwap(cur, n) {
			return
		}
	}
}

// acquire waits for a slot until the wait (none when 0, unbounded when < 0),
// ctx or stop ends it. It returns nil, ErrDropped (the wait ran out),
// ErrStopped or ctx.Err().
func (g *gate) acquire(ctx context.Context, protected bool, wait time.Duration, stop <-chan struct{}) error {
	if g.tryAcquire(protected) {
		return nil
	}
	if wait == 0 {
		return ErrDropped
	}
	var timeout <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	for {
		g.mu.Lock()
		ch := g.wake
		g.waiters.Add(1)
		g.mu.Unlock()
		// Re-check after registering: a release between the first try and
		// the registration would otherwise be missed.
		if g.tryAcquire(protected) {
			g.waiters.Add(-1)
			return nil
		}
		var err error
		select {
		case <-ch:
		case <-timeout:
			err = ErrDropped
		case <-ctx.Done():
			err = ctx.Err()
		case <-stop:
			err = ErrStopped
		}
		g.waiters.Add(-1)
		if err != nil {
			// A last try: the slot may have freed as the wait ended.
			if g.tryAcquire(protected) {
				return nil
			}
			return err
		}
	}
}

// release returns n slots and wakes the waiters, if any.
func (g *gate) release(n int) {
	g.inflight.Add(-int64(n))
	if g.waiters.Load() > 0 {
		g.mu.Lock()
		close(g.wake)
		g.wake = make(chan struct{})
		g.mu.Unlock()
	}
}
