package servertest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// The test binary doubles as the server: with SERVERTEST_CHILD set it
// prints a line and then, per the value, ignores interrupts ("stubborn")
// or exits on the first one ("polite").
func TestMain(m *testing.M) {
	switch os.Getenv("SERVERTEST_CHILD") {
	case "":
		goleak.VerifyTestMain(m)
		return
	case "stubborn":
		signal.Ignore(os.Interrupt)
	case "polite":
		c := make(chan os.Signal, 1)
		signal.Notify(c, os.Interrupt)
		fmt.Println("ready")
		<-c
		fmt.Println("bye")
		os.Exit(3)
	}
	fmt.Println("ready")
	time.Sleep(time.Minute)
	os.Exit(0)
}

func child(t *testing.T, mode, out string) *Process {
	t.Helper()
	from := Size(out)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "SERVERTEST_CHILD="+mode)
	p, err := Start(cmd, out)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(OutputFrom(out, from), "ready") {
		if time.Now().After(deadline) {
			p.Kill()
			t.Fatalf("child never ready: %q", OutputFrom(out, 0))
		}
		time.Sleep(10 * time.Millisecond)
	}
	return p
}

func TestStopReturnsTheExitOfAProcessThatHonoursTheSignal(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.log")
	p := child(t, "polite", out)
	if !p.Running() {
		t.Fatal("not running after start")
	}
	err := p.Stop(os.Interrupt, 10*time.Second)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("Stop = %v, want exit status 3", err)
	}
	if p.Running() || !strings.Contains(OutputFrom(out, 0), "bye") {
		t.Fatalf("running %v, output %q", p.Running(), OutputFrom(out, 0))
	}
}

func TestStopKillsAfterTheGrace(t *testing.T) {
	p := child(t, "stubborn", filepath.Join(t.TempDir(), "out.log"))
	err := p.Stop(os.Interrupt, 200*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("Stop = %v, want a kill after the grace", err)
	}
	if p.Running() {
		t.Fatal("still running")
	}
}

func TestOutputAccumulatesAcrossRuns(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.log")
	child(t, "stubborn", out).Kill()
	offset := Size(out)
	p := child(t, "stubborn", out)
	p.Kill()
	if got := OutputFrom(out, offset); got != "ready\n" {
		t.Fatalf("second run's output = %q", got)
	}
	if got := OutputFrom(out, 0); got != "ready\nready\n" {
		t.Fatalf("whole output = %q", got)
	}
	if got := OutputFrom(out, 1<<20); got != "ready\nready\n" {
		t.Fatalf("an offset past the end gives %q, want the whole file", got)
	}
}
