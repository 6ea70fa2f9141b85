package importer

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/acimport/acimport/importer/resume"
	"github.com/acimport/acimport/importer/send"
)

// Exactly once (README, "Exactly once"): every request carries an id — the
// platform's deduplication key — made of the import's id and the request's
// place in the inputs, so that it is the same on every retry and on the
// re-send after --resume, and new for a new import:
//
//	one row:  <import id>-<input>-<line>           e.g. 3f09c2d1a4b5e6f7-0-1234
//	a batch:  <import id>-<input>-<line>+<rows>    its first row's input and line
//
// <input> is the input's position among the run's inputs (0-based), <line> the
// row's line in it. A row is in one request only (a batch an interrupted run
// recorded is re-sent as it was, never re-formed), so no two requests of an
// import share an id.

// chooseImportID gives the run its import id: the interrupted run's when it
// continues one, else a new one; the state keeps it.
func (r *run) chooseImportID() {
	id := ""
	if p := r.prior.plan; p != nil && r.prior.cp != nil && p.Saved != nil {
		id = p.Saved.ImportID
	}
	if id == "" {
		id = resume.NewImportID()
	}
	r.importID = id
	if r.prior.id != nil {
		r.prior.id.ImportID = id
	}
	for _, in := range r.ins {
		in.reqPrefix = id + "-" + strconv.Itoa(in.idx) + "-"
	}
}

// rowID is the request id of a row sent alone.
func rowID(in *input, line int) string {
	return in.reqPrefix + strconv.Itoa(line)
}

// batchID is the request id of a batch of rows.
func batchID(rows []row) string {
	return rows[0].in.reqPrefix + strconv.Itoa(rows[0].rec.Line) + "+" + strconv.Itoa(len(rows))
}

// batchNote asks the journal, the state log's one writer, to record a batch
// before it is sent; done hears when it is durable.
type batchNote struct {
	b    *resume.Batch
	done chan error
}

// recordBatch is the pool's RecordBatches: it has the journal record the
// batch of rows in the state log, durably, and returns the batch's id. A run
// that keeps no state (standard input) records nothing.
func (r *run) recordBatch(jr *journal) func(rows []row) (string, error) {
	return func(rows []row) (string, error) {
		id := batchID(rows)
		if r.state == nil {
			return id, nil
		}
		b := &resume.Batch{ID: id, Rows: make([]resume.BatchRow, len(rows))}
		for i, rw := range rows {
			b.Rows[i] = resume.BatchRow{Input: rw.in.idx, Ord: rw.ord}
		}
		done := make(chan error, 1)
		jr.notes <- batchNote{b: b, done: done}
		return id, <-done
	}
}

// noteBatches records n and whatever other batches are waiting, with one
// fsync for them all, and answers each.
func (j *journal) noteBatches(n batchNote) {
	notes := []batchNote{n}
	for more := true; more; {
		select {
		case m := <-j.notes:
			notes = append(notes, m)
		default:
			more = false
		}
	}
	err := j.err
	for _, m := range notes {
		if err == nil {
			err = j.state.AppendBatch(m.b)
		}
	}
	if err == nil {
		err = j.state.Sync()
	}
	if err != nil && j.err == nil {
		j.fail(err)
	}
	for _, m := range notes {
		m.done <- err
	}
}

// trackBatch keeps count of the batch requests whose outcomes have begun to
// come and not ended: a checkpoint waits until there are none, so that it
// never shows a batch half finished — a batch is pending (re-sent whole on
// --resume) or finished, and its rows are never below the low-water mark the
// resumed run seeks to.
func (j *journal) trackBatch(o send.Outcome[row]) {
	if o.BatchRows <= 1 {
		return
	}
	if o.Left == o.BatchRows-1 {
		j.open++
	}
	if o.Left == 0 {
		j.open--
	}
}

// regroup re-forms, as the reader reads their rows, the batches an
// interrupted run recorded and did not finish (Checkpoint.Pending). Until the
// last of their rows is read, the other unsent rows read are held back; then
// the batches go, one after the other in the order they were recorded (rows
// with the same key keep their order), and once they are settled the rows held
// back follow, and reading goes on as usual. Held back are at most the rows
// that were in flight or waiting at the interruption.
type regroup struct {
	at     map[resume.BatchRow]slot
	groups []*send.Job[row]
	left   int // rows of the groups not yet read
	held   []*send.Job[row]
	sent   chan struct{}
}

type slot struct{ group, pos int }

func newRegroup(pending []*resume.Batch) *regroup {
	if len(pending) == 0 {
		return nil
	}
	g := &regroup{at: map[resume.BatchRow]slot{}, sent: make(chan struct{}, len(pending))}
	for gi, b := range pending {
		job := &send.Job[row]{ID: b.ID, Batch: make([]*send.Job[row], len(b.Rows)), Sent: func() { g.sent <- struct{}{} }}
		for pos, r := range b.Rows {
			g.at[r] = slot{gi, pos}
		}
		g.left += len(b.Rows)
		g.groups = append(g.groups, job)
	}
	return g
}

// slotOf is where row ord of in goes in a recorded batch; false when in none
// (or g is nil).
func (g *regroup) slotOf(in *input, ord int64) (slot, bool) {
	if g == nil {
		return slot{}, false
	}
	s, ok := g.at[resume.BatchRow{Input: in.idx, Ord: ord}]
	return s, ok
}

// place takes a row of a recorded batch into it; false when the row is in none.
func (g *regroup) place(in *input, ord int64, j *send.Job[row]) bool {
	s, ok := g.at[resume.BatchRow{Input: in.idx, Ord: ord}]
	if !ok {
		return false
	}
	g.groups[s.group].Batch[s.pos] = j
	g.left--
	return true
}

// release sends the re-formed batches, waits until they are settled, then
// sends the rows held back. false when the run stopped first: what was not
// sent is answered not sent.
func (g *regroup) release(ctx context.Context, rows chan<- *send.Job[row], out chan<- send.Outcome[row]) bool {
	unsent := func(js []*send.Job[row]) {
		for _, j := range js {
			out <- send.Outcome[row]{Row: j.Row, Status: send.NotSent}
		}
	}
	for i, gj := range g.groups {
		select {
		case rows <- gj:
		case <-ctx.Done():
			for _, rest := range g.groups[i:] {
				unsent(rest.Batch)
			}
			unsent(g.held)
			return false
		}
	}
	for range g.groups {
		select {
		case <-g.sent:
		case <-ctx.Done():
			unsent(g.held)
			return false
		}
	}
	for i, j := range g.held {
		select {
		case rows <- j:
		case <-ctx.Done():
			unsent(g.held[i:])
			return false
		}
	}
	return true
}

// abandon answers every row taken and not sent "not sent": the run stopped
// while the recorded batches were being re-formed. g may be nil.
func (g *regroup) abandon(out chan<- send.Outcome[row]) {
	if g == nil {
		return
	}
	for _, gj := range g.groups {
		for _, j := range gj.Batch {
			if j != nil {
				out <- send.Outcome[row]{Row: j.Row, Status: send.NotSent}
			}
		}
	}
	for _, j := range g.held {
		out <- send.Outcome[row]{Row: j.Row, Status: send.NotSent}
	}
}

// incomplete is the error for batches whose rows the inputs no longer have.
func (g *regroup) incomplete() error {
	return errorf(ErrInput, "the state file records %d batches sent before the interruption whose rows (%d of them) the inputs no longer hold: they cannot be re-sent as they were", len(g.groups), g.left)
}

// requests is "1 request", "2 requests".
func requests(n int64) string {
	if n == 1 {
		return "1 request"
	}
	return fmt.Sprintf("%d requests", n)
}

// printExactlyOnce adds the replayed answers and the rows in doubt to the
// human summary, when there are any, with what they mean.
func (s *Summary) printExactlyOnce(w io.Writer) {
	if s.Replayed > 0 {
		fmt.Fprintf(w, "  replayed  %d  (answers from the platform's deduplication store: it had already applied those requests, once; their rows count as imported)\n", s.Replayed)
	}
	if s.InDoubt == 0 {
		return
	}
	where := "run with --results FILE to have them listed"
	if s.results != "" {
		where = fmt.Sprintf("they are marked in_doubt=yes in %s", s.results)
	}
	fmt.Fprintf(w, "  in doubt  %d  rows whose change is not harmless twice (incr, list add/delete, mode add) were sent again after a request "+
		"got no answer, and the platform did not answer the retry as a replay: if its deduplication of requests is off, "+
		"these rows may have been applied twice. Check their values on the platform (%s).\n", s.InDoubt, where)
}
