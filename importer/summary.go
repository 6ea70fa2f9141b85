package importer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/acimport/acimport/importer/resume"
	"github.com/acimport/acimport/internal/altcraft"
)

// stats are the run's counters, shared by the reader, the workers, the output
// goroutine and the progress display.
type stats struct {
	read, imported, rejected, unsent atomic.Int64

	// base is where an interrupted run left the counters: the whole import
	// is base plus this run.
	base resume.Counts

	mu     sync.Mutex
	byCode map[altcraft.RejectCode]int64
}

func newStats() *stats { return &stats{byCode: map[altcraft.RejectCode]int64{}} }

// restore starts the counters where an interrupted run left them.
func (s *stats) restore(c resume.Counts) {
	s.base = c
	s.read.Store(c.Read)
	s.imported.Store(c.Imported)
	s.rejected.Store(c.Rejected)
	for k, v := range c.ByCode {
		s.byCode[k] = v
	}
}

// progress is the counters as the progress display shows them.
func (s *stats) progress() progressCounts {
	return progressCounts{read: s.read.Load(), ok: s.imported.Load(), bad: s.rejected.Load()}
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
	Status string   `json:"status"`
	Files  []string `json:"files"`
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

	advice string // what to do next, for print
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
	sum := &Summary{Status: runStatus(err, 0), Files: slices.Clone(files), RunPart: RunPart{RejectedByCode: map[string]int64{}},
		RejectFiles: []string{}, Stopped: err.Error(), ThisRun: RunPart{RejectedByCode: map[string]int64{}}}
	if werr := sum.writeJSON(path); werr != nil {
		return errors.Join(err, werr)
	}
	return err
}

func (s *stats) summary(ins []*input, sinks []*rejectSink, elapsed time.Duration, p *pool) *Summary {
	sum := &Summary{
		RunPart: RunPart{
			RowsRead:       s.read.Load(),
			Imported:       s.imported.Load(),
			Rejected:       s.rejected.Load(),
			NotSent:        s.unsent.Load(),
			RejectedByCode: map[string]int64{},
			ElapsedSeconds: elapsed.Seconds(),
		},
		Files:       []string{},
		RejectFiles: []string{},
	}
	s.mu.Lock()
	for k, v := range s.byCode {
		sum.RejectedByCode[string(k)] = v
	}
	s.mu.Unlock()
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
	if p != nil {
		sum.Retries = p.retriesDone.Load()
		sum.Throttled = int64(p.pacer.Throttled())
	}
	b := s.base
	this := RunPart{
		RowsRead: sum.RowsRead - b.Read, Imported: sum.Imported - b.Imported, Rejected: sum.Rejected - b.Rejected,
		NotSent: sum.NotSent, Retries: sum.Retries - b.Retries, Throttled: sum.Throttled,
		RejectedByCode: map[string]int64{}, ElapsedSeconds: sum.ElapsedSeconds,
	}
	for k, v := range sum.RejectedByCode {
		if d := v - b.ByCode[altcraft.RejectCode(k)]; d != 0 {
			this.RejectedByCode[k] = d
		}
	}
	sum.Throttled += b.Throttled
	if elapsed > 0 {
		this.RowsPerSecond = float64(this.Imported+this.Rejected) / elapsed.Seconds()
	}
	sum.RowsPerSecond, sum.ThisRun = this.RowsPerSecond, this
	return sum
}

// print writes the summary for a person.
func (s *Summary) print(w io.Writer) {
	took := time.Duration(s.ElapsedSeconds * float64(time.Second)).Round(time.Millisecond)
	if s.Resumed {
		t := s.ThisRun
		fmt.Fprintf(w, "\nthis run: %d rows read, %d imported, %d rejected in %s (%s rows/s), %d retries\n", t.RowsRead, t.Imported, t.Rejected, took, perSecond(t.RowsPerSecond), t.Retries)
		fmt.Fprintf(w, "the whole import (with the interrupted runs before): %d rows read from %s\n", s.RowsRead, strings.Join(s.Files, ", "))
	} else {
		fmt.Fprintf(w, "\n%d rows read from %s in %s (%s rows/s)\n", s.RowsRead, strings.Join(s.Files, ", "), took, perSecond(s.RowsPerSecond))
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
	if s.Retries > 0 || s.Throttled > 0 {
		fmt.Fprintf(w, "  retries   %d  (%d answers said slow down: HTTP 429)\n", s.Retries, s.Throttled)
	}
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

func (s *Summary) writeJSON(path string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return os.Chmod(path, 0o600)
}
