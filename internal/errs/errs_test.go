package errs

import (
	"errors"
	"io/fs"
	"testing"
)

var errKind = errors.New("kind words that must not show")

func TestMark(t *testing.T) {
	tests := []struct {
		Name    string
		Err     error
		Message string
		Is      []error // errors.Is matches each
	}{
		{Name: "Mark reads as its error", Err: Mark(errKind, fs.ErrNotExist), Message: "file does not exist", Is: []error{errKind, fs.ErrNotExist}},
		{Name: "Errorf reads as its message", Err: Errorf(errKind, "line %d is %s", 3, "bad"), Message: "line 3 is bad", Is: []error{errKind}},
		{Name: "Errorf keeps what %w wraps", Err: Errorf(errKind, "open x: %w", fs.ErrPermission), Message: "open x: permission denied", Is: []error{errKind, fs.ErrPermission}},
		{Name: "marks nest", Err: Mark(fs.ErrClosed, Errorf(errKind, "m")), Message: "m", Is: []error{errKind, fs.ErrClosed}},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			if tc.Err.Error() != tc.Message {
				t.Errorf("Error() = %q, want %q", tc.Err, tc.Message)
			}
			for _, want := range tc.Is {
				if !errors.Is(tc.Err, want) {
					t.Errorf("errors.Is(%q, %v) = false", tc.Err, want)
				}
			}
			if errors.Is(tc.Err, fs.ErrExist) {
				t.Errorf("%q matches a sentinel it was not given", tc.Err)
			}
		})
	}
	if Mark(errKind, nil) != nil {
		t.Error("Mark of a nil error is not nil")
	}
	var pe *fs.PathError
	if err := Mark(errKind, &fs.PathError{Op: "open", Path: "x", Err: fs.ErrNotExist}); !errors.As(err, &pe) || pe.Path != "x" {
		t.Errorf("errors.As through Mark: %v", err)
	}
}
