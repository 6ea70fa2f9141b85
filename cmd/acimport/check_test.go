package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Scripts pass --no-progress to check as to import; --reject exports the invalid rows, and the
// totals are the last thing check prints.
func TestCheckFlags(t *testing.T) {
	dir := copyExamples(t)
	m, csv, reject := filepath.Join(dir, "mapping.yaml"), filepath.Join(dir, "customers.csv"), filepath.Join(dir, "invalid.csv")
	code, stdout, stderr := runCmd(t, "", "check", "--no-progress", "--reject", reject, "-m", m, csv)
	if code != exitRejected || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.HasSuffix(stdout, "\n15 rows: 8 valid, 7 invalid\nthe invalid rows are in "+reject+", in the reject file's form: fix them there and check it again\n") {
		t.Errorf("the totals are not last:\n%s", stdout)
	}
	b, err := os.ReadFile(reject)
	if err != nil || strings.Count(string(b), "\n") != 8 || !strings.Contains(string(b), "reject_reason") {
		t.Errorf("reject file (%v):\n%s", err, b)
	}
	// The fixed reject file can be checked again with the same mapping.
	code, stdout, _ = runCmd(t, "", "check", "--no-progress", "-m", m, reject)
	if code != exitRejected || !strings.HasSuffix(stdout, "\n7 rows: 0 valid, 7 invalid\n") {
		t.Errorf("checking the reject file: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = runCmd(t, "", "check", "--no-progress", "-m", m, csv, reject)
	if want := csv + ": 15 rows: 8 valid, 7 invalid\n" + reject + ": 7 rows: 0 valid, 7 invalid\ntotal: 22 rows: 8 valid, 14 invalid\n"; code != exitRejected || !strings.HasSuffix(stdout, want) {
		t.Errorf("two inputs: exit %d, want the report to end with\n%s\ngot:\n%s", code, want, stdout)
	}
}
