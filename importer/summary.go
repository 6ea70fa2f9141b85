package importer

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/acimport/acimport/importer/resume"
)

// stats are the run's counters, shared by the reader, the workers, the output
// goroutine and the progress display.
type stats struct {
	read, imported, rejected, unsent atomic.Int64

	mu     sync.Mutex
	byCode map[string]int64
}

func newStats() *stats { return &stats{byCode: map[string]int64{}} }

// restore starts the counters where an interrupted run left them.
func (s *stats) restore(c resume.Counts) {
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

func (s *stats) reject(code string) {
	s.rejected.Add(1)
	s.mu.Lock()
	s.byCode[code]++
	s.mu.Unlock()
}

// Summary is the account of a run, printed at the end and written by --summary.
type Summary struct {
	Files          []string         `json:"files"`
	RowsRead       int64            `json:"rows_read"`
	Imported       int64            `json:"imported"`
	Rejected       int64            `json:"rejected"`
	RejectedByCode map[string]int64 `json:"rejected_by_code"`
	NotSent        int64            `json:"not_sent"`
	Retries        int64            `json:"retries"`
	Throttled      int64            `json:"throttled"`
	ElapsedSeconds float64          `json:"elapsed_seconds"`
	RowsPerSecond  float64          `json:"rows_per_second"`
	RejectFiles    []string         `json:"reject_files"`
	// Stopped says why the run ended before every row was read and settled
	// (the caller shows the error itself; this is for the JSON summary).
	Stopped string `json:"stopped,omitempty"`
	// StateFile is kept when the run did not finish: --resume continues from it.
	StateFile string `json:"state_file,omitempty"`
	// Inputs are each input's rows when there are several; a resumed run counts only the
	// rows it settled itself (the totals above include the interrupted run's).
	Inputs []InputSummary `json:"inputs,omitempty"`
	// Resumed: the run continued an interrupted one.
	Resumed bool `json:"resumed,omitempty"`
}

// InputSummary is one input's rows in a run.
type InputSummary struct {
	File     string `json:"file"`
	RowsRead int64  `json:"rows_read"`
	Imported int64  `json:"imported"`
	Rejected int64  `json:"rejected"`
	NotSent  int64  `json:"not_sent"`
}

func (s *stats) summary(ins []*input, sinks []*rejectSink, elapsed time.Duration, p *pool) *Summary {
	sum := &Summary{
		RowsRead:       s.read.Load(),
		Imported:       s.imported.Load(),
		Rejected:       s.rejected.Load(),
		NotSent:        s.unsent.Load(),
		RejectedByCode: map[string]int64{},
		ElapsedSeconds: elapsed.Seconds(),
		Files:          []string{},
		RejectFiles:    []string{},
	}
	s.mu.Lock()
	for k, v := range s.byCode {
		sum.RejectedByCode[k] = v
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
	if elapsed > 0 {
		sum.RowsPerSecond = float64(sum.Imported+sum.Rejected) / elapsed.Seconds()
	}
	return sum
}

// print writes the summary for a person.
func (s *Summary) print(w io.Writer) {
	fmt.Fprintf(w, "\n%d rows read from %s in %s (%.0f rows/s)\n", s.RowsRead, strings.Join(s.Files, ", "),
		time.Duration(s.ElapsedSeconds*float64(time.Second)).Round(time.Millisecond), s.RowsPerSecond)
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
	if s.StateFile != "" {
		fmt.Fprintf(w, "to continue, run the same command with --resume (state: %s)\n", s.StateFile)
	}
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
