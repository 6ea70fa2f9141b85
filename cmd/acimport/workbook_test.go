package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acimport/acimport/internal/testutil"
	"github.com/acimport/acimport/sandbox"
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

// A workbook import interrupted by SIGINT and resumed imports every row
// once: each profile's Points, added with incr, is 1; each row with an error
// cell is in the reject file once, at its Sheet!row.
func TestWorkbookInterruptAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and signals the binary")
	}
	const rows = 400
	bin := buildBinary(t)
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{Token: "tok", Latency: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	dir := t.TempDir()
	sheet := testutil.Sheet{Name: "Лист 1", Rows: [][]any{{"E-mail", "Телефон", "Баллы"}}, Errors: map[string]string{}}
	bad := map[string]bool{}
	for i := range rows {
		sheet.Rows = append(sheet.Rows, []any{fmt.Sprintf("user%d@example.com", i), 79000000000 + i, 1})
		if i%50 == 7 {
			ref := fmt.Sprintf("B%d", i+2)
			sheet.Errors[ref] = "#REF!"
			bad[fmt.Sprintf("Лист 1!%d", i+2)] = true
		}
	}
	input := filepath.Join(dir, "big.xlsx")
	if err := os.WriteFile(input, testutil.Workbook(t, sheet), 0o600); err != nil {
		t.Fatal(err)
	}
	mappingPath := filepath.Join(dir, "m.yaml")
	os.WriteFile(mappingPath, []byte("db_id: 1\nfields:\n  email: { column: E-mail, type: email }\n  phones: { column: Телефон, type: phone, region: RU }\n  Points: { column: Баллы, type: int, action: incr }\n"), 0o600)
	start := func(resume bool) (*exec.Cmd, *bytes.Buffer) {
		args := []string{"import", "--url", sb.URL, "--rate", "100", "--workers", "2", "--no-progress", "-m", mappingPath, input}
		if resume {
			args = append(args, "--resume", "--rate", "0")
		}
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "ALTCRAFT_TOKEN=tok")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &stderr
	}
	cmd, stderr := start(false)
	for sb.Server.Stats().Requests < 60 && cmd.ProcessState == nil {
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Fatalf("after SIGINT: exit %d, want %d\n%s", code, exitInterrupted, stderr)
	}
	// The state proves the workbook unchanged: an edited one is refused.
	original, _ := os.ReadFile(input)
	sheet.Rows[1][0] = "edited@example.com"
	os.WriteFile(input, testutil.Workbook(t, sheet), 0o600)
	cmd, stderr = start(true)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code == exitOK || code == exitRejected || !strings.Contains(stderr.String(), "changed") {
		t.Fatalf("--resume on an edited workbook: exit %d, want a refusal saying it changed\n%s", code, stderr)
	}
	os.WriteFile(input, original, 0o600)
	cmd, stderr = start(true)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitRejected {
		t.Fatalf("--resume: exit %d, want %d\n%s", code, exitRejected, stderr)
	}
	profiles := sb.Server.Profiles()
	if len(profiles) != rows-len(bad) {
		t.Errorf("%d profiles stored, want %d", len(profiles), rows-len(bad))
	}
	for _, p := range profiles {
		if fmt.Sprint(p.Data["Points"]) != "1" {
			t.Errorf("%v: Points %v, want 1 (the row applied once)", p.Data["email"], p.Data["Points"])
		}
	}
	rejects, _ := os.ReadFile(filepath.Join(dir, "big.rejects.csv"))
	lines := strings.Split(strings.TrimSpace(string(rejects)), "\n")[1:]
	seen := map[string]int{}
	for _, l := range lines {
		f := strings.Split(l, ",")
		seen[f[3]]++
	}
	for pos := range bad {
		if seen[pos] != 1 {
			t.Errorf("row %s is in the reject file %d times, want once", pos, seen[pos])
		}
	}
	if len(lines) != len(bad) {
		t.Errorf("the reject file has %d rows, want %d:\n%s", len(lines), len(bad), rejects)
	}
}
