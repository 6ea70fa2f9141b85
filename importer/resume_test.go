package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acimport/acimport/importer/send"
	"github.com/acimport/acimport/mapping"
)

// resumeFixture is an input with valid and invalid rows, and a mapping file.
type resumeFixture struct {
	dir, csv, mapping string
	mappingData       []byte
	m                 *mapping.Mapping
	rows, invalid     int
}

func newResumeFixture(t *testing.T, rows int) *resumeFixture {
	t.Helper()
	f := &resumeFixture{dir: t.TempDir(), rows: rows}
	var b strings.Builder
	b.WriteString("Email;Name;Id\n")
	for i := range rows {
		if i%10 == 3 {
			fmt.Fprintf(&b, "u%d@example.com;U;bad%d\n", i, i)
			f.invalid++
			continue
		}
		fmt.Fprintf(&b, "u%d@example.com;U;%d\n", i, i)
	}
	f.csv = filepath.Join(f.dir, "in.csv")
	f.mapping = filepath.Join(f.dir, "m.yaml")
	f.mappingData = []byte(testMapping)
	os.WriteFile(f.csv, []byte(b.String()), 0o600)
	os.WriteFile(f.mapping, f.mappingData, 0o600)
	var err error
	if f.m, err = mapping.Parse(strings.NewReader(testMapping), f.mapping); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *resumeFixture) config(url string, resume bool) Config {
	return Config{
		Mapping: f.m, Files: []string{f.csv}, URL: url, Token: testToken,
		Workers: 4, Retries: 2, Timeout: 5 * time.Second, Resume: resume,
		ResultsPath: filepath.Join(f.dir, "results.csv"),
		tuning:      send.Tuning{Backoff: send.Backoff{Base: time.Millisecond, Max: 2 * time.Millisecond}},
	}
}

// rejectLines counts each reject_line in the reject file.
func (f *resumeFixture) rejectLines(t *testing.T) map[string]int {
	t.Helper()
	b := readFile(t, filepath.Join(f.dir, "in.rejects.csv"))
	lines := strings.Split(strings.TrimSuffix(b, "\n"), "\n")
	if lines[0] != "Email;Name;Id;reject_line;reject_code;reject_reason" {
		t.Fatalf("reject header %q", lines[0])
	}
	seen := map[string]int{}
	for _, l := range lines[1:] {
		parts := strings.Split(l, ";")
		if len(parts) < 6 {
			t.Fatalf("torn reject line %q", l)
		}
		seen[parts[3]]++
	}
	return seen
}

func TestInterruptThenResume(t *testing.T) {
	f := newResumeFixture(t, 400)
	var sent atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	perEmail := map[string]*atomic.Int64{}
	for i := range f.rows {
		perEmail[fmt.Sprintf("u%d@example.com", i)] = new(atomic.Int64)
	}
	srv := newAPIServer(t, func(w http.ResponseWriter, email string, n int) {
		if sent.Add(1) == 120 {
			cancel() // Ctrl-C in the middle of the run
		}
		perEmail[email].Add(1)
		ok(w, email)
	})

	sum, err := Import(ctx, f.config(srv.URL, false))
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("first run: err = %v, want ErrInterrupted", err)
	}
	state := filepath.Join(f.dir, "in.rejects.state")
	if _, serr := os.Stat(state); serr != nil || sum.StateFile != state {
		t.Fatalf("no state file kept after the interruption (%v, summary says %q)", serr, sum.StateFile)
	}
	if sum.Imported+sum.Rejected >= int64(f.rows) {
		t.Fatalf("the interruption came too late to test anything: %+v", sum)
	}

	// A fresh run refuses to start over an unfinished one.
	if _, err := Import(context.Background(), f.config(srv.URL, false)); !errors.Is(err, ErrUnfinishedRun) || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("fresh run over a state file: err = %v", err)
	}

	sum, err = Import(context.Background(), f.config(srv.URL, true))
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if sum.RowsRead != int64(f.rows) || sum.Imported != int64(f.rows-f.invalid) || sum.Rejected != int64(f.invalid) {
		t.Errorf("summary of the whole run: %+v; want %d rows, %d rejected", sum, f.rows, f.invalid)
	}
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the finished run left its state file: %v", err)
	}
	twice := 0
	for email, n := range perEmail {
		switch {
		case n.Load() == 0 && !strings.HasSuffix(email, "3@example.com"):
			t.Errorf("%s never sent", email)
		case n.Load() > 1:
			twice++
		}
	}
	if twice > 4 { // at most the requests in flight at the interruption
		t.Errorf("%d rows sent twice, more than were in flight", twice)
	}
	for line, n := range f.rejectLines(t) {
		if n != 1 {
			t.Errorf("line %s rejected %d times", line, n)
		}
	}
	if got := len(f.rejectLines(t)); got != f.invalid {
		t.Errorf("%d rows in the reject file, want %d", got, f.invalid)
	}
	results := readFile(t, filepath.Join(f.dir, "results.csv"))
	if strings.Count(results, "file,line,status") != 1 || strings.Count(results, "\n") != f.rows+1 {
		t.Errorf("results log has %d lines for %d rows (header once)", strings.Count(results, "\n"), f.rows)
	}

	// Nothing left to resume.
	if _, err := Import(context.Background(), f.config(srv.URL, true)); !errors.Is(err, ErrNothingToResume) {
		t.Errorf("resume of a finished run: err = %v", err)
	}
}

// After a crash, output written after the last checkpoint is cut off, so the
// rows it belonged to are processed again without doubling their reject lines.
func TestResumeCutsUncheckpointedOutput(t *testing.T) {
	f := newResumeFixture(t, 50)
	var tokenFixed atomic.Bool
	var answered atomic.Int64
	srv := newAPIServer(t, func(w http.ResponseWriter, email string, n int) {
		if !tokenFixed.Load() && answered.Add(1) > 5 {
			apiError(w, 403, 403, "Invalid token") // stops the run after a few rows and the local rejects
			return
		}
		ok(w, email)
	})
	if _, err := Import(context.Background(), f.config(srv.URL, false)); err == nil {
		t.Fatal("want the run stopped by the 403")
	}
	// The crash: a reject line and a results row written, never checkpointed.
	rej := filepath.Join(f.dir, "in.rejects.csv")
	for _, p := range []string{rej, filepath.Join(f.dir, "results.csv")} {
		fh, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
		fh.WriteString("u3@example.com;U;bad3;5;invalid_value;half a li")
		fh.Close()
	}
	tokenFixed.Store(true)
	if _, err := Import(context.Background(), f.config(srv.URL, true)); err != nil {
		t.Fatalf("resume: %v", err)
	}
	for line, n := range f.rejectLines(t) {
		if n != 1 {
			t.Errorf("line %s rejected %d times", line, n)
		}
	}
	if strings.Contains(readFile(t, rej), "half a li") {
		t.Error("the torn reject line survived the resume")
	}
}

func TestResumeRefusesChangedInputs(t *testing.T) {
	tests := []struct {
		Name   string
		Before func(f *resumeFixture) // before the first run
		Change func(f *resumeFixture)
		Want   string
		// Advice: the refusal offers to put the mapping back, as only a
		// changed mapping (and not a word in a path) calls for.
		Advice bool
	}{
		{Name: "input changed", Change: func(f *resumeFixture) {
			b, _ := os.ReadFile(f.csv)
			os.WriteFile(f.csv, append(b, "new@example.com;N;1\n"...), 0o600)
		}, Want: "changed size"},
		{Name: "input changed in a folder named mapping", Before: func(f *resumeFixture) {
			dir := filepath.Join(f.dir, "mapping")
			os.Mkdir(dir, 0o700)
			moved := filepath.Join(dir, "in.csv")
			os.Rename(f.csv, moved)
			f.csv = moved
		}, Change: func(f *resumeFixture) {
			b, _ := os.ReadFile(f.csv)
			os.WriteFile(f.csv, append(b, "new@example.com;N;1\n"...), 0o600)
		}, Want: "mapping/in.csv has changed size"},
		{Name: "input edited, same size", Change: func(f *resumeFixture) {
			b, _ := os.ReadFile(f.csv)
			b[20] ^= 1
			os.WriteFile(f.csv, b, 0o600)
		}, Want: "first bytes differ"},
		{Name: "mapping changed", Change: func(f *resumeFixture) {
			f.mappingData = append(slices.Clone(f.mappingData), "# edited\n"...)
			var err error
			if f.m, err = mapping.Parse(bytes.NewReader(f.mappingData), f.mapping); err != nil {
				panic(err)
			}
		}, Want: "mapping file has changed", Advice: true},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			f := newResumeFixture(t, 20)
			if tc.Before != nil {
				tc.Before(f)
			}
			var answered atomic.Int64
			srv := newAPIServer(t, func(w http.ResponseWriter, email string, n int) {
				if answered.Add(1) > 3 {
					apiError(w, 403, 403, "Invalid token")
					return
				}
				ok(w, email)
			})
			if _, err := Import(context.Background(), f.config(srv.URL, false)); err == nil {
				t.Fatal("want the run stopped")
			}
			tc.Change(f)
			_, err := Import(context.Background(), f.config(srv.URL, true))
			if !errors.Is(err, ErrResumeMismatch) || !strings.Contains(err.Error(), tc.Want) {
				t.Fatalf("err = %v, want ErrResumeMismatch saying %q", err, tc.Want)
			}
			if advice := strings.Contains(err.Error(), "put the mapping file back"); advice != tc.Advice {
				t.Errorf("advises putting the mapping back: %v, want %v\n%v", advice, tc.Advice, err)
			}
		})
	}
}
