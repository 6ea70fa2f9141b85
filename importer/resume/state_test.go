package resume

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/acimport/acimport/internal/altcraft"
)

func TestTracker(t *testing.T) {
	tr := NewTracker(nil)
	at := func(o int64) RowPos { return RowPos{End: 100 * (o + 1), Line: int(o) + 3} }
	for _, o := range []int64{2, 0, 4, 1} {
		tr.Finish(o, at(o), Snapshot{})
	}
	if p := tr.Progress(); p.Low != 3 || p.LowAt != at(2) || !slices.Equal(p.Above, []Finished{{4, at(4)}}) {
		t.Fatalf("progress %+v, want low 3 at %v, above [4]", p, at(2))
	}
	for o, want := range map[int64]bool{0: true, 2: true, 3: false, 4: true, 5: false} {
		if got := tr.Finished(o); got != want {
			t.Errorf("finished(%d) = %v, want %v", o, got, want)
		}
	}
	again := NewTracker(&FileProgress{Low: 3, LowAt: at(2), Above: []Finished{{4, at(4)}}})
	again.Finish(3, at(3), Snapshot{})
	if p := again.Progress(); p.Low != 4 || len(p.Above) != 1 || !again.Finished(4) {
		t.Errorf("restored tracker: %+v, want low 4, row 4 finished until this run's reader confirms it", p)
	}
	again.Finish(4, at(4), Snapshot{}) // the reader passed it
	if p := again.Progress(); p.Low != 5 || p.LowAt != at(4) || len(p.Above) != 0 {
		t.Errorf("restored tracker: %+v, want low 5 at %v", p, at(4))
	}
}

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

// A refusal says what changed as a value, and keeps a damaged state file's
// error as an error, not only as its text.
func TestRefusalCause(t *testing.T) {
	dir := t.TempDir()
	id := &Identity{Version: Version, Mapping: "m", Files: []FileIdent{{Path: "/in.csv", Size: 10, Head: "h"}}}
	state := func(t *testing.T, saved *Identity) string {
		path := filepath.Join(t.TempDir(), "x.rejects.state")
		l, err := Acquire(path)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Create(l, saved)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		return path
	}
	other := func(change func(*Identity)) *Identity {
		c := *id
		c.Files = slices.Clone(id.Files)
		change(&c)
		return &c
	}
	tests := []struct {
		Name    string
		Saved   *Identity
		Changed Change
	}{
		{Name: "version", Saved: other(func(c *Identity) { c.Version++ }), Changed: ChangedVersion},
		{Name: "input size", Saved: other(func(c *Identity) { c.Files[0].Size++ }), Changed: ChangedInputs},
		{Name: "input path", Saved: other(func(c *Identity) { c.Files[0].Path = "/mapping.csv" }), Changed: ChangedInputs},
		{Name: "mapping", Saved: other(func(c *Identity) { c.Mapping = "n" }), Changed: ChangedMapping},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			_, err := Prepare(state(t, tc.Saved), nil, id, Resume)
			var rf *Refusal
			if !errors.As(err, &rf) || rf.Kind != Mismatch || rf.Changed != tc.Changed || rf.Why == "" || rf.Err != nil {
				t.Fatalf("err = %#v, want a Mismatch refusal with Changed %d", err, tc.Changed)
			}
		})
	}
	damaged := filepath.Join(dir, "d.rejects.state")
	os.WriteFile(damaged, []byte("0000dead {}\n"), 0o600)
	_, err := Prepare(damaged, nil, id, Resume)
	var rf *Refusal
	if !errors.As(err, &rf) || rf.Err == nil || rf.Why != rf.Err.Error() || rf.Changed != Same || !errors.Is(err, rf.Err) {
		t.Fatalf("damaged state: err = %#v, want a refusal keeping Load's error", err)
	}
}
