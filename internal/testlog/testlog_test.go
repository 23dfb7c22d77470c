package testlog_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/ddx-go/ddx/internal/testlog"
)

func TestConcurrentWritersAndObjects(t *testing.T) {
	var b testlog.Buffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				fmt.Fprintf(&b, "{\"w\":%d,\"i\":%d}\n", i, j)
			}
		})
	}
	wg.Wait()
	if got := len(b.Objects(t)); got != 400 {
		t.Fatalf("got %d objects, want 400", got)
	}
	b.Reset()
	if b.String() != "" || len(b.Objects(t)) != 0 {
		t.Fatal("Reset left output behind")
	}
}

func TestObjectsFailsOnText(t *testing.T) {
	var b testlog.Buffer
	b.Write([]byte("{\"ok\":true}\nnot json\n"))
	ft := &fakeTB{TB: t}
	func() {
		defer func() { recover() }()
		b.Objects(ft)
	}()
	if !ft.failed {
		t.Fatal("a text line did not fail the test")
	}
}

type fakeTB struct {
	testing.TB
	failed bool
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(string, ...any) {
	f.failed = true
	panic("fatal")
}
