package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/acimport/acimport/sandbox"
)

// TestRealWorldFiles runs check and import end to end on the files that
// used to lose rows or garble names: a classic-Mac CR-only export (read as
// one header line, every row lost with exit 0) and a windows-1252 one (sent
// as Cyrillic mojibake). check must find every row valid, and import must
// send the names exactly as the file has them.
func TestRealWorldFiles(t *testing.T) {
	cp1252, err := charmap.Windows1252.NewEncoder().Bytes([]byte("E-mail;Name\r\nhelene@example.com;Hélène\r\nmuller@example.com;Müller\r\njose@example.com;José “Pepe”\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		Name   string
		File   []byte
		Notice string // what check and import say they read
		Names  []string
	}{
		{"CR-only", []byte("E-mail;Name\rhelene@example.com;Hélène\rmuller@example.com;Müller\rjose@example.com;\"José\rPepe\"\r"), "encoding utf-8 (auto: valid UTF-8)",
			[]string{"Hélène", "José\rPepe", "Müller"}},
		{"windows-1252", cp1252, "encoding windows-1252 (auto: reads as words in windows-1252, such as \"Hélène\"",
			[]string{"Hélène", "José “Pepe”", "Müller"}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			dir := t.TempDir()
			csvPath, mapPath := filepath.Join(dir, "in.csv"), filepath.Join(dir, "m.yaml")
			os.WriteFile(csvPath, tt.File, 0o600)
			os.WriteFile(mapPath, []byte("db_id: 1\ncsv: { delimiter: \";\", encoding: auto }\nfields:\n  email: { column: E-mail, type: email }\n  _fname: Name\n"), 0o600)

			code, stdout, stderr := runCmd(t, "", "check", "--no-progress", "-m", mapPath, csvPath)
			if code != exitOK || !strings.Contains(stdout+stderr, tt.Notice) || !strings.Contains(stdout+stderr, "3 valid") {
				t.Fatalf("check: exit %d, want 0, every row valid and %q\nstdout:\n%s\nstderr:\n%s", code, tt.Notice, stdout, stderr)
			}

			sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{})
			if err != nil {
				t.Fatal(err)
			}
			defer sb.Close()
			t.Setenv("ALTCRAFT_TOKEN", "t")
			code, _, stderr = runCmd(t, "", "import", "--no-progress", "--url", sb.URL, "-m", mapPath, csvPath)
			if code != exitOK || !strings.Contains(stderr, tt.Notice) {
				t.Fatalf("import: exit %d, want 0 and %q\n%s", code, tt.Notice, stderr)
			}
			var names []string
			for _, p := range sb.Server.Profiles() {
				names = append(names, p.Data["_fname"].(string))
			}
			slices.Sort(names)
			if !slices.Equal(names, tt.Names) {
				t.Errorf("names sent %q, want %q", names, tt.Names)
			}

			code, _, stderr = runCmd(t, "", "import", "--sandbox", "--no-progress", "-m", mapPath, csvPath)
			if code != exitOK || !strings.Contains(stderr, "sandbox: 3 profiles stored") {
				t.Errorf("import --sandbox: exit %d, want 0 and 3 profiles stored\n%s", code, stderr)
			}
		})
	}
}

// TestGzipInput: a nightly export gzipped is read as it is; its reject file
// is plain CSV beside it, and a zip or Excel workbook is refused saying what
// it is.
func TestGzipInput(t *testing.T) {
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("E-mail;Name\nann@example.com;Ann\nnot-an-email;Bob\n"))
	zw.Close()
	csvPath, mapPath := filepath.Join(dir, "export.csv.gz"), filepath.Join(dir, "m.yaml")
	os.WriteFile(csvPath, gz.Bytes(), 0o600)
	os.WriteFile(mapPath, []byte("db_id: 1\ncsv: { delimiter: \";\" }\nfields:\n  email: { column: E-mail, type: email }\n  _fname: Name\n"), 0o600)
	code, _, stderr := runCmd(t, "", "import", "--sandbox", "--no-progress", "-m", mapPath, csvPath)
	if code != exitRejected || !strings.Contains(stderr, "sandbox: 1 profiles stored") {
		t.Fatalf("import: exit %d, want %d and 1 profile stored\n%s", code, exitRejected, stderr)
	}
	rej, err := os.ReadFile(filepath.Join(dir, "export.rejects.csv"))
	if err != nil || !strings.HasPrefix(string(rej), "E-mail;Name;reject_line;reject_code;reject_reason\nnot-an-email;Bob;3;invalid_value;") {
		t.Errorf("reject file: %v\n%s", err, rej)
	}

	xlsx := filepath.Join("..", "..", "internal", "csvio", "testdata", "corpus", "workbook.xlsx")
	code, _, stderr = runCmd(t, "", "check", "--no-progress", "-m", mapPath, xlsx)
	// A workbook is read directly; this one is only a zip with an empty xl/workbook.xml.
	if code != exitFailed || !strings.Contains(stderr, "Excel workbook (.xlsx) with no sheet that can be read") || strings.Contains(stderr, "bare") {
		t.Errorf("check of a damaged xlsx: exit %d, want 1 saying it is an Excel workbook with no sheet\n%s", code, stderr)
	}
}
