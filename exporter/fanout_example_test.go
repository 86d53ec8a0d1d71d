package exporter_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/levels"
)

// Several destinations per logger: every record to the console (here a
// memory exporter, to show what arrived), AUDIT and SECURITY also to a
// rotated file that fapilog-verify reads.
func ExampleNewFanout() {
	dir, _ := os.MkdirTemp("", "fanout-example")
	defer os.RemoveAll(dir)
	file, err := exporter.NewFile(exporter.FileConfig{
		Path:        filepath.Join(dir, "audit.log"),
		MaxSizeMB:   100,            // rotate at 100 MB…
		RotateEvery: 24 * time.Hour, // …or daily
		MaxBackups:  30,
		Compress:    true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	console := exporter.NewMemory() // in a service: exporter.NewConsole(os.Stdout), or OTLP from exporter.Build
	logger := fapilog.GetLogger("payments", fapilog.Reuse(false), fapilog.WithExporter(exporter.NewFanout(
		exporter.To("console", console),
		exporter.ToLevels("audit file", file, levels.Audit, levels.Security),
	)))

	logger.Info("charge started", "order", 7)
	logger.Audit("charge approved", "order", 7, "amount_cents", 1299)

	res, _ := logger.StopAndDrain(context.Background())
	fmt.Printf("submitted=%d exported=%d failed=%d\n", res.Submitted, res.Exported, res.Failed)
	fmt.Println("console:", console.Len())
	f, _ := os.Open(filepath.Join(dir, "audit.log"))
	defer f.Close()
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); n++ {
	}
	fmt.Println("audit file lines:", n)
	// Output:
	// submitted=2 exported=2 failed=0
	// console: 2
	// audit file lines: 1
}
