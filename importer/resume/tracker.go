package resume

import (
	"cmp"
	"slices"
)

// Tracker knows which rows of one input are finished, and where the first
// unfinished one starts.
type Tracker struct {
	low   int64
	lowAt RowPos
	above map[int64]RowPos
	done  bool
}

// NewTracker starts from p, an interrupted run's progress; nil: nothing finished.
func NewTracker(p *FileProgress) *Tracker {
	t := &Tracker{above: map[int64]RowPos{}}
	if p != nil {
		t.low, t.lowAt, t.done = p.Low, p.LowAt, p.Done
		for _, f := range p.Above {
			t.above[f.Ord] = f.At
		}
	}
	return t
}

// Finished reports whether row ord is finished.
func (t *Tracker) Finished(ord int64) bool {
	if t.done || ord < t.low {
		return true
	}
	_, ok := t.above[ord]
	return ok
}

// Finish marks row ord finished; at is where reading continues after it.
func (t *Tracker) Finish(ord int64, at RowPos) {
	if ord < t.low {
		return
	}
	t.above[ord] = at
	for {
		next, ok := t.above[t.low]
		if !ok {
			return
		}
		delete(t.above, t.low)
		t.low++
		t.lowAt = next
	}
}

// Low is the number of rows finished without a gap from the first, and LowAt
// where the first unfinished one starts.
func (t *Tracker) Low() (int64, RowPos) { return t.low, t.lowAt }

// Done reports whether the input was read to the end with every row finished.
func (t *Tracker) Done() bool { return t.done }

// MarkDone records that the input has total rows; it is done once they are all finished.
func (t *Tracker) MarkDone(total int64) {
	if total >= 0 && t.low >= total {
		t.done = true
	}
}

// Progress is the tracker's part of a checkpoint.
func (t *Tracker) Progress() FileProgress {
	p := FileProgress{Low: t.low, LowAt: t.lowAt, Done: t.done}
	for o, at := range t.above {
		p.Above = append(p.Above, Finished{Ord: o, At: at})
	}
	slices.SortFunc(p.Above, func(a, b Finished) int { return cmp.Compare(a.Ord, b.Ord) })
	return p
}
