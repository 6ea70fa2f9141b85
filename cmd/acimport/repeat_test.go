package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/acimport/acimport/sandbox"
)

// pointsMapping credits each member's Points by the file's Bonus: an update
// function, so applying a row twice credits it twice.
const pointsMapping = "db_id: 1\nfields:\n  email: { column: email, type: email }\n  Points: { column: bonus, type: int, action: incr }\n"

// setMapping sets the same column: a repeat leaves the platform as it was.
const setMapping = "db_id: 1\nfields:\n  email: { column: email, type: email }\n  Points: { column: bonus, type: int }\n"

// deltaFile writes a night's delta: n members, member i credited i+1 points.
func deltaFile(t *testing.T, dir, name string, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("email,bonus\n")
	for i := range n {
		fmt.Fprintf(&b, "member%d@example.com,%d\n", i, i+1)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// points is each member's Points as the sandbox holds them.
func points(sb *sandbox.Instance) map[string]float64 {
	out := map[string]float64{}
	for _, p := range sb.Server.Profiles() {
		email, _ := p.Data["email"].(string)
		v, _ := p.Data["Points"].(float64)
		if n, ok := p.Data["Points"].(json.Number); ok {
			v, _ = n.Float64()
		}
		if i, ok := p.Data["Points"].(int64); ok {
			v = float64(i)
		}
		out[email] = v
	}
	return out
}

func checkPoints(t *testing.T, sb *sandbox.Instance, n int, times float64) {
	t.Helper()
	got := points(sb)
	if len(got) != n {
		t.Fatalf("%d profiles stored, want %d", len(got), n)
	}
	for i := range n {
		if v := got[fmt.Sprintf("member%d@example.com", i)]; v != times*float64(i+1) {
			t.Fatalf("member%d has %v points, want %v", i, v, times*float64(i+1))
		}
	}
}

// Issue 18, item 4: the same delta file run twice (cron fired twice, or an
// operator re-ran it) applied every delta twice, exit 0. The second run is
// refused (exit 4) naming the first run's time, why, and --again; --again
// applies it again; a set-only mapping re-runs freely.
func TestSameDeltaTwiceIsRefused(t *testing.T) {
	t.Setenv("ALTCRAFT_TOKEN", "tok")
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	dir := t.TempDir()
	in := deltaFile(t, dir, "delta.csv", 50)
	m := filepath.Join(dir, "points.yaml")
	os.WriteFile(m, []byte(pointsMapping), 0o600)
	summary := filepath.Join(dir, "summary.json")

	if code, _, stderr := runCmd(t, "", importArgs(sb.URL, m, in)...); code != exitOK {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	checkPoints(t, sb, 50, 1)
	record := filepath.Join(dir, "delta.rejects.done")
	if _, err := os.Stat(record); err != nil {
		t.Fatalf("the completed import is not remembered beside its reject file: %v", err)
	}

	requests := sb.Server.Stats().Requests
	code, _, stderr := runCmd(t, "", importArgs(sb.URL, m, "--summary", summary, in)...)
	if code != exitRefused {
		t.Fatalf("the same delta again: exit %d, want 4\n%s", code, stderr)
	}
	if got := sb.Server.Stats().Requests; got != requests {
		t.Errorf("the refused run sent %d requests", got-requests)
	}
	checkPoints(t, sb, 50, 1)
	for _, want := range []string{"delta.csv", "Points uses action incr", record, "--again"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the refusal does not name %q:\n%s", want, stderr)
		}
	}
	if !regexp.MustCompile(`at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d`).MatchString(stderr) {
		t.Errorf("the refusal does not name the earlier run's time:\n%s", stderr)
	}
	var sum struct {
		Status   string
		StopCode string `json:"stop_code"`
		ExitCode int    `json:"exit_code"`
	}
	b, _ := os.ReadFile(summary)
	if json.Unmarshal(b, &sum); sum.Status != "refused" || sum.StopCode != "already_imported" || sum.ExitCode != exitRefused {
		t.Errorf("summary of the refused run: %s", b)
	}

	advice := adviceRe.FindStringSubmatch(stderr)
	if advice == nil || !strings.Contains(advice[1], "--again") {
		t.Fatalf("no command with --again advised:\n%s", stderr)
	}
	if code, out := runAdvised(t, advice[1]); code != exitOK {
		t.Fatalf("the advised %q: exit %d\n%s", advice[1], code, out)
	}
	checkPoints(t, sb, 50, 2)

	// The same bytes under another name are the same delta.
	copyIn := filepath.Join(dir, "delta-copy.csv")
	raw, _ := os.ReadFile(in)
	os.WriteFile(copyIn, raw, 0o600)
	if code, _, stderr := runCmd(t, "", importArgs(sb.URL, m, "--reject", filepath.Join(dir, "delta.rejects.csv"), copyIn)...); code != exitRefused {
		t.Fatalf("a copy of the delta: exit %d, want 4\n%s", code, stderr)
	}
	// Another night's delta, as big, differs in its bytes: imported.
	os.WriteFile(in, []byte(strings.Replace(string(raw), "member0@example.com,1", "member0@example.com,9", 1)), 0o600)
	if code, _, stderr := runCmd(t, "", importArgs(sb.URL, m, in)...); code != exitOK {
		t.Fatalf("a different delta of the same size: exit %d\n%s", code, stderr)
	}
}

func TestSetOnlyMappingReRunsFreely(t *testing.T) {
	t.Setenv("ALTCRAFT_TOKEN", "tok")
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	dir := t.TempDir()
	in := deltaFile(t, dir, "full.csv", 30)
	m := filepath.Join(dir, "set.yaml")
	os.WriteFile(m, []byte(setMapping), 0o600)
	for run := 1; run <= 2; run++ {
		if code, _, stderr := runCmd(t, "", importArgs(sb.URL, m, in)...); code != exitOK {
			t.Fatalf("run %d of a set-only mapping: exit %d\n%s", run, code, stderr)
		}
	}
	checkPoints(t, sb, 30, 1)
	if _, err := os.Stat(filepath.Join(dir, "full.rejects.done")); err == nil {
		t.Error("a set-only import was recorded: it is never refused, so nothing needs remembering")
	}
	// --mode add makes it non-idempotent: remembered, and a repeat refused.
	fresh, err := sandbox.Start("127.0.0.1:0", sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	for run, want := range []int{exitOK, exitRefused} {
		if code, _, stderr := runCmd(t, "", importArgs(fresh.URL, m, "--mode", "add", in)...); code != want {
			t.Fatalf("--mode add, run %d: exit %d, want %d\n%s", run+1, code, want, stderr)
		}
	}
}

// Standard input cannot be read twice: it is not checked before sending, but
// a completed import of it is remembered, so the same bytes as a file are refused.
func TestStdinDeltaIsRemembered(t *testing.T) {
	t.Setenv("ALTCRAFT_TOKEN", "tok")
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	dir := t.TempDir()
	in := deltaFile(t, dir, "delta.csv", 20)
	raw, _ := os.ReadFile(in)
	m := filepath.Join(dir, "points.yaml")
	os.WriteFile(m, []byte(pointsMapping), 0o600)
	rej := filepath.Join(dir, "delta.rejects.csv")
	code, _, stderr := runCmd(t, string(raw), importArgs(sb.URL, m, "--reject", rej, "-")...)
	if code != exitOK || !strings.Contains(stderr, "standard input cannot be read twice") {
		t.Fatalf("stdin: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runCmd(t, "", importArgs(sb.URL, m, in)...); code != exitRefused {
		t.Fatalf("the same bytes as a file after stdin: exit %d, want 4\n%s", code, stderr)
	}
	checkPoints(t, sb, 20, 1)
}

// An import completed by --resume is remembered as the whole input, though
// this run read only its unfinished part after proving the rest: a repeat is refused.
func TestResumedDeltaIsRemembered(t *testing.T) {
	api := newFakeAPI(t, stopAfter(40))
	dir, in, _ := stateDir(t, 200)
	m := filepath.Join(dir, "points.yaml")
	os.WriteFile(m, []byte(strings.Replace(crashMapping, "CRM_ID: { column: id, type: int }", "CRM_ID: { column: id, type: int, action: incr }", 1)), 0o600)
	if code, _, stderr := runCmd(t, "", importArgs(api.URL, m, in)...); code != exitFailed {
		t.Fatalf("first run should stop on the 403: exit %d\n%s", code, stderr)
	}
	api.set(allOK)
	if code, _, stderr := runCmd(t, "", importArgs(api.URL, m, "--resume", in)...); code != exitRejected {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
	before := api.n.Load()
	code, _, stderr := runCmd(t, "", importArgs(api.URL, m, "--resume=auto", in)...)
	if code != exitRefused || !strings.Contains(stderr, "--again") {
		t.Fatalf("the completed import again (--resume=auto): exit %d, want 4\n%s", code, stderr)
	}
	if api.n.Load() != before {
		t.Error("the refused run sent requests")
	}
}
