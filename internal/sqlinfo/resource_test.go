package sqlinfo

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestResource(t *testing.T) {
	long := "SELECT '" + strings.Repeat("a", 2*MaxResource) + "'"
	for _, c := range []struct {
		name, q string
		want    string
	}{
		{"short", "SELECT 1", "SELECT 1"},
		{"empty", "", ""},
		{"exactly the limit", strings.Repeat("a", MaxResource), strings.Repeat("a", MaxResource)},
		{"long ASCII", long, long[:MaxResource]},
		// é is two bytes: the cut at MaxResource would split the one
		// that starts at MaxResource-1.
		{"a rune across the limit", strings.Repeat("a", MaxResource-1) + "éé", strings.Repeat("a", MaxResource-1)},
		{"a 4-byte rune across the limit", strings.Repeat("a", MaxResource-2) + "😀", strings.Repeat("a", MaxResource-2)},
		{"a rune ending at the limit", strings.Repeat("a", MaxResource-2) + "é" + "tail", strings.Repeat("a", MaxResource-2) + "é"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Resource(c.q); got != c.want {
				t.Errorf("Resource = %d bytes %q…, want %d bytes", len(got), got[:min(len(got), 20)], len(c.want))
			}
		})
	}
}

// FuzzResource: any statement becomes a prefix of itself of at most
// MaxResource bytes, valid UTF-8 when the statement was.
func FuzzResource(f *testing.F) {
	f.Add("SELECT 1", 0)
	f.Add("é", MaxResource-1)
	f.Add("😀", MaxResource-3)
	f.Add("\xff\xfe", MaxResource-1)
	f.Fuzz(func(t *testing.T, tail string, pad int) {
		if pad < 0 || pad > MaxResource {
			pad = MaxResource - 1
		}
		q := strings.Repeat("a", pad) + tail
		r := Resource(q)
		if len(r) > MaxResource || !strings.HasPrefix(q, r) {
			t.Fatalf("Resource gave %d bytes, not a prefix of at most %d", len(r), MaxResource)
		}
		if len(q) <= MaxResource && r != q {
			t.Fatalf("a short statement was cut")
		}
		if utf8.ValidString(q) && !utf8.ValidString(r) {
			t.Fatalf("a rune was split")
		}
		if len(q) > MaxResource && len(r) < MaxResource-utf8.UTFMax {
			t.Fatalf("cut too much: %d bytes", len(r))
		}
	})
}
