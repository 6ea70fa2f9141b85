package resume

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/acimport/acimport/internal/altcraft"
)

func TestStateLogSurvivesTornRecords(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.rejects.state")
	id := &Identity{Version: Version, Mapping: "m", Files: []FileIdent{{Path: "/in.csv", Size: 10, Head: "h"}}}
	l, err := Acquire(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Create(l, id)
	if err != nil {
		t.Fatal(err)
	}
	for low := int64(1); low <= 3; low++ {
		if err := s.Save(&Checkpoint{Files: []FileProgress{{Low: low}}, Outputs: map[string]int64{"r": low * 10}}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	full, _ := os.ReadFile(path)

	tests := []struct {
		Name    string
		Content []byte
		WantLow int64
	}{
		{Name: "intact", Content: full, WantLow: 3},
		{Name: "last record cut short", Content: full[:len(full)-7], WantLow: 2},
		{Name: "last record without its newline", Content: full[:len(full)-1], WantLow: 3},
		{Name: "garbage after the last record", Content: append(slices.Clone(full), "0000dead {\"checkpoint\":{\"files\":[{\"low\":99}]}}\n\x00\x00"...), WantLow: 3},
		{Name: "a flipped byte in the last record", Content: flip(full, len(full)-5), WantLow: 2},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			os.WriteFile(path, tc.Content, 0o600)
			gotID, cp, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if change, _ := gotID.Mismatch(id); change != Same || cp == nil || cp.Files[0].Low != tc.WantLow {
				t.Fatalf("loaded %+v %+v, want low %d", gotID, cp, tc.WantLow)
			}
		})
	}
	os.WriteFile(path, full[:5], 0o600)
	if _, _, err := Load(path); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("a state file without an intact identity: err = %v", err)
	}
}

func flip(b []byte, i int) []byte {
	c := slices.Clone(b)
	c[i] ^= 0x01
	return c
}

// The counts by reject code are written as the string-keyed map they always
// were, and read back typed.
func TestStateCountsByCode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.rejects.state")
	l, err := Acquire(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Create(l, &Identity{Version: Version, Mapping: "m"})
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[altcraft.RejectCode]int64{altcraft.RejectHTTP(502): 2, altcraft.RejectInvalidValue: 1}
	if err := s.Save(&Checkpoint{Counts: Counts{Rejected: 3, ByCode: byCode}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"by_code":{"http_502":2,"invalid_value":1}`) {
		t.Errorf("state file:\n%s", b)
	}
	_, cp, err := Load(path)
	if err != nil || cp == nil || cp.Counts.ByCode[altcraft.RejectHTTP(502)] != 2 || cp.Counts.ByCode[altcraft.RejectInvalidValue] != 1 {
		t.Errorf("loaded %+v, %v", cp, err)
	}
}

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
