package cache

import "testing"

func TestReplaceAndRestore(t *testing.T) {
	var r Registry[*int]
	a, b, c := new(int), new(int), new(int)
	r.GetOrCreate("x", func() (*int, error) { return a, nil })

	restore := r.Replace("x", b)
	if v, _ := r.Get("x"); v != b {
		t.Fatal("Replace did not take")
	}
	restore()
	if v, _ := r.Get("x"); v != a {
		t.Fatal("restore did not put the old instance back")
	}
	restore() // again: nothing
	if v, _ := r.Get("x"); v != a {
		t.Fatal("second restore changed the registry")
	}

	// A name that was absent is absent again.
	restore = r.Replace("y", b)
	restore()
	if _, ok := r.Get("y"); ok {
		t.Fatal("restore left a name that was absent")
	}

	// Restore leaves a newer instance alone.
	restore = r.Replace("z", b)
	r.Remove("z", b)
	r.GetOrCreate("z", func() (*int, error) { return c, nil })
	restore()
	if v, _ := r.Get("z"); v != c {
		t.Fatal("restore evicted a newer instance")
	}
}
