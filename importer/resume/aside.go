package resume

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// MoveAside renames the file at path to "<name>.<YYYYMMDD-HHMMSS><ext>", the
// time being the file's last change, so that a new run never destroys what an
// earlier one left; another "-N" is added when that name is taken. It returns
// the new name.
func MoveAside(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	ext := filepath.Ext(path)
	base := strings.TrimSuffix(path, ext) + "." + st.ModTime().Format("20060102-150405")
	for n := 1; n < 1000; n++ {
		to := base + ext
		if n > 1 {
			to = fmt.Sprintf("%s-%d%s", base, n, ext)
		}
		if _, err := os.Lstat(to); !errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := os.Rename(path, to); err != nil {
			return "", fmt.Errorf("move %s aside: %w", path, err)
		}
		SyncDir(filepath.Dir(path))
		return to, nil
	}
	return "", fmt.Errorf("move %s aside: too many earlier copies beside it", path)
}
