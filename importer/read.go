package importer

import (
	"context"
	"errors"
	"io"
	"slices"

	"github.com/acimport/acimport/importer/send"
	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/internal/csvio"
	"github.com/acimport/acimport/mapping"
)

// Phase 2, read: every input in turn, each row converted to a request body (a job for send) or
// rejected on the spot; rows an interrupted run finished are passed over.

// row is a row's handle on its way through the pool and back: what the
// journal needs to record it. send never looks inside.
type row struct {
	in  *input
	rec *csvio.Record // nil for statusEnd
	ord int64         // the row's position among its input's rows, 0-based
	// skipped are the columns whose cells were left out under on_invalid: skip.
	skipped []string
}

// The outcomes that the reader hands the journal itself, beside send's.
const (
	// statusFinished is the outcome of a row an interrupted run had finished above
	// its low-water mark, passed over by this run's reader: nothing to record but
	// its hash.
	statusFinished send.Status = "finished"
	// statusEnd is not a row: in has been read to the end, and has ord rows.
	statusEnd send.Status = "end"
)

// readInputs reads every input in turn: rows that cannot be parsed or converted
// go straight to the output as rejects, the rest to the pool. Rows an
// interrupted run finished (prior) are passed over without converting them.
// With items, each row is converted to a batch item rather than a request body.
func readInputs(ctx context.Context, ins []*input, prior resumeInfo, bufs *send.Pool[row], rows chan<- *send.Job[row], out chan<- send.Outcome[row], st *stats, items bool) error {
	var rg *regroup // the batches an interrupted run recorded and did not finish (exactlyonce.go)
	if prior.cp != nil {
		rg = newRegroup(prior.cp.Pending)
	}
	for i, in := range ins {
		done := prior.finished(i)
		if done.Done() {
			in.pos.Store(in.size)
			continue
		}
		var ord int64
		// Straight to the first unfinished row. An input that cannot seek is
		// read from the start, its finished rows passed over below.
		low, at := done.Low()
		if low > 0 && at.End > 0 && in.reader.SeekRecord(at.End, at.Line) == nil {
			ord = low
		}
		for ; ; ord++ {
			if ctx.Err() != nil {
				rg.abandon(out)
				return nil
			}
			rec, err := in.reader.Read()
			if errors.Is(err, io.EOF) {
				in.pos.Store(in.size)
				in.ended.Store(true)
				break
			}
			if err != nil {
				return errorf(ErrInput, "read %s: %w", in.display, err)
			}
			in.pos.Store(in.reader.Progress(rec))
			in.seen.Store(ord + 1)
			if in.prefix != nil {
				in.prefix.Mark(ord, rec.End)
			}
			if done.Finished(ord) {
				if ord >= low {
					// Finished above the low-water mark: the journal takes
					// its hash from this run's reading.
					out <- send.Outcome[row]{Row: row{in: in, rec: rec, ord: ord}, Status: statusFinished}
				}
				continue
			}
			st.read.Add(1)
			in.count.read.Add(1)
			if rec.Err != nil {
				out <- rowReject(in, rec, ord, rec.Err)
				continue
			}
			bp := bufs.Buffer()
			_, grouped := rg.slotOf(in, ord)
			body, key, skipped, err := in.binder.ConvertSkipping((*bp)[:0], rec.Fields, items || grouped)
			if err != nil {
				bufs.PutBuffer(bp)
				out <- rowReject(in, rec, ord, err)
				continue
			}
			job := &send.Job[row]{Row: row{in: in, rec: rec, ord: ord, skipped: skippedColumns(skipped)}, Body: body, Key: key}
			if !items && !grouped {
				job.ID = rowID(in, rec.Line)
			}
			if rg != nil {
				if !rg.place(in, ord, job) {
					rg.held = append(rg.held, job)
				}
				if rg.left == 0 {
					if !rg.release(ctx, rows, out) {
						return nil
					}
					rg = nil
				}
				continue
			}
			select {
			case rows <- job:
			case <-ctx.Done():
				bufs.PutBuffer(bp)
				out <- send.Outcome[row]{Row: row{in: in, rec: rec, ord: ord}, Status: send.NotSent}
				return nil
			}
		}
		out <- send.Outcome[row]{Row: row{in: in, ord: ord}, Status: statusEnd}
	}
	if rg != nil {
		rg.abandon(out)
		return rg.incomplete()
	}
	return nil
}

// csvReason is a parse error without its "line N:" prefix: the reject file
// has the line in its own column.
func csvReason(err error) string {
	var re *csvio.RowError
	if errors.As(err, &re) {
		return re.Err.Error()
	}
	return err.Error()
}

// rowReject is the reject outcome of a row refused before sending: csv when it
// could not be parsed (rec.Err), else the code of its conversion failure err.
// Import and check both word their local rejects here.
func rowReject(in *input, rec *csvio.Record, ord int64, err error) send.Outcome[row] {
	if rec.Err != nil {
		code := altcraft.RejectCSV
		if errors.Is(rec.Err, csvio.ErrCellValue) {
			code = mapping.CodeInvalidValue // a workbook's error cell (#N/A)
		}
		return send.Outcome[row]{Row: row{in: in, rec: rec, ord: ord}, Status: send.Rejected, Code: code, Reason: csvReason(rec.Err)}
	}
	o := send.Outcome[row]{Row: row{in: in, rec: rec, ord: ord}, Status: send.Rejected, Code: mapping.CodeInvalidValue, Reason: err.Error()}
	var re *mapping.RowError
	if errors.As(err, &re) {
		o.Code = re.Code
	}
	return o
}

// skippedColumns are the columns of the cells a row was sent without (on_invalid: skip), each once.
func skippedColumns(cells []mapping.CellError) []string {
	var out []string
	for _, c := range cells {
		if !slices.Contains(out, c.Column) {
			out = append(out, c.Column)
		}
	}
	return out
}
