package resume

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// OpenOutput opens an output file of the run: created afresh when size < 0,
// else (a resumed run) cut back to size and positioned at its end, dropping
// whatever was written after the last checkpoint.
func OpenOutput(path string, size int64) (*os.File, error) {
	flags := os.O_CREATE | os.O_WRONLY
	if size < 0 {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return nil, err
	}
	// The file holds customers' data: readable by the user only, even if an
	// older file of that name was not.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, err
	}
	if size < 0 {
		return f, nil
	}
	st, err := f.Stat()
	if err == nil && st.Size() < size {
		err = fmt.Errorf("%s is shorter (%d bytes) than when the run was interrupted (%d bytes): it was changed; restore it or start over", path, st.Size(), size)
	}
	if err == nil {
		err = f.Truncate(size)
	}
	if err == nil {
		_, err = f.Seek(size, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// SyncDir makes a rename or removal in dir durable. A file system that cannot
// sync a folder at all (EINVAL, ENOTSUP) is no error: there is nothing more to
// do there; any other failure is returned, since the rename may not last.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync the folder %s: %w", dir, err)
	}
	err = d.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		err = nil
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync the folder %s: %w", dir, err)
	}
	return nil
}
