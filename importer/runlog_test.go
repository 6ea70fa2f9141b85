package importer

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acimport/acimport/mapping"
)

// The first line of a run says what it does: files, host, database, matching, method, pace.
func TestImportStartLine(t *testing.T) {
	srv := newAPIServer(t, nil)
	var buf syncBuffer
	_, dir, err := runImport(t, srv.URL, "Email;Name;Id\na@example.com;A;1\n", func(c *Config) { c.Rate = 10; c.Stderr = &buf })
	if err != nil {
		t.Fatal(err)
	}
	stderr := buf.String()
	want := fmt.Sprintf("importing %s into %s: database 5, mode upsert (profiles/import), matching email; --rate 10 requests/s, --workers 4, --batch 1\n", filepath.Join(dir, "in.csv"), srv.URL)
	if !strings.HasPrefix(stderr, want) {
		t.Errorf("stderr starts:\n%s\nwant:\n%s", stderr, want)
	}
}

func TestEstimateLine(t *testing.T) {
	var b bytes.Buffer
	f := progressFrame{c: progressCounts{read: 5000}, total: 2_000_000, totalKnow: true}
	if !estimateLine(&b, nil, f, 10, 1, 1) || b.String() != "at --rate 10, about 2,000,000 rows take at least 56 h\n" {
		t.Errorf("%q", b.String())
	}
	b.Reset()
	if !estimateLine(&b, nil, f, 10, 100, 1) || b.String() != "at --rate 10 and --batch 100, about 2,000,000 rows take at least 33m20s\n" {
		t.Errorf("%q", b.String())
	}
	b.Reset()
	if estimateLine(&b, nil, progressFrame{c: progressCounts{read: 10}, total: 4000, totalKnow: true}, 10, 0, 1) || b.Len() > 0 {
		t.Errorf("an estimate from 10 rows: %q", b.String())
	}
	if !estimateLine(&b, nil, progressFrame{c: progressCounts{read: 10}, total: 10, totalKnow: true, exact: true}, 2.5, 1, 1) || b.String() != "at --rate 2.5, 10 rows take at least 4s\n" {
		t.Errorf("%q", b.String())
	}
}

// With several inputs the summary gives each one's rows.
func TestSummaryByInput(t *testing.T) {
	srv := newAPIServer(t, nil)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	os.WriteFile(a, []byte("Email;Name;Id\na@example.com;A;1\nb@example.com;B;x\n"), 0o600)
	os.WriteFile(b, []byte("Email;Name;Id\nc@example.com;C;3\n"), 0o600)
	sum, _, err := runImport(t, srv.URL, "", func(c *Config) { c.Files = []string{a, b}; c.ResultsPath = ""; c.SummaryPath = "" })
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sum.print(&out)
	want := "  by input:\n    " + a + ": 2 read, 1 imported, 1 rejected\n    " + b + ": 1 read, 1 imported, 0 rejected\n"
	if !strings.Contains(out.String(), want) {
		t.Errorf("summary:\n%s\nwant it to hold:\n%s", out.String(), want)
	}
}

// An interrupted run says what happens next; only on a terminal does it speak of Ctrl-C.
func TestInterruptNotice(t *testing.T) {
	for _, tc := range []struct {
		Mode ProgressMode
		Want string
		Not  string
	}{
		{Mode: ProgressLog, Want: "stopping (interrupted): no new requests; waiting for those in flight (at most 5s); then the state is saved for --resume\n", Not: "Ctrl-C"},
		{Mode: ProgressOff, Want: "stopping (interrupted): no new requests", Not: "Ctrl-C"},
		{Mode: ProgressBar, Want: "Press Ctrl-C again to quit at once: the state stays consistent and --resume continues.\n"},
	} {
		t.Run(fmt.Sprint(tc.Mode), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var once sync.Once
			srv := newAPIServer(t, func(w http.ResponseWriter, email string, attempt int) {
				once.Do(cancel)
				time.Sleep(20 * time.Millisecond)
				ok(w, email)
			})
			var rows strings.Builder
			rows.WriteString("Email;Name;Id\n")
			for i := range 200 {
				fmt.Fprintf(&rows, "u%d@example.com;U;%d\n", i, i)
			}
			dir := t.TempDir()
			in := filepath.Join(dir, "in.csv")
			os.WriteFile(in, []byte(rows.String()), 0o600)
			m, err := mapping.Parse(strings.NewReader(testMapping), "m.yaml")
			if err != nil {
				t.Fatal(err)
			}
			var stderr syncBuffer
			_, err = Import(ctx, Config{Mapping: m, Files: []string{in}, Stderr: &stderr, URL: srv.URL, Token: testToken,
				Workers: 2, Timeout: 5 * time.Second, Progress: tc.Mode})
			if err != ErrInterrupted {
				t.Fatalf("err = %v, want ErrInterrupted", err)
			}
			got := stderr.String()
			if !strings.Contains(got, tc.Want) || tc.Not != "" && strings.Contains(got, tc.Not) || strings.Count(got, "stopping") != 1 {
				t.Errorf("stderr:\n%s\nwant it to say once %q, and not %q", got, tc.Want, tc.Not)
			}
		})
	}
}

// The progress bar's last frame carries the summary's counts.
func TestImportProgressLastFrameIsTheSummary(t *testing.T) {
	var rows strings.Builder
	rows.WriteString("Email;Name;Id\n")
	for i := range 500 {
		id := fmt.Sprint(i)
		if i%10 == 3 {
			id = "x"
		}
		fmt.Fprintf(&rows, "u%d@example.com;U;%s\n", i, id)
	}
	srv := newAPIServer(t, nil)
	var buf syncBuffer
	sum, _, err := runImport(t, srv.URL, rows.String(), func(c *Config) { c.Progress = ProgressBar; c.Stderr = &buf })
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	bar := out[:strings.LastIndex(out, "\n\n")] // the summary follows the bar after a blank line
	frames := strings.Split(bar, "\r")
	last := frames[len(frames)-1]
	want := fmt.Sprintf("%s of %s rows: %s imported, %s rejected", thousands(sum.RowsRead), thousands(sum.RowsRead), thousands(sum.Imported), thousands(sum.Rejected))
	if !strings.Contains(last, want) || !strings.Contains(last, "100%") {
		t.Errorf("last frame %q, want it to say %q at 100%%", last, want)
	}
}
