package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acimport/acimport/importer/send"
	"github.com/acimport/acimport/internal/testutil"
	"github.com/acimport/acimport/mapping"
	"github.com/acimport/acimport/sandbox"
)

const workbookMapping = `db_id: 1
csv: { sheet: Клиенты, skip_lines: 1 }
fields:
  email: { column: E-mail, type: email }
  _fname: Имя
  phones: { column: Телефон, type: phone, region: RU }
  _bdate: { column: Дата рождения, type: date, format: DD.MM.YYYY }
  Visit: { column: Визит, type: datetime, format: DD.MM.YYYY hh:mm }
  Balance: { column: Баланс, type: float }
  Total: { column: Итого }
`

// importWorkbook imports file with the mapping into a fresh sandbox and
// returns the stored profiles by email, the summary and the reject file's text.
func importWorkbook(t *testing.T, file, mappingText string) (map[string]string, *Summary, string) {
	t.Helper()
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{Token: testToken, DBs: []int{1}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	m, err := mapping.Parse(strings.NewReader(mappingText), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	sum, err := Import(context.Background(), Config{
		Mapping: m, Files: []string{file}, Stderr: &stderr,
		URL: sb.URL, Token: testToken, Workers: 2, Retries: 2, Timeout: 5 * time.Second,
		tuning: send.Tuning{Backoff: send.Backoff{Base: time.Millisecond, Max: 2 * time.Millisecond, RetryAfterMax: 5 * time.Millisecond}},
	})
	if err != nil && sum == nil {
		t.Fatalf("Import: %v\n%s", err, stderr.String())
	}
	stored := map[string]string{}
	for _, p := range sb.Server.Profiles() {
		email, _ := p.Data["email"].(string)
		b, _ := json.Marshal(p.Data)
		stored[email] = string(b)
	}
	rejects, _ := os.ReadFile(rejectPath(file))
	return stored, sum, string(rejects)
}

// A workbook imported directly sends what its cells are: dates whatever the
// field's format, phones stored as numbers with their +, decimals exact,
// formulas' cached values; its error cell rejects the row naming the cell.
func TestImportWorkbookSendsCellValues(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "customers.xlsx")
	xlsx := testutil.Workbook(t, testutil.Sheet{Name: "Итоги", Rows: [][]any{{"сводка"}, {1}}}, testutil.CustomersSheet())
	if err := os.WriteFile(file, xlsx, 0o600); err != nil {
		t.Fatal(err)
	}
	stored, sum, rejects := importWorkbook(t, file, workbookMapping)
	want := map[string]string{
		"anna@example.com":  `{"Balance":250.5,"Total":"501","Visit":"2024-03-01T14:30:00Z","_bdate":"1990-03-02","_fname":"Анна","email":"anna@example.com","phones":["+79774400755"]}`,
		"boris@example.com": `{"Balance":12.25,"Total":"24.5","Visit":"2024-02-29T09:05:07Z","_bdate":"1959-02-03","_fname":"Борис","email":"boris@example.com","phones":["+79161234567"]}`,
		"gleb@example.com":  `{"Balance":100,"_fname":"Глеб","email":"gleb@example.com"}`,
	}
	for email, w := range want {
		if stored[email] != w {
			t.Errorf("stored %s:\n got %s\nwant %s", email, stored[email], w)
		}
	}
	if len(stored) != len(want) || sum.Imported != 3 || sum.Rejected != 1 {
		t.Errorf("stored %d profiles, summary imported %d rejected %d; want 3, 3, 1", len(stored), sum.Imported, sum.Rejected)
	}
	wantRejects := "\ufeffКлиенты на 1 марта 2024\r\n" +
		"E-mail,Имя,Телефон,Дата рождения,Визит,Баланс,Итого,reject_line,reject_code,reject_reason\r\n" +
		"vera@example.com,Вера,#N/A,2001-12-31,,0.1,0.2,Клиенты!5,invalid_value,\"cell Клиенты!C5 holds the error value #N/A (column \"\"Телефон\"\"): fix the formula, or clear the cell\"\r\n"
	if rejects != wantRejects {
		t.Errorf("reject file:\n%q\nwant\n%q", rejects, wantRejects)
	}
}

// The reject file of a workbook is a UTF-8 CSV that the same mapping reads
// back: rejected again, a row keeps its Sheet!row; fixed, it is imported.
func TestWorkbookRejectFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "list.xlsx")
	xlsx := testutil.Workbook(t, testutil.Sheet{
		Name: "Лист1",
		Rows: [][]any{
			{"E-mail", "Телефон", "Дата рождения"},
			{"anna@example.com", 79774400755, testutil.Date(1990, 3, 2)},
			{"vera@example.com", "x", testutil.Date(2001, 12, 31)},
		},
		Formats: map[string]any{"C2": 14, "C3": "d mmmm yyyy"},
		Errors:  map[string]string{"B3": "#REF!"},
	})
	if err := os.WriteFile(file, xlsx, 0o600); err != nil {
		t.Fatal(err)
	}
	const m = `db_id: 1
csv: { sheet: 1 }
fields:
  email: { column: E-mail, type: email }
  phones: { column: Телефон, type: phone, region: RU }
  _bdate: { column: Дата рождения, type: date, format: DD.MM.YYYY }
`
	stored, sum, rejects := importWorkbook(t, file, m)
	if sum.Imported != 1 || sum.Rejected != 1 || len(stored) != 1 {
		t.Fatalf("first run: imported %d, rejected %d", sum.Imported, sum.Rejected)
	}
	want := "\ufeffE-mail,Телефон,Дата рождения,reject_line,reject_code,reject_reason\r\n" +
		"vera@example.com,#REF!,2001-12-31,Лист1!3,invalid_value,\"cell Лист1!B3 holds the error value #REF! (column \"\"Телефон\"\"): fix the formula, or clear the cell\"\r\n"
	if rejects != want {
		t.Fatalf("reject file:\n%q\nwant\n%q", rejects, want)
	}

	// Read back as it is: rejected again, at the same place in the workbook.
	again := filepath.Join(dir, "again.csv")
	if err := os.WriteFile(again, []byte(rejects), 0o600); err != nil {
		t.Fatal(err)
	}
	_, sum, rejects2 := importWorkbook(t, again, m)
	if sum.Rejected != 1 || !strings.Contains(rejects2, ",Лист1!3,invalid_value,") {
		t.Fatalf("read back: rejected %d, reject file %q; want the row again at Лист1!3", sum.Rejected, rejects2)
	}

	// Fixed, it is imported with the date the workbook's cell held.
	fixed := filepath.Join(dir, "fixed.csv")
	if err := os.WriteFile(fixed, []byte(strings.Replace(rejects, "#REF!", "+79001112233", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	stored, sum, _ = importWorkbook(t, fixed, m)
	wantVera := `{"_bdate":"2001-12-31","email":"vera@example.com","phones":["+79001112233"]}`
	if sum.Imported != 1 || stored["vera@example.com"] != wantVera {
		t.Fatalf("fixed: imported %d, stored %s; want %s", sum.Imported, stored["vera@example.com"], wantVera)
	}
}

// A workbook and a CSV file in one run: each read as what it is, each with
// its own reject file.
func TestImportWorkbookBesideCSV(t *testing.T) {
	dir := t.TempDir()
	book, csvFile := filepath.Join(dir, "a.xlsx"), filepath.Join(dir, "b.csv")
	xlsx := testutil.Workbook(t, testutil.Sheet{Name: "Лист1", Rows: [][]any{
		{"E-mail", "Дата рождения"}, {"anna@example.com", testutil.Date(1990, 3, 2)}, {"bad", testutil.Date(1990, 3, 3)},
	}, Formats: map[string]any{"B2": 14, "B3": 14}})
	if err := os.WriteFile(book, xlsx, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(csvFile, []byte("E-mail,Дата рождения\nboris@example.com,03.02.1959\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{Token: testToken, DBs: []int{1}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	m, err := mapping.Parse(strings.NewReader("db_id: 1\nfields:\n  email: { column: E-mail, type: email }\n  _bdate: { column: Дата рождения, type: date, format: DD.MM.YYYY }\n"), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sum, _ := Import(context.Background(), Config{
		Mapping: m, Files: []string{book, csvFile}, Stderr: &bytes.Buffer{},
		URL: sb.URL, Token: testToken, Workers: 2, Retries: 1, Timeout: 5 * time.Second,
	})
	got := map[string]any{}
	for _, p := range sb.Server.Profiles() {
		got[p.Data["email"].(string)] = p.Data["_bdate"]
	}
	if sum.Imported != 2 || sum.Rejected != 1 || got["anna@example.com"] != "1990-03-02" || got["boris@example.com"] != "1959-02-03" {
		t.Fatalf("imported %d, rejected %d, stored %v", sum.Imported, sum.Rejected, got)
	}
	rejects, _ := os.ReadFile(filepath.Join(dir, "a.rejects.csv"))
	if !strings.Contains(string(rejects), "bad,1990-03-03,Лист1!3,invalid_value,") {
		t.Errorf("the workbook's reject file:\n%s", rejects)
	}
}

// A workbook with a title row above its header: its reject file starts with the
// title row, so the same mapping (skip_lines: 1; sheet does not apply to a CSV)
// reads it back, rejected rows keeping their place in the workbook, and a fixed
// row is imported. (Issue 20: "importing it with the same mapping works".)
func TestWorkbookRejectFileWithSkipLinesRoundTrip(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "list.xlsx")
	xlsx := testutil.Workbook(t, testutil.Sheet{
		Name: "Клиенты",
		Rows: [][]any{
			{"Клиенты на 1 марта"},
			{"E-mail", "Телефон"},
			{"anna@example.com", 79774400755},
			{"vera@example.com", "x"},
		},
		Merges: []string{"A1:B1"},
	})
	if err := os.WriteFile(file, xlsx, 0o600); err != nil {
		t.Fatal(err)
	}
	const m = `db_id: 1
csv: { sheet: Клиенты, skip_lines: 1 }
fields:
  email: { column: E-mail, type: email }
  phones: { column: Телефон, type: phone, region: RU }
`
	_, sum, rejects := importWorkbook(t, file, m)
	if sum.Imported != 1 || sum.Rejected != 1 {
		t.Fatalf("first run: imported %d, rejected %d\n%s", sum.Imported, sum.Rejected, rejects)
	}
	if !strings.HasPrefix(rejects, "\ufeffКлиенты на 1 марта") || !strings.Contains(rejects, ",Клиенты!4,invalid_value,") {
		t.Fatalf("reject file does not start with the title row or lost the row's place:\n%q", rejects)
	}
	again := filepath.Join(dir, "again.csv")
	if err := os.WriteFile(again, []byte(rejects), 0o600); err != nil {
		t.Fatal(err)
	}
	_, sum, rejects2 := importWorkbook(t, again, m)
	if sum.Rejected != 1 || !strings.HasPrefix(rejects2, "\ufeffКлиенты на 1 марта") || !strings.Contains(rejects2, ",Клиенты!4,invalid_value,") {
		t.Fatalf("read back: rejected %d, reject file %q; want the row again at Клиенты!4 under the title", sum.Rejected, rejects2)
	}
	fixed := filepath.Join(dir, "fixed.csv")
	if err := os.WriteFile(fixed, []byte(strings.Replace(rejects, ",x,", ",+79001112233,", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	stored, sum, rej3 := importWorkbook(t, fixed, m)
	want := `{"email":"vera@example.com","phones":["+79001112233"]}`
	if sum.Imported != 1 || stored["vera@example.com"] != want {
		t.Fatalf("fixed: imported %d, stored %s; want %s\n%s", sum.Imported, stored["vera@example.com"], want, rej3)
	}
}
