package resume

import (
	"slices"
	"testing"
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
	again := NewTracker(NewSettled(&FileProgress{Low: 3, LowAt: at(2), Above: []Finished{{4, at(4)}}}))
	again.Finish(3, at(3), Snapshot{})
	if p := again.Progress(); p.Low != 4 || len(p.Above) != 1 || !again.Finished(4) {
		t.Errorf("restored tracker: %+v, want low 4, row 4 finished until this run's reader confirms it", p)
	}
	again.Finish(4, at(4), Snapshot{}) // the reader passed it
	if p := again.Progress(); p.Low != 5 || p.LowAt != at(4) || len(p.Above) != 0 {
		t.Errorf("restored tracker: %+v, want low 5 at %v", p, at(4))
	}
}

// Settled, the read-only view the reader and the prefix proof use, answers as
// the journal's Tracker started from it does until that tracker moves on; nil
// is a fresh run.
func TestSettled(t *testing.T) {
	at := func(o int64) RowPos { return RowPos{End: 100 * (o + 1), Line: int(o) + 3} }
	cp := &Checkpoint{Files: []FileProgress{
		{Low: 3, LowAt: at(2), LowSum: "a", Above: []Finished{{5, at(5)}}, Tip: at(5).End, TipSum: "b"},
		{Low: 7, LowAt: at(6), Done: true},
	}}
	got := Settle(cp, 3)
	if len(got) != 3 || got[2] != nil {
		t.Fatalf("Settle of 2 files for 3 inputs = %v, want the third nil", got)
	}
	for i, s := range got[:2] {
		tr := NewTracker(s)
		for ord := range int64(9) {
			if s.Finished(ord) != tr.Finished(ord) {
				t.Errorf("input %d row %d: Settled says %v, its Tracker %v", i, ord, s.Finished(ord), tr.Finished(ord))
			}
		}
		if sl, sa := s.Low(); sl != tr.low || sa != tr.lowAt {
			t.Errorf("input %d: Low %d %v, tracker %d %v", i, sl, sa, tr.low, tr.lowAt)
		}
		if s.Done() != tr.Done() {
			t.Errorf("input %d: Done %v, tracker %v", i, s.Done(), tr.Done())
		}
	}
	if cs := got[0].Checks(); !slices.Equal(cs, []Check{{End: at(2).End, Sum: "a"}, {End: at(5).End, Sum: "b"}}) {
		t.Errorf("checks %v", cs)
	}
	if n := got[0].Rows(); n != 4 {
		t.Errorf("rows %d, want 3 below the low mark and 1 above", n)
	}
	var none *Settled
	if none.Done() || none.Finished(0) || none.Rows() != 0 || none.Checks() != nil || Settle(nil, 2) != nil {
		t.Error("a nil Settled must read as nothing finished")
	}
	if l, a := none.Low(); l != 0 || a != (RowPos{}) {
		t.Error("a nil Settled has no low mark")
	}
}
