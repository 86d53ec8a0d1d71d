package longtest

import "testing"

func TestScaleFollowsTheVariable(t *testing.T) {
	t.Setenv(Env, "")
	if Enabled() || Scale(1, 2) != 1 {
		t.Fatalf("unset: Enabled=%v Scale=%d, want false 1", Enabled(), Scale(1, 2))
	}
	t.Setenv(Env, "yes") // only "1" enables them
	if Enabled() {
		t.Fatal(`Enabled with "yes"`)
	}
	t.Setenv(Env, "1")
	if !Enabled() || Scale(1, 2) != 2 {
		t.Fatalf("set: Enabled=%v Scale=%d, want true 2", Enabled(), Scale(1, 2))
	}
	Require(t) // does not skip
}

func TestRequireSkipsWithoutTheVariable(t *testing.T) {
	t.Setenv(Env, "")
	ran := false
	t.Run("soak", func(t *testing.T) {
		Require(t)
		ran = true
	})
	if ran {
		t.Fatal("Require did not skip")
	}
}
