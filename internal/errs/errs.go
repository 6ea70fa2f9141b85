// Package errs makes errors that read as their own message and still match a
// sentinel with errors.Is, so that a sentinel can classify an error (for an
// exit code, a test, a caller's branch) without its words in front of the
// message: "open x.csv: no such file", not "input error: open x.csv: ...".
package errs

import "fmt"

// Mark returns an error that reads exactly as err does and matches both kind
// and err (and whatever err wraps) with errors.Is and errors.As. It returns
// nil for a nil err.
func Mark(kind, err error) error {
	if err == nil {
		return nil
	}
	return &marked{kind: kind, err: err}
}

// Errorf is Mark(kind, fmt.Errorf(format, args...)): a message of its own
// that matches kind, and what a %w in format wraps.
func Errorf(kind error, format string, args ...any) error {
	return &marked{kind: kind, err: fmt.Errorf(format, args...)}
}

type marked struct{ kind, err error }

func (e *marked) Error() string   { return e.err.Error() }
func (e *marked) Unwrap() []error { return []error{e.kind, e.err} }
