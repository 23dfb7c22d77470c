// Package jsonbuf holds the allocation-free JSON building blocks shared by
// ddx's log handlers: a pool of byte buffers and append functions for JSON
// strings, keys, times and floats.
//
// Every function appends to a caller-owned []byte and returns it, in the
// style of strconv.Append*; none of them allocates unless the slice grows.
package jsonbuf

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

const (
	initialSize = 1 << 10
	// maxPooled bounds what goes back to the pool so that one huge record
	// does not pin a huge buffer for the life of the process.
	maxPooled = 16 << 10
)

var pool = sync.Pool{New: func() any {
	b := make([]byte, 0, initialSize)
	return &b
}}

// Get returns an empty buffer from the pool. Return it with Free.
func Get() *[]byte {
	b := pool.Get().(*[]byte)
	*b = (*b)[:0]
	return b
}

// Free returns b to the pool unless it grew beyond 16 KiB.
func Free(b *[]byte) {
	if cap(*b) > maxPooled {
		return
	}
	pool.Put(b)
}

const hex = "0123456789abcdef"

// AppendString appends s as a quoted JSON string. Invalid UTF-8 becomes
// U+FFFD, control characters are escaped, HTML characters are not (like
// log/slog's JSONHandler), U+2028 and U+2029 are escaped.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = AppendEscaped(dst, s)
	return append(dst, '"')
}

// AppendKey appends `"key":`.
func AppendKey(dst []byte, key string) []byte {
	dst = append(dst, '"')
	dst = AppendEscaped(dst, key)
	return append(dst, '"', ':')
}

// AppendEscaped appends the JSON escaping of s without the quotes.
// Adapted from encoding/json's encodeState.string with escapeHTML false.
func AppendEscaped(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if safe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but break JavaScript consumers.
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}

// safe reports the ASCII bytes that need no escaping inside a JSON string.
var safe = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// AppendFloat appends f as a JSON number, or as a quoted string for the
// values JSON cannot represent (NaN, +Inf, -Inf) rather than failing: a
// log line with "NaN" beats a lost log line.
func AppendFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(dst, `"+Inf"`...)
	case math.IsInf(f, -1):
		return append(dst, `"-Inf"`...)
	}
	// Same choice as encoding/json: plain notation for ordinary magnitudes,
	// exponent otherwise.
	abs := math.Abs(f)
	fmt := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		fmt = 'e'
	}
	return strconv.AppendFloat(dst, f, fmt, -1, 64)
}

// AppendTime appends t in UTC as a quoted RFC 3339 timestamp with
// millisecond precision ("2006-01-02T15:04:05.000Z"), the precision Datadog
// keeps. Years outside 0000–9999 fall back to time.RFC3339Nano so that the
// output is still a string a person can read.
func AppendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		dst = append(dst, '"')
		dst = t.AppendFormat(dst, time.RFC3339Nano)
		return append(dst, '"')
	}
	hour, min, sec := t.Clock()
	ms := t.Nanosecond() / 1e6
	dst = append(dst, '"')
	dst = appendInt(dst, year, 4)
	dst = append(dst, '-')
	dst = appendInt(dst, int(month), 2)
	dst = append(dst, '-')
	dst = appendInt(dst, day, 2)
	dst = append(dst, 'T')
	dst = appendInt(dst, hour, 2)
	dst = append(dst, ':')
	dst = appendInt(dst, min, 2)
	dst = append(dst, ':')
	dst = appendInt(dst, sec, 2)
	dst = append(dst, '.')
	dst = appendInt(dst, ms, 3)
	return append(dst, 'Z', '"')
}

// appendInt appends a non-negative n zero-padded to width digits.
func appendInt(dst []byte, n, width int) []byte {
	var b [4]byte
	for i := width - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return append(dst, b[:width]...)
}

// AppendHex appends the lowercase hexadecimal encoding of src.
func AppendHex(dst []byte, src []byte) []byte {
	for _, c := range src {
		dst = append(dst, hex[c>>4], hex[c&0xF])
	}
	return dst
}

// marshaler is a pooled encoding/json encoder that does not escape HTML,
// matching log/slog's JSONHandler.
type marshaler struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var marshalers = sync.Pool{New: func() any {
	m := new(marshaler)
	m.enc = json.NewEncoder(&m.buf)
	m.enc.SetEscapeHTML(false)
	return m
}}

// AppendMarshal appends the encoding/json encoding of v. On error dst is
// returned unchanged with the error; the caller decides what to write.
// It does not recover panics from MarshalJSON methods: the caller does.
func AppendMarshal(dst []byte, v any) ([]byte, error) {
	m := marshalers.Get().(*marshaler)
	defer func() {
		if m.buf.Cap() <= maxPooled {
			m.buf.Reset()
			marshalers.Put(m)
		}
	}()
	m.buf.Reset()
	if err := m.enc.Encode(v); err != nil {
		return dst, err
	}
	out := m.buf.Bytes()
	return append(dst, out[:len(out)-1]...), nil // drop Encode's newline
}
