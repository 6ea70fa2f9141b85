package importer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/acimport/acimport/mapping"
)

func writeInputs(t *testing.T, files map[string]string) (dir string, paths []string) {
	t.Helper()
	dir = t.TempDir()
	for _, name := range []string{"a.csv", "b.csv", "c.csv"} {
		if text, ok := files[name]; ok {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			paths = append(paths, p)
		}
	}
	return dir, paths
}

func testCheck(t *testing.T, mappingText string, cfg CheckConfig) (*CheckReport, string, error) {
	t.Helper()
	m, err := mapping.Parse(strings.NewReader(mappingText), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cfg.Mapping, cfg.Report = m, &out
	rep, err := Check(context.Background(), cfg)
	return rep, out.String(), err
}

// The totals are the report's last lines, after the request bodies and the problems; with
// several inputs, a line for each comes before them.
func TestCheckTotalsLast(t *testing.T) {
	_, paths := writeInputs(t, map[string]string{
		"a.csv": "Email;Name;Id\na@example.com;A;1\nb@example.com;B;x\n",
		"b.csv": "Email;Name;Id\nc@example.com;C;3\n",
	})
	_, out, err := testCheck(t, testMapping, CheckConfig{Files: paths[:1]})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out, "\n\n2 rows: 1 valid, 1 invalid\n") || !strings.Contains(out, "request 1:") {
		t.Errorf("one input: the totals are not the last line:\n%s", out)
	}
	_, out, err = testCheck(t, testMapping, CheckConfig{Files: paths})
	if err != nil {
		t.Fatal(err)
	}
	want := "\n\n" + paths[0] + ": 2 rows: 1 valid, 1 invalid\n" + paths[1] + ": 1 rows: 1 valid, 0 invalid\ntotal: 3 rows: 2 valid, 1 invalid\n"
	if !strings.HasSuffix(out, want) {
		t.Errorf("two inputs: the report does not end with\n%s\ngot:\n%s", want, out)
	}
}

// --reject writes every invalid row in the reject file's form: checking that file again
// finds the same rows invalid, at their original lines.
func TestCheckRejectFile(t *testing.T) {
	dir, paths := writeInputs(t, map[string]string{
		"a.csv": "Email;Name;Id\na@example.com;A;1\nb@example.com;B;x\n;C;3\nd@example.com;D\n",
	})
	reject := filepath.Join(dir, "invalid.csv")
	rep, out, err := testCheck(t, testMapping, CheckConfig{Files: paths, RejectPath: reject})
	if err != nil || rep.Invalid != 3 {
		t.Fatalf("report %+v, err %v", rep, err)
	}
	if !strings.HasSuffix(out, "4 rows: 1 valid, 3 invalid\nthe invalid rows are in "+reject+", in the reject file's form: fix them there and check it again\n") {
		t.Errorf("the report does not name the reject file last:\n%s", out)
	}
	got, err := os.ReadFile(reject)
	if err != nil {
		t.Fatal(err)
	}
	want := "Email;Name;Id;reject_line;reject_code;reject_reason\n" +
		`b@example.com;B;x;3;invalid_value;"column ""Id"": ""x"" is not an integer"` + "\n" +
		`;C;3;4;missing_key;"empty matching key: column ""Email"" is empty"` + "\n"
	if !strings.HasPrefix(string(got), want) || strings.Count(string(got), "\n") != 4 || !strings.Contains(string(got), ";5;csv;") {
		t.Errorf("reject file:\n%s\nwant it to start with:\n%s and hold the csv row of line 5", got, want)
	}
	rep2, _, err := testCheck(t, testMapping, CheckConfig{Files: []string{reject}, RejectPath: filepath.Join(dir, "again.csv")})
	if err != nil || rep2.Invalid != 3 || rep2.Valid != 0 {
		t.Fatalf("checking the reject file: report %+v, err %v", rep2, err)
	}
	// The rows that parse come back exactly, at their original lines. (A row that cannot be
	// parsed is compared by csvio's reject tests: its reject columns cannot be told apart.)
	again, _ := os.ReadFile(filepath.Join(dir, "again.csv"))
	if !strings.HasPrefix(string(again), want) {
		t.Errorf("the reject file of the reject file:\n%s\nwant it to start with:\n%s", again, want)
	}
}

func TestCheckRejectFileIsNotAnInput(t *testing.T) {
	_, paths := writeInputs(t, map[string]string{"a.csv": "Email;Name;Id\na@example.com;A;1\n"})
	_, _, err := testCheck(t, testMapping, CheckConfig{Files: paths, RejectPath: paths[0]})
	if !errors.Is(err, ErrUsage) {
		t.Fatalf("err = %v, want a usage error", err)
	}
	if b, _ := os.ReadFile(paths[0]); string(b) != "Email;Name;Id\na@example.com;A;1\n" {
		t.Errorf("the input was changed: %s", b)
	}
}

// A date column in the wrong format: the report says which format the failing values fit.
func TestCheckSuggestsDateFormat(t *testing.T) {
	_, paths := writeInputs(t, map[string]string{
		"a.csv": "Email;Birthday\na@example.com;15.01.1990\nb@example.com;03.11.1985\n",
	})
	const m = "db_id: 1\ncsv: { delimiter: \";\" }\nfields:\n  email: { column: Email, type: email }\n  _bdate: { column: Birthday, type: date, format: YYYY-MM-DD }\n"
	_, out, err := testCheck(t, m, CheckConfig{Files: paths})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"15.01.1990" — not a date in the form YYYY-MM-DD; it looks like DD.MM.YYYY`,
		`the column looks like DD.MM.YYYY, not YYYY-MM-DD: set format: "DD.MM.YYYY" in the mapping (2 of the 2 values that failed fit it)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %s:\n%s", want, out)
		}
	}
}

// The progress display of a check follows the rows checked, and its last frame is the totals.
func TestCheckProgressLastFrame(t *testing.T) {
	var in strings.Builder
	in.WriteString("Email;Name;Id\n")
	for i := range 3000 {
		if i%10 == 0 {
			in.WriteString("bad;N;1\n")
			continue
		}
		in.WriteString("u" + itoa(i) + "@example.com;N;1\n")
	}
	_, paths := writeInputs(t, map[string]string{"a.csv": in.String()})
	var stderr bytes.Buffer
	_, _, err := testCheck(t, testMapping, CheckConfig{Files: paths, Progress: ProgressBar, Stderr: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	frames := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\r")
	last := frames[len(frames)-1]
	if !strings.Contains(last, "3,000 of 3,000 rows: 2,700 valid, 300 invalid") || !strings.Contains(last, "100%") {
		t.Errorf("last frame %q", last)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// Check returns only once its reader, converters and progress display are done, whether it
// finishes or stops half-way.
func TestCheckJoinsItsGoroutines(t *testing.T) {
	var in strings.Builder
	in.WriteString("Email;Name;Id\n")
	for i := range 20 * chunkRows {
		in.WriteString("u" + itoa(i) + "@example.com;N;1\n")
	}
	_, paths := writeInputs(t, map[string]string{"a.csv": in.String()})
	m, err := mapping.Parse(strings.NewReader(testMapping), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, stop := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		hook := func(seq int64) {
			if stop && seq == 3 {
				cancel()
			}
		}
		_, err := check(ctx, CheckConfig{Mapping: m, Files: paths, Report: io.Discard, Stderr: io.Discard, Workers: 4,
			Progress: ProgressLog, convertHook: hook})
		cancel()
		if stop != (err == ErrInterrupted) {
			t.Fatalf("stop %v: err %v", stop, err)
		}
		// The check's own goroutines, found by their frames: a count of all goroutines also
		// sees earlier tests' servers winding down, which made this test fail on loaded machines.
		if left := goroutinesIn("acimport/importer.", "acimport/internal/csvio.", "acimport/mapping."); len(left) > 0 {
			t.Errorf("stop %v: %d goroutines of the check still run after it returned:\n%s", stop, len(left), strings.Join(left, "\n\n"))
		}
	}
}

// goroutinesIn are the stacks of the goroutines, other than the caller's, with a frame in one of
// the packages (import path prefixes ending in "."), each as runtime.Stack writes it.
func goroutinesIn(pkgs ...string) []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var found []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 {
			continue // the caller's own
		}
		for _, p := range pkgs {
			if strings.Contains(g, p) {
				found = append(found, g)
				break
			}
		}
	}
	return found
}
