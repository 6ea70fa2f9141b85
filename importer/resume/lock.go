package resume

import (
	"errors"
	"fmt"
	"os"
)

// Lock is an exclusive lock (flock) on a state file, held for a whole run so
// that a second run on the same files refuses at once instead of sending the
// same rows and writing the same files. The Log that takes it over keeps the
// lock across its rewrites: each new file is locked before it is renamed into
// place.
type Lock struct {
	path    string
	f       *os.File
	created bool // the file did not exist, or was empty: there is no state
}

// LockedError is the refusal of a state file another process holds.
type LockedError struct {
	Path string
	Pid  int // of the holder, as its state file says; 0 when unknown
}

func (e *LockedError) Error() string {
	who := "another acimport run"
	if e.Pid > 0 {
		who = fmt.Sprintf("another acimport run (pid %d)", e.Pid)
	}
	return fmt.Sprintf("%s is working on these files: it holds the lock on %s", who, e.Path)
}

// Acquire opens the state file at path, creating it empty when it is
// missing, and locks it; a *LockedError when another process holds it.
func Acquire(path string) (*Lock, error) {
	for range 20 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open state file: %w", err)
		}
		if err := tryLock(f); err != nil {
			f.Close()
			if errors.Is(err, errWouldBlock) {
				return nil, &LockedError{Path: path, Pid: holderPid(path)}
			}
			return nil, fmt.Errorf("lock state file %s: %w", path, err)
		}
		// The holder may have replaced or removed the file between our open
		// and our lock: then what we locked is no longer the state file.
		st, err1 := f.Stat()
		now, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(st, now) {
			return &Lock{path: path, f: f, created: st.Size() == 0}, nil
		}
		f.Close()
	}
	return nil, fmt.Errorf("lock state file %s: it keeps being replaced", path)
}

// Empty reports whether the state file held nothing when it was locked: no
// earlier run left state there.
func (l *Lock) Empty() bool { return l.created }

// Path is the locked state file.
func (l *Lock) Path() string { return l.path }

// Release gives the lock up without a Log: the file is removed if it was
// empty (created by Acquire), else kept as it was.
func (l *Lock) Release() {
	if l.f == nil {
		return
	}
	if l.created {
		if st, err := l.f.Stat(); err == nil && st.Size() == 0 {
			os.Remove(l.path)
		}
	}
	l.f.Close()
	l.f = nil
}

// holderPid reads the pid the holder recorded in its state file.
func holderPid(path string) int {
	id, _, err := Load(path)
	if err != nil {
		return 0
	}
	return id.Pid
}
