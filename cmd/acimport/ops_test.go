package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/acimport/acimport/importer"
	"github.com/acimport/acimport/importer/send"
	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/internal/testutil"
)

// Tests of issue 21, the operator's night: the summary on every exit, the metrics file,
// JSON logs, the version, on the real binary.

// opsSummary is the --summary as a monitoring script reads it.
type opsSummary struct {
	Status     string `json:"status"`
	StartedAt  string `json:"started_at"`
	FinishedAt string `json:"finished_at"`
	ExitCode   *int   `json:"exit_code"`
	StopCode   string `json:"stop_code"`
	Version    string `json:"version"`
	Imported   int64  `json:"imported"`
	Rejected   int64  `json:"rejected"`
	raw        map[string]any
}

func readSummary(t *testing.T, path string) opsSummary {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no summary: %v", err)
	}
	var s opsSummary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("summary: %v\n%s", err, b)
	}
	json.Unmarshal(b, &s.raw)
	return s
}

// runBin runs the binary to its end; it returns the exit code and stderr.
func runBin(t *testing.T, bin string, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// validInput writes n rows, every one valid.
func validInput(t *testing.T, dir string, n int) string {
	t.Helper()
	path := filepath.Join(dir, "ok.csv")
	testutil.Customers{Rows: n, Invalid: func(int) bool { return false }}.Write(t, path)
	return path
}

// The summary's fields on each exit the tests can provoke: 0, 1 (by stop_code), 2, 3, 4, 130.
func TestSummaryOnEveryExit(t *testing.T) {
	bin := buildBinary(t)
	version := strings.TrimSpace(strings.TrimPrefix(mustOutput(t, exec.Command(bin, "version")), "acimport "))
	dir, in, m := stateDir(t, 40) // 40 rows, 2 of them invalid
	ok := validInput(t, dir, 10)
	badMapping := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badMapping, []byte("db_id: 1\nfields:\n  email: { column: E-mail, type: emial }\n"), 0o600)
	okAPI := newFakeAPI(t, func(string, int64) (int, string) { return 200, okBody })
	answer := func(status int, body string) string {
		return newFakeAPI(t, func(string, int64) (int, string) { return status, body }).URL
	}
	outage := newFakeAPI(t, func(_ string, n int64) (int, string) {
		if n <= 3 {
			return 200, okBody
		}
		return 502, badGate
	})
	untrusted := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, okBody) }))
	defer untrusted.Close()
	env := []string{"ALTCRAFT_TOKEN=tok"}
	tests := []struct {
		name   string
		args   []string
		code   int
		stop   string
		status string
	}{
		{"all imported", importArgs(okAPI.URL, m, ok), exitOK, "", "imported"},
		{"some rejected", importArgs(okAPI.URL, m, in), exitRejected, "", "rejected"},
		{"unknown flag", importArgs(okAPI.URL, m, "--bogus", in), exitUsage, stopUsage, "stopped"},
		{"bad mapping", importArgs(okAPI.URL, badMapping, in), exitFailed, stopMapping, "stopped"},
		{"missing input", importArgs(okAPI.URL, m, filepath.Join(dir, "nope.csv")), exitFailed, stopInput, "stopped"},
		{"API token required", importArgs(answer(401, `{"error":401,"error_text":"API token required"}`), m, ok), exitFailed, stopTokenRefused, "stopped"},
		{"invalid token", importArgs(answer(403, badTok), m, ok), exitFailed, stopNoAccess, "stopped"},
		{"no such database", importArgs(answer(404, `{"error":404,"error_text":"Database not found"}`), m, ok), exitFailed, stopDatabaseNotFound, "stopped"},
		{"tariff", importArgs(answer(402, `{"error":402,"error_text":"Tariff limit reached"}`), m, ok), exitFailed, stopTariff, "stopped"},
		{"nothing listens", importArgs("http://127.0.0.1:1", m, ok), exitFailed, stopWrongURL, "stopped"},
		{"untrusted certificate", importArgs(untrusted.URL, m, ok), exitFailed, stopCertificate, "stopped"},
		{"outage", importArgs(outage.URL, m, "--outage-wait", "1s", "--retries", "5", in), exitFailed, stopOutage, "stopped"},
		{"max rejects", importArgs(okAPI.URL, m, "--max-rejects", "1", in), exitFailed, stopTooManyRejects, "stopped"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			summary := filepath.Join(t.TempDir(), "nightly.json")
			// Yesterday's summary, which must not stay to be taken for tonight's.
			os.WriteFile(summary, []byte(`{"status":"imported","exit_code":0}`), 0o600)
			args := append(append([]string{}, tc.args[:1]...), append([]string{"--summary", summary}, tc.args[1:]...)...)
			code, stderr := runBin(t, bin, env, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, stderr)
			}
			checkSummary(t, readSummary(t, summary), tc.code, tc.stop, tc.status, version)
			// Whatever the outcome, the state is left as the run leaves it: start afresh.
			os.Remove(filepath.Join(dir, "big.rejects.state"))
		})
	}

	// 130 and then 4: a run interrupted leaves its state, which a fresh run refuses.
	t.Run("interrupted, then refused", func(t *testing.T) {
		slow := newFakeAPI(t, func(string, int64) (int, string) { time.Sleep(20 * time.Millisecond); return 200, okBody })
		summary := filepath.Join(t.TempDir(), "nightly.json")
		cmd := exec.Command(bin, append([]string{"import", "--summary", summary}, importArgs(slow.URL, m, in)[1:]...)...)
		cmd.Env = append(os.Environ(), env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for slow.n.Load() < 5 {
			time.Sleep(5 * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
			t.Fatalf("exit %d, want 130\n%s", code, stderr.String())
		}
		checkSummary(t, readSummary(t, summary), exitInterrupted, stopInterrupted, "interrupted", version)

		code, out := runBin(t, bin, env, append([]string{"import", "--summary", summary}, importArgs(slow.URL, m, in)[1:]...)...)
		if code != exitRefused {
			t.Fatalf("exit %d, want 4\n%s", code, out)
		}
		checkSummary(t, readSummary(t, summary), exitRefused, stopStateRefused, "refused", version)
	})
}

func checkSummary(t *testing.T, s opsSummary, code int, stop, status, version string) {
	t.Helper()
	if s.ExitCode == nil || *s.ExitCode != code {
		t.Errorf("exit_code %v, want %d: %v", s.ExitCode, code, s.raw)
	}
	if _, has := s.raw["stop_code"]; s.StopCode != stop || (stop == "" && has) {
		t.Errorf("stop_code %q, want %q (absent when the run finished): %v", s.StopCode, stop, s.raw)
	}
	if s.Status != status {
		t.Errorf("status %q, want %q", s.Status, status)
	}
	if s.Version != version || version == "" {
		t.Errorf("version %q, want %q (as acimport version says)", s.Version, version)
	}
	start, err1 := time.Parse(time.RFC3339, s.StartedAt)
	end, err2 := time.Parse(time.RFC3339, s.FinishedAt)
	if err1 != nil || err2 != nil || end.Before(start) || time.Since(start) > time.Hour {
		t.Errorf("started_at %q, finished_at %q: not RFC 3339 times of this run (%v, %v)", s.StartedAt, s.FinishedAt, err1, err2)
	}
}

func mustOutput(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	return string(out)
}

// The stop codes come from the errors' types, for those the binary tests cannot provoke quickly.
func TestOutcomeFromTypes(t *testing.T) {
	tests := []struct {
		err  error
		code int
		stop string
	}{
		{nil, exitOK, ""},
		{errRejected, exitRejected, ""},
		{fmt.Errorf("send: %w", &send.APIDownError{Failures: 50, Last: "connection reset"}), exitFailed, stopAPIDown},
		{&send.OutageError{}, exitFailed, stopOutage},
		{importer.Mark(importer.ErrRefused, importer.ErrLocked), exitRefused, stopStateRefused},
		{fmt.Errorf("run: %w", &altcraft.APIError{Code: 403, Text: "Forbidden"}), exitFailed, stopNoAccess},
		{importer.Mark(altcraft.ErrCertificate, errors.New("not trusted")), exitFailed, stopCertificate},
		{fmt.Errorf("write the reject file: %w", fs.ErrPermission), exitFailed, stopIO},
		{importer.ErrInterrupted, exitInterrupted, stopInterrupted},
	}
	for _, tc := range tests {
		if code, stop := outcome(tc.err); code != tc.code || stop != tc.stop {
			t.Errorf("%v: exit %d, stop_code %q; want %d, %q", tc.err, code, stop, tc.code, tc.stop)
		}
	}
}

// parseMetrics parses a metrics file with the Prometheus parser.
func parseMetrics(t *testing.T, path string) map[string]*dto.MetricFamily {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(f)
	if err != nil {
		b, _ := os.ReadFile(path)
		t.Fatalf("the metrics file does not parse: %v\n%s", err, b)
	}
	return fams
}

// value is the one sample of name whose labels include want.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, want ...string) float64 {
	t.Helper()
	mf, ok := fams[name]
	if !ok {
		t.Fatalf("no %s", name)
	}
	if mf.GetHelp() == "" {
		t.Errorf("%s has no HELP", name)
	}
next:
	for _, m := range mf.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(want); i += 2 {
			if labels[want[i]] != want[i+1] {
				continue next
			}
		}
		if m.Counter != nil {
			return m.Counter.GetValue()
		}
		return m.Gauge.GetValue()
	}
	t.Fatalf("no %s%v", name, want)
	return 0
}

// --metrics-file, parsed with the Prometheus parser while the run goes on and after it; the
// last success is kept from the previous file when a run does not succeed.
func TestMetricsFile(t *testing.T) {
	bin := buildBinary(t)
	dir, in, m := stateDir(t, 100)
	metrics := filepath.Join(dir, "acimport.prom")
	os.WriteFile(metrics, []byte("# TYPE acimport_last_success_timestamp_seconds gauge\nacimport_last_success_timestamp_seconds 1.7e+09\n"), 0o644)
	slow := newFakeAPI(t, func(string, int64) (int, string) { time.Sleep(10 * time.Millisecond); return 200, okBody })
	cmd := exec.Command(bin, append([]string{"import", "--metrics-file", metrics}, importArgs(slow.URL, m, in)[1:]...)...)
	cmd.Env = append(os.Environ(), "ALTCRAFT_TOKEN=tok")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The file is rewritten as sending starts: wait for the run's own.
	var during map[string]*dto.MetricFamily
	for during == nil {
		if _, err := os.Stat(metrics); err == nil {
			if fams := parseMetrics(t, metrics); fams["acimport_running"] != nil {
				during = fams
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	if v := value(t, during, "acimport_running", "db_id", "1"); v != 1 {
		t.Errorf("acimport_running %v during the run", v)
	}
	if v := value(t, during, "acimport_last_success_timestamp_seconds"); v != 1.7e9 {
		t.Errorf("during the run, the last success is not the previous one: %v", v)
	}
	value(t, during, "acimport_build_info")
	if err := cmd.Wait(); cmd.ProcessState.ExitCode() != exitRejected {
		t.Fatalf("exit %v, want 3\n%s", err, stderr.String())
	}
	after := parseMetrics(t, metrics)
	for name, want := range map[string]float64{"acimport_running": 0, "acimport_last_run_exit_code": 3, "acimport_retries_total": 0, "acimport_throttled_total": 0, "acimport_replayed_total": 0} {
		if v := value(t, after, name); v != want {
			t.Errorf("%s = %v, want %v", name, v, want)
		}
	}
	if v := value(t, after, "acimport_rows_total", "outcome", "imported"); v != 95 {
		t.Errorf("imported %v, want 95", v)
	}
	if v := value(t, after, "acimport_rows_total", "outcome", "rejected"); v != 5 {
		t.Errorf("rejected %v, want 5", v)
	}
	if v := value(t, after, "acimport_rejects_total", "code", "invalid_value"); v != 5 {
		t.Errorf("rejects_total{code=invalid_value} %v, want 5", v)
	}
	success := value(t, after, "acimport_last_success_timestamp_seconds")
	if success < float64(time.Now().Add(-time.Hour).Unix()) || value(t, after, "acimport_last_run_duration_seconds") <= 0 {
		t.Errorf("last success %v: not this run's", success)
	}

	// A run that stops (here: a usage error) keeps the last success and says its exit code.
	if code, out := runBin(t, bin, nil, "import", "--metrics-file", metrics, "--bogus", in); code != exitUsage {
		t.Fatalf("exit %d\n%s", code, out)
	}
	failed := parseMetrics(t, metrics)
	if v := value(t, failed, "acimport_last_success_timestamp_seconds"); v != success {
		t.Errorf("a failed run moved the last success: %v, was %v", v, success)
	}
	if v := value(t, failed, "acimport_last_run_exit_code"); v != exitUsage {
		t.Errorf("acimport_last_run_exit_code %v, want 2", v)
	}
	if v := value(t, failed, "acimport_last_run_status", "stop_code", "usage"); v != 1 {
		t.Errorf("acimport_last_run_status{stop_code=usage} %v", v)
	}
}

// Every line of --log-format json is a JSON object with time, level and msg: the start, the
// estimate, notices, the summary as one event, errors; usage errors too.
func TestJSONLogs(t *testing.T) {
	bin := buildBinary(t)
	dir, in, m := stateDir(t, 40)
	tokenFile := filepath.Join(dir, "token")
	os.WriteFile(tokenFile, []byte("tok\n"), 0o644) // a warning
	api := newFakeAPI(t, func(string, int64) (int, string) { return 200, okBody })
	args := []string{"import", "--log-format", "json", "--url", api.URL, "--token-file", tokenFile, "--rate", "1000", "-m", m, in}
	code, stderr := runBin(t, bin, nil, args...)
	if code != exitRejected {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	events := jsonLines(t, stderr)
	want := map[string]bool{"importing": false, "estimate": false, "summary": false}
	for _, e := range events {
		msg, _ := e["msg"].(string)
		if _, ok := want[msg]; ok {
			want[msg] = true
		}
		if strings.HasPrefix(msg, "warning: the token file") && e["level"] != "WARN" {
			t.Errorf("the warning's level: %v", e)
		}
		if msg == "summary" && (e["exit_code"] != float64(3) || e["imported"] != float64(38) || e["rejected"] != float64(2) || e["level"] != "WARN") {
			t.Errorf("the summary event: %v", e)
		}
		if msg == "importing" && (e["db_id"] != float64(1) || e["url"] != api.URL) {
			t.Errorf("the start event: %v", e)
		}
	}
	for msg, seen := range want {
		if !seen {
			t.Errorf("no %q event:\n%s", msg, stderr)
		}
	}
	// A usage error, and a stop: JSON too, the error an event with its exit and stop codes.
	for _, args := range [][]string{
		{"import", "--log-format", "json", "--bogus", in},
		{"import", "--log-format=json", "--url", "http://127.0.0.1:1", "--token-file", tokenFile, "-m", m, in},
	} {
		code, stderr := runBin(t, bin, nil, args...)
		var errEvent map[string]any
		for _, e := range jsonLines(t, stderr) {
			if e["level"] == "ERROR" && e["msg"] != "summary" {
				errEvent = e
			}
		}
		if errEvent == nil || errEvent["exit_code"] != float64(code) || errEvent["stop_code"] == "" {
			t.Errorf("%v: exit %d; no error event with its codes:\n%s", args, code, stderr)
		}
	}
}

func jsonLines(t *testing.T, text string) []map[string]any {
	t.Helper()
	var events []map[string]any
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Errorf("not a JSON line: %q", sc.Text())
			continue
		}
		if _, err := time.Parse(time.RFC3339Nano, fmt.Sprint(e["time"])); err != nil || e["level"] == nil || e["msg"] == nil {
			t.Errorf("a line without time, level, msg: %q", sc.Text())
		}
		events = append(events, e)
	}
	if len(events) == 0 {
		t.Error("no events")
	}
	return events
}

// `acimport version` of a binary built from a git checkout names its revision and time.
func TestVersionFromCheckout(t *testing.T) {
	if testing.Short() {
		t.Skip("copies the module and builds it")
	}
	git, err := exec.LookPath("git")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is needed: apt-get install git")
		}
		t.Skip("no git")
	}
	// A checkout of the module as it is (the go command stamps only a .git folder, not a
	// worktree's .git file): copied, committed, built with VCS stamping on.
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	repo := t.TempDir()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		switch {
		case d.Name() == ".git" && d.IsDir():
			return filepath.SkipDir
		case d.Name() == ".git":
			return nil // a worktree's .git file: copied, it would point git at the worktree
		case d.IsDir():
			return os.MkdirAll(filepath.Join(repo, rel), 0o755)
		case !d.Type().IsRegular():
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(repo, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	// GIT_DIR and GIT_WORK_TREE pin every git command to the copy, whatever surrounds it.
	gitEnv := append(os.Environ(), "GIT_DIR="+filepath.Join(repo, ".git"), "GIT_WORK_TREE="+repo, "GIT_CEILING_DIRECTORIES="+filepath.Dir(repo), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_AUTHOR_DATE=2026-12-01T10:00:00Z", "GIT_COMMITTER_DATE=2026-12-01T10:00:00Z")
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"commit", "-q", "-m", "release"}, {"tag", "v0.4.0"}} {
		cmd := exec.Command(git, args...)
		cmd.Dir, cmd.Env = repo, gitEnv
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	rev := exec.Command(git, "rev-parse", "--short=7", "HEAD")
	rev.Dir, rev.Env = repo, gitEnv
	revision := strings.TrimSpace(mustOutput(t, rev))
	bin := filepath.Join(t.TempDir(), "acimport")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, "./cmd/acimport")
	build.Dir, build.Env = repo, append(os.Environ(), "GOFLAGS=-buildvcs=true")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	got := strings.TrimSpace(mustOutput(t, exec.Command(bin, "version")))
	if want := "acimport v0.4.0 (" + revision + ", 2026-12-01T10:00:00Z)"; got != want {
		t.Errorf("acimport version: %q, want %q", got, want)
	}
}

// A token mounted the Kubernetes way (a symlink into ..data, mode 0644, read-only) gets
// advice that can be followed there: defaultMode, not chmod.
func TestKubernetesTokenAdvice(t *testing.T) {
	dir := t.TempDir()
	ts := filepath.Join(dir, "..2026_12_02_01_00_00.123")
	os.Mkdir(ts, 0o755)
	os.WriteFile(filepath.Join(ts, "token"), []byte("tok\n"), 0o644)
	os.Symlink(filepath.Base(ts), filepath.Join(dir, "..data"))
	tokenFile := filepath.Join(dir, "token")
	os.Symlink(filepath.Join("..data", "token"), tokenFile)
	os.Chmod(ts, 0o555) // read-only, as the mount is
	t.Cleanup(func() { os.Chmod(ts, 0o755) })
	var b bytes.Buffer
	if tok, err := readToken(tokenFile, &b); err != nil || tok != "tok" {
		t.Fatalf("token %q, %v", tok, err)
	}
	if s := b.String(); !strings.Contains(s, "defaultMode: 0400") || strings.Contains(s, "chmod 600") {
		t.Errorf("advice for a Kubernetes secret: %q", s)
	}
	// Elsewhere, chmod is the advice.
	plain := filepath.Join(t.TempDir(), "token")
	os.WriteFile(plain, []byte("tok\n"), 0o644)
	b.Reset()
	readToken(plain, &b)
	if !strings.Contains(b.String(), "run: chmod 600 "+plain) {
		t.Errorf("advice for a plain file: %q", b.String())
	}
}
