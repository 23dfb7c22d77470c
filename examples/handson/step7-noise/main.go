// Step 7: an outage is one story, not a thousand identical lines.
//
//	go run ./step7-noise
//
// When a dependency is down, every request fails the same way. ddx writes
// the first 10 lines of one failure a second, counts the rest, and writes
// one summary with the count and a trace id to open.
package main

import (
	"log/slog"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
)

func fetchPrices() error {
	return errors.E(errors.Op("prices.Fetch"), errors.Unavailable, "price service down")
}

func main() {
	defer ddx.Start().Stop() // Stop writes the last summary

	for range 1000 { // a burst of requests, all failing the same way
		slog.Error("request failed", "error", fetchPrices())
	}
}
