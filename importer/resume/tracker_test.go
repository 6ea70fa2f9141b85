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
