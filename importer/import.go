// Package importer runs an import: it reads CSV inputs, converts each row with
// a mapping, sends one profile import request per row through a paced worker
// pool, and writes every row that fails to a reject file.
package importer

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/acimport/acimport/importer/resume"
	"github.com/acimport/acimport/importer/send"
	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/internal/csvio"
	"github.com/acimport/acimport/mapping"
)

// Config is one import run. The zero value of each optional field is documented.
type Config struct {
	Mapping *mapping.Mapping
	Files   []string  // paths; "-" is Stdin
	Stdin   io.Reader // read for "-"
	// Stderr receives progress, notices and the summary; nil discards them. The run's
	// goroutines write to it through one lock that Import holds, so any io.Writer will do
	// (a bytes.Buffer too); a writer that Import's caller also writes to during the run
	// needs its own lock.
	Stderr io.Writer

	URL   string // platform base URL, e.g. https://example.com
	Token string // the API token; sent in the body as "token" and in the Authorization header, never logged

	Rate       float64       // requests per second for the whole run; 0: no limit
	Workers    int           // requests in flight; 0: 8
	Retries    int           // retries of a transient failure; negative: 0
	Timeout    time.Duration // per request; 0: 30s
	MaxRejects int           // stop once more rows than this are rejected; 0: no limit
	// Batch is the most rows a request carries, through the *_batch method of the mapping's mode
	// (Mapping.CheckBatch must allow it); 0 or 1: one request per row.
	Batch int

	RejectPath  string // one reject file for all inputs; "": <input>.rejects.csv beside each
	ResultsPath string // per-row results log; "": none
	SummaryPath string // JSON summary; "": none

	Progress ProgressMode

	// Resume continues the interrupted run of the same inputs and mapping
	// (Mapping.Digest) from its state file, sending only the rows it had not finished.
	Resume bool
	// AutoResume (--resume=auto, for cron) resumes when an unfinished run of
	// the same inputs and mapping left its state, and otherwise starts over,
	// first moving the old state and reject file aside. Resume is then ignored.
	AutoResume bool
	// Commands are the command lines that messages advise, built by the caller;
	// the zero value words them as "the same command …".
	Commands Commands

	// InsecureHTTP allows a plain http URL to a host other than this machine.
	InsecureHTTP bool
	// RootCAs, when not nil, replace the system's trusted CAs (see LoadCAFile).
	RootCAs *x509.CertPool

	// Sender, when not nil, replaces the API client (tests and benchmarks).
	Sender altcraft.Sender

	// OutageWait is how long a run waits for an API that stopped answering
	// mid-run before it stops (resumable); 0: 5 minutes.
	OutageWait time.Duration

	// tuning holds the retry and outage timings that tests shorten (zero: the production ones).
	tuning send.Tuning
	// noPrefixHash leaves the inputs unhashed, so that a benchmark can tell
	// what proving the finished part (resume.Prefix) costs a row; such a
	// state cannot be resumed.
	noPrefixHash bool
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
	c.Stderr = lockWriter(c.Stderr)
}

// Import runs the import. It returns the summary whenever rows were read, and an
// error when the run did not finish: ErrInterrupted, ErrTooManyRejects, an
// *altcraft.APIError, *send.OutageError or *send.APIDownError, or an input, mapping or I/O failure. A finished run
// with rejected rows returns a nil error; Summary.Rejected tells.
//
// Unless an input is standard input, the run keeps a state file beside its
// (first) reject file; with cfg.Resume it continues the interrupted run that
// left it, sending only the rows not yet finished.
//
// A run has three phases: open (check everything and open every file, before
// the first request), execute (read, send, record), finish (settle the state
// file and account for the run).
func Import(ctx context.Context, cfg Config) (*Summary, error) {
	cfg.defaults()
	if err := cfg.validate(); err != nil {
		return nil, writeRefusedSummary(cfg, err)
	}
	r, err := open(cfg)
	if err != nil {
		return nil, writeRefusedSummary(cfg, err)
	}
	defer r.close()
	ex := r.execute(ctx)
	return r.finish(ctx, ex)
}

// lockedWriter serialises the writes of the run's goroutines to a writer the
// caller passed, which need not be safe for concurrent use.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// lockWriter is w made safe for the run's goroutines; nil becomes io.Discard.
func lockWriter(w io.Writer) io.Writer {
	switch w.(type) {
	case nil:
		return io.Discard
	case *lockedWriter:
		return w
	}
	return &lockedWriter{w: w}
}

// run is one import between its phases: what open prepared.
type run struct {
	cfg     Config
	res     resumeInfo
	client  altcraft.Sender
	ins     []*input
	rejects rejectFiles
	sinks   []*rejectSink
	results *resultsFile // nil without --results
	state   *resume.Log  // nil when the run keeps no state (stdin)
}

// open checks the run against its state file and opens the inputs and outputs.
func open(cfg Config) (_ *run, err error) {
	r := &run{cfg: cfg}
	defer func() {
		if err != nil {
			r.close()
		}
	}()
	r.rejects = newRejectFiles(cfg.Files, cfg.RejectPath)
	if r.res, err = prepareResume(cfg, r.rejects); err != nil {
		return nil, err
	}
	if r.client = cfg.Sender; r.client == nil {
		c, err := altcraft.NewClient(altcraft.Options{URL: cfg.URL, Token: cfg.Token, Workers: cfg.Workers, Timeout: cfg.Timeout, RootCAs: cfg.RootCAs})
		if err != nil {
			return nil, Mark(ErrUsage, err)
		}
		r.client = c
	}
	if r.ins, err = openInputsHashed(cfg.Files, cfg.Stdin, cfg.Mapping, r.res.plan != nil && !cfg.noPrefixHash); err != nil {
		return nil, err
	}
	if err = r.verifyPrefixes(); err != nil {
		return nil, err
	}
	noticeFormats(cfg.Stderr, r.ins, cfg.Mapping.CSV)
	if r.sinks, err = openRejectFiles(r.ins, r.rejects, r.res.cp, cfg.Stderr); err != nil {
		return nil, err
	}
	if cfg.ResultsPath != "" {
		size := int64(-1)
		if r.res.cp != nil {
			size = r.res.cp.Outputs[cfg.ResultsPath]
		}
		if r.results, err = openResults(cfg.ResultsPath, size); err != nil {
			return nil, err
		}
	}
	if p := r.res.plan; p != nil {
		if r.res.cp != nil {
			r.state, err = resume.Continue(p.Lock, r.res.id, r.res.cp)
		} else {
			r.state, err = resume.Create(p.Lock, r.res.id)
		}
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

// close closes what open opened; the state file is settled by finish, and the
// output files, whose errors count, by closeOutputs.
func (r *run) close() {
	if r.res.plan != nil {
		r.res.plan.Lock.Release() // unless the state log took it over
	}
	closeInputs(r.ins)
	r.closeOutputs()
}

// closeOutputs closes the reject files and the results log, once, and returns
// the first error: a file whose close failed may not hold what was written.
func (r *run) closeOutputs() error {
	var first error
	for _, s := range r.sinks {
		if err := s.file.Close(); err != nil && first == nil {
			first = fmt.Errorf("close the reject file %s: %w", s.path, err)
		}
	}
	r.sinks = nil
	if r.results != nil {
		if err := r.results.f.Close(); err != nil && first == nil {
			first = fmt.Errorf("close the results file %s: %w", r.results.path, err)
		}
		r.results = nil
	}
	return first
}

// executed is what the execute phase leaves for finish.
type executed struct {
	st      *stats
	elapsed time.Duration
	resumed bool  // the run continued an interrupted one
	outErr  error // writing the output files
	readErr error // reading the inputs
	runErr  error // what stopped the run: an API error, too many rejects, ...
}

// execute reads, sends and records until every row is settled or the run stops.
// The reader, the pool and the journal each run in their own goroutines; the
// journal alone writes the output files.
func (r *run) execute(ctx context.Context) executed {
	cfg, cp := r.cfg, r.res.cp
	start := time.Now()
	ex := executed{st: newStats()}
	if cp != nil {
		ex.st.restore(cp.Counts)
		ex.resumed = true
	}
	stopCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	var stopOnce sync.Once
	halt := func(err error) {
		stopOnce.Do(func() { ex.runErr = err; stop(err) })
	}

	var batchHead []byte
	if cfg.Batch > 1 {
		batchHead = r.ins[0].binder.BatchHead() // the mapping's: the same for every input
	}
	p := send.New[row](send.Options{
		Client:      r.client,
		Method:      cfg.Mapping.Mode.Method(false),
		BatchMethod: cfg.Mapping.Mode.Method(true),
		BatchHead:   batchHead,
		BatchTail:   []byte(mapping.BatchTail),
		Batch:       cfg.Batch,
		Workers:     cfg.Workers,
		Retries:     cfg.Retries,
		Rate:        cfg.Rate,
		OutageWait:  cfg.OutageWait,
		Log:         func(line string) { fmt.Fprintln(cfg.Stderr, line) },
		OnStop:      halt,
		Tuning:      cfg.tuning,
	})
	ex.st.sent = p
	jr := newJournal(r.ins, r.sinks, r.results, r.state, cp, ex.st)
	jr.maxRejects, jr.halt = cfg.MaxRejects, halt
	skip := make([]*resume.Tracker, len(r.ins)) // read-only copies: the journal owns its own trackers
	for i := range r.ins {
		if cp != nil && i < len(cp.Files) {
			skip[i] = resume.NewTracker(&cp.Files[i])
		}
	}
	startLine(cfg.Stderr, cfg, r.ins, string(cfg.Mapping.Mode.Method(cfg.Batch > 1)))
	prog := startProgress(cfg.Progress, cfg.Stderr, progressSource{
		ins: r.ins, counts: ex.st.progress, okWord: "imported", badWord: "rejected", limit: p.Limit,
		rate: cfg.Rate, batch: cfg.Batch, interrupted: ctx.Done(), timeout: cfg.Timeout,
	})

	rows := make(chan *send.Job[row], cfg.Workers)
	outcomes := make(chan send.Outcome[row], 4*cfg.Workers)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(rows)
		if err := readInputs(stopCtx, r.ins, skip, p, rows, outcomes, ex.st, cfg.Batch > 1); err != nil {
			ex.readErr = err
			halt(err)
		}
	}()
	go func() {
		defer wg.Done()
		// OnStop has halted the run already, the moment the pool stopped.
		if err := p.Run(stopCtx, rows, outcomes); err != nil {
			halt(err)
		}
	}()
	outDone := make(chan error, 1)
	go func() { outDone <- jr.run(outcomes) }()
	wg.Wait()
	close(outcomes)
	ex.outErr = <-outDone
	prog.stop()
	ex.elapsed = time.Since(start)
	return ex
}

// finish settles the state file (removed when the run finished, kept for
// --resume when it did not), then prints and writes the summary.
func (r *run) finish(ctx context.Context, ex executed) (*Summary, error) {
	cfg := r.cfg
	sum := ex.st.summary(r.ins, r.sinks, ex.elapsed)
	sum.Resumed = ex.resumed
	outErr := ex.outErr
	if lost := sum.RowsRead - sum.Imported - sum.Rejected - sum.NotSent; lost != 0 && outErr == nil {
		// Never expected; if it happens the user must know rather than trust the run.
		outErr = fmt.Errorf("internal error: %d rows read but neither imported, rejected nor left unsent", lost)
	}
	if cerr := r.closeOutputs(); cerr != nil && outErr == nil {
		outErr = cerr
	}
	var err error
	switch {
	case outErr != nil:
		err = outErr
	case ex.readErr != nil:
		err = ex.readErr
	case ex.runErr != nil:
		err = ex.runErr
	case ctx.Err() != nil:
		err = ErrInterrupted
	}
	if r.state != nil {
		switch {
		case err == nil:
			if rerr := r.state.Remove(); rerr != nil {
				err = rerr
			}
		case r.res.cp == nil && sum.Imported == 0:
			// Nothing imported (a wrong token, db_id or certificate): no state
			// to resume, so the fix can be followed by the same command, even
			// when the fix is to the mapping. Rows rejected on the way are read
			// again then, and their reject file, kept, is moved aside.
			if rerr := r.state.Remove(); rerr != nil {
				err = errors.Join(err, rerr)
			}
			sum.advice = fmt.Sprintf("nothing was imported, so no state is kept: once the cause is fixed, run:\n  %s\n", cfg.Commands.again())
		default:
			if cerr := r.state.Close(); cerr != nil {
				err = fmt.Errorf("%w; and closing the state file failed: %w", err, cerr)
			}
			sum.StateFile = r.state.Path()
			sum.advice = fmt.Sprintf("to continue, sending only the rows not yet finished, run:\n  %s\n(state: %s)\n", cfg.Commands.resume(), sum.StateFile)
		}
	}
	sum.Status = runStatus(err, sum.Rejected)
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

// CheckBatch checks a --batch size: profiles per request, from 1 to the
// vendor's altcraft.MaxBatchItems. The error matches ErrUsage.
func CheckBatch(n int) error {
	if n < 1 || n > altcraft.MaxBatchItems {
		return errorf(ErrUsage, "--batch must be between 1 and %d, got %d", altcraft.MaxBatchItems, n)
	}
	return nil
}

func (c *Config) validate() error {
	if c.URL == "" {
		return errorf(ErrUsage, "no platform URL: give --url or set ALTCRAFT_URL (or use --sandbox to rehearse)")
	}
	if err := CheckURL(c.URL, c.InsecureHTTP); err != nil {
		return err
	}
	switch {
	case c.Mapping == nil:
		return errorf(ErrUsage, "no mapping")
	case c.Token == "":
		return errorf(ErrUsage, "no API token: set ALTCRAFT_TOKEN or give --token-file")
	case c.RejectPath == "" && slices.Contains(c.Files, "-"):
		return errorf(ErrUsage, "reading standard input needs --reject FILE for the rows that fail")
	case c.Resume && slices.Contains(c.Files, "-"):
		return errorf(ErrUsage, "a run that reads standard input cannot be resumed: it cannot be read again")
	}
	if c.Batch != 0 { // 0 means 1
		if err := CheckBatch(c.Batch); err != nil {
			return err
		}
	}
	if c.Batch > 1 {
		if err := c.Mapping.CheckBatch(); err != nil {
			return Mark(ErrUsage, fmt.Errorf("--batch %d: %w", c.Batch, err))
		}
	}
	return nil
}

// readInputs reads every input in turn: rows that cannot be parsed or converted
// go straight to the output as rejects, the rest to the pool. Rows an
// interrupted run finished (skip) are passed over without converting them.
// With items, each row is converted to a batch item rather than a request body.
func readInputs(ctx context.Context, ins []*input, skip []*resume.Tracker, bufs *send.Pool[row], rows chan<- *send.Job[row], out chan<- send.Outcome[row], st *stats, items bool) error {
	for i, in := range ins {
		done := skip[i]
		if done != nil && done.Done() {
			in.pos.Store(in.size)
			continue
		}
		var ord int64
		if done != nil {
			// Straight to the first unfinished row. An input that cannot seek
			// is read from the start, its finished rows passed over below.
			if low, at := done.Low(); low > 0 && at.End > 0 && in.reader.SeekRecord(at.End, at.Line) == nil {
				ord = low
			}
		}
		var low int64
		if done != nil {
			low, _ = done.Low()
		}
		for ; ; ord++ {
			if ctx.Err() != nil {
				return nil
			}
			rec, err := in.reader.Read()
			if errors.Is(err, io.EOF) {
				in.pos.Store(in.size)
				break
			}
			if err != nil {
				return errorf(ErrInput, "read %s: %w", in.display, err)
			}
			in.pos.Store(rec.End)
			if in.prefix != nil {
				in.prefix.Mark(ord, rec.End)
			}
			if done != nil && done.Finished(ord) {
				if ord >= low {
					// Finished above the low-water mark: the journal takes
					// its hash from this run's reading.
					out <- send.Outcome[row]{Row: row{in, rec, ord}, Status: statusFinished}
				}
				continue
			}
			st.read.Add(1)
			in.count.read.Add(1)
			if rec.Err != nil {
				out <- send.Outcome[row]{Row: row{in, rec, ord}, Status: send.Rejected, Code: altcraft.RejectCSV, Reason: csvReason(rec.Err)}
				continue
			}
			bp := bufs.Buffer()
			convert := in.binder.Convert
			if items {
				convert = in.binder.ConvertItem
			}
			body, key, err := convert((*bp)[:0], rec.Fields)
			if err != nil {
				bufs.PutBuffer(bp)
				out <- rowReject(in, rec, ord, err)
				continue
			}
			select {
			case rows <- &send.Job[row]{Row: row{in, rec, ord}, Body: body, Key: key}:
			case <-ctx.Done():
				bufs.PutBuffer(bp)
				out <- send.Outcome[row]{Row: row{in, rec, ord}, Status: send.NotSent}
				return nil
			}
		}
		out <- send.Outcome[row]{Row: row{in: in, ord: ord}, Status: statusEnd}
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

// rowReject turns a conversion failure into a reject outcome.
func rowReject(in *input, rec *csvio.Record, ord int64, err error) send.Outcome[row] {
	o := send.Outcome[row]{Row: row{in, rec, ord}, Status: send.Rejected, Code: mapping.CodeInvalidValue, Reason: err.Error()}
	var re *mapping.RowError
	if errors.As(err, &re) {
		o.Code = re.Code
	}
	return o
}

// noticeFormats says which encoding and delimiter were detected when the
// mapping asked for "auto": a wrong guess must be visible before it matters.
func noticeFormats(w io.Writer, ins []*input, opt csvio.Options) {
	if !opt.Detects() {
		return
	}
	for _, in := range ins {
		fmt.Fprintf(w, "%s: encoding %s, delimiter %s\n", in.display, encodingText(in.reader), delimName(in.reader.Comma()))
	}
}

// encodingText names the encoding a reader uses and, when "auto" chose it,
// why: the user is the judge of a guess.
func encodingText(r *csvio.Reader) string {
	if why := r.EncodingReason(); why != "" {
		return fmt.Sprintf("%s (auto: %s)", r.Encoding(), why)
	}
	return r.Encoding()
}

func delimName(r rune) string {
	if r == '\t' {
		return "tab"
	}
	return fmt.Sprintf("%q", r)
}
