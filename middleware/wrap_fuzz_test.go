package middleware_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/mocktracer"

	"github.com/ddx-go/ddx/ddx"
	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
)

// Markers the fuzz handlers put where no client or log may see them.
const (
	fuzzSecret   = "S3CR3T"          // sent as credentials
	fuzzInternal = "INTERNAL-DETAIL" // in error causes and panic values
)

// fuzzMux serves every outcome the middleware handles, with the request's
// own bytes in the places a careless service would put them.
func fuzzMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/echo/", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, r.URL.Path)
	})
	mux.Handle("/err/{x}", middleware.HandlerFunc(func(http.ResponseWriter, *http.Request) error {
		return errors.E(errors.Op("db.Get"), errors.NotFound, "no such thing",
			errors.E(errors.Op("db.query"), fuzzInternal))
	}))
	mux.Handle("/fail/", middleware.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("%s: %s", fuzzInternal, r.URL.Path)
	}))
	mux.HandleFunc("/panic/", func(_ http.ResponseWriter, r *http.Request) {
		panic(fuzzInternal + r.URL.Path)
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})
	return mux
}

// FuzzWrapRequest sends middleware.Wrap requests net/http's parser would
// never produce — any method, any target, any header name and value,
// invalid UTF-8, CR/LF, very long values, a body — as a handler mounted
// behind a proxy or another server might receive. Unlike FuzzWrap, which
// checks resources and statuses through a capturing handler, it logs
// through ddx's own JSON handler, so hostile User-Agent and X-Request-Id
// values are checked as they end up in the bytes. Whatever comes in: no panic
// escapes (only http.ErrAbortHandler, by design), the access log is one
// valid JSON line (none for health checks) and the span one, problem
// answers are valid JSON carrying the status, and neither the credentials
// sent nor the internal text of errors and panics reaches the client; the
// credentials reach neither the log nor the span.
func FuzzWrapRequest(f *testing.F) {
	f.Add("GET", "/echo/\xff\xfe", "User-Agent", "\xff\xfe\u2028", []byte(nil))
	f.Add("GET", "/echo/a%0d%0aSet-Cookie:%20x=1", "X-Request-Id", "a\r\nSet-Cookie: x=1", []byte(nil))
	f.Add("GET", "/echo/a\r\nb", "X-Request-Id", `"},"status":"EMERGENCY`, []byte(nil))
	f.Add("POST", "/err/\"}\n", "Content-Type", "application/json", []byte("{"))
	f.Add("GET", "/fail/x?password=hunter2", "X-Api-Key", "k", []byte(nil))
	f.Add("PUT", "/panic/boom", "Cookie", "session=1", []byte("x"))
	f.Add("", "*", "", "", []byte(nil))
	f.Add("G\x00T", "//a/../b?x=%zz", "Bad Name\r\n", strings.Repeat("a", 1<<16), []byte(nil))
	f.Add("GET", "/healthz", "X-Request-Id", "\x00", []byte(nil))
	f.Add("DELETE", "http://other.example/echo/x", "Host", "evil\r\n", []byte(nil))
	mt := mocktracer.Start()
	defer mt.Stop()
	f.Fuzz(func(t *testing.T, method, target, hname, hval string, body []byte) {
		mt.Reset()
		u, err := url.ParseRequestURI(target)
		if err != nil {
			u = &url.URL{Path: target} // what a lax proxy might pass on
		}
		req := (&http.Request{
			Method:     method,
			URL:        u,
			RequestURI: target,
			Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{
				hname:           {hval},
				"User-Agent":    {hval},
				"X-Request-Id":  {hval},
				"Authorization": {"Bearer " + fuzzSecret},
				"Cookie":        {"session=" + fuzzSecret},
			},
			Host:       "example.test",
			RemoteAddr: "192.0.2.1:1234",
			Body:       io.NopCloser(bytes.NewReader(body)),
		}).WithContext(context.Background())

		var logs bytes.Buffer
		h := middleware.Wrap(fuzzMux(), middleware.WithLogger(slog.New(ddx.NewHandler(&logs, nil))))
		rec := httptest.NewRecorder()
		aborted := func() (aborted bool) {
			defer func() {
				if p := recover(); p != nil {
					if p != http.ErrAbortHandler {
						t.Fatalf("panic escaped Wrap: %v", p)
					}
					aborted = true
				}
			}()
			h.ServeHTTP(rec, req)
			return false
		}()

		inputs := method + target + hname + hval + string(body)
		health := u.Path == "/healthz"

		// The log: whole JSON lines, one access line per traced request.
		access := 0
		for line := range strings.Lines(logs.String()) {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("log line is not JSON: %v\n%q", err, line)
			}
			if m["message"] == "http request" {
				access++
			}
		}
		switch {
		case health && access != 0:
			t.Fatalf("health check logged %d access lines", access)
		case !health && access != 1:
			t.Fatalf("%d access lines, want 1:\n%s", access, logs.String())
		}
		spans := mt.FinishedSpans()
		if want := map[bool]int{true: 0, false: 1}[health]; len(spans) != want {
			t.Fatalf("%d spans, want %d", len(spans), want)
		}

		// Credentials stay out of the log, the span and the answer.
		if !strings.Contains(inputs, fuzzSecret) {
			if strings.Contains(logs.String(), fuzzSecret) {
				t.Fatalf("credential in the log: %s", logs.String())
			}
			for _, s := range spans {
				for k, v := range s.Tags() {
					if strings.Contains(fmt.Sprint(v), fuzzSecret) {
						t.Fatalf("credential in span tag %s", k)
					}
				}
			}
		}
		if aborted {
			return
		}
		answer := rec.Body.String()
		if !strings.Contains(inputs, fuzzSecret) && strings.Contains(answer, fuzzSecret) {
			t.Fatalf("credential in the answer: %q", answer)
		}
		if !strings.Contains(inputs, fuzzInternal) && !strings.HasPrefix(u.Path, "/echo/") &&
			strings.Contains(answer, fuzzInternal) {
			t.Fatalf("internal text in the answer: %q", answer)
		}
		if rec.Header().Get("Content-Type") == "application/problem+json" {
			var p struct{ Status int }
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatalf("problem answer is not JSON: %v\n%q", err, answer)
			}
			if p.Status != rec.Code {
				t.Fatalf("problem status %d, answer status %d", p.Status, rec.Code)
			}
		}
	})
}
