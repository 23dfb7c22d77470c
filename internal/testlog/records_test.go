package testlog

import (
	"context"
	"log/slog"
	"testing"
	"time"
)

func TestRecordsKeepTypedValuesAndWith(t *testing.T) {
	t.Parallel()
	var r Records
	l := slog.New(&r)
	l.With("svc", "a").Info("one", "n", 1)
	l.Warn("two")
	lines := r.Lines()
	if len(lines) != 2 {
		t.Fatalf("%d records, want 2 (With shares the records)", len(lines))
	}
	if got := lines[0].Attrs["n"]; got.Kind() != slog.KindInt64 || got.Int64() != 1 {
		t.Errorf("n = %v, want the int64 1", got)
	}
	if lines[0].Attrs["svc"].String() != "a" || lines[1].Level != slog.LevelWarn || lines[1].SpanID != 0 {
		t.Errorf("records = %+v", lines)
	}
	r.Reset()
	_ = r.Handle(context.Background(), slog.NewRecord(time.Time{}, slog.LevelInfo, "x", 0))
	if len(r.Lines()) != 1 {
		t.Error("Reset did not forget")
	}
}
