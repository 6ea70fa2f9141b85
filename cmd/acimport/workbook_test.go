package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acimport/acimport/internal/testutil"
)

// init on a workbook with a title row above its header proposes the sheet
// and skip_lines; check then shows the dates and phones its cells hold, and
// import --sandbox imports every row but the one with an error cell.
func TestInitThenImportWorkbook(t *testing.T) {
	dir := t.TempDir()
	xlsx, m := filepath.Join(dir, "customers.xlsx"), filepath.Join(dir, "mapping.yaml")
	book := testutil.Workbook(t, testutil.Sheet{Name: "Пусто"}, testutil.CustomersSheet())
	if err := os.WriteFile(xlsx, book, 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, "", "init", "-o", m, xlsx)
	if code != exitOK || stderr != "" {
		t.Fatalf("init: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	text, _ := os.ReadFile(m)
	for _, want := range []string{`sheet: "Клиенты"`, "skip_lines: 1"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("the mapping lacks %q:\n%s", want, text)
		}
	}
	code, stdout, stderr = runCmd(t, "", "check", "-m", m, xlsx)
	if code != exitRejected {
		t.Fatalf("check: exit %d, want %d (the error cell)\nstdout: %s\nstderr: %s\nmapping:\n%s", code, exitRejected, stdout, stderr, text)
	}
	for _, want := range []string{`"+79774400755"`, `"_bdate": "1990-03-02"`, `"+79161234567"`, `"_bdate": "1959-02-03"`, `customers.xlsx:Клиенты!5: cell Клиенты!C5 holds the error value #N/A`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("check's output lacks %s:\n%s\nmapping:\n%s", want, stdout, text)
		}
	}
	summary := filepath.Join(dir, "summary.json")
	code, stdout, stderr = runCmd(t, "", "import", "--sandbox", "--no-progress", "--summary", summary, "-m", m, xlsx)
	if code != exitRejected {
		t.Fatalf("import --sandbox: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	sum, _ := os.ReadFile(summary)
	if !strings.Contains(string(sum), `"imported": 3`) || !strings.Contains(string(sum), `"rejected": 1`) {
		t.Errorf("summary: %s", sum)
	}
}
