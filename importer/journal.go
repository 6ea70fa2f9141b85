package importer

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gocarina/gocsv"

	"github.com/acimport/acimport/importer/resume"
	"github.com/acimport/acimport/importer/send"
)

// Phase 4, record: the journal, the one goroutine that writes the output files (reject files,
// the results log, the state file), checkpointing as outcomes come back from send (phase 3,
// importer/send).

// A checkpoint covers at most checkpointRows outcomes and waits at most
// checkpointEvery: under load an fsync is shared by a checkpoint's rows, and a
// crash can cost at most a checkpoint's rows sent again.
const (
	checkpointRows  = 256
	checkpointEvery = 10 * time.Millisecond
)

// journal is the one goroutine that writes the run's output files: reject
// files, the results log and the state file. A row counts as finished in the
// state file only after its reject line (if any) is on disk, so that after a
// crash at any instant a resumed run neither loses nor repeats a reject.
type journal struct {
	ins        []*input
	sinks      []*rejectSink
	results    *resultsFile // nil without --results
	state      *resume.Log  // nil when the run cannot be resumed (stdin)
	trackers   []*resume.Tracker
	totals     []int64 // rows in each input; -1 until it is read to the end
	st         *stats
	maxRejects int
	halt       func(error)
	err        error       // the first write error; afterwards rows are no longer marked finished
	unsent     []resultRow // the rows left unsent, for the end of the results log
	// notes are the batches to record before they are sent (exactlyonce.go); open counts the
	// batches whose outcomes have begun to come and not ended: no checkpoint until it is 0.
	notes chan batchNote
	open  int
	// nonIdempotent: the mapping's changes are not harmless twice; a row retried after an
	// ambiguous failure is then in doubt.
	nonIdempotent bool
}

func newJournal(ins []*input, sinks []*rejectSink, results *resultsFile, state *resume.Log, prior resumeInfo, st *stats) *journal {
	j := &journal{ins: ins, sinks: sinks, results: results, state: state, st: st, notes: make(chan batchNote)}
	for i := range ins {
		j.trackers = append(j.trackers, resume.NewTracker(prior.finished(i)))
		j.totals = append(j.totals, -1)
	}
	return j
}

// consume records outcomes until the channel closes, checkpointing as it goes,
// and returns the first write error.
func (j *journal) consume(outcomes <-chan send.Outcome[row]) error {
	timer := time.NewTimer(checkpointEvery)
	timer.Stop()
	defer timer.Stop()
	pending, due := 0, false
	for {
		select {
		case o, ok := <-outcomes:
			if !ok {
				j.checkpoint()
				j.writeUnsent()
				return j.err
			}
			j.record(o)
			j.trackBatch(o)
			if pending++; pending == 1 {
				timer.Reset(checkpointEvery)
			}
			if (pending < checkpointRows && !due) || j.open > 0 {
				continue
			}
			timer.Stop()
		case <-timer.C:
			if j.open > 0 {
				due = true // once the batch's outcomes are all in
				continue
			}
		case n := <-j.notes:
			j.noteBatches(n)
			continue
		}
		j.checkpoint()
		pending, due = 0, false
	}
}

func (j *journal) record(o send.Outcome[row]) {
	in, rec, ord := o.Row.in, o.Row.rec, o.Row.ord
	idx := in.idx
	switch o.Status {
	case statusEnd:
		j.totals[idx] = ord
		return
	case send.Imported:
		j.st.imported.Add(1)
		in.count.imported.Add(1)
		j.st.skip(o.Row.skipped)
	case send.Rejected:
		if j.err == nil {
			if err := in.reject.w.Write(rec, string(o.Code), o.Reason); err != nil {
				j.fail(fmt.Errorf("write reject file %s: %w", in.reject.path, err))
			}
			in.reject.dirty = true
		}
		j.st.reject(o.Code)
		in.count.rejected.Add(1)
		if j.maxRejects > 0 && j.st.rejectedTotal() > int64(j.maxRejects) {
			j.halt(errorf(ErrTooManyRejects, "more than %d rows rejected (--max-rejects %d); rows already in flight were still settled, so the reject file %s may hold a few more",
				j.maxRejects, j.maxRejects, in.reject.path))
		}
	case send.NotSent:
		j.st.unsent.Add(1)
		in.count.unsent.Add(1)
		if j.results != nil && rec != nil {
			j.unsent = append(j.unsent, resultRow{File: in.display, Line: rec.Line, Status: string(o.Status), Attempts: o.Attempts})
		}
		return
	case statusFinished:
		if j.err == nil && in.prefix != nil {
			j.trackers[idx].Finish(ord, resume.RowPos{End: rec.End, Line: rec.NextLine}, in.prefix.Take(ord))
		}
		return
	}
	doubt := ""
	if o.Doubt && j.nonIdempotent {
		j.st.inDoubt.Add(1)
		doubt = "yes"
	}
	if j.err != nil {
		return
	}
	var sn resume.Snapshot
	if in.prefix != nil {
		sn = in.prefix.Take(ord)
	}
	j.trackers[idx].Finish(ord, resume.RowPos{End: rec.End, Line: rec.NextLine}, sn)
	if j.results != nil {
		j.results.add(resultRow{File: in.display, Line: rec.Line, Status: string(o.Status), ProfileID: o.ProfileID, Code: string(o.Code), Attempts: o.Attempts,
			Skipped: strings.Join(o.Row.skipped, "; "), InDoubt: doubt})
	}
}

// writeUnsent ends the results log with a line for each row left unsent,
// after the last checkpoint: a resumed run cuts them off with the rest of
// what followed it, and writes those rows' real outcomes instead.
func (j *journal) writeUnsent() {
	if j.results == nil || len(j.unsent) == 0 || j.err != nil {
		return
	}
	slices.SortFunc(j.unsent, func(a, b resultRow) int { return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line)) })
	j.results.pending = append(j.results.pending[:0], j.unsent...)
	if err := j.results.flush(); err != nil {
		j.err = err
	}
}

func (j *journal) fail(err error) {
	if j.err == nil {
		j.err = err
		j.halt(err)
	}
}

// checkpoint makes everything recorded so far durable: output files first,
// then the state that says those rows are finished.
func (j *journal) checkpoint() {
	if j.err != nil {
		return
	}
	durable := j.state != nil
	outputs := map[string]int64{}
	if r := j.results; r != nil {
		if len(r.pending) > 0 || r.empty {
			if err := r.flush(); err != nil {
				j.fail(err)
				return
			}
			size, err := syncedSize(r.f, durable)
			if err != nil {
				j.fail(fmt.Errorf("results file %s: %w", r.path, err))
				return
			}
			r.size = size
		}
		outputs[r.path] = r.size
	}
	for _, s := range j.sinks {
		// Only a file that changed is flushed and synced: most batches of a
		// healthy run reject nothing, and an fsync costs.
		if s.dirty || !s.flushed {
			if err := s.w.Flush(); err != nil {
				j.fail(fmt.Errorf("write reject file %s: %w", s.path, err))
				return
			}
			s.dirty, s.flushed = false, true
			size, err := syncedSize(s.file, durable)
			if err != nil {
				j.fail(fmt.Errorf("reject file %s: %w", s.path, err))
				return
			}
			s.size = size
		}
		outputs[s.path] = s.size
	}
	if !durable {
		return
	}
	cp := &resume.Checkpoint{Outputs: outputs, Counts: j.counts()}
	for i, t := range j.trackers {
		t.Seen(j.ins[i].seen.Load())
		t.MarkDone(j.totals[i])
		cp.Files = append(cp.Files, t.Progress())
	}
	if err := j.state.Save(cp); err != nil {
		j.fail(err)
	}
}

// counts are the finished rows' counters, for the summary of a resumed run:
// the whole import's, but for the rows read and not yet settled.
func (j *journal) counts() resume.Counts {
	c := j.st.whole()
	c.Read = c.Imported + c.Rejected
	return c
}

// syncedSize is a file's length, after an fsync when durable.
func syncedSize(f interface {
	Sync() error
	Seek(int64, int) (int64, error)
}, durable bool) (int64, error) {
	if durable {
		if err := f.Sync(); err != nil {
			return 0, err
		}
	}
	n, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, fmt.Errorf("cannot tell its length: %w", err)
	}
	return n, nil
}

// resultRow is one line of the --results log: what became of one input row.
type resultRow struct {
	File      string `csv:"file"`
	Line      int    `csv:"line"`
	Status    string `csv:"status"`
	ProfileID string `csv:"profile_id"`
	Code      string `csv:"code"`
	Attempts  int    `csv:"attempts"`
	// Skipped names the columns whose cells the row was imported without (on_invalid: skip),
	// separated by "; ".
	Skipped string `csv:"skipped"`
	// InDoubt is "yes" for a row that may have been applied twice: a non-idempotent change
	// retried after an ambiguous failure, and not answered as a replay (README, "Exactly once").
	InDoubt string `csv:"in_doubt"`
}

// resultsFile is the --results log. The journal owns it and writes it in
// steps, a checkpoint's rows at a time, so that its length can be recorded at each checkpoint.
type resultsFile struct {
	path    string
	f       *os.File
	w       *gocsv.SafeCSVWriter
	pending []resultRow
	empty   bool  // no header yet
	size    int64 // length at the last checkpoint
}

func (r *resultsFile) add(row resultRow) { r.pending = append(r.pending, row) }

// flush writes the pending rows (with the header first, once).
func (r *resultsFile) flush() error {
	if len(r.pending) == 0 && !r.empty {
		return nil
	}
	var err error
	if r.empty {
		err = gocsv.MarshalCSV(r.pending, r.w)
		r.empty = false
	} else {
		err = gocsv.MarshalCSVWithoutHeaders(r.pending, r.w)
	}
	clear(r.pending)
	r.pending = r.pending[:0]
	if err != nil {
		return fmt.Errorf("write results file %s: %w", r.path, err)
	}
	return nil
}
