package middleware_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
)

// exampleLogger writes Datadog's JSON to stdout without the fields that
// change from run to run (time, duration, stacks), to keep outputs stable.
func exampleLogger() *slog.Logger {
	return slog.New(ddx.NewHandler(os.Stdout, &ddx.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "duration", "stack", "error.stack":
				return slog.Attr{}
			}
			return a
		},
	}))
}

// A job gets a span, panic recovery and one log line, like a request.
// Finding nothing to do is an expected outcome: WARN, and no error span.
func ExampleRunJob() {
	logger := exampleLogger()
	err := middleware.RunJob(context.Background(), "invoices.send", func(ctx context.Context) error {
		// ctx carries the job's span: pass it on to traced calls.
		return errors.E(errors.Op("invoices.Send"), errors.NotFound, "no pending invoices")
	}, middleware.WithLogger(logger))
	fmt.Println(errors.KindOf(err))
	// Output:
	// {"status":"WARN","message":"job run","job.name":"invoices.send","error":{"kind":"NotFound","message":"invoices.Send: no pending invoices"}}
	// NotFound
}

// A panicking job is recovered: an Internal error, logged at ERROR with the
// panic's stack, and returned.
func ExampleRunJob_panic() {
	err := middleware.RunJob(context.Background(), "reports.build", func(ctx context.Context) error {
		var totals map[string]int
		//lint:ignore SA5000 the bug this example recovers from
		totals["march"]++ // assignment to entry in nil map
		return nil
	}, middleware.WithLogger(exampleLogger()))
	fmt.Println(errors.KindOf(err))
	// Output:
	// {"status":"ERROR","message":"job run","job.name":"reports.build","error":{"kind":"Internal","message":"panic: assignment to entry in nil map"}}
	// Internal
}

// Every runs a job on a ticker until its context is done, in the calling
// goroutine; run it with go and cancel the context to stop it.
func ExampleEvery() {
	ctx, cancel := context.WithCancel(context.Background())
	runs := 0
	err := middleware.Every(ctx, 10*time.Millisecond, "cache.refresh", func(ctx context.Context) error {
		runs++
		if runs == 3 {
			cancel() // here the job stops the loop; usually shutdown does
		}
		return nil
	}, middleware.WithLogger(slog.New(slog.DiscardHandler)))
	fmt.Println(runs, err)
	// Output:
	// 3 context canceled
}
