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

	"github.com/acimport/acimport/importer/altcraft"
	"github.com/acimport/acimport/importer/csvio"
	"github.com/acimport/acimport/mapping"
)

// CheckReport is what `acimport check` found.
type CheckReport struct {
	Rows    int64
	Valid   int64
	Invalid int64
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
}

// Check reads and converts every row of every input without sending anything,
// and writes a report to w: problems per column with examples, and the first
// request bodies. Only run-wide failures are errors; invalid rows are counted.
//
// Rows are converted on every core; the report is the same as a serial pass
// would write, problems and examples in file order.
func Check(ctx context.Context, m *mapping.Mapping, files []string, stdin io.Reader, w io.Writer) (*CheckReport, error) {
	return check(ctx, m, files, stdin, w, runtime.GOMAXPROCS(0))
}

// checkBatch is how many rows travel together between the reader, the
// converters and the tally: enough that the hand-offs cost little per row.
const checkBatch = 512

// batch is a run of consecutive rows of one input, and what became of them.
type batch struct {
	seq  int64
	in   *input
	recs []*csvio.Record
	// Filled in by a converter: bad rows' failures, and the bodies of the
	// first valid rows (a batch keeps no more than the report can show).
	bad     []badRow
	samples [][]byte
	err     error // a failure of the whole input, after recs; ends the check
}

// checkConvertHook, when set (tests), is called by a converter before it
// works on a batch.
var checkConvertHook func(seq int64)

// badRow is an invalid row: a csv error, or the conversion error.
type badRow struct {
	rec *csvio.Record
	err error
}

func check(ctx context.Context, m *mapping.Mapping, files []string, stdin io.Reader, w io.Writer, workers int) (*CheckReport, error) {
	ins, err := openInputs(files, stdin, m)
	if err != nil {
		return nil, err
	}
	defer closeInputs(ins)
	workers = max(workers, 1)

	// The reader feeds batches to the converters in order; the tally takes
	// them back in the same order, whatever order the converters finish in.
	// window bounds the batches between the reader and the tally: without
	// it, a converter the OS leaves waiting would let the others pile up
	// finished batches behind it, and memory would grow with the wait.
	todo := make(chan *batch, workers)
	done := make(chan *batch, workers)
	window := make(chan struct{}, 4*workers)
	free := sync.Pool{New: func() any { return &batch{recs: make([]*csvio.Record, 0, checkBatch)} }}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(todo)
		var seq int64
		send := func(b *batch) bool {
			b.seq = seq
			seq++
			select {
			case window <- struct{}{}:
			case <-stop:
				return false
			}
			select {
			case todo <- b:
				return true
			case <-stop:
				return false
			}
		}
		for _, in := range ins {
			fmt.Fprintf(w, "%s: encoding %s, delimiter %s, %d columns\n", in.display, in.reader.Encoding(), delimName(in.reader.Comma()), len(in.reader.Header()))
			for {
				b := free.Get().(*batch)
				b.in = in
				for len(b.recs) < checkBatch && ctx.Err() == nil {
					rec, err := in.reader.Read()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.err = errorf(ErrInput, "read %s: %w", in.display, err)
						break
					}
					b.recs = append(b.recs, rec)
				}
				if ctx.Err() != nil && b.err == nil {
					b.err = ErrInterrupted
				}
				// Once sent, the batch is the converters': decide before.
				full, failed := len(b.recs) == checkBatch, b.err != nil
				if !send(b) || failed {
					return
				}
				if !full {
					break
				}
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for b := range todo {
				if checkConvertHook != nil {
					checkConvertHook(b.seq)
				}
				for _, rec := range b.recs {
					if rec.Err != nil {
						b.bad = append(b.bad, badRow{rec: rec, err: rec.Err})
						continue
					}
					body, _, err := b.in.binder.Convert(buf[:0], rec.Fields)
					if err != nil {
						b.bad = append(b.bad, badRow{rec: rec, err: err})
						continue
					}
					buf = body
					if len(b.samples) < checkSamples {
						b.samples = append(b.samples, bytes.Clone(body))
					}
				}
				select {
				case done <- b:
				case <-stop:
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(done)
	}()

	t := newTally()
	pending := map[int64]*batch{}
	var next int64
	var runErr error
	for b := range done {
		pending[b.seq] = b
		for runErr == nil {
			b := pending[next]
			if b == nil {
				break
			}
			delete(pending, next)
			next++
			<-window
			t.add(b)
			runErr = b.err
			clear(b.recs)
			clear(b.bad)
			*b = batch{recs: b.recs[:0], bad: b.bad[:0]}
			free.Put(b)
		}
		if runErr != nil {
			break
		}
	}
	if runErr != nil {
		return t.rep, runErr
	}
	t.write(w)
	return t.rep, nil
}

// tally is the report being built, from batches taken in file order.
type tally struct {
	rep      *CheckReport
	problems map[string]*problem
	order    []string
	samples  [][]byte
}

func newTally() *tally {
	return &tally{rep: &CheckReport{}, problems: map[string]*problem{}}
}

func (t *tally) note(key, label, example string) {
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
}

func (t *tally) add(b *batch) {
	n := int64(len(b.recs))
	t.rep.Rows += n
	t.rep.Invalid += int64(len(b.bad))
	t.rep.Valid += n - int64(len(b.bad))
	for _, s := range b.samples {
		if len(t.samples) < checkSamples {
			t.samples = append(t.samples, s)
		}
	}
	for _, r := range b.bad {
		where := b.in.display + ":" + strconv.Itoa(r.rec.Line)
		if r.rec.Err != nil {
			t.note("csv", "rows that cannot be parsed (csv)", fmt.Sprintf("%s: %s", where, csvReason(r.rec.Err)))
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
			t.note("col:"+c.Column, fmt.Sprintf("column %q", c.Column), fmt.Sprintf("%s: %q — %s", where, c.Value, c.Reason))
		}
	}
}

func (t *tally) write(w io.Writer) {
	rep := t.rep
	fmt.Fprintf(w, "\n%d rows: %d valid, %d invalid\n", rep.Rows, rep.Valid, rep.Invalid)
	sort.SliceStable(t.order, func(i, j int) bool { return t.problems[t.order[i]].count > t.problems[t.order[j]].count })
	for _, k := range t.order {
		p := t.problems[k]
		fmt.Fprintf(w, "\n%s: %d\n", p.label, p.count)
		for _, ex := range p.examples {
			fmt.Fprintf(w, "  %s\n", ex)
		}
	}
	for i, s := range t.samples {
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, s, "  ", "  "); err != nil {
			pretty.Write(s)
		}
		fmt.Fprintf(w, "\nrequest %d: POST %s (token in the Authorization header, not shown)\n  %s\n", i+1, altcraft.MethodImport.Path(), pretty.String())
	}
}
