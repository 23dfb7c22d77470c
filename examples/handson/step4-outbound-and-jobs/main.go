// Step 4: calls to other services, and work that no request started.
//
//	go run ./step4-outbound-and-jobs
//
// middleware.NewClient is an http.Client whose calls get a span and whose
// failures say which call failed, with a kind. middleware.Every runs a
// background job on a timer and gives each run what Wrap gives a request: a
// trace, panic recovery and one log line. It runs three times, then exits.
package main

import (
	"context"
	"net/http"
	"time"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
)

var client = middleware.NewClient()

func main() {
	defer ddx.Start().Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 3500*time.Millisecond)
	defer cancel()
	middleware.Every(ctx, time.Second, "prices.sync", syncPrices) // returns when ctx ends
}

func syncPrices(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second) // never wait forever on a dependency
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://127.0.0.1:1/prices", nil)
	resp, err := client.Do(req) // the price service is down: nothing listens on port 1
	if err != nil {
		return errors.E(errors.Op("prices.Sync"), "fetch prices", err) // err says which call failed
	}
	defer resp.Body.Close()
	return middleware.CheckResponse(resp) // a 5xx answer is an error too
}
