package errors

// walker steps down an error's chain one layer at a time, outermost first:
// from an *Error to its Err, from any other error to what its Unwrap()
// error method returns. The walks of the package (public messages, codes,
// stacks, attributes, root causes) go through it, so that they all stop at
// the same places: the end of the chain, a nil *Error (whose fields cannot
// be read), and maxChain layers (a chain that wraps itself). kindOf keeps a
// loop of its own with the same stops, for speed (see there).
//
// A join (Unwrap() []error, from [Join] or fmt.Errorf with several %w)
// ends the walk after its own layer: a walker made by walk leaves its
// branches to the caller, which looks at every branch, in order; one made
// by walkPicked goes on into the branch that [KindOf] picks, so that a
// code, a public message or a type name comes from the same branch as the
// kind.
//
// It is a value on the caller's stack, not an iterator closure: KindOf
// walks every failed request's chain and must not allocate.
type walker struct {
	err    error
	depth  int
	picked bool
}

// walk starts at err, depth layers down a chain already.
func walk(err error, depth int) walker { return walker{err: err, depth: depth} }

// walkPicked is walk that follows KindOf's branch at joins.
func walkPicked(err error, depth int) walker {
	return walker{err: err, depth: depth, picked: true}
}

// ok reports whether w is at a layer it may read.
func (w *walker) ok() bool {
	if w.err == nil || w.depth >= maxChain {
		return false
	}
	if e, isError := w.err.(*Error); isError && e == nil {
		return false
	}
	return true
}

// next steps one layer down.
func (w *walker) next() {
	w.depth++
	switch x := w.err.(type) {
	case *Error:
		w.err = x.Err
	case interface{ Unwrap() error }:
		w.err = x.Unwrap()
	case interface{ Unwrap() []error }:
		w.err = nil
		if w.picked {
			errs := x.Unwrap()
			if _, i := joinKind(errs, w.depth); i >= 0 {
				w.err = errs[i]
			}
		}
	default:
		w.err = nil
	}
}
