package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/acimport/acimport/sandbox"
)

// fakeAPI answers each row by its email: answer decides, and can be changed
// between runs (the token fixed, the API healthy again).
type fakeAPI struct {
	*httptest.Server
	mu     sync.Mutex
	answer func(email string, n int64) (status int, body string)
	n      atomic.Int64
	sent   map[string]int
}

const (
	okBody  = `{"error":0,"error_text":"Successful operation","profile_id":"p1"}`
	badTok  = `{"error":403,"error_text":"Invalid token"}`
	badGate = `<html>502 Bad Gateway</html>`
)

func newFakeAPI(t *testing.T, answer func(email string, n int64) (int, string)) *fakeAPI {
	f := &fakeAPI{answer: answer, sent: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct {
			Email string `json:"email"`
		}
		json.Unmarshal(body, &req)
		f.mu.Lock()
		f.sent[req.Email]++
		answer := f.answer
		f.mu.Unlock()
		status, text := answer(req.Email, f.n.Add(1))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, text)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPI) set(answer func(email string, n int64) (int, string)) {
	f.mu.Lock()
	f.answer = answer
	f.mu.Unlock()
}

func allOK(string, int64) (int, string) { return 200, okBody }

// stopAfter answers k requests, then 403: a run-wide stop with rows settled.
func stopAfter(k int64) func(string, int64) (int, string) {
	return func(_ string, n int64) (int, string) {
		if n > k {
			return 403, badTok
		}
		return 200, okBody
	}
}

// stateDir is a folder with an input of n rows (every 20th invalid) and a mapping.
func stateDir(t *testing.T, n int) (dir, input, mappingPath string) {
	t.Setenv("ALTCRAFT_TOKEN", "tok")
	dir = t.TempDir()
	input, _ = crashInput(t, dir, n)
	mappingPath = filepath.Join(dir, "m.yaml")
	os.WriteFile(mappingPath, []byte(crashMapping), 0o600)
	return dir, input, mappingPath
}

func importArgs(url, mappingPath string, extra ...string) []string {
	return append([]string{"import", "--url", url, "--rate", "0", "--workers", "1", "--retries", "0", "--no-progress", "-m", mappingPath}, extra...)
}

// adviceRe finds the commands a message advises, one a line.
var adviceRe = regexp.MustCompile(`(?m)^  (acimport import .*)$`)

// runAdvised runs a command a message gave, as a shell would split it (the
// test's paths need no quoting).
func runAdvised(t *testing.T, line string) (int, string) {
	t.Helper()
	args := strings.Fields(line)
	if args[0] != "acimport" {
		t.Fatalf("advised command %q", line)
	}
	code, _, stderr := runCmd(t, "", args[1:]...)
	return code, stderr
}

func TestFreshRunMovesEarlierRejectFileAside(t *testing.T) {
	dir := copyExamples(t)
	args := []string{"import", "--sandbox", "--no-progress", "-m", filepath.Join(dir, "mapping.yaml"), filepath.Join(dir, "customers.csv")}
	if code, _, stderr := runCmd(t, "", args...); code != exitRejected {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	rej := filepath.Join(dir, "customers.rejects.csv")
	first, _ := os.ReadFile(rej)
	code, _, stderr := runCmd(t, "", args...)
	if code != exitRejected {
		t.Fatalf("second run: exit %d\n%s", code, stderr)
	}
	moved, _ := filepath.Glob(filepath.Join(dir, "customers.rejects.????????-??????.csv"))
	if len(moved) != 1 {
		t.Fatalf("earlier reject file not moved aside: %v\n%s", moved, stderr)
	}
	if b, _ := os.ReadFile(moved[0]); !bytes.Equal(b, first) {
		t.Errorf("the moved reject file differs from the first run's")
	}
	if !strings.Contains(stderr, "moved it aside to "+moved[0]) {
		t.Errorf("stderr does not say where the earlier reject file went:\n%s", stderr)
	}
}

func TestEveryInputsStateIsChecked(t *testing.T) {
	api := newFakeAPI(t, stopAfter(30))
	dir, a, m := stateDir(t, 200)
	if code, _, stderr := runCmd(t, "", importArgs(api.URL, m, a)...); code != exitFailed {
		t.Fatalf("the run of a.csv should stop on the 403: exit %d\n%s", code, stderr)
	}
	rejA := filepath.Join(dir, "big.rejects.csv")
	before, _ := os.ReadFile(rejA)
	b := filepath.Join(dir, "b.csv")
	os.WriteFile(b, []byte("email,name,id\nb1@example.com,B,1\n"), 0o600)
	api.set(allOK)
	code, _, stderr := runCmd(t, "", importArgs(api.URL, m, b, a)...)
	if code != exitRefused || !strings.Contains(stderr, "big.rejects.state") || !strings.Contains(stderr, a) {
		t.Fatalf("b.csv a.csv with a.csv unfinished: exit %d, want 4 naming its state\n%s", code, stderr)
	}
	if after, _ := os.ReadFile(rejA); !bytes.Equal(after, before) {
		t.Error("the refused run touched the reject file of a.csv")
	}
	advice := adviceRe.FindStringSubmatch(stderr)
	if advice == nil {
		t.Fatalf("no command advised:\n%s", stderr)
	}
	if code, out := runAdvised(t, advice[1]); code != exitRejected {
		t.Fatalf("the advised command %q: exit %d\n%s", advice[1], code, out)
	}
	if code, _, stderr := runCmd(t, "", importArgs(api.URL, m, b, a)...); code != exitRejected {
		t.Fatalf("b.csv a.csv once a.csv was finished: exit %d\n%s", code, stderr)
	}
}

func TestResumeAuto(t *testing.T) {
	t.Run("no state: a fresh run", func(t *testing.T) {
		api := newFakeAPI(t, allOK)
		dir, in, m := stateDir(t, 100)
		code, _, stderr := runCmd(t, "", importArgs(api.URL, m, "--resume=auto", in)...)
		if code != exitRejected {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "big.rejects.state")); err == nil {
			t.Error("a finished run left its state")
		}
	})
	t.Run("unfinished run of the same file: resumed", func(t *testing.T) {
		api := newFakeAPI(t, stopAfter(40))
		_, in, m := stateDir(t, 200)
		runCmd(t, "", importArgs(api.URL, m, in)...)
		api.set(allOK)
		api.sent = map[string]int{}
		code, _, stderr := runCmd(t, "", importArgs(api.URL, m, "--resume=auto", in)...)
		if code != exitRejected || !strings.Contains(stderr, "resuming the unfinished run") {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		if len(api.sent) > 200-40-10+2 {
			t.Errorf("%d rows sent: the resumed run sent finished rows again", len(api.sent))
		}
	})
	t.Run("another night's file: the old state moved aside", func(t *testing.T) {
		api := newFakeAPI(t, stopAfter(40))
		dir, in, m := stateDir(t, 200)
		runCmd(t, "", importArgs(api.URL, m, in)...)
		oldRejects, _ := os.ReadFile(filepath.Join(dir, "big.rejects.csv"))
		var b strings.Builder
		b.WriteString("email,name,id\n")
		for i := range 150 {
			fmt.Fprintf(&b, "night2-%d@example.com,N,%d\n", i, i)
		}
		os.WriteFile(in, []byte(b.String()), 0o600)
		api.set(allOK)
		code, _, stderr := runCmd(t, "", importArgs(api.URL, m, "--resume=auto", in)...)
		if code != exitRejected { // rows of the earlier run were abandoned: see TestResumeAutoCountsAbandonedRows
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		states, _ := filepath.Glob(filepath.Join(dir, "big.rejects.????????-??????.state"))
		rejects, _ := filepath.Glob(filepath.Join(dir, "big.rejects.????????-??????.csv"))
		if len(states) != 1 || len(rejects) != 1 || !strings.Contains(stderr, "moved it aside to "+states[0]) || !strings.Contains(stderr, rejects[0]) {
			t.Fatalf("old state %v and reject file %v not moved aside, or not said:\n%s", states, rejects, stderr)
		}
		if got, _ := os.ReadFile(rejects[0]); !bytes.Equal(got, oldRejects) {
			t.Error("the moved reject file is not the old one")
		}
	})
	t.Run("--resume alone still resumes", func(t *testing.T) {
		api := newFakeAPI(t, stopAfter(40))
		_, in, m := stateDir(t, 200)
		runCmd(t, "", importArgs(api.URL, m, in)...)
		api.set(allOK)
		if code, _, stderr := runCmd(t, "", importArgs(api.URL, m, "--resume", in)...); code != exitRejected {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
	})
}

// A run that imports nothing (wrong token, wrong db_id) leaves no state: the
// fix, even to the mapping, is followed by the same command.
func TestNothingImportedLeavesNoState(t *testing.T) {
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{DBs: []int{1}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	dir, in, m := stateDir(t, 100)
	os.WriteFile(m, []byte(strings.Replace(crashMapping, "db_id: 1", "db_id: 2", 1)), 0o600)
	t.Setenv("ALTCRAFT_TOKEN", "tok")
	code, _, stderr := runCmd(t, "", importArgs(sb.URL, m, in)...)
	if code != exitFailed {
		t.Fatalf("wrong db_id: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "big.rejects.state")); err == nil {
		t.Fatalf("a run that imported nothing left its state:\n%s", stderr)
	}
	advice := adviceRe.FindStringSubmatch(stderr)
	if advice == nil || strings.Contains(advice[1], "--resume") {
		t.Fatalf("advice %v, want the same command without --resume:\n%s", advice, stderr)
	}
	os.WriteFile(m, []byte(crashMapping), 0o600) // db_id fixed
	if code, out := runAdvised(t, advice[1]); code != exitRejected {
		t.Fatalf("the advised command after fixing db_id: exit %d\n%s", code, out)
	}
}

// Every refusal gives a command, and it works.
func TestRefusalsAdviseCommandsThatWork(t *testing.T) {
	api := newFakeAPI(t, stopAfter(40))
	dir, in, m := stateDir(t, 200)
	summary := filepath.Join(dir, "summary.json")
	runCmd(t, "", importArgs(api.URL, m, in)...)
	api.set(allOK)
	os.WriteFile(summary, []byte(`{"status":"imported","imported":200}`), 0o600) // last night's

	// A fresh run over the unfinished one: refused, with its summary written.
	code, _, stderr := runCmd(t, "", importArgs(api.URL, m, "--summary", summary, in)...)
	if code != exitRefused {
		t.Fatalf("fresh run over an unfinished one: exit %d, want 4\n%s", code, stderr)
	}
	var sum struct {
		Status  string `json:"status"`
		Stopped string `json:"stopped"`
	}
	b, _ := os.ReadFile(summary)
	if json.Unmarshal(b, &sum); sum.Status != "refused" || !strings.Contains(sum.Stopped, "unfinished") {
		t.Errorf("summary of the refused run: %s", b)
	}
	advice := adviceRe.FindStringSubmatch(stderr)
	if advice == nil || !strings.Contains(advice[1], "--resume") {
		t.Fatalf("no --resume command advised:\n%s", stderr)
	}

	// The mapping changed: --resume is refused, and what it advises works.
	os.WriteFile(m, []byte(crashMapping+"# edited\n"), 0o600)
	code, _, stderr = runCmd(t, "", importArgs(api.URL, m, "--resume", in)...)
	if code != exitRefused {
		t.Fatalf("--resume with a changed mapping: exit %d, want 4\n%s", code, stderr)
	}
	all := adviceRe.FindAllStringSubmatch(stderr, -1)
	if len(all) == 0 {
		t.Fatalf("no command advised:\n%s", stderr)
	}
	last := all[len(all)-1][1]
	if code, out := runAdvised(t, last); code != exitRejected {
		t.Fatalf("the advised %q: exit %d\n%s", last, code, out)
	}

	// Nothing to resume: the plain command is advised.
	code, _, stderr = runCmd(t, "", importArgs(api.URL, m, "--resume", in)...)
	advice = adviceRe.FindStringSubmatch(stderr)
	if code != exitRefused || advice == nil {
		t.Fatalf("--resume with nothing to resume: exit %d\n%s", code, stderr)
	}
	if code, out := runAdvised(t, advice[1]); code != exitRejected {
		t.Fatalf("the advised %q: exit %d\n%s", advice[1], code, out)
	}
}

// A resumed run's summary says what this run did apart from the whole import,
// and its rate is this run's own.
func TestResumedSummarySeparatesTheRuns(t *testing.T) {
	api := newFakeAPI(t, stopAfter(120))
	dir, in, m := stateDir(t, 200)
	summary := filepath.Join(dir, "summary.json")
	runCmd(t, "", importArgs(api.URL, m, in)...)
	api.set(allOK)
	if code, _, stderr := runCmd(t, "", importArgs(api.URL, m, "--resume", "--summary", summary, in)...); code != exitRejected {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
	var sum struct {
		Status         string  `json:"status"`
		Imported       int64   `json:"imported"`
		Rejected       int64   `json:"rejected"`
		ElapsedSeconds float64 `json:"elapsed_seconds"`
		RowsPerSecond  float64 `json:"rows_per_second"`
		Resumed        bool    `json:"resumed"`
		ThisRun        struct {
			Imported, Rejected int64
		} `json:"this_run"`
	}
	b, _ := os.ReadFile(summary)
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Imported+sum.Rejected != 200 || sum.Status != "rejected" || !sum.Resumed {
		t.Errorf("whole import: %s", b)
	}
	this := sum.ThisRun.Imported + sum.ThisRun.Rejected
	if this <= 0 || this >= 200-100 {
		t.Errorf("this run settled %d rows; the first had settled over 120: %s", this, b)
	}
	if settled := sum.RowsPerSecond * sum.ElapsedSeconds; settled > float64(this)+1 {
		t.Errorf("rows_per_second × elapsed = %.0f rows, more than this run settled (%d): the rate counts the earlier run", settled, this)
	}
}

// After a run-wide stop, resuming says how many rows the reject file holds
// that failed only for transient reasons, and gives the command that sends
// them again; that command works.
func TestResumeAfterStopTellsTransientRejects(t *testing.T) {
	api := newFakeAPI(t, func(email string, n int64) (int, string) {
		switch {
		case n > 60:
			return 403, badTok
		case strings.HasSuffix(email, "5@example.com") && !strings.HasSuffix(email, "55@example.com"):
			// Now and then, among rows that succeed: no outage, just
			// rows that outlive their retries.
			return 502, badGate
		}
		return 200, okBody
	})
	dir, in, m := stateDir(t, 200)
	if code, _, stderr := runCmd(t, "", importArgs(api.URL, m, "--outage-wait", "2s", in)...); code != exitFailed {
		t.Fatalf("first run: exit %d, want 1 (a run-wide stop)\n%s", code, stderr)
	}
	api.set(allOK)
	code, _, stderr := runCmd(t, "", importArgs(api.URL, m, "--resume", "--outage-wait", "2s", in)...)
	if code != exitRejected {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
	re := regexp.MustCompile(`holds (\d+) rows rejected for transient failures \(http_502\)`)
	got := re.FindStringSubmatch(stderr)
	if got == nil {
		t.Fatalf("the resume does not tell of the http_502 rows:\n%s", stderr)
	}
	rej, _ := os.ReadFile(filepath.Join(dir, "big.rejects.csv"))
	if n, _ := strconv.Atoi(got[1]); n == 0 || n != strings.Count(string(rej), ",http_502,") {
		t.Errorf("it says %s rows, the reject file holds %d", got[1], strings.Count(string(rej), ",http_502,"))
	}
	advice := adviceRe.FindStringSubmatch(stderr)
	if advice == nil || !strings.Contains(advice[1], "big.rejects.csv") {
		t.Fatalf("no command re-sending the reject file:\n%s", stderr)
	}
	api.sent = map[string]int{}
	code, out := runAdvised(t, advice[1])
	if code != exitRejected { // the invalid rows are rejected again
		t.Fatalf("the advised %q: exit %d\n%s", advice[1], code, out)
	}
	if api.sent["user15@example.com"] == 0 {
		t.Error("the advised command did not send the http_502 row user15 again")
	}
}

// Rows that gave up on a success status without the API's answer (a broken
// proxy's 200) failed for transient reasons too, as the client treats them
// and README says of every http_<status>: the resume notice counts them with
// the rest. (A 429 no longer rejects a row: the run slows down, and stops
// at its slowest pace; issue 23.)
func TestResumeNoticeCountsEveryTransientCode(t *testing.T) {
	api := newFakeAPI(t, func(email string, n int64) (int, string) {
		switch {
		case n > 60:
			return 403, badTok
		case strings.HasSuffix(email, "7@example.com") && !strings.HasSuffix(email, "77@example.com"):
			return 200, `<html>ok</html>`
		}
		return 200, okBody
	})
	dir, in, m := stateDir(t, 200)
	if code, _, stderr := runCmd(t, "", importArgs(api.URL, m, "--outage-wait", "2s", in)...); code != exitFailed {
		t.Fatalf("first run: exit %d, want 1 (a run-wide stop)\n%s", code, stderr)
	}
	rej, _ := os.ReadFile(filepath.Join(dir, "big.rejects.csv"))
	n200 := strings.Count(string(rej), ",http_200_invalid,")
	if n200 == 0 {
		t.Fatalf("the first run rejected no row http_200_invalid:\n%s", rej)
	}
	api.set(allOK)
	code, _, stderr := runCmd(t, "", importArgs(api.URL, m, "--resume", "--outage-wait", "2s", in)...)
	if code != exitRejected {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
	got := regexp.MustCompile(`holds (\d+) rows rejected for transient failures \(([^)]*)\)`).FindStringSubmatch(stderr)
	if got == nil {
		t.Fatalf("the resume does not tell of the http_200_invalid rows:\n%s", stderr)
	}
	if n, _ := strconv.Atoi(got[1]); n != n200 || got[2] != "http_200_invalid" {
		t.Errorf("it says %s rows (%s); the reject file holds %d http_200_invalid", got[1], got[2], n200)
	}
}

// Two runs on the same files: the second exits 4 at once, naming the pid of
// the first.
func TestSecondRunIsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{Latency: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	dir, in, m := stateDir(t, 400)
	args := importArgs(sb.URL, m, in)
	first := exec.Command(bin, args...)
	first.Env = append(os.Environ(), "ALTCRAFT_TOKEN=tok")
	var firstErr bytes.Buffer
	first.Stderr = &firstErr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Process.Kill()
	deadline := time.Now().Add(20 * time.Second)
	for sb.Server.Stats().Requests < 5 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	second := exec.Command(bin, append(args[:len(args)-1], "--resume", in)...)
	second.Env = first.Env
	out, _ := second.CombinedOutput()
	if code := second.ProcessState.ExitCode(); code != exitRefused || !strings.Contains(string(out), fmt.Sprintf("pid %d", first.Process.Pid)) {
		t.Errorf("second run: exit %d, want 4 naming pid %d\n%s", code, first.Process.Pid, out)
	}
	first.Process.Signal(syscall.SIGINT)
	first.Wait()
	if code := first.ProcessState.ExitCode(); code != exitInterrupted {
		t.Errorf("first run: exit %d after SIGINT\n%s", code, firstErr.String())
	}
	// Once the first run has stopped, the lock is free: the second resumes it.
	second = exec.Command(bin, append(args[:len(args)-1], "--resume", "--workers", "16", in)...)
	second.Env = first.Env
	if out, _ := second.CombinedOutput(); second.ProcessState.ExitCode() != exitRejected {
		t.Errorf("after the first run stopped: exit %d\n%s", second.ProcessState.ExitCode(), out)
	}
	_ = dir
}

// A run that fails before it starts — a bad mapping file — still replaces the
// last run's --summary, so a script never reads last night's for tonight's.
func TestFailedStartWritesSummary(t *testing.T) {
	dir, in, m := stateDir(t, 10)
	summary := filepath.Join(dir, "summary.json")
	os.WriteFile(summary, []byte(`{"status":"imported"}`), 0o600)
	os.WriteFile(m, []byte("db_id: 1\nfields:\n  email: { column: nope, type: emial }\n"), 0o600)
	code, _, stderr := runCmd(t, "", importArgs("http://127.0.0.1:1", m, "--summary", summary, in)...)
	if code != exitFailed {
		t.Fatalf("bad mapping: exit %d\n%s", code, stderr)
	}
	var sum struct{ Status, Stopped string }
	b, _ := os.ReadFile(summary)
	if json.Unmarshal(b, &sum); sum.Status != "stopped" || !strings.Contains(sum.Stopped, "mapping") {
		t.Errorf("summary after a bad mapping: %s", b)
	}
}
