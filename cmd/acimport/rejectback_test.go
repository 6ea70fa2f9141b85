package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/acimport/acimport/sandbox"
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

// TestAutoJudgesPastAnASCIIStart: a windows-1251 file whose first 64 KiB
// are ASCII (a reject file of late rows, most often) imports with
// encoding: auto: its Cyrillic names arrive as written and its rejected
// row goes to a reject file in windows-1251.
func TestAutoJudgesPastAnASCIIStart(t *testing.T) {
	var b strings.Builder
	b.WriteString("E-mail;Name\n")
	rows := 0
	for ; b.Len() < 70<<10; rows++ {
		fmt.Fprintf(&b, "user%d@example.com;Plain\n", rows)
	}
	b.WriteString("ivanov@example.com;Иванов\nnot-an-email;Петров\n")
	in, err := charmap.Windows1251.NewEncoder().Bytes([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	csvPath, mapPath := filepath.Join(dir, "late.csv"), filepath.Join(dir, "m.yaml")
	os.WriteFile(csvPath, in, 0o600)
	os.WriteFile(mapPath, []byte("db_id: 1\ncsv: { delimiter: \";\", encoding: auto }\nfields:\n  email: { column: E-mail, type: email }\n  _fname: Name\n"), 0o600)

	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	t.Setenv("ALTCRAFT_TOKEN", "t")
	code, _, stderr := runCmd(t, "", "import", "--no-progress", "--rate", "0", "--url", sb.URL, "-m", mapPath, csvPath)
	if code != exitRejected {
		t.Fatalf("import: exit %d, want %d\n%s", code, exitRejected, stderr)
	}
	found := false
	for _, p := range sb.Server.Profiles() {
		if p.Data["email"] == "ivanov@example.com" {
			found = p.Data["_fname"] == "Иванов"
			if !found {
				t.Errorf("ivanov's name arrived as %q", p.Data["_fname"])
			}
		}
	}
	if !found || len(sb.Server.Profiles()) != rows+1 {
		t.Errorf("%d profiles stored, want %d with ivanov@example.com among them", len(sb.Server.Profiles()), rows+1)
	}
	rej, err := os.ReadFile(filepath.Join(dir, "late.rejects.csv"))
	want, _ := charmap.Windows1251.NewEncoder().Bytes([]byte("\nnot-an-email;Петров;"))
	if err != nil || !bytes.Contains(rej, want) {
		t.Errorf("reject file not in windows-1251: %v\n%q", err, rej)
	}
}
