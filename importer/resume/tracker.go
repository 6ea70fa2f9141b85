package resume

import (
	"cmp"
	"slices"
)

// Tracker knows which rows of one input are finished, where the first
// unfinished one starts, and the prefix hashes that prove the finished part.
type Tracker struct {
	low    int64
	lowAt  RowPos
	lowSum string   // of the bytes before lowAt.End; "" until known
	lowSn  Snapshot // the hash state at lowAt.End, when this run hashed it
	above  map[int64]RowPos
	snaps  map[int64]Snapshot // of the rows in above; apart, as a map keeps
	done   bool               // values of over 128 bytes out of line, one allocation each

	// restored are the rows above Low an interrupted run finished: they count
	// as finished, and join above once this run's reader has passed them
	// (Confirm), so that their hashes are this run's too.
	restored map[int64]RowPos
	tip      Check // restored: where the last row finished before ends, and its hash

	read  int64 // rows the reader has read, by this run or the interrupted ones
	total int64 // rows in the input; -1 until the reader reaches its end
}

// NewTracker starts from what an interrupted run settled; nil: nothing finished.
func NewTracker(s *Settled) *Tracker {
	t := &Tracker{above: map[int64]RowPos{}, snaps: map[int64]Snapshot{}, restored: map[int64]RowPos{}, total: -1}
	if s != nil {
		p := s.p
		t.read = p.RowsRead
		if p.Ended {
			t.total = p.RowsTotal
		}
		t.low, t.lowAt, t.lowSum, t.done = p.Low, p.LowAt, p.LowSum, p.Done
		for _, f := range p.Above {
			t.restored[f.Ord] = f.At
		}
		t.tip = Check{End: p.Tip, Sum: p.TipSum}
	}
	return t
}

// Finished reports whether row ord is finished.
func (t *Tracker) Finished(ord int64) bool {
	if t.done || ord < t.low {
		return true
	}
	if _, ok := t.above[ord]; ok {
		return true
	}
	_, ok := t.restored[ord]
	return ok
}

// Finish marks row ord finished; at is where reading continues after it, and
// sn the input's hash state there.
func (t *Tracker) Finish(ord int64, at RowPos, sn Snapshot) {
	if ord < t.low {
		return
	}
	delete(t.restored, ord)
	if ord == t.low {
		// The common case, rows finishing in order: no map.
		t.low++
		t.lowAt, t.lowSn, t.lowSum = at, sn, ""
	} else {
		t.above[ord] = at
		t.snaps[ord] = sn
	}
	for len(t.above) > 0 {
		next, ok := t.above[t.low]
		if !ok {
			return
		}
		t.lowAt, t.lowSn, t.lowSum = next, t.snaps[t.low], ""
		delete(t.above, t.low)
		delete(t.snaps, t.low)
		t.low++
	}
}

// Low is the number of rows finished without a gap from the first, and LowAt
// where the first unfinished one starts.
func (t *Tracker) Low() (int64, RowPos) { return t.low, t.lowAt }

// Done reports whether the input was read to the end with every row finished.
func (t *Tracker) Done() bool { return t.done }

// Seen records that the reader has read n rows of the input.
func (t *Tracker) Seen(n int64) { t.read = max(t.read, n) }

// MarkDone records that the input has total rows; it is done once they are all finished.
func (t *Tracker) MarkDone(total int64) {
	if total >= 0 {
		t.total = total
	}
	if total >= 0 && t.low >= total && len(t.restored) == 0 {
		t.done = true
	}
}

// Progress is the tracker's part of a checkpoint.
func (t *Tracker) Progress() FileProgress {
	if t.lowSum == "" && t.lowSn.Valid() {
		t.lowSum = t.lowSn.Sum()
	}
	p := FileProgress{Low: t.low, LowAt: t.lowAt, LowSum: t.lowSum, Done: t.done, RowsRead: t.read}
	if t.total >= 0 {
		p.RowsTotal, p.Ended = t.total, true
	}
	tip, tipOrd := Check{}, int64(-1)
	for o, at := range t.above {
		p.Above = append(p.Above, Finished{Ord: o, At: at})
		if sn := t.snaps[o]; o > tipOrd && sn.Valid() {
			tip, tipOrd = Check{End: at.End}, o
		}
	}
	for o, at := range t.restored {
		p.Above = append(p.Above, Finished{Ord: o, At: at})
	}
	if tipOrd >= 0 && tip.End > t.tip.End {
		sn := t.snaps[tipOrd]
		tip.Sum = sn.Sum()
		t.tip = tip
	}
	if t.tip.End > t.lowAt.End {
		p.Tip, p.TipSum = t.tip.End, t.tip.Sum
	}
	slices.SortFunc(p.Above, func(a, b Finished) int { return cmp.Compare(a.Ord, b.Ord) })
	return p
}

// Settled is what an interrupted run finished of one input, as its last
// checkpoint says. It is made once, when the run is planned, and never changes:
// the reader consults it (where to seek, which rows to pass over) while the
// journal's Tracker, started from it, moves on. Its methods take a nil Settled
// as "nothing finished".
type Settled struct {
	p    FileProgress
	rows map[int64]bool // p.Above's ordinals
}

// Settle reads a checkpoint's progress of each of n inputs; an input the
// checkpoint does not know gets nil. A nil checkpoint (a fresh run) gives nil.
func Settle(cp *Checkpoint, n int) []*Settled {
	if cp == nil {
		return nil
	}
	out := make([]*Settled, n)
	for i := range min(n, len(cp.Files)) {
		s := &Settled{p: cp.Files[i], rows: make(map[int64]bool, len(cp.Files[i].Above))}
		for _, f := range s.p.Above {
			s.rows[f.Ord] = true
		}
		out[i] = s
	}
	return out
}

// NewSettled is Settle for one input's progress.
func NewSettled(p *FileProgress) *Settled {
	return Settle(&Checkpoint{Files: []FileProgress{*p}}, 1)[0]
}

// Done reports whether the input was finished to its end.
func (s *Settled) Done() bool { return s != nil && s.p.Done }

// Low is the number of rows finished without a gap from the first, and where
// the first unfinished one starts.
func (s *Settled) Low() (int64, RowPos) {
	if s == nil {
		return 0, RowPos{}
	}
	return s.p.Low, s.p.LowAt
}

// Finished reports whether row ord was finished.
func (s *Settled) Finished(ord int64) bool {
	return s != nil && (s.p.Done || ord < s.p.Low || s.rows[ord])
}

// Rows is how many rows were finished.
func (s *Settled) Rows() int64 {
	if s == nil {
		return 0
	}
	return s.p.Low + int64(len(s.p.Above))
}

// Checks are the prefixes a resumed run must find unchanged before it sends a
// row: up to the first unfinished row, and up to the last finished one.
func (s *Settled) Checks() []Check {
	if s == nil {
		return nil
	}
	var cs []Check
	if s.p.LowAt.End > 0 {
		cs = append(cs, Check{End: s.p.LowAt.End, Sum: s.p.LowSum})
	}
	if s.p.Tip > s.p.LowAt.End {
		cs = append(cs, Check{End: s.p.Tip, Sum: s.p.TipSum})
	}
	return cs
}

// Unfinished is how many rows of the input p's run had not finished, as far
// as p proves: exact when its reader had reached the input's end (or every
// row was finished), else at least (rows read but not finished; the rows after
// them are unknown).
func (p *FileProgress) Unfinished() (n int64, exact bool) {
	if p.Done {
		return 0, true
	}
	finished := p.Low + int64(len(p.Above))
	if p.Ended {
		return max(0, p.RowsTotal-finished), true
	}
	return max(0, p.RowsRead-finished), false
}
