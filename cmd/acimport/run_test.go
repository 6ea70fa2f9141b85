package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acimport/acimport/sandbox"
)

func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// copyExamples puts the bundled example in a temp dir, so rejects land there.
func copyExamples(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"customers.csv", "mapping.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestExitCodes(t *testing.T) {
	dir := copyExamples(t)
	m, csv := filepath.Join(dir, "mapping.yaml"), filepath.Join(dir, "customers.csv")
	badMapping := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badMapping, []byte("db_id: 1\nfields:\n  email: { column: E-mail, type: emial }\n"), 0o600)
	tests := []struct {
		Name     string
		Args     []string
		Code     int
		Stderr   string // substring
		Stdout   string // substring
		NoStderr bool
	}{
		{Name: "no arguments", Args: nil, Code: exitUsage, Stderr: "Usage:"},
		{Name: "unknown command", Args: []string{"imprt"}, Code: exitUsage, Stderr: `unknown command "imprt"`},
		{Name: "unknown flag", Args: []string{"import", "--rat", "5", "-m", m, csv}, Code: exitUsage, Stderr: "unknown flag: --rat"},
		{Name: "no mapping", Args: []string{"import", csv}, Code: exitUsage, Stderr: "-m/--mapping FILE is required"},
		{Name: "no input", Args: []string{"check", "-m", m}, Code: exitUsage, Stderr: "no input FILE"},
		{Name: "help", Args: []string{"import", "--help"}, Code: exitOK, Stdout: "--token-file", NoStderr: true},
		{Name: "version", Args: []string{"version"}, Code: exitOK, Stdout: "acimport "},
		{Name: "bad mapping names file and line", Args: []string{"check", "-m", badMapping, csv}, Code: exitFailed, Stderr: "bad.yaml:3"},
		{Name: "missing input file", Args: []string{"check", "-m", m, filepath.Join(dir, "nope.csv")}, Code: exitFailed, Stderr: "nope.csv"},
		{Name: "check with invalid rows", Args: []string{"check", "-m", m, csv}, Code: exitRejected, Stdout: `column "Birthday": 1`},
		{Name: "dry run is check", Args: []string{"import", "--dry-run", "-m", m, csv}, Code: exitRejected, Stdout: "15 rows: 8 valid, 7 invalid"},
		{Name: "import without URL", Args: []string{"import", "-m", m, csv}, Code: exitUsage, Stderr: "no platform URL"},
		{Name: "stdin needs --reject", Args: []string{"import", "--sandbox", "-m", m, "-"}, Code: exitUsage, Stderr: "--reject"},
		{Name: "sandbox on all interfaces without a token", Args: []string{"sandbox", "--listen", "0.0.0.0:0"}, Code: exitUsage, Stderr: "give --token TOKEN"},
		{Name: "--outage-wait must be positive", Args: []string{"import", "--sandbox", "--outage-wait", "0s", "-m", m, csv}, Code: exitUsage, Stderr: "--outage-wait must be positive"},
		{Name: "--batch out of range", Args: []string{"import", "--sandbox", "--batch", "10001", "-m", m, csv}, Code: exitUsage, Stderr: "--batch must be between 1 and 10000"},
		{Name: "unknown --mode", Args: []string{"import", "--sandbox", "--mode", "merge", "-m", m, csv}, Code: exitUsage, Stderr: `unknown mode "merge" (known modes: upsert, update, add)`},
		{Name: "--mode update into an empty sandbox rejects every row", Args: []string{"import", "--sandbox", "--no-progress", "--mode", "update", "-m", m, csv}, Code: exitRejected, Stderr: "api_404"},
	}
	t.Setenv("ALTCRAFT_URL", "")
	t.Setenv("ALTCRAFT_TOKEN", "")
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, "", tc.Args...)
			if code != tc.Code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.Code, stdout, stderr)
			}
			if !strings.Contains(stderr, tc.Stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.Stderr, stderr)
			}
			if !strings.Contains(stdout, tc.Stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.Stdout, stdout)
			}
			if tc.NoStderr && stderr != "" {
				t.Errorf("stderr not empty:\n%s", stderr)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Errorf("stack trace on stderr:\n%s", stderr)
			}
		})
	}
}

// The README's first command: the example file into the in-process sandbox.
// With --batch 100 as well: the same outcome through profiles/import_batch.
func TestImportExampleIntoSandbox(t *testing.T) {
	for _, batch := range []string{"1", "100"} {
		t.Run("batch "+batch, func(t *testing.T) { importExampleIntoSandbox(t, "--batch", batch) })
	}
}

func importExampleIntoSandbox(t *testing.T, flags ...string) {
	dir := copyExamples(t)
	summary := filepath.Join(dir, "summary.json")
	args := append([]string{"import", "--sandbox", "--no-progress", "--summary", summary}, flags...)
	code, _, stderr := runCmd(t, "", append(args, "-m", filepath.Join(dir, "mapping.yaml"), filepath.Join(dir, "customers.csv"))...)
	if code != exitRejected {
		t.Fatalf("exit %d, want %d (some example rows are invalid on purpose)\n%s", code, exitRejected, stderr)
	}
	var sum struct {
		RowsRead int64 `json:"rows_read"`
		Imported int64 `json:"imported"`
		Rejected int64 `json:"rejected"`
	}
	b, _ := os.ReadFile(summary)
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.RowsRead != 15 || sum.Imported != 8 || sum.Rejected != 7 {
		t.Errorf("summary %+v, want 15 read, 8 imported, 7 rejected", sum)
	}
	if !strings.Contains(stderr, "sandbox: 7 profiles stored") {
		t.Errorf("stderr:\n%s", stderr)
	}
	rej, _ := os.ReadFile(filepath.Join(dir, "customers.rejects.csv"))
	if n := bytes.Count(rej, []byte("\n")); n != 8 {
		t.Errorf("reject file has %d lines, want header + 7:\n%s", n, rej)
	}
}

// The token comes from --token-file or ALTCRAFT_TOKEN and reaches the server.
func TestTokenSources(t *testing.T) {
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{Token: "right-token"})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	dir := copyExamples(t)
	args := []string{"import", "--no-progress", "--url", sb.URL, "-m", filepath.Join(dir, "mapping.yaml"), filepath.Join(dir, "customers.csv")}

	t.Setenv("ALTCRAFT_TOKEN", "right-token")
	if code, _, stderr := runCmd(t, "", args...); code != exitRejected {
		t.Fatalf("token from env: exit %d\n%s", code, stderr)
	}

	t.Setenv("ALTCRAFT_TOKEN", "")
	tf := filepath.Join(dir, "token")
	os.WriteFile(tf, []byte("wrong-token\n"), 0o600)
	code, _, stderr := runCmd(t, "", append([]string{args[0], "--token-file", tf}, args[1:]...)...)
	if code != exitFailed || !strings.Contains(stderr, "403") || strings.Contains(stderr, "wrong-token") {
		t.Fatalf("wrong token from file: exit %d, want 1 with the 403 named and the token not shown\n%s", code, stderr)
	}
}

// The GC is tuned for an import that sends, decided from the parsed flags: --sandbox=1 and a
// file named --sandbox are what the flag parser says they are.
func TestGCTunedAfterFlagParsing(t *testing.T) {
	dir := copyExamples(t)
	m, csv := filepath.Join(dir, "mapping.yaml"), filepath.Join(dir, "customers.csv")
	t.Setenv("ALTCRAFT_URL", "")
	tests := []struct {
		Name string
		Args []string
		Want bool
	}{
		{Name: "import", Args: []string{"import", "-m", m, csv}, Want: true},
		{Name: "--sandbox", Args: []string{"import", "--sandbox", "--no-progress", "-m", m, csv}},
		{Name: "--sandbox=1", Args: []string{"import", "--sandbox=1", "--no-progress", "-m", m, csv}},
		{Name: "a file named --sandbox", Args: []string{"import", "-m", m, "--", "--sandbox"}, Want: true},
		{Name: "--dry-run", Args: []string{"import", "--dry-run", "--no-progress", "-m", m, csv}},
		{Name: "check", Args: []string{"check", "--no-progress", "-m", m, csv}},
	}
	defer func() { gcTuner = nil }()
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			tuned := false
			gcTuner = func() { tuned = true }
			runCmd(t, "", tc.Args...)
			if tuned != tc.Want {
				t.Errorf("tuned %v, want %v", tuned, tc.Want)
			}
		})
	}
}
