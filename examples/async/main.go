// Async: every call takes ctx and returns an error, the Go form of "await".
//
//	go run ./examples/async
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	fapilog "github.com/fapilog/fapilog-go"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	alog, err := fapilog.GetAsyncLogger(ctx, "async-service")
	if err != nil { // the async logger returns configuration errors
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	for item := range 3 {
		if err := alog.Debug(ctx, "Processing", "item", item); err != nil {
			fmt.Fprintln(os.Stderr, "debug:", err)
		}
		if err := alog.Info(ctx, "Processed", "item", item); err != nil {
			fmt.Fprintln(os.Stderr, "info:", err)
		}
	}
	// Protected levels (ERROR, CRITICAL, AUDIT, SECURITY) wait for room until ctx is done.
	if err := alog.Exception(ctx, "Oops", errors.New("upstream timeout"), "attempt", 3); err != nil {
		fmt.Fprintln(os.Stderr, "exception:", err)
	}

	res, err := alog.Drain(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "drain:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "async: submitted=%d exported=%d dropped=%d failed=%d\n",
		res.Submitted, res.Exported, res.Dropped, res.Failed)

	// After a drain calls return ErrStopped and are counted.
	if err := alog.Info(ctx, "late"); errors.Is(err, fapilog.ErrStopped) {
		fmt.Fprintln(os.Stderr, "async: logger stopped, as expected")
	}
}
