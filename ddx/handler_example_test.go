package ddx_test

import (
	"log/slog"
	"os"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
)

func ExampleNewHandler() {
	logger := slog.New(ddx.NewHandler(os.Stdout, &ddx.HandlerOptions{
		Service: "shop", Env: "prod", Version: "1.4.2",
		// Only to make this example's output stable: drop the time and the
		// stack, which names files on this machine.
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey || a.Key == errors.KeyStack {
				return slog.Attr{}
			}
			return a
		},
	}))

	logger.Info("order paid", "order_id", 42, "card_token", "tok_4242")
	err := errors.E(errors.Op("orders.Get"), errors.NotFound, "no such order", slog.Int("order_id", 7))
	logger.WithGroup("http").Warn("lookup failed", "status_code", 404, "err", err)
	// Output:
	// {"status":"INFO","message":"order paid","dd.service":"shop","dd.env":"prod","dd.version":"1.4.2","order_id":42,"card_token":"[REDACTED]"}
	// {"status":"WARN","message":"lookup failed","dd.service":"shop","dd.env":"prod","dd.version":"1.4.2","http":{"status_code":404},"error":{"kind":"NotFound","message":"orders.Get: no such order","order_id":7}}
}
