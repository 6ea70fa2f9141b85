package main

import (
	"os"
	"path/filepath"
	"testing"
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
