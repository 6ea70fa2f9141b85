package mapping

import (
	"errors"
	"fmt"
	"strings"

	"github.com/acimport/acimport/internal/altcraft"
)

// Sentinel errors of a mapping file. Every *Error unwraps to one of them; test with errors.Is.
var (
	// ErrInvalid: a key has a wrong value or a value of the wrong kind, or a required key is missing.
	ErrInvalid = errors.New("invalid mapping")
	// ErrSyntax: the file is not valid YAML. It also matches ErrInvalid.
	ErrSyntax = fmt.Errorf("%w: YAML syntax error", ErrInvalid)
	// ErrUnknownKey: a key the mapping file format does not define (often a typo).
	ErrUnknownKey = errors.New("unknown key")
	// ErrUnknownType: a field type that is not one of the known types.
	ErrUnknownType = errors.New("unknown type")
	// ErrDuplicateField: the same profile field is mapped twice.
	ErrDuplicateField = errors.New("duplicate field")
	// ErrUnknownColumn: a mapped column is not in the CSV header (see Mapping.Bind).
	ErrUnknownColumn = errors.New("unknown column")
	// ErrAmbiguousColumn: a mapped column's name appears more than once in the CSV header.
	ErrAmbiguousColumn = errors.New("ambiguous column")
	// ErrTooLarge: the file is longer than MaxFileBytes, or holds more than MaxNodes YAML nodes
	// once its aliases are expanded. It also matches ErrInvalid.
	ErrTooLarge = fmt.Errorf("%w: too large", ErrInvalid)
)

// Error is a problem in a mapping file, at a line of it.
type Error struct {
	File string // the name given to Parse, or the path given to Load
	Line int    // 1-based line in the file; 0 when the problem has no single line
	Path string // where in the file, e.g. "fields._bdate.format"; "" for the top level
	Err  error  // the problem; unwraps to one of the sentinel errors
}

// Error returns the problem as `file:line: path: problem`.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying problem.
func (e *Error) Unwrap() error { return e.Err }

// Codes of a RowError, as written to the reject file.
const (
	// CodeInvalidValue: a cell failed its type.
	CodeInvalidValue = altcraft.RejectInvalidValue
	// CodeMissingKey: the matching key of the row is empty.
	CodeMissingKey = altcraft.RejectMissingKey
)

// RowError is why one CSV record could not be turned into a request. It is data for the reject file,
// not a failure of the run.
type RowError struct {
	Code  altcraft.RejectCode // CodeInvalidValue or CodeMissingKey
	Cells []CellError         // every failing cell of the row: the matching key first, then in mapping order
}

// CellError is one failing cell.
type CellError struct {
	Column string // the CSV column
	Value  string // the offending value: the cell, or for a list the failing item
	Reason string // what was expected, e.g. `not a date in the form DD.MM.YYYY`
	// Format is the form a date or datetime cell must be in, as the mapping
	// writes it (e.g. DD.MM.YYYY); "" for a cell of another type.
	Format string
}

// String returns the cell's problem as `column "Birthday": "31.02.1990" is not a date ...`.
func (c CellError) String() string {
	if strings.TrimSpace(c.Value) == "" {
		// Only a missing key fails on an empty cell, and its reason says so whole.
		return c.Reason
	}
	return fmt.Sprintf("column %q: %q is %s", c.Column, c.Value, c.Reason)
}

// Error returns every failing cell on one line, separated by "; ".
func (e *RowError) Error() string {
	parts := make([]string, len(e.Cells))
	for i, c := range e.Cells {
		parts[i] = c.String()
	}
	return strings.Join(parts, "; ")
}
