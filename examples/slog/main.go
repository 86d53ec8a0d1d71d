// Slog: code that logs with log/slog (yours, or a library's) feeds the same
// fapilog pipeline, with the same levels, bound context and counts.
//
//	go run ./examples/slog                         # readable lines on a terminal, JSON when piped
//	FAPILOG_CONSOLE_FORMAT=json go run ./examples/slog
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/fapilogslog"
)

func main() {
	ctx := context.Background()
	logger := fapilog.GetLogger("shop")
	slog.SetDefault(slog.New(fapilogslog.NewHandler(logger)))

	// Bound fields travel in ctx, to slog calls too.
	ctx = logger.Bind(ctx, "request_id", "req-42")
	slog.InfoContext(ctx, "Order placed", "order_id", 1234, slog.Group("customer", "id", "c-9", "tier", "gold"))

	// A library's logger, with its own attributes and group.
	lib := slog.Default().With("component", "payments").WithGroup("card")
	lib.WarnContext(ctx, "Card expires soon", "last4", "4242", "months_left", 1)

	// fapilog's levels above ERROR, as slog levels.
	slog.Log(ctx, fapilogslog.LevelAudit, "Refund approved", "by", "alice", "amount", 99.5)
	slog.Log(ctx, fapilogslog.LevelSecurity, "Token reuse detected", "user", "mallory")

	res, err := logger.StopAndDrain(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "drain:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "slog: submitted=%d exported=%d dropped=%d failed=%d\n",
		res.Submitted, res.Exported, res.Dropped, res.Failed)
}
