package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/acimport/acimport/importer/resume"
	"github.com/acimport/acimport/internal/altcraft"
)

// Phase 5, finish: settle the state file, close the outputs, and account for the run (the
// counters in stats, the Summary printed and written for --summary).

// executed is what the execute phase leaves for finish.
type executed struct {
	st      *stats
	started time.Time // wall clock, for the summary's started_at
	elapsed time.Duration
	resumed bool  // the run continued an interrupted one
	outErr  error // writing the output files
	readErr error // reading the inputs
	runErr  error // what stopped the run: an API error, too many rejects, ...
}

// finish settles the state file (removed when the run finished, kept for
// --resume when it did not), then prints and writes the summary.
func (r *run) finish(ctx context.Context, ex executed) (*Summary, error) {
	cfg := r.cfg
	sum := ex.st.summary(r.ins, r.sinks, ex.elapsed)
	sum.Resumed = ex.resumed
	sum.Abandoned, sum.abandonedAtLeast = r.prior.abandoned.n, !r.prior.abandoned.exact
	sum.results = cfg.ResultsPath
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
	if err == nil {
		// Before the state goes: while its lock is held, no other run of these
		// files can start and miss the record.
		r.remember(sum)
	}
	if r.state != nil {
		switch {
		case err == nil:
			if rerr := r.state.Remove(); rerr != nil {
				err = rerr
			}
		case r.prior.cp == nil && sum.Imported == 0 && ex.st.maybeApplied() == 0:
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
			if n := ex.st.maybeApplied(); sum.Imported == 0 && n > 0 {
				// Item 5 of issue 18: "nothing was imported" would be false, and the same
				// command would send those requests again with new ids.
				sum.advice = fmt.Sprintf("no row was answered as imported, but %s may have reached the platform (no answer came), "+
					"so the state is kept: --resume sends them again with the same request ids, which a platform that "+
					"deduplicates requests does not apply twice. Once the cause is fixed, run:\n  %s\n(state: %s)\n",
					requests(n), cfg.Commands.resume(), sum.StateFile)
			}
		}
	}
	sum.Status = runStatus(err, sum.Rejected)
	if err != nil {
		sum.Stopped = err.Error()
	}
	sum.StartedAt, sum.FinishedAt = ex.started, time.Now()
	if cfg.Log != nil {
		// The summary is the caller's one event (Import returns it); what to do next is a notice.
		if sum.advice != "" {
			cfg.Log.Warn(strings.TrimSpace(sum.advice), "state_file", sum.StateFile)
		}
	} else {
		sum.print(cfg.Stderr)
	}
	if cfg.SummaryPath != "" {
		if werr := sum.WriteFile(cfg.SummaryPath); werr != nil && err == nil {
			err = werr
		}
	}
	return sum, err
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

// stats owns the import's counters. Each counts this run alone — the reader's,
// the journal's here, the pool's in send — and base holds where the interrupted
// runs before left them: the whole import is base plus this run, added up in
// one place (whole). A new counter is one of stats' or send's, and a line here.
type stats struct {
	read, imported, rejected, unsent atomic.Int64
	// inDoubt counts the rows that may have been applied twice (journal.record).
	inDoubt atomic.Int64

	mu     sync.Mutex
	byCode map[altcraft.RejectCode]int64
	// skipped counts, by column, the cells imported rows were sent without (on_invalid: skip).
	skipped map[string]int64

	// base is where an interrupted run left the counters (zero for a fresh run).
	base resume.Counts
	// sent is the pool's counters of this run; nil until the pool exists.
	sent sentCounts
}

// sentCounts are the counters send keeps for this run (send.Pool).
type sentCounts interface {
	Retries() int64
	Throttled() int64
	ByteCap() int64
	Replayed() int64
	Ambiguous() int64
}

func newStats() *stats { return &stats{byCode: map[altcraft.RejectCode]int64{}} }

// restore starts the import where an interrupted run left its counters.
func (s *stats) restore(c resume.Counts) { s.base = c }

// whole is the whole import's counters: base plus this run's. The journal
// checkpoints them; the summary shows them.
func (s *stats) whole() resume.Counts {
	b := s.base
	c := resume.Counts{
		Read:     b.Read + s.read.Load(),
		Imported: b.Imported + s.imported.Load(),
		Rejected: b.Rejected + s.rejected.Load(),
		Retries:  b.Retries,
		ByCode:   maps.Clone(b.ByCode),
		Skipped:  maps.Clone(b.Skipped),
	}
	if c.ByCode == nil {
		c.ByCode = map[altcraft.RejectCode]int64{}
	}
	s.mu.Lock()
	for k, v := range s.byCode {
		c.ByCode[k] += v
	}
	for k, v := range s.skipped {
		if c.Skipped == nil {
			c.Skipped = map[string]int64{}
		}
		c.Skipped[k] += v
	}
	s.mu.Unlock()
	c.Throttled = b.Throttled
	c.Replayed, c.InDoubt = b.Replayed, b.InDoubt+s.inDoubt.Load()
	if s.sent != nil {
		c.Retries += s.sent.Retries()
		c.Throttled += s.sent.Throttled()
		c.Replayed += s.sent.Replayed()
	}
	return c
}

// maybeApplied is the requests of this run that failed after they were
// written, without an answer: the platform may have applied them.
func (s *stats) maybeApplied() int64 {
	if s.sent == nil {
		return 0
	}
	return s.sent.Ambiguous()
}

// rejectedTotal is the rows the whole import rejected, for --max-rejects.
func (s *stats) rejectedTotal() int64 { return s.base.Rejected + s.rejected.Load() }

// progress is the counters as the progress display shows them: the whole import's.
func (s *stats) progress() progressCounts {
	b := s.base
	c := progressCounts{read: b.Read + s.read.Load(), ok: b.Imported + s.imported.Load(), bad: b.Rejected + s.rejected.Load(),
		replayed: b.Replayed, inDoubt: b.InDoubt + s.inDoubt.Load()}
	if s.sent != nil {
		c.replayed += s.sent.Replayed()
	}
	return c
}

// skip counts the cells an imported row was sent without, by column.
func (s *stats) skip(columns []string) {
	if len(columns) == 0 {
		return
	}
	s.mu.Lock()
	if s.skipped == nil {
		s.skipped = map[string]int64{}
	}
	for _, c := range columns {
		s.skipped[c]++
	}
	s.mu.Unlock()
}

func (s *stats) reject(code altcraft.RejectCode) {
	s.rejected.Add(1)
	s.mu.Lock()
	s.byCode[code]++
	s.mu.Unlock()
}

// Run statuses of the summary, one for each exit code of import.
const (
	StatusImported    = "imported"    // every row imported (exit 0)
	StatusRejected    = "rejected"    // finished, some rows rejected (exit 3)
	StatusStopped     = "stopped"     // the run stopped (exit 1, or 2 for a usage error)
	StatusInterrupted = "interrupted" // by a signal (exit 130)
	StatusRefused     = "refused"     // refused to start because of a state file (exit 4)
)

// Summary is the account of a run, printed at the end and written by --summary.
// Its counters are those of the whole import, the earlier runs of a resumed
// one included; ThisRun has this run's alone, and the rate is this run's.
type Summary struct {
	// Status is one of the Status constants.
	Status string `json:"status"`
	// StartedAt and FinishedAt are the run's wall-clock bounds (RFC 3339).
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// ExitCode is the process's exit code; StopCode a machine-readable cause
	// when the run stopped or was refused ("" when it finished).
	ExitCode int      `json:"exit_code"`
	StopCode string   `json:"stop_code,omitempty"`
	Version  string   `json:"version,omitempty"`
	Files    []string `json:"files"`
	// The whole import's counters, but for the time and the rate: this run's.
	RunPart
	RejectFiles []string `json:"reject_files"`
	// Resumed says the run continued an interrupted one; ThisRun then differs
	// from the whole import.
	Resumed bool    `json:"resumed"`
	ThisRun RunPart `json:"this_run"`
	// Stopped says why the run ended before every row was read and settled
	// (the caller shows the error itself; this is for the JSON summary).
	Stopped string `json:"stopped,omitempty"`
	// StateFile is kept when the run did not finish: --resume continues from it.
	StateFile string `json:"state_file,omitempty"`
	// Inputs are each input's rows when there are several; a resumed run counts only the
	// rows it settled itself (the totals above include the interrupted run's).
	Inputs []InputSummary `json:"inputs,omitempty"`
	// Abandoned counts the rows of an earlier unfinished run that --resume=auto
	// set aside unsent.
	Abandoned int64 `json:"abandoned"`
	// BatchByteCap is the most bytes a batch request of this run carried after
	// a larger one was refused for its size (HTTP 413 from the server or a
	// proxy): the largest body that passed. 0 when none was refused.
	BatchByteCap int64 `json:"batch_byte_cap"`

	advice           string // what to do next, for print
	abandonedAtLeast bool   // Abandoned is what the old state proves; there may be more
	results          string // the --results file, named by print for the rows in doubt
}

// RunPart is what one run of an import, or the whole import, did.
type RunPart struct {
	RowsRead       int64            `json:"rows_read"`
	Imported       int64            `json:"imported"`
	Rejected       int64            `json:"rejected"`
	RejectedByCode map[string]int64 `json:"rejected_by_code"`
	NotSent        int64            `json:"not_sent"`
	Retries        int64            `json:"retries"`
	Throttled      int64            `json:"throttled"` // answers that said slow down: HTTP 429
	// Replayed counts answers with Duplicate-Request: the platform had already
	// applied the request; the rows count as imported.
	Replayed int64 `json:"replayed"`
	// InDoubt counts non-idempotent rows retried after an ambiguous failure
	// whose retry was not answered as a replay.
	InDoubt int64 `json:"in_doubt"`
	// SkippedValues counts, by column, cells left out under on_invalid: skip.
	SkippedValues  map[string]int64 `json:"skipped_values,omitempty"`
	ElapsedSeconds float64          `json:"elapsed_seconds"`
	RowsPerSecond  float64          `json:"rows_per_second"` // rows settled over the time
}

// InputSummary is one input's rows in a run.
type InputSummary struct {
	File     string `json:"file"`
	RowsRead int64  `json:"rows_read"`
	Imported int64  `json:"imported"`
	Rejected int64  `json:"rejected"`
	NotSent  int64  `json:"not_sent"`
}

// runStatus is the Status of a run that ended with err.
func runStatus(err error, rejected int64) string {
	switch {
	case err == nil && rejected > 0:
		return StatusRejected
	case err == nil:
		return StatusImported
	case errors.Is(err, ErrInterrupted):
		return StatusInterrupted
	case errors.Is(err, ErrRefused):
		return StatusRefused
	}
	return StatusStopped
}

// writeRefusedSummary writes the --summary of a run that did not start, so
// that an earlier run's summary is never taken for this one's; it returns err.
func writeRefusedSummary(cfg Config, err error) error {
	return WriteFailedSummary(cfg.SummaryPath, cfg.Files, err)
}

// WriteFailedSummary writes to path ("" for none) the summary of an import of
// files that stopped before its first row, for err: status "refused" for a
// refusal to start (ErrRefused), else "stopped". It returns err, joined with
// the failure to write the file if any. Import does so itself; a caller that
// fails before it (a bad mapping file) calls it, so that an earlier run's
// summary is never taken for this one's.
func WriteFailedSummary(path string, files []string, err error) error {
	if path == "" {
		return err
	}
	if werr := FailedSummary(files, err).WriteFile(path); werr != nil {
		return errors.Join(err, werr)
	}
	return err
}

// FailedSummary is the summary of an import of files that stopped before its
// first row, for err (nil err: a run that read nothing).
func FailedSummary(files []string, err error) *Summary {
	if files == nil {
		files = []string{}
	}
	sum := &Summary{Status: runStatus(err, 0), Files: slices.Clone(files), RunPart: RunPart{RejectedByCode: map[string]int64{}},
		RejectFiles: []string{}, ThisRun: RunPart{RejectedByCode: map[string]int64{}}}
	if err != nil {
		sum.Stopped = err.Error()
	}
	now := time.Now()
	sum.StartedAt, sum.FinishedAt = now, now
	return sum
}

func (s *stats) summary(ins []*input, sinks []*rejectSink, elapsed time.Duration) *Summary {
	w := s.whole()
	this := RunPart{
		RowsRead: s.read.Load(), Imported: s.imported.Load(), Rejected: s.rejected.Load(), NotSent: s.unsent.Load(),
		RejectedByCode: map[string]int64{}, ElapsedSeconds: elapsed.Seconds(), InDoubt: s.inDoubt.Load(),
	}
	if s.sent != nil {
		this.Retries, this.Throttled, this.Replayed = s.sent.Retries(), s.sent.Throttled(), s.sent.Replayed()
	}
	s.mu.Lock()
	for k, v := range s.byCode {
		if v != 0 {
			this.RejectedByCode[string(k)] = v
		}
	}
	this.SkippedValues = maps.Clone(s.skipped)
	s.mu.Unlock()
	if elapsed > 0 {
		this.RowsPerSecond = float64(this.Imported+this.Rejected) / elapsed.Seconds()
	}
	sum := &Summary{
		RunPart: RunPart{
			RowsRead: w.Read, Imported: w.Imported, Rejected: w.Rejected, NotSent: this.NotSent,
			RejectedByCode: byCodeText(w.ByCode), Retries: w.Retries, Throttled: w.Throttled, SkippedValues: w.Skipped,
			Replayed: w.Replayed, InDoubt: w.InDoubt,
			ElapsedSeconds: this.ElapsedSeconds, RowsPerSecond: this.RowsPerSecond,
		},
		ThisRun:     this,
		Files:       []string{},
		RejectFiles: []string{},
	}
	if s.sent != nil {
		sum.BatchByteCap = s.sent.ByteCap()
	}
	for _, in := range ins {
		sum.Files = append(sum.Files, in.display)
		if len(ins) > 1 {
			sum.Inputs = append(sum.Inputs, InputSummary{File: in.display, RowsRead: in.count.read.Load(),
				Imported: in.count.imported.Load(), Rejected: in.count.rejected.Load(), NotSent: in.count.unsent.Load()})
		}
	}
	for _, sk := range sinks {
		sum.RejectFiles = append(sum.RejectFiles, sk.path)
	}
	return sum
}

// byCodeText is a count by reject code as the summary spells it: the JSON's
// keys, and a type library callers can name.
func byCodeText(m map[altcraft.RejectCode]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[string(k)] = v
	}
	return out
}

// print writes the summary for a person.
func (s *Summary) print(w io.Writer) {
	took := time.Duration(s.ElapsedSeconds * float64(time.Second)).Round(time.Millisecond)
	if s.Resumed {
		t := s.ThisRun
		fmt.Fprintf(w, "\nthis run: %d rows read, %d imported, %d rejected in %s%s, %d retries\n", t.RowsRead, t.Imported, t.Rejected, took, rateNote(t), t.Retries)
		fmt.Fprintf(w, "the whole import (with the interrupted runs before): %d rows read from %s\n", s.RowsRead, strings.Join(s.Files, ", "))
	} else {
		fmt.Fprintf(w, "\n%d rows read from %s in %s%s\n", s.RowsRead, strings.Join(s.Files, ", "), took, rateNote(s.RunPart))
	}
	fmt.Fprintf(w, "  imported  %d\n", s.Imported)
	fmt.Fprintf(w, "  rejected  %d", s.Rejected)
	if s.Rejected > 0 {
		fmt.Fprintf(w, "  (%s) → %s", s.codes(), strings.Join(s.RejectFiles, ", "))
	}
	fmt.Fprintln(w)
	if s.NotSent > 0 {
		fmt.Fprintf(w, "  not sent  %d  (the run stopped before they were settled)\n", s.NotSent)
	}
	if len(s.SkippedValues) > 0 {
		fmt.Fprintf(w, "  values left out (on_invalid: skip; the rows were imported without them): %s\n", countsText(s.SkippedValues))
	}
	switch {
	case s.Throttled > 0:
		fmt.Fprintf(w, "  retries   %d  (%d answers said slow down: HTTP 429)\n", s.Retries, s.Throttled)
	case s.Retries > 0:
		fmt.Fprintf(w, "  retries   %d\n", s.Retries)
	}
	if s.BatchByteCap > 0 {
		fmt.Fprintf(w, "  byte cap  %d bytes a batch request  (larger ones were refused: HTTP 413)\n", s.BatchByteCap)
	}
	if s.Abandoned > 0 {
		atLeast := ""
		if s.abandonedAtLeast {
			atLeast = "at least "
		}
		fmt.Fprintf(w, "  abandoned %s%d  (rows of an earlier unfinished run, set aside unsent by --resume=auto: see above)\n", atLeast, s.Abandoned)
	}
	s.printExactlyOnce(w)
	if len(s.Inputs) > 0 {
		note := ""
		if s.Resumed {
			note = " (the rows of this run; the totals above include the interrupted run's)"
		}
		fmt.Fprintf(w, "  by input%s:\n", note)
		for _, in := range s.Inputs {
			fmt.Fprintf(w, "    %s: %d read, %d imported, %d rejected", in.File, in.RowsRead, in.Imported, in.Rejected)
			if in.NotSent > 0 {
				fmt.Fprintf(w, ", %d not sent", in.NotSent)
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprint(w, s.advice)
}

// rateNote is " (1250 rows/s)", or "" for a run that settled no row (stopped at once): a rate of
// 0 rows/s would say the API is slow when it was never asked.
func rateNote(p RunPart) string {
	if p.Imported+p.Rejected == 0 || p.RowsPerSecond <= 0 {
		return ""
	}
	return " (" + perSecond(p.RowsPerSecond) + " rows/s)"
}

func (s *Summary) codes() string {
	codes := make([]string, 0, len(s.RejectedByCode))
	for c := range s.RejectedByCode {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool {
		a, b := s.RejectedByCode[codes[i]], s.RejectedByCode[codes[j]]
		return a > b || (a == b && codes[i] < codes[j])
	})
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%s %d", c, s.RejectedByCode[c])
	}
	return strings.Join(parts, ", ")
}

// WriteFile writes the summary as JSON to path, atomically: a temporary file
// beside it (0600: it describes customers' data) renamed over it, so that a
// reader (a monitoring script, the next cron run) sees the old summary or the
// new one, never half of one.
func (s *Summary) WriteFile(path string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := resume.WriteFileAtomic(path, append(b, '\n')); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// countsText writes counts by name, most first: "Phone Number 3, Birthday 1".
func countsText(m map[string]int64) string {
	names := slices.Collect(maps.Keys(m))
	sort.Slice(names, func(i, j int) bool {
		a, b := m[names[i]], m[names[j]]
		return a > b || (a == b && names[i] < names[j])
	})
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, m[n])
	}
	return strings.Join(parts, ", ")
}
