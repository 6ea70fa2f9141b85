package resume

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

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
