package resume

import (
	"path/filepath"
	"strings"
	"testing"
)

// A folder sync that fails is said, not dropped: the rename it was to make durable may not last.
func TestSyncDirReturnsItsError(t *testing.T) {
	dir := t.TempDir()
	if err := SyncDir(dir); err != nil {
		t.Fatalf("SyncDir(%s): %v", dir, err)
	}
	missing := filepath.Join(dir, "gone")
	if err := SyncDir(missing); err == nil || !strings.Contains(err.Error(), "sync the folder "+missing) {
		t.Errorf("SyncDir of a missing folder: %v", err)
	}
}
