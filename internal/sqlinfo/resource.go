package sqlinfo

import "unicode/utf8"

// MaxResource is the most bytes of a statement a span's resource carries:
// the Datadog Agent's own limit (apm_config's max_resource_len, 5000 bytes
// by default, normalize.TruncateUTF8 in its trace truncator), applied
// before the span is made, so that a 1 MB statement costs 5 KB in the
// tracer's buffers and payloads, not 1 MB, and is what Datadog would have
// shown anyway.
const MaxResource = 5000

// Resource is query as a span's resource: at most MaxResource bytes, cut
// before a UTF-8 rune that would not fit whole. The statement the
// database runs is never cut.
func Resource(query string) string {
	if len(query) <= MaxResource {
		return query
	}
	// query[i] is the first byte cut off: when it continues a rune, cut
	// before that rune's start instead (at most utf8.UTFMax-1 bytes back;
	// invalid UTF-8 stops there).
	i := MaxResource
	for n := 1; n < utf8.UTFMax && !utf8.RuneStart(query[i]); n++ {
		i--
	}
	return query[:i]
}
