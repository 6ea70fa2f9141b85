package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/acimport/acimport/internal/testutil"
)

type abandonSummary struct {
	Status    string `json:"status"`
	Imported  int64  `json:"imported"`
	Rejected  int64  `json:"rejected"`
	Abandoned int64  `json:"abandoned"`
}

func readAbandonSummary(t *testing.T, path string) abandonSummary {
	t.Helper()
	var s abandonSummary
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return s
}

// Issue 18, item 6: last night's run stopped after some of its rows; tonight
// --resume=auto found a new file, moved the old state aside and exited 0 —
// the rest of last night's rows never applied, one stderr line and no count.
// Now the summary counts them (abandoned), stderr names the earlier run's time,
// input, the line it stopped at and where its state went, and the run exits 3.
func TestResumeAutoCountsAbandonedRows(t *testing.T) {
	const rows = 300
	// The line of row ord (0-based): the header is line 1, no row spans lines.
	stoppedAt := regexp.MustCompile(`stopped at line (\d+) with (\d+) rows finished`)
	timeRe := regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`)

	t.Run("the earlier input still there: exact", func(t *testing.T) {
		// A cron job with dated inputs and one reject file (so one state).
		api := newFakeAPI(t, stopAfter(97))
		dir, _, m := stateDir(t, 0)
		night1 := filepath.Join(dir, "night1.csv")
		testutil.Customers{Rows: rows}.Write(t, night1)
		reject := filepath.Join(dir, "nightly.rejects.csv")
		summary := filepath.Join(dir, "summary.json")
		if code, _, stderr := runCmd(t, "", importArgs(api.URL, m, "--reject", reject, "--summary", summary, "--resume=auto", night1)...); code != exitFailed {
			t.Fatalf("night 1 should stop on the 403: exit %d\n%s", code, stderr)
		}
		first := readAbandonSummary(t, summary)
		settled := first.Imported + first.Rejected
		if settled == 0 || settled >= rows/2 {
			t.Fatalf("night 1 settled %d rows", settled)
		}

		night2 := filepath.Join(dir, "night2.csv")
		os.WriteFile(night2, []byte("email,name,id\nn2@example.com,N,1\n"), 0o600)
		api.set(allOK)
		code, _, stderr := runCmd(t, "", importArgs(api.URL, m, "--reject", reject, "--summary", summary, "--resume=auto", night2)...)
		if code != exitRejected {
			t.Fatalf("night 2 set night 1's rows aside: exit %d, want 3\n%s", code, stderr)
		}
		got := readAbandonSummary(t, summary)
		if want := rows - settled; got.Abandoned != want || got.Imported != 1 {
			t.Errorf("summary abandoned %d imported %d, want %d abandoned (night 1 settled %d of %d) and 1 imported", got.Abandoned, got.Imported, want, settled, rows)
		}
		moved, _ := filepath.Glob(filepath.Join(dir, "nightly.rejects.????????-??????.state"))
		if len(moved) != 1 {
			t.Fatalf("the old state was not moved aside: %v", moved)
		}
		for _, want := range []string{night1, moved[0], fmt.Sprintf("%d rows it had not sent are ABANDONED", rows-settled)} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr does not say %q:\n%s", want, stderr)
			}
		}
		if !timeRe.MatchString(stderr) {
			t.Errorf("stderr does not name the earlier run's time:\n%s", stderr)
		}
		if m := stoppedAt.FindStringSubmatch(stderr); m == nil || m[1] != fmt.Sprint(settled+2) || m[2] != fmt.Sprint(settled) {
			t.Errorf("stderr should say the run stopped at line %d with %d rows finished: %v\n%s", settled+2, settled, m, stderr)
		}
		if !strings.Contains(stderr, fmt.Sprintf("abandoned %d", rows-settled)) {
			t.Errorf("the human summary does not show abandoned:\n%s", stderr)
		}
	})

	t.Run("the earlier input overwritten: at least", func(t *testing.T) {
		// A cron job whose export overwrites the same file each night.
		api := newFakeAPI(t, stopAfter(97))
		dir, in, m := stateDir(t, rows)
		summary := filepath.Join(dir, "summary.json")
		if code, _, stderr := runCmd(t, "", importArgs(api.URL, m, "--summary", summary, "--resume=auto", in)...); code != exitFailed {
			t.Fatalf("night 1 should stop on the 403: exit %d\n%s", code, stderr)
		}
		first := readAbandonSummary(t, summary)
		settled := first.Imported + first.Rejected
		os.WriteFile(in, []byte("email,name,id\nn2@example.com,N,1\n"), 0o600)
		api.set(allOK)
		code, _, stderr := runCmd(t, "", importArgs(api.URL, m, "--summary", summary, "--resume=auto", in)...)
		if code != exitRejected {
			t.Fatalf("night 2 set night 1's rows aside: exit %d, want 3\n%s", code, stderr)
		}
		got := readAbandonSummary(t, summary)
		// The state proves the rows night 1 read and did not finish; how
		// many more it had, no one can tell now.
		if got.Abandoned <= 0 || got.Abandoned > rows-settled {
			t.Errorf("summary abandoned %d, want between 1 and %d", got.Abandoned, rows-settled)
		}
		if !strings.Contains(stderr, fmt.Sprintf("at least %d rows", got.Abandoned)) || !strings.Contains(stderr, in) || !timeRe.MatchString(stderr) {
			t.Errorf("stderr should say at least %d rows of %s, and when:\n%s", got.Abandoned, in, stderr)
		}
		if !strings.Contains(stderr, fmt.Sprintf("abandoned at least %d", got.Abandoned)) {
			t.Errorf("the human summary does not show abandoned:\n%s", stderr)
		}
	})

	t.Run("an earlier run that had read to its end: exact without its input", func(t *testing.T) {
		// Few rows: the reader reaches the end before the 403 stops the run,
		// and the state says how many the input had.
		api := newFakeAPI(t, func(_ string, n int64) (int, string) {
			if n > 3 {
				// Late, so that the reader has long reached the end of 12 rows.
				time.Sleep(300 * time.Millisecond)
				return 403, badTok
			}
			return 200, okBody
		})
		dir, in, m := stateDir(t, 0)
		testutil.Customers{Rows: 12, Invalid: func(int) bool { return false }}.Write(t, in)
		summary := filepath.Join(dir, "summary.json")
		if code, _, stderr := runCmd(t, "", importArgs(api.URL, m, "--workers", "8", "--summary", summary, "--resume=auto", in)...); code != exitFailed {
			t.Fatalf("night 1 should stop on the 403: exit %d\n%s", code, stderr)
		}
		first := readAbandonSummary(t, summary)
		settled := first.Imported + first.Rejected
		os.Remove(in)
		in2 := filepath.Join(dir, "other.csv")
		os.WriteFile(in2, []byte("email,name,id\nn2@example.com,N,1\n"), 0o600)
		code, _, stderr := runCmd(t, "", importArgs(allOKURL(t), m, "--summary", summary, "--reject", filepath.Join(dir, "big.rejects.csv"), "--resume=auto", in2)...)
		got := readAbandonSummary(t, summary)
		if code != exitRejected || got.Abandoned != 12-settled || strings.Contains(stderr, "at least") {
			t.Fatalf("exit %d, abandoned %d, want 3 and exactly %d\n%s", code, got.Abandoned, 12-settled, stderr)
		}
	})
}

func allOKURL(t *testing.T) string { return newFakeAPI(t, allOK).URL }
