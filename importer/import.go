// Package importer runs an import: it reads CSV inputs, converts each row with
// a mapping, sends one profile import request per row (or per batch) through a
// paced worker pool, and writes every row that fails to a reject file.
//
// One file per phase of Import: open.go (check everything and open every file),
// read.go (rows to requests), importer/send (pace and send: rows in, outcomes
// out), journal.go (the one writer of the output files), finish.go (the state
// file settled, the summary); importer/resume keeps the state between runs.
// Check shares open and read and sends nothing (check.go).
package importer

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/acimport/acimport/importer/send"
	"github.com/acimport/acimport/internal/altcraft"
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
	// Again (--again) imports inputs anew although an identical import (the same bytes,
	// the same mapping) already completed; without it such a run is refused when the
	// mapping's changes are not idempotent (Mapping.NonIdempotent). See completed.go.
	Again bool
	// Commands are the command lines that messages advise, built by the caller;
	// the zero value words them as "the same command …".
	Commands Commands

	// InsecureHTTP allows a plain http URL to a host other than this machine.
	InsecureHTTP bool
	// RootCAs, when not nil, replace the system's trusted CAs (see LoadCAFile).
	RootCAs *x509.CertPool

	// Sender, when not nil, replaces the API client (tests and benchmarks).
	Sender altcraft.Sender

	// Log, when not nil, receives the run's start line, start estimate, progress lines and
	// notices as structured events (cmd/acimport's --log-format json), and the summary is
	// then not printed: Import returns it for the caller to log as one event. Notices that
	// have no event of their own still go to Stderr.
	Log *slog.Logger
	// Watch, when not nil, is called once, as sending starts, with a function that returns
	// the run's counters so far (safe to call from any goroutine, until and after Import
	// returns): cmd/acimport reads it on a timer for --metrics-file, so nothing is done per row.
	Watch func(snapshot func() *Summary)

	// OutageWait is how long a run waits for an API that stopped answering
	// mid-run before it stops (resumable); 0: 5 minutes.
	OutageWait time.Duration

	// tuning holds the retry and outage timings that tests shorten (zero: the production ones).
	tuning send.Tuning
	// noPrefixHash leaves the inputs unhashed, so that a benchmark can tell
	// what proving the finished part (resume.Prefix) costs a row; such a
	// state cannot be resumed.
	noPrefixHash bool
	// noBatchRecord sends batches without recording them in the state first,
	// so that a benchmark can tell what the record costs a row; such a run's
	// batches cannot be re-sent as they were.
	noBatchRecord bool
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
// the first request; open.go), execute (read, send, record: read.go,
// importer/send, journal.go, wired below), finish (settle the state file and
// account for the run; finish.go).
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

// execute reads, sends and records until every row is settled or the run stops.
// The reader, the pool and the journal each run in their own goroutines; the
// journal alone writes the output files.
func (r *run) execute(ctx context.Context) executed {
	cfg, cp := r.cfg, r.prior.cp
	start := time.Now()
	ex := executed{st: newStats(), started: start}
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
	if cfg.Batch > 1 || (cp != nil && len(cp.Pending) > 0) {
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
		Log:         func(line string) { fmt.Fprintln(cfg.Stderr, logTime(cfg.Stderr)+line) },
		OnStop:      halt,
		Tuning:      cfg.tuning,
	})
	ex.st.sent = p
	if cfg.Watch != nil {
		st, ins, sinks := ex.st, r.ins, slices.Clone(r.sinks) // finish drops r.sinks
		cfg.Watch(func() *Summary {
			sum := st.summary(ins, sinks, time.Since(start))
			sum.StartedAt, sum.FinishedAt = start, time.Now()
			return sum
		})
	}
	jr := newJournal(r.ins, r.sinks, r.results, r.state, r.prior, ex.st)
	jr.maxRejects, jr.halt = cfg.MaxRejects, halt
	jr.nonIdempotent = cfg.Mapping.NonIdempotent() != ""
	if !cfg.noBatchRecord {
		p.RecordBatches(r.recordBatch(jr))
	}
	startLine(cfg.Stderr, cfg, r.ins, string(cfg.Mapping.Mode.Method(cfg.Batch > 1)))
	estimated := startEstimate(cfg, r.ins, cp != nil)
	prog := startProgress(cfg.Progress, cfg.Stderr, progressSource{
		ins: r.ins, counts: ex.st.progress, okWord: "imported", badWord: "rejected", limit: p.Limit,
		rate: cfg.Rate, batch: cfg.Batch, interrupted: ctx.Done(), timeout: cfg.Timeout,
		log: cfg.Log, estimated: estimated,
		before: ex.st.base.Imported + ex.st.base.Rejected,
	})

	rows := make(chan *send.Job[row], cfg.Workers)
	outcomes := make(chan send.Outcome[row], 4*cfg.Workers)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(rows)
		if err := readInputs(stopCtx, r.ins, r.prior, p, rows, outcomes, ex.st, cfg.Batch > 1); err != nil {
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
	go func() { outDone <- jr.consume(outcomes) }()
	wg.Wait()
	close(outcomes)
	ex.outErr = <-outDone
	prog.stop()
	ex.elapsed = time.Since(start)
	return ex
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

// LoadCAFile returns the system's trusted CAs plus those in a PEM file, for
// on-premises platforms whose certificates come from their own authority.
func LoadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, errorf(ErrUsage, "read --ca-file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errorf(ErrUsage, "--ca-file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// CheckURL accepts https, and plain http only to this machine (the sandbox)
// unless insecure: over plain http the token and the customers' data would
// cross the network readable by anyone on the way.
func CheckURL(raw string, insecure bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return Mark(ErrUsage, &altcraft.URLError{URL: raw})
	}
	if u.User != nil {
		return errorf(ErrUsage, "--url must not hold credentials: the token comes from ALTCRAFT_TOKEN or --token-file")
	}
	if u.Scheme == "http" && !insecure && !altcraft.IsLoopback(u.Hostname()) {
		return errorf(ErrUsage, "--url %s is plain http: the API token and your customers' data would travel unencrypted; use https, or --insecure-http if you must", u.Redacted())
	}
	return nil
}

// Commands are the command lines that a run's messages advise: run again, resume,
// start over, re-send the reject file. The caller builds them, finished and quoted
// for a shell, because only it knows how its command line is spelled (cmd/acimport
// builds them from the import command as typed); the importer only shows them.
//
// The zero value, for library callers, words each one as "the same command …".
type Commands struct {
	// Again is this run's command as it was given: to run it again once a cause is
	// fixed, or to start afresh. "": "the same command".
	Again string
	// Resume is this run's command continuing an interrupted run (--resume).
	// "": "the same command with --resume".
	Resume string
	// Auto is this run's command resuming when it can, else starting over with the old
	// state and reject file moved aside (--resume=auto). "": "the same command with --resume=auto".
	Auto string
	// Anew is this run's command with --again: to import inputs that an identical
	// completed import already applied. "": "the same command with --again".
	Anew string
	// Resend is the command that imports the given reject files, in place of the inputs,
	// with this run's settings but not its output files (they would be the files read).
	// Nil: "the same command with the reject file instead of the input (…)".
	Resend func(rejects []string) string
	// Continue is the command that resumes the run whose state file recorded the command
	// line recorded (its Record). Nil: the message tells to run that command again with --resume.
	Continue func(recorded []string) string
	// Record is this run's command line as its state file keeps it, for Continue to turn
	// into advice when another run meets that state. Nil: the state records none.
	Record []string
}

func (c Commands) again() string {
	if c.Again == "" {
		return "the same command"
	}
	return c.Again
}

func (c Commands) resume() string {
	if c.Resume == "" {
		return "the same command with --resume"
	}
	return c.Resume
}

func (c Commands) auto() string {
	if c.Auto == "" {
		return "the same command with --resume=auto"
	}
	return c.Auto
}

func (c Commands) anew() string {
	if c.Anew == "" {
		return "the same command with --again"
	}
	return c.Anew
}

func (c Commands) resend(rejects []string) string {
	if c.Resend == nil {
		return "the same command with the reject file instead of the input (and without --reject, --results, --summary)"
	}
	return c.Resend(rejects)
}
