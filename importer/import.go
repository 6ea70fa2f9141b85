// Package importer runs an import: it reads CSV inputs, converts each row with
// a mapping, sends one profile import request per row through a paced worker
// pool, and writes every row that fails to a reject file.
package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/acimport/acimport/importer/csvio"
	"github.com/acimport/acimport/mapping"
)

// Config is one import run. The zero value of each optional field is documented.
type Config struct {
	Mapping *mapping.Mapping
	Files   []string  // paths; "-" is Stdin
	Stdin   io.Reader // read for "-"
	Stderr  io.Writer // progress, notices and the summary; nil discards them

	URL   string // platform base URL, e.g. https://example.com
	Token string // the API token; sent only in the Authorization header

	Rate       float64       // requests per second for the whole run; 0: no limit
	Workers    int           // requests in flight; 0: 8
	Retries    int           // retries of a transient failure; negative: 0
	Timeout    time.Duration // per request; 0: 30s
	MaxRejects int           // stop once more rows than this are rejected; negative: no limit

	RejectPath  string // one reject file for all inputs; "": <input>.rejects.csv beside each
	ResultsPath string // per-row results log; "": none
	SummaryPath string // JSON summary; "": none

	Progress ProgressMode

	// HTTPClient replaces the default client (tests); its Timeout is set from Timeout.
	HTTPClient *http.Client

	backoff backoff // zero: defaultBackoff (tests shorten it)
	downRun int     // zero: default; consecutive transient failures that stop the run
}

func (c *Config) defaults() {
	if c.Workers <= 0 {
		c.Workers = 8
	}
	if c.Retries < 0 {
		c.Retries = 0
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Stderr == nil {
		c.Stderr = io.Discard
	}
	if c.backoff.base == 0 {
		c.backoff = defaultBackoff
	}
	if c.downRun == 0 {
		// Enough that bad luck with a flaky API never trips it, few enough that a
		// dead one is noticed within a couple of minutes of backoff.
		c.downRun = max(50, 4*c.Workers)
	}
}

// Import runs the import. It returns the summary whenever rows were read, and an
// error when the run did not finish: ErrInterrupted, ErrTooManyRejects, an
// *APIError or *APIDownError, or an input, mapping or I/O failure. A finished run
// with rejected rows returns a nil error; Summary.Rejected tells.
func Import(ctx context.Context, cfg Config) (*Summary, error) {
	cfg.defaults()
	if cfg.Mapping == nil {
		return nil, fmt.Errorf("%w: no mapping", ErrUsage)
	}
	if cfg.URL == "" {
		return nil, fmt.Errorf("%w: no platform URL: give --url or set ALTCRAFT_URL (or use --sandbox to rehearse)", ErrUsage)
	}
	if cfg.Token == "" {
		return nil, fmt.Errorf("%w: no API token: set ALTCRAFT_TOKEN or give --token-file", ErrUsage)
	}
	if cfg.RejectPath == "" && slices.Contains(cfg.Files, "-") {
		return nil, fmt.Errorf("%w: reading standard input needs --reject FILE for the rows that fail", ErrUsage)
	}
	ins, err := openInputs(cfg.Files, cfg.Stdin, cfg.Mapping)
	if err != nil {
		return nil, err
	}
	defer closeInputs(ins)
	noticeFormats(cfg.Stderr, ins, cfg.Mapping.CSV)
	sinks, err := openRejects(ins, cfg.RejectPath)
	if err != nil {
		return nil, err
	}
	defer closeSinks(sinks)
	var results *resultsLog
	if cfg.ResultsPath != "" {
		if results, err = openResults(cfg.ResultsPath); err != nil {
			return nil, err
		}
	}

	start := time.Now()
	st := newStats()
	stopCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	var stopOnce sync.Once
	var runErr error
	halt := func(err error) {
		stopOnce.Do(func() { runErr = err; stop(err) })
	}

	p := &pool{
		client:   NewClient(cfg.URL, cfg.Token, cfg.Workers, cfg.Timeout, cfg.HTTPClient),
		pacer:    newPacer(cfg.Rate, nil),
		workers:  cfg.Workers,
		retries:  cfg.Retries,
		backoff:  cfg.backoff,
		downRun:  cfg.downRun,
		stop:     halt,
		bodyPool: &sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }},
		send:     context.WithoutCancel(ctx),
	}
	prog := startProgress(cfg.Progress, cfg.Stderr, ins, st, p.pacer)

	rows := make(chan *job, cfg.Workers)
	outcomes := make(chan outcome, 4*cfg.Workers)
	var readErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(rows)
		if err := readInputs(stopCtx, ins, p.bodyPool, rows, outcomes, st); err != nil {
			readErr = err
			halt(err)
		}
	}()
	go func() {
		defer wg.Done()
		st.unsent.Add(p.run(stopCtx, rows, outcomes))
	}()
	outDone := make(chan error, 1)
	go func() { outDone <- writeOutcomes(outcomes, results, st, cfg.MaxRejects, halt) }()
	wg.Wait()
	close(outcomes)
	outErr := <-outDone
	prog.stop()

	if err := flushSinks(sinks); err != nil && outErr == nil {
		outErr = err
	}
	if results != nil {
		if err := results.close(); err != nil && outErr == nil {
			outErr = err
		}
	}

	sum := st.summary(ins, sinks, time.Since(start), p)
	if lost := sum.RowsRead - sum.Imported - sum.Rejected - sum.NotSent; lost != 0 && outErr == nil {
		// Never expected; if it happens the user must know rather than trust the run.
		outErr = fmt.Errorf("internal error: %d rows read but neither imported, rejected nor left unsent", lost)
	}
	switch {
	case outErr != nil:
		err = outErr
	case readErr != nil:
		err = readErr
	case runErr != nil:
		err = runErr
	case ctx.Err() != nil:
		err = ErrInterrupted
	}
	if err != nil {
		sum.Stopped = err.Error()
	}
	sum.print(cfg.Stderr)
	if cfg.SummaryPath != "" {
		if werr := sum.writeJSON(cfg.SummaryPath); werr != nil && err == nil {
			err = werr
		}
	}
	return sum, err
}

// readInputs reads every input in turn: rows that cannot be parsed or converted
// go straight to the output as rejects, the rest to the pool.
func readInputs(ctx context.Context, ins []*input, bufs *sync.Pool, rows chan<- *job, out chan<- outcome, st *stats) error {
	for _, in := range ins {
		for {
			if ctx.Err() != nil {
				return nil
			}
			rec, err := in.reader.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("%w: read %s: %w", ErrInput, in.display, err)
			}
			st.read.Add(1)
			if rec.Err != nil {
				out <- outcome{in: in, rec: rec, status: statusRejected, code: "csv", reason: rec.Err.Error()}
				continue
			}
			bp := bufs.Get().(*[]byte)
			body, key, err := in.binder.Convert((*bp)[:0], rec.Fields)
			if err != nil {
				bufs.Put(bp)
				out <- rowReject(in, rec, err)
				continue
			}
			select {
			case rows <- &job{in: in, rec: rec, body: body, key: key}:
			case <-ctx.Done():
				st.unsent.Add(1)
				return nil
			}
		}
	}
	return nil
}

// rowReject turns a conversion failure into a reject outcome.
func rowReject(in *input, rec *csvio.Record, err error) outcome {
	o := outcome{in: in, rec: rec, status: statusRejected, code: mapping.CodeInvalidValue, reason: err.Error()}
	var re *mapping.RowError
	if errors.As(err, &re) {
		o.code = re.Code
	}
	return o
}

// writeOutcomes is the one goroutine that writes reject files and feeds the results log.
func writeOutcomes(outcomes <-chan outcome, results *resultsLog, st *stats, maxRejects int, halt func(error)) error {
	var firstErr error
	for o := range outcomes {
		switch o.status {
		case statusImported:
			st.imported.Add(1)
		case statusRejected:
			if firstErr == nil {
				if err := o.in.reject.w.Write(o.rec, o.code, o.reason); err != nil {
					firstErr = fmt.Errorf("write reject file %s: %w", o.in.reject.path, err)
					halt(firstErr)
				}
			}
			o.in.reject.rows++
			st.reject(o.code)
			if maxRejects >= 0 && st.rejected.Load() > int64(maxRejects) {
				halt(fmt.Errorf("%w: more than %d rows rejected (--max-rejects); see %s", ErrTooManyRejects, maxRejects, o.in.reject.path))
			}
		case statusUnsent:
			st.unsent.Add(1)
			continue
		}
		if results != nil {
			results.add(resultRow{File: o.in.display, Line: o.rec.Line, Status: o.status, ProfileID: o.profileID, Code: o.code, Attempts: o.attempts})
		}
	}
	return firstErr
}

func flushSinks(sinks []*rejectSink) error {
	var errs []error
	for _, s := range sinks {
		if err := s.w.Flush(); err != nil {
			errs = append(errs, fmt.Errorf("write reject file %s: %w", s.path, err))
		}
		if err := s.file.Sync(); err != nil {
			errs = append(errs, fmt.Errorf("sync reject file %s: %w", s.path, err))
		}
	}
	return errors.Join(errs...)
}

// noticeFormats says which encoding and delimiter were detected when the
// mapping asked for "auto": a wrong guess must be visible before it matters.
func noticeFormats(w io.Writer, ins []*input, opt mapping.CSVOptions) {
	if opt.Encoding != "auto" && opt.Delimiter != "auto" {
		return
	}
	for _, in := range ins {
		fmt.Fprintf(w, "%s: encoding %s, delimiter %s\n", in.display, in.reader.Encoding(), delimName(in.reader.Comma()))
	}
}

func delimName(r rune) string {
	if r == '\t' {
		return "tab"
	}
	return fmt.Sprintf("%q", r)
}
