package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acimport/acimport/sandbox"
)

// An empty token file is the same mistake as no token at all: the same exit code, a message
// that says what to do.
func TestEmptyTokenFileIsNoToken(t *testing.T) {
	dir := copyExamples(t)
	m, csv, tf := filepath.Join(dir, "mapping.yaml"), filepath.Join(dir, "customers.csv"), filepath.Join(dir, "token")
	os.WriteFile(tf, []byte(" \n"), 0o600)
	t.Setenv("ALTCRAFT_TOKEN", "")
	args := []string{"import", "--url", "https://127.0.0.1:1", "--no-progress", "-m", m, csv}
	missing, _, stderrMissing := runCmd(t, "", args...)
	empty, _, stderrEmpty := runCmd(t, "", append(args, "--token-file", tf)...)
	if missing != exitUsage || empty != missing {
		t.Errorf("no token: exit %d; empty token file: exit %d; want both %d", missing, empty, exitUsage)
	}
	if want := "acimport: no API token: set ALTCRAFT_TOKEN or give --token-file\n"; firstLine(stderrMissing) != want {
		t.Errorf("no token: %q, want %q", firstLine(stderrMissing), want)
	}
	if want := "acimport: no API token: the --token-file " + tf + " is empty; put the token in it, or set ALTCRAFT_TOKEN\n"; firstLine(stderrEmpty) != want {
		t.Errorf("empty token file: %q, want %q", firstLine(stderrEmpty), want)
	}
}

// firstLine is s up to and with its first line break.
func firstLine(s string) string {
	for i := range len(s) {
		if s[i] == '\n' {
			return s[:i+1]
		}
	}
	return s
}

// The whole first line of stderr, for each exit code: what a script's log shows first.
func TestStderrFirstLinePerExitCode(t *testing.T) {
	dir := t.TempDir()
	valid, invalid, m := filepath.Join(dir, "valid.csv"), filepath.Join(dir, "invalid.csv"), filepath.Join(dir, "m.yaml")
	os.WriteFile(valid, []byte("email\na@example.com\n"), 0o600)
	os.WriteFile(invalid, []byte("email\nnot-an-email\n"), 0o600)
	os.WriteFile(m, []byte("db_id: 1\nfields:\n  email: { column: email, type: email }\n"), 0o600)
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	t.Setenv("ALTCRAFT_TOKEN", "tok")
	start := func(file string) string {
		return "importing " + file + " into " + sb.URL + ": database 1, mode upsert (profiles/import), matching email; --rate 10 requests/s, --workers 8, --batch 1\n"
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		Name  string
		Setup func()
		Ctx   context.Context
		Args  []string
		Code  int
		First string
		Last  string
	}{
		{Name: "0 every row imported", Args: []string{"import", "--url", sb.URL, "--no-progress", "-m", m, valid}, Code: exitOK, First: start(valid)},
		{Name: "1 the run stopped", Args: []string{"import", "--url", sb.URL, "-m", m, filepath.Join(dir, "nope.csv")}, Code: exitFailed,
			First: "acimport: open " + filepath.Join(dir, "nope.csv") + ": no such file or directory\n"},
		{Name: "2 usage", Args: []string{"import", "--rat", "5"}, Code: exitUsage, First: "acimport: import: unknown flag: --rat\n",
			Last: "Run \"acimport --help\" for usage.\n"},
		{Name: "3 rows rejected", Args: []string{"import", "--url", sb.URL, "--no-progress", "-m", m, invalid}, Code: exitRejected, First: start(invalid)},
		{Name: "4 refused", Setup: func() { os.WriteFile(filepath.Join(dir, "valid.rejects.state"), []byte("x"), 0o600) },
			Args: []string{"import", "--url", sb.URL, "--no-progress", "-m", m, valid}, Code: exitRefused,
			First: "acimport: " + filepath.Join(dir, "valid.rejects.state") + " holds the state of an unfinished run that does not fit this one: state file " +
				filepath.Join(dir, "valid.rejects.state") + " is damaged: no intact identity record; delete it to start over.\n"},
		{Name: "130 interrupted", Ctx: cancelled, Args: []string{"import", "--url", sb.URL, "--no-progress", "-m", m, valid}, Code: exitInterrupted,
			First: start(valid), Last: "acimport: interrupted\n"},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			ctx := tc.Ctx
			if ctx == nil {
				ctx = context.Background()
			}
			if tc.Setup != nil {
				tc.Setup()
			}
			var stdout, stderr bytes.Buffer
			code := run(ctx, tc.Args, strings.NewReader(""), &stdout, &stderr)
			os.Remove(filepath.Join(dir, "valid.rejects.state"))
			if code != tc.Code {
				t.Errorf("exit %d, want %d\n%s", code, tc.Code, stderr.String())
			}
			if got := firstLine(stderr.String()); got != tc.First {
				t.Errorf("first line of stderr:\n %q\nwant %q", got, tc.First)
			}
			lines := strings.SplitAfter(stderr.String(), "\n")
			if last := lines[len(lines)-2]; tc.Last != "" && last != tc.Last {
				t.Errorf("last line of stderr:\n %q\nwant %q", last, tc.Last)
			}
		})
	}
}
