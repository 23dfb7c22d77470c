package ddxpubsub

import "strings"

// carrier is a message's attributes as the tracer's TextMapCarrier. It
// hands the propagators every attribute, but they keep only the keys they
// know: no other attribute's value reaches a span.
type carrier map[string]string

func (c carrier) ForeachKey(fn func(key, val string) error) error {
	for k, v := range c {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// Set adds key unless the message has it already, in any case: an
// attribute the caller set is theirs, and a message forwarded with its
// attributes keeps the trace it came with.
func (c carrier) Set(key, val string) {
	if _, ok := c[key]; ok {
		return
	}
	for k := range c {
		if strings.EqualFold(k, key) {
			return
		}
	}
	c[key] = val
}

// projectID is the project of a resource name, "projects/{project}/...".
func projectID(name string) string {
	rest, ok := strings.CutPrefix(name, "projects/")
	if !ok {
		return ""
	}
	p, _, _ := strings.Cut(rest, "/")
	return p
}
