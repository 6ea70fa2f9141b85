package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShortRowRejectFileReimported: a row three fields short of a
// four-column header is rejected csv; importing its reject file sends
// nothing (its reject columns are no profile) and check finds it invalid.
func TestShortRowRejectFileReimported(t *testing.T) {
	dir := t.TempDir()
	csvPath, mapPath := filepath.Join(dir, "in.csv"), filepath.Join(dir, "m.yaml")
	// Matched by a custom field, so that the reject columns taken for data
	// (crm_id "5", _fname "3", _lname "csv") would make a valid profile.
	os.WriteFile(csvPath, []byte("id,b,c,d\n17,x,y,z\n5\n"), 0o600)
	os.WriteFile(mapPath, []byte("db_id: 1\nmatching: custom\nmatch: { field: crm_id, column: id }\nfields:\n  crm_id: id\n  _fname: b\n  _lname: c\n  city: d\n"), 0o600)
	code, _, stderr := runCmd(t, "", "import", "--sandbox", "--no-progress", "-m", mapPath, csvPath)
	if code != exitRejected || !strings.Contains(stderr, "sandbox: 1 profiles stored") {
		t.Fatalf("import: exit %d, want %d and 1 profile stored\n%s", code, exitRejected, stderr)
	}
	rejects := filepath.Join(dir, "in.rejects.csv")
	rej, err := os.ReadFile(rejects)
	if err != nil || !strings.Contains(string(rej), "\n5,3,csv,") {
		t.Fatalf("reject file: %v\n%s", err, rej)
	}
	code, stdout, stderr := runCmd(t, "", "check", "--no-progress", "-m", mapPath, rejects)
	if code != exitRejected || !strings.Contains(stdout+stderr, "0 valid, 1 invalid") {
		t.Errorf("check of the reject file: exit %d, want %d and the row invalid\nstdout:\n%s\nstderr:\n%s", code, exitRejected, stdout, stderr)
	}
	code, _, stderr = runCmd(t, "", "import", "--sandbox", "--no-progress", "-m", mapPath, rejects)
	if code != exitRejected || !strings.Contains(stderr, "sandbox: 0 profiles stored") {
		t.Errorf("import of the reject file: exit %d, want %d and nothing stored\n%s", code, exitRejected, stderr)
	}
	again, err := os.ReadFile(filepath.Join(dir, "in.rejects.rejects.csv"))
	if err != nil || !strings.Contains(string(again), "\n5,3,csv,\"wrong number of fields: 1, the header has 4\"") {
		t.Errorf("second reject file: %v\n%s", err, again)
	}
}
