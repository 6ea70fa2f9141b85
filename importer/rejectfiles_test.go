package importer

import (
	"slices"
	"testing"
)

// The reject files of a run, and its state file beside the first, from one computation.
func TestRejectFiles(t *testing.T) {
	tests := []struct {
		Name   string
		Files  []string
		Shared string
		Of     []string // each input's reject file
		All    []string
		State  string
	}{
		{Name: "beside each input", Files: []string{"d/a.csv", "b.txt", "c.csv.gz"},
			Of: []string{"d/a.rejects.csv", "b.rejects.csv", "c.rejects.csv"}, All: []string{"d/a.rejects.csv", "b.rejects.csv", "c.rejects.csv"},
			State: "d/a.rejects.state"},
		{Name: "one named for all", Files: []string{"a.csv", "b.csv"}, Shared: "out/r.csv",
			Of: []string{"out/r.csv", "out/r.csv"}, All: []string{"out/r.csv"}, State: "out/r.state"},
		{Name: "standard input with a named one", Files: []string{"-"}, Shared: "r.csv",
			Of: []string{"r.csv"}, All: []string{"r.csv"}, State: "r.state"},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			rf := newRejectFiles(tc.Files, tc.Shared)
			for i, want := range tc.Of {
				if got := rf.of(i); got != want {
					t.Errorf("of(%d) = %s, want %s", i, got, want)
				}
			}
			if got := rf.all(); !slices.Equal(got, tc.All) {
				t.Errorf("all() = %v, want %v", got, tc.All)
			}
			if got := rf.state(); got != tc.State {
				t.Errorf("state() = %s, want %s", got, tc.State)
			}
		})
	}
}
