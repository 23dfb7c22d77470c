package ddxsql

// WithStatsInterval lets the tests send pool metrics every few
// milliseconds instead of every 10 seconds.
var WithStatsInterval = withStatsInterval
