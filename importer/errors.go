package importer

import (
	"errors"

	"github.com/acimport/acimport/internal/errs"
)

// Run-wide failures. cmd/acimport maps them to exit codes with errors.Is/As.
var (
	// ErrInterrupted: the run was stopped by a signal.
	ErrInterrupted = errors.New("interrupted")
	// ErrTooManyRejects: more rows were rejected than --max-rejects allows.
	ErrTooManyRejects = errors.New("too many rejected rows")
	// ErrInput: an input file could not be opened or read, or does not fit the mapping.
	ErrInput = errors.New("input error")
	// ErrUsage: the configuration itself is wrong (e.g. stdin without --reject).
	ErrUsage = errors.New("usage error")
	// ErrUnfinishedRun: a fresh run found the state file of an unfinished one.
	ErrUnfinishedRun = errors.New("unfinished run")
	// ErrNothingToResume: --resume found no state file.
	ErrNothingToResume = errors.New("nothing to resume")
	// ErrResumeMismatch: the state file belongs to other inputs or another mapping.
	ErrResumeMismatch = errors.New("state file does not match")
	// ErrLocked: another run holds the lock on the state file.
	ErrLocked = errors.New("locked by another run")
	// ErrAlreadyImported: an identical import (the same bytes, the same mapping)
	// whose changes are not idempotent already completed; --again imports anew.
	ErrAlreadyImported = errors.New("identical import already completed")
	// ErrRefused is matched, besides its own kind, by every refusal to start
	// because of a state file: ErrUnfinishedRun, ErrNothingToResume,
	// ErrResumeMismatch, ErrLocked; and by ErrAlreadyImported.
	ErrRefused = errors.New("refused to start")
)

// Mark returns err, reading exactly as err does, that also matches kind with errors.Is. A
// sentinel classifies an error (for the exit code) without its words in front of the message:
// "open x.csv: no such file", not "input error: open input: open x.csv: ...".
func Mark(kind, err error) error { return errs.Mark(kind, err) }

// errorf is Mark(kind, fmt.Errorf(format, args...)).
func errorf(kind error, format string, args ...any) error {
	return errs.Errorf(kind, format, args...)
}
