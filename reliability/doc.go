// Package reliability holds ddx's reliability and security tests and
// benchmarks; it has no API. They run the real dd-trace-go tracer, started
// by ddx.Start, behind middleware.Wrap, against the test Agent of
// internal/testagent on 127.0.0.1, and check that observability is never
// the reason a service is slow, down, leaking memory or losing data:
//
//   - every request is answered while the Agent refuses, hangs, fails,
//     answers garbage, answers slowly, or vanishes and comes back; spans
//     flow again once it is back; Start and Stop keep their bounds;
//   - BenchmarkRequestUnderAgentFault measures request latency (p50, p99)
//     under each of those Agent faults against a healthy Agent in the same
//     run;
//   - memory stays bounded during a long Agent outage (-soak);
//   - a graceful shutdown under load completes every request in flight and
//     delivers every finished span;
//   - concurrent logging never tears a line, and a failing log writer
//     neither crashes nor blocks the service;
//   - malformed requests (invalid UTF-8, CR/LF, huge headers) and
//     credentials in headers never break a log line or reach a span.
//
// Run them with
//
//	go test -race ./reliability/
//	go test ./reliability -run Memory -soak 3m -soak-rate 1000 -v
//	go test ./reliability -run '^$' -bench RequestUnderAgentFault -benchtime 5s -count 5
package reliability
