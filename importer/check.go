package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/internal/csvio"
	"github.com/acimport/acimport/mapping"
)

// CheckReport is what `acimport check` found.
type CheckReport struct {
	Rows    int64
	Valid   int64
	Invalid int64
	// SkippedValues counts, by column, the cells valid rows would be imported without
	// (on_invalid: skip); nil when there are none.
	SkippedValues map[string]int64
}

// checkExamples is how many examples each problem shows.
const checkExamples = 3

// checkSamples is how many request bodies the report shows.
const checkSamples = 3

// problem tallies one kind of problem: a column's invalid values, unparsable rows, missing keys.
type problem struct {
	label    string
	count    int64
	examples []string
	// A date column's format and a sample of its failing values.
	format string
	dates  []string
}

// CheckConfig is one check: the inputs, and where the findings go. The zero value of each
// optional field is documented.
type CheckConfig struct {
	Mapping *mapping.Mapping
	Files   []string  // paths; "-" is Stdin
	Stdin   io.Reader // read for "-"
	Report  io.Writer // the report; nil discards it
	Stderr  io.Writer // the progress display; nil discards it; any writer (Check writes it under one lock)

	Progress ProgressMode
	// RejectPath, when not "", receives every invalid row in the reject file's form (the
	// input's header and rows, then reject_line, reject_code, reject_reason), so that the
	// rows can be fixed and checked again. "": no reject file.
	RejectPath string
	// Workers is how many goroutines convert rows; 0: one per core.
	Workers int

	convertHook func(seq int64) // tests: called by a converter before it works on a chunk
}

// Check reads and converts every row of every input without sending anything,
// and writes a report: each input's encoding and delimiter, the first request
// bodies, problems per column with examples, and the totals as its last lines
// (one line per input when there are several). Only run-wide failures are
// errors; invalid rows are counted, and written to cfg.RejectPath.
//
// Rows are converted on every core; the report is the same as a serial pass
// would write, problems and examples in file order.
func Check(ctx context.Context, cfg CheckConfig) (*CheckReport, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Report == nil {
		cfg.Report = io.Discard
	}
	cfg.Stderr = lockWriter(cfg.Stderr)
	return check(ctx, cfg)
}

// chunkRows is how many rows travel together between the reader, the
// converters and the tally: enough that the hand-offs cost little per row.
const chunkRows = 512

// chunk is a run of consecutive rows of one input, and what became of them.
type chunk struct {
	seq int64
	in  *input
	// The rows, read into the records of the chunk's last use (ReadInto):
	// check allocates no record, field slice or text a row.
	recs []csvio.Record
	// Filled in by a converter: bad rows' failures, and the bodies of the
	// first valid rows (a chunk keeps no more than the report can show).
	bad     []badRow
	skipped []badCell // cells left out under on_invalid: skip, of valid rows
	samples [][]byte
	err     error // a failure of the whole input, after recs; ends the check
}

// badCell is a cell a valid row is sent without (on_invalid: skip).
type badCell struct {
	rec  *csvio.Record
	cell mapping.CellError
}

// badRow is an invalid row: a csv error, or the conversion error.
type badRow struct {
	rec *csvio.Record
	err error
}

func check(ctx context.Context, cfg CheckConfig) (rep *CheckReport, err error) {
	ins, err := openInputs(cfg.Files, cfg.Stdin, cfg.Mapping)
	if err != nil {
		return nil, err
	}
	defer closeInputs(ins)
	w := cfg.Report
	for _, in := range ins {
		fmt.Fprintf(w, "%s: encoding %s, delimiter %s, %d columns\n", in.display, encodingText(in.reader), delimName(in.reader.Comma()), len(in.reader.Header()))
	}
	var sink *rejectSink
	if cfg.RejectPath != "" {
		sinks, err := openRejects(ins, cfg.RejectPath, nil, w)
		if err != nil {
			return nil, err
		}
		sink = sinks[0]
		defer func() {
			if cerr := sink.close(); cerr != nil && err == nil {
				err = cerr
			}
		}()
	}
	workers := max(cfg.Workers, 1)
	t := newTally(ins, cfg.Mapping.Mode.Method(false))
	prog := startProgress(cfg.Progress, cfg.Stderr, progressSource{
		ins: ins, counts: t.progress, okWord: "valid", badWord: "invalid",
	})

	f := newCheckFlow(workers)
	var wg sync.WaitGroup
	// Every goroutine is done before check returns, whatever way it returns.
	finish := sync.OnceFunc(func() {
		close(f.stop)
		wg.Wait()
		prog.stop()
	})
	defer finish()
	wg.Go(func() { f.read(ctx, ins, &t.read) })
	var converters sync.WaitGroup
	for range workers {
		converters.Go(func() { f.convert(cfg.convertHook) })
	}
	wg.Go(func() {
		converters.Wait()
		close(f.done)
	})
	if err := f.tally(t, sink); err != nil {
		return t.rep, err
	}
	// The last frame of the progress display is the report's totals: end it before them.
	finish()
	t.write(w, sink)
	return t.rep, nil
}

// checkFlow carries chunks from check's reader through its converters to its
// tally. The reader hands chunks to the converters in order; the tally takes
// them back in the same order, whatever order the converters finish in.
type checkFlow struct {
	todo, done chan *chunk
	// window bounds the chunks between the reader and the tally: without
	// it, a converter the OS leaves waiting would let the others pile up
	// finished chunks behind it, and memory would grow with the wait.
	window chan struct{}
	free   sync.Pool     // chunks the tally is done with
	stop   chan struct{} // closed when check returns: every goroutine gives up
}

func newCheckFlow(workers int) *checkFlow {
	f := &checkFlow{
		todo:   make(chan *chunk, workers),
		done:   make(chan *chunk, workers),
		window: make(chan struct{}, 4*workers),
		stop:   make(chan struct{}),
	}
	f.free.New = func() any { return &chunk{recs: make([]csvio.Record, 0, chunkRows)} }
	return f
}

// read is check's reader: it cuts the inputs into chunks, in file order,
// and hands them to the converters, until the inputs end, one fails, ctx is
// done or check stops. It adds the rows it reads to *rows.
func (f *checkFlow) read(ctx context.Context, ins []*input, rows *atomic.Int64) {
	defer close(f.todo)
	var seq int64
	for _, in := range ins {
		for {
			c := f.free.Get().(*chunk)
			c.in, c.seq = in, seq
			seq++
			fillChunk(ctx, c)
			rows.Add(int64(len(c.recs)))
			// Once sent, the chunk is the converters': decide before.
			full, failed := len(c.recs) == chunkRows, c.err != nil
			if !f.send(c) || failed {
				return
			}
			if !full {
				break
			}
		}
	}
}

// fillChunk reads up to chunkRows rows of c's input into c. c.err is set
// when the input fails, or ctx is done.
func fillChunk(ctx context.Context, c *chunk) {
	in := c.in
	for n := len(c.recs); n < chunkRows && ctx.Err() == nil; n++ {
		// The record at n is one this chunk held before, if any: its memory is reused.
		rec := &c.recs[:n+1][n]
		err := in.reader.ReadInto(rec)
		if errors.Is(err, io.EOF) {
			in.pos.Store(in.size)
			break
		}
		if err != nil {
			c.err = errorf(ErrInput, "read %s: %w", in.display, err)
			break
		}
		in.pos.Store(in.reader.Progress(rec))
		c.recs = c.recs[:n+1]
	}
	if ctx.Err() != nil && c.err == nil {
		c.err = ErrInterrupted
	}
}

// send hands c to the converters once the window has room for it; false
// when check stops first.
func (f *checkFlow) send(c *chunk) bool {
	select {
	case f.window <- struct{}{}:
	case <-f.stop:
		return false
	}
	select {
	case f.todo <- c:
		return true
	case <-f.stop:
		return false
	}
}

// convert is one of check's converters: it converts the rows of each chunk
// it takes and passes the chunk on to the tally. hook, when not nil, is
// called with each chunk's seq first (tests).
func (f *checkFlow) convert(hook func(seq int64)) {
	var buf []byte
	for c := range f.todo {
		if hook != nil {
			hook(c.seq)
		}
		buf = convertChunk(c, buf)
		select {
		case f.done <- c:
		case <-f.stop:
			return
		}
	}
}

// convertChunk converts the rows of c, noting the bad ones and keeping the
// bodies of the first valid ones. buf is the converter's scratch, returned
// for its next chunk.
func convertChunk(c *chunk, buf []byte) []byte {
	for i := range c.recs {
		rec := &c.recs[i]
		if rec.Err != nil {
			c.bad = append(c.bad, badRow{rec: rec, err: rec.Err})
			continue
		}
		body, _, skipped, err := c.in.binder.ConvertSkipping(buf[:0], rec.Fields, false)
		if err != nil {
			c.bad = append(c.bad, badRow{rec: rec, err: err})
			continue
		}
		for _, cell := range skipped {
			c.skipped = append(c.skipped, badCell{rec: rec, cell: cell})
		}
		buf = body
		if len(c.samples) < checkSamples {
			c.samples = append(c.samples, bytes.Clone(body))
		}
	}
	return buf
}

// tally takes the converted chunks back in file order and adds them to t,
// writing their bad rows to sink when there is one. It stops at the first
// failure, of an input or of the reject file, or at ErrInterrupted, and
// returns it.
func (f *checkFlow) tally(t *tally, sink *rejectSink) error {
	pending := map[int64]*chunk{}
	var next int64
	for c := range f.done {
		pending[c.seq] = c
		for {
			c := pending[next]
			if c == nil {
				break
			}
			delete(pending, next)
			next++
			<-f.window
			t.add(c)
			err := writeRejects(sink, c)
			if err == nil {
				err = c.err
			}
			f.recycle(c)
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// writeRejects writes the bad rows of c to sink, if there is one. Each row is
// tried; the error is the last write's that failed.
func writeRejects(sink *rejectSink, c *chunk) (err error) {
	if sink == nil {
		return nil
	}
	for _, r := range c.bad {
		o := rowReject(c.in, r.rec, 0, r.err)
		if werr := sink.w.Write(r.rec, string(o.Code), o.Reason); werr != nil {
			err = fmt.Errorf("write reject file %s: %w", sink.path, werr)
		}
	}
	return err
}

// recycle gives c back for the reader to fill again. Its records are kept,
// not cleared: the next rows are read into their memory.
func (f *checkFlow) recycle(c *chunk) {
	clear(c.bad)
	clear(c.skipped)
	*c = chunk{recs: c.recs[:0], bad: c.bad[:0], skipped: c.skipped[:0]}
	f.free.Put(c)
}

// tally is the report being built, from chunks taken in file order.
type tally struct {
	ins      []*input
	rep      *CheckReport
	perFile  []CheckReport // by input
	problems map[string]*problem
	order    []string
	// skips are the cells left out under on_invalid: skip, by column: apart from the problems,
	// since their rows are valid.
	skips     map[string]*problem
	skipOrder []string
	samples   [][]byte
	method    altcraft.Method // the samples are sent to
	// The progress display reads these from its own goroutine.
	read, valid, invalid atomic.Int64
}

// dateSample is how many failing values of a date column the report keeps to suggest the
// format they fit.
const dateSample = 1000

func newTally(ins []*input, method altcraft.Method) *tally {
	return &tally{ins: ins, rep: &CheckReport{}, perFile: make([]CheckReport, len(ins)), problems: map[string]*problem{}, method: method}
}

func (t *tally) progress() progressCounts {
	return progressCounts{read: t.read.Load(), ok: t.valid.Load(), bad: t.invalid.Load()}
}

func (t *tally) note(key, label, example string) *problem {
	p := t.problems[key]
	if p == nil {
		p = &problem{label: label}
		t.problems[key] = p
		t.order = append(t.order, key)
	}
	p.count++
	if len(p.examples) < checkExamples {
		p.examples = append(p.examples, example)
	}
	return p
}

func (t *tally) add(c *chunk) {
	n, bad := int64(len(c.recs)), int64(len(c.bad))
	for _, r := range []*CheckReport{t.rep, &t.perFile[c.in.idx]} {
		r.Rows += n
		r.Invalid += bad
		r.Valid += n - bad
	}
	t.valid.Add(n - bad)
	t.invalid.Add(bad)
	for _, s := range c.samples {
		if len(t.samples) < checkSamples {
			t.samples = append(t.samples, s)
		}
	}
	for _, sc := range c.skipped {
		col := sc.cell.Column
		if t.rep.SkippedValues == nil {
			t.rep.SkippedValues = map[string]int64{}
			t.skips = map[string]*problem{}
		}
		t.rep.SkippedValues[col]++
		p := t.skips[col]
		if p == nil {
			p = &problem{label: fmt.Sprintf("column %q", col)}
			t.skips[col] = p
			t.skipOrder = append(t.skipOrder, col)
		}
		p.count++
		if len(p.examples) < checkExamples {
			p.examples = append(p.examples, fmt.Sprintf("%s:%d: %q — %s", c.in.display, sc.rec.Line, sc.cell.Value, sc.cell.Reason))
		}
	}
	for _, r := range c.bad {
		where := c.in.display + ":" + strconv.Itoa(r.rec.Line)
		if r.rec.Sheet != "" && r.rec.SourceLine == 0 {
			where = c.in.display + ":" + r.rec.Position() // a workbook's Sheet!row
		}
		if errors.Is(r.rec.Err, csvio.ErrCellValue) {
			t.note("cell-error", "error cells of the workbook (invalid_value)", fmt.Sprintf("%s: %s", where, csvReason(r.rec.Err)))
			continue
		}
		if r.rec.Err != nil {
			t.note(string(altcraft.RejectCSV), "rows that cannot be parsed (csv)", fmt.Sprintf("%s: %s", where, csvReason(r.rec.Err)))
			continue
		}
		var re *mapping.RowError
		if !errors.As(r.err, &re) {
			t.note("?", "other", fmt.Sprintf("%s: %v", where, r.err))
			continue
		}
		if re.Code == mapping.CodeMissingKey {
			t.note("key", "rows without a matching key (missing_key)", fmt.Sprintf("%s: %v", where, re))
			continue
		}
		for _, c := range re.Cells {
			p := t.note("col:"+c.Column, fmt.Sprintf("column %q", c.Column), fmt.Sprintf("%s: %q — %s", where, c.Value, c.Reason))
			if c.Format != "" {
				p.format = c.Format
				if len(p.dates) < dateSample {
					p.dates = append(p.dates, c.Value)
				}
			}
		}
	}
}

// write writes the report: the request bodies, the problems, and last the totals, so that
// they are what a terminal shows at the end.
func (t *tally) write(w io.Writer, sink *rejectSink) {
	for i, s := range t.samples {
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, s, "  ", "  "); err != nil {
			pretty.Write(s)
		}
		fmt.Fprintf(w, "\nrequest %d: POST %s (the token goes in the body and in the Authorization header; not shown)\n  %s\n", i+1, t.method.Path(), pretty.String())
	}
	sort.SliceStable(t.order, func(i, j int) bool { return t.problems[t.order[i]].count > t.problems[t.order[j]].count })
	for _, k := range t.order {
		p := t.problems[k]
		fmt.Fprintf(w, "\n%s: %d\n", p.label, p.count)
		for _, ex := range p.examples {
			fmt.Fprintf(w, "  %s\n", ex)
		}
		if hint := p.dateHint(); hint != "" {
			fmt.Fprintf(w, "  %s\n", hint)
		}
	}
	if len(t.skipOrder) > 0 {
		fmt.Fprintf(w, "\nvalues left out under on_invalid: skip (their rows are valid and are imported without them):\n")
		for _, col := range t.skipOrder {
			p := t.skips[col]
			fmt.Fprintf(w, "  %s: %d\n", p.label, p.count)
			for _, ex := range p.examples {
				fmt.Fprintf(w, "    %s\n", ex)
			}
		}
	}
	fmt.Fprintln(w)
	if len(t.ins) > 1 {
		for i, in := range t.ins {
			r := t.perFile[i]
			fmt.Fprintf(w, "%s: %d rows: %d valid, %d invalid\n", in.display, r.Rows, r.Valid, r.Invalid)
		}
		fmt.Fprint(w, "total: ")
	}
	fmt.Fprintf(w, "%d rows: %d valid, %d invalid", t.rep.Rows, t.rep.Valid, t.rep.Invalid)
	if n := sumCounts(t.rep.SkippedValues); n > 0 {
		fmt.Fprintf(w, "; %d values left out (on_invalid: skip)", n)
	}
	fmt.Fprintln(w)
	if sink != nil {
		fmt.Fprintf(w, "the invalid rows are in %s, in the reject file's form: fix them there and check it again\n", sink.path)
	}
}

// dateHint suggests the format a date column's failing values fit, when they fit one.
func (p *problem) dateHint() string {
	g, ok := mapping.GuessDateFormat(p.dates)
	if !ok || g.Format == p.format || float64(g.Fits) < 0.9*float64(len(p.dates)) {
		return ""
	}
	also := ""
	if g.Ambiguous != "" {
		also = fmt.Sprintf(" (or %s: no day above 12 tells them apart)", g.Ambiguous)
	}
	return fmt.Sprintf("the column looks like %s%s, not %s: set format: %q in the mapping (%d of the %d values that failed fit it)",
		g.Format, also, p.format, g.Format, g.Fits, len(p.dates))
}

func sumCounts(m map[string]int64) (n int64) {
	for _, v := range m {
		n += v
	}
	return n
}
