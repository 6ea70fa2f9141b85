package resume

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// A batch recorded before it was sent is pending until a checkpoint shows all
// its rows finished; Load returns the pending ones, in order, and a compaction
// (the log rewritten) keeps them.
func TestBatchRecordsPendingUntilFinished(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.state")
	l, err := Acquire(path)
	if err != nil {
		t.Fatal(err)
	}
	id := &Identity{Version: Version, Mapping: "m", ImportID: NewImportID()}
	s, err := Create(l, id)
	if err != nil {
		t.Fatal(err)
	}
	a := &Batch{ID: id.ImportID + "-0-2+2", Rows: []BatchRow{{0, 0}, {0, 1}}}
	b := &Batch{ID: id.ImportID + "-0-4+2", Rows: []BatchRow{{0, 2}, {1, 0}}}
	c := &Batch{ID: id.ImportID + "-1-3+1", Rows: []BatchRow{{1, 1}}}
	for _, x := range []*Batch{a, b, c} {
		if err := s.AppendBatch(x); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	// Before any checkpoint: all three pending.
	got, cp, err := Load(path)
	if err != nil || got.ImportID != id.ImportID {
		t.Fatalf("Load: %v, import id %q", err, got.ImportID)
	}
	if cp == nil || !reflect.DeepEqual(cp.Pending, []*Batch{a, b, c}) {
		t.Fatalf("pending before a checkpoint: %+v", cp)
	}
	// a finished (below low), c finished above low; b not.
	cp = &Checkpoint{Files: []FileProgress{{Low: 2}, {Low: 0, Above: []Finished{{Ord: 1}}}}}
	if err := s.Save(cp); err != nil {
		t.Fatal(err)
	}
	_, cp2, err := Load(path)
	if err != nil || !reflect.DeepEqual(cp2.Pending, []*Batch{b}) {
		t.Fatalf("pending after a checkpoint: %+v (%v)", cp2.Pending, err)
	}
	if err := s.rewrite(cp); err != nil { // a compaction
		t.Fatal(err)
	}
	_, cp3, err := Load(path)
	if err != nil || !reflect.DeepEqual(cp3.Pending, []*Batch{b}) {
		t.Fatalf("pending after a compaction: %+v (%v)", cp3.Pending, err)
	}
	s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}
