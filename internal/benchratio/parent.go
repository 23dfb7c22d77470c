package benchratio

import (
	"context"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
)

// Parent gives the context of a request span that is replaced every
// perRequest calls, so that queries are children of a request, as in a
// service, without one trace growing for the whole benchmark. Every
// contender pays the same for it.
type Parent struct {
	perRequest int
	n          int
	span       *tracer.Span
	ctx        context.Context
}

// NewParent returns a Parent that starts a new request every perRequest
// calls of Ctx.
func NewParent(perRequest int) *Parent { return &Parent{perRequest: perRequest} }

// Ctx returns the context of the current request span.
func (p *Parent) Ctx() context.Context {
	if p.n%p.perRequest == 0 {
		if p.span != nil {
			p.span.Finish()
		}
		p.span, p.ctx = tracer.StartSpanFromContext(context.Background(), "http.request", tracer.ResourceName("GET /users/{id}"))
	}
	p.n++
	return p.ctx
}

// Finish finishes the current request span.
func (p *Parent) Finish() {
	if p.span != nil {
		p.span.Finish()
		p.span = nil
	}
}
