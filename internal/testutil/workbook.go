package testutil

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// Workbooks for the tests, written with excelize as Excel would save them.

// Sheet is one sheet of a test workbook: its rows of cell values (string,
// int, float64, bool, time.Time, nil for an empty cell) from row 1.
type Sheet struct {
	Name string
	Rows [][]any
	// Formats gives the cells (by reference, "D3") a number format: a
	// built-in id (int) or a custom code (string), as Excel's Format Cells.
	Formats map[string]any
	// Formulas sets cells' formulas, kept with the value in Rows as its
	// cached result, as Excel saves them.
	Formulas map[string]string
	// Merges are merged ranges, "A1:F1".
	Merges []string
	// Errors are error cells ("C5": "#N/A"), as a failed formula leaves them.
	Errors map[string]string
}

// Workbook writes an .xlsx file of the sheets, in order.
func Workbook(t testing.TB, sheets ...Sheet) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.Name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(s.Name); err != nil {
			t.Fatal(err)
		}
		for r, row := range s.Rows {
			for c, v := range row {
				if v == nil {
					continue
				}
				ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if err := f.SetCellValue(s.Name, ref, v); err != nil {
					t.Fatal(err)
				}
			}
		}
		for ref, fm := range s.Formats {
			var st excelize.Style
			switch v := fm.(type) {
			case int:
				st.NumFmt = v
			case string:
				st.CustomNumFmt = &v
			}
			id, err := f.NewStyle(&st)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.SetCellStyle(s.Name, ref, ref, id); err != nil {
				t.Fatal(err)
			}
		}
		for ref, formula := range s.Formulas {
			if err := f.SetCellFormula(s.Name, ref, formula); err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range s.Merges {
			a, b, _ := bytes.Cut([]byte(m), []byte(":"))
			if err := f.MergeCell(s.Name, string(a), string(b)); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	for i, s := range sheets {
		for ref, v := range s.Errors {
			out = setErrorCell(t, out, fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), ref, v)
		}
	}
	return out
}

// setErrorCell rewrites cell ref of a sheet part as an error cell, which
// excelize has no call for.
func setErrorCell(t testing.TB, xlsx []byte, part, ref, value string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	found := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == part {
			re := regexp.MustCompile(`<c r="` + ref + `"[^>]*?(/>|>.*?</c>)`)
			cell := fmt.Sprintf(`<c r="%s" t="e"><f>NA()</f><v>%s</v></c>`, ref, value)
			if re.Match(b) {
				b = re.ReplaceAll(b, []byte(cell))
				found = true
			}
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatalf("setErrorCell: no cell %s in %s (give it a value in Rows first)", ref, part)
	}
	return out.Bytes()
}

// Date is a calendar day for a test workbook's cells.
func Date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// CustomersSheet is a sheet as analysts keep customer lists: a merged
// title row above the header (skip_lines: 1), dates in several number
// formats, phones stored as numbers, decimals, a formula, an error cell in
// C5 and trailing empty cells. Its rows and what they must read as are in
// the tests that use it.
func CustomersSheet() Sheet {
	return Sheet{
		Name: "Клиенты",
		Rows: [][]any{
			{"Клиенты на 1 марта 2024"},
			{"E-mail", "Имя", "Телефон", "Дата рождения", "Визит", "Баланс", "Итого"},
			{"anna@example.com", "Анна", 79774400755, Date(1990, 3, 2), time.Date(2024, 3, 1, 14, 30, 0, 0, time.UTC), 250.5, 501},
			{"boris@example.com", "Борис", 79161234567, Date(1959, 2, 3), time.Date(2024, 2, 29, 9, 5, 7, 0, time.UTC), 12.25, 24.5},
			{"vera@example.com", "Вера", 79001112233, Date(2001, 12, 31), nil, 0.1, 0.2},
			{"gleb@example.com", "Глеб", nil, nil, nil, 100, nil},
		},
		Formats: map[string]any{
			"D3": 14, "D4": "dd.mm.yyyy", "D5": "yyyy-mm-dd", // three date formats
			"E3": 22, "E4": "dd.mm.yyyy hh:mm:ss",
			"F4": "0.00",
		},
		Formulas: map[string]string{"G3": "F3*2", "G4": "F4*2", "G5": "F5*2"},
		Merges:   []string{"A1:G1"},
		Errors:   map[string]string{"C5": "#N/A"},
	}
}
