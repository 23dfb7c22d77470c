// Package errors is a stand-in for ddx's, with E's signature and the types
// it sorts its arguments into.
package errors

type (
	Op   string
	Kind uint8
	Code string
)

const NotFound Kind = 4

type Error struct{}

func (*Error) Error() string { return "" }

func E(args ...any) error { return nil }
