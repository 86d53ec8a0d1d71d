package exporter

import (
	"testing"

	"go.uber.org/goleak"
)

// lumberjackMill is the goroutine lumberjack starts per file path and never
// stops (see the files registry in file.go): one per path, by design.
const lumberjackMill = "gopkg.in/natefinch/lumberjack%2ev2.(*Logger).millRun"

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction(lumberjackMill))
}
