package ddxecho_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ddx-go/ddx/internal/testlog"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxecho"
)

// TestHTTPError500AroundCanceled: echo's HTTPError(500) whose internal
// error is context.Canceled is the client's doing when the client went
// away (499, INFO) and a failure while it waits (500, ERROR): never a 500
// logged at INFO (issue 21, item 4).
func TestHTTPError500AroundCanceled(t *testing.T) {
	for _, gone := range []bool{true, false} {
		t.Run(fmt.Sprintf("client gone %v", gone), func(t *testing.T) {
			logs := &testlog.Records{}
			e := echo.New()
			e.Use(ddxecho.Middleware(middleware.WithLogger(slog.New(logs))))
			e.GET("/x", func(echo.Context) error {
				return echo.NewHTTPError(500).SetInternal(context.Canceled)
			})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if gone {
				cancel()
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil).WithContext(ctx))
			code, level := 500, slog.LevelError
			if gone {
				code, level = 499, slog.LevelInfo
			}
			assert.Equal(t, code, rec.Code)
			lines := logs.Lines()
			require.Len(t, lines, 1)
			assert.Equal(t, level, lines[0].Level)
			assert.Equal(t, int64(code), lines[0].Attrs["http.status_code"].Int64())
		})
	}
}
