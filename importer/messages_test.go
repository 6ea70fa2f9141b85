package importer

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// Item 6 of issue 23: the small messages.

// The retries line names 429s only when some came.
func TestSummaryRetriesLine(t *testing.T) {
	tests := []struct {
		Name               string
		Retries, Throttled int64
		Want, Not          string
	}{
		{Name: "no 429", Retries: 3, Want: "  retries   3\n", Not: "429"},
		{Name: "429s", Retries: 3, Throttled: 2, Want: "  retries   3  (2 answers said slow down: HTTP 429)\n"},
		{Name: "none", Not: "retries"},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			var b bytes.Buffer
			s := &Summary{Files: []string{"in.csv"}, RunPart: RunPart{RowsRead: 5, Imported: 5, Retries: tc.Retries, Throttled: tc.Throttled, ElapsedSeconds: 1, RowsPerSecond: 5}}
			s.print(&b)
			if !strings.Contains(b.String(), tc.Want) || (tc.Not != "" && strings.Contains(b.String(), tc.Not)) {
				t.Errorf("summary:\n%s\nwant %q, not %q", b.String(), tc.Want, tc.Not)
			}
		})
	}
}

// A run stopped before it settled a row shows no "(0 rows/s)": the API was never slow.
func TestSummaryNoRateWhenNothingSettled(t *testing.T) {
	for _, resumed := range []bool{false, true} {
		var b bytes.Buffer
		s := &Summary{Files: []string{"in.csv"}, Resumed: resumed, RunPart: RunPart{RowsRead: 3, ElapsedSeconds: 0.02}}
		s.print(&b)
		if strings.Contains(b.String(), "rows/s") {
			t.Errorf("resumed %v:\n%s", resumed, b.String())
		}
	}
	var b bytes.Buffer
	(&Summary{Files: []string{"in.csv"}, RunPart: RunPart{RowsRead: 3, Imported: 3, ElapsedSeconds: 2, RowsPerSecond: 1.5}}).print(&b)
	if !strings.Contains(b.String(), "(1.5 rows/s)") {
		t.Errorf("a run that settled rows shows its rate:\n%s", b.String())
	}
}

// A resumed run's first estimate counts the rows left, not the whole file.
func TestEstimateLineResumed(t *testing.T) {
	var b bytes.Buffer
	f := progressFrame{c: progressCounts{read: 1_505_000}, total: 2_000_000, totalKnow: true, before: 1_500_000}
	if !estimateLine(&b, nil, f, 10, 1, 1) || b.String() != "at --rate 10, about 500,000 rows left (of about 2,000,000) take at least 14 h\n" {
		t.Errorf("%q", b.String())
	}
}

// stampingWriter stands for cmd's log writer, which puts the date and time on every line.
type stampingWriter struct{ io.Writer }

func (stampingWriter) StampsLines() bool { return true }

// An outage line carries one time: its own on a terminal, none when the writer stamps lines.
func TestLogTimeOnce(t *testing.T) {
	if got := logTime(stampingWriter{io.Discard}); got != "" {
		t.Errorf("a stamped writer: %q, want no time of the line's own", got)
	}
	if got := logTime(io.Discard); len(got) != len("15:04:05 ") {
		t.Errorf("a plain writer: %q, want the clock time", got)
	}
}
