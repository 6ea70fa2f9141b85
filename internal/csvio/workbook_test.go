package csvio

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/acimport/acimport/internal/testutil"
)

func workbookReader(t *testing.T, xlsx []byte, opt Options) *Reader {
	t.Helper()
	r, err := NewReader(bytes.NewReader(xlsx), "customers.xlsx", opt)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	return r
}

// The cells of a workbook read as their types say: dates by their number
// format, numbers as their exact decimal text, formulas as their cached
// values, merged cells as their top-left value; the error cell rejects its
// row naming the cell.
func TestWorkbookCells(t *testing.T) {
	xlsx := testutil.Workbook(t,
		testutil.Sheet{Name: "Пусто"},
		testutil.CustomersSheet(),
		testutil.Sheet{Name: "Other", Rows: [][]any{{"x"}, {"1"}}},
	)
	r := workbookReader(t, xlsx, Options{SkipLines: 1})
	if sheet, ok := r.Workbook(); !ok || sheet != "Клиенты" {
		t.Fatalf("Workbook() = %q, %v; want the first sheet with rows, Клиенты", sheet, ok)
	}
	wantHeader := []string{"E-mail", "Имя", "Телефон", "Дата рождения", "Визит", "Баланс", "Итого"}
	if !slices.Equal(r.Header(), wantHeader) {
		t.Fatalf("Header = %q, want %q", r.Header(), wantHeader)
	}
	recs := readAll(t, r)
	want := []struct {
		pos    string
		fields []string
		err    string
	}{
		{"Клиенты!3", []string{"anna@example.com", "Анна", "79774400755", "1990-03-02", "2024-03-01 14:30:00", "250.5", "501"}, ""},
		{"Клиенты!4", []string{"boris@example.com", "Борис", "79161234567", "1959-02-03", "2024-02-29 09:05:07", "12.25", "24.5"}, ""},
		{"Клиенты!5", nil, "Клиенты!5: cell Клиенты!C5 holds the error value #N/A"},
		{"Клиенты!6", []string{"gleb@example.com", "Глеб", "", "", "", "100", ""}, ""},
	}
	if len(recs) != len(want) {
		t.Fatalf("read %d records, want %d", len(recs), len(want))
	}
	for i, w := range want {
		rec := recs[i]
		if rec.Position() != w.pos {
			t.Errorf("record %d at %s, want %s", i, rec.Position(), w.pos)
		}
		if w.err != "" {
			if rec.Err == nil || !strings.Contains(rec.Err.Error(), w.err) || !errors.Is(rec.Err, ErrCellValue) {
				t.Errorf("%s: Err = %v, want one with %q wrapping ErrCellValue", w.pos, rec.Err, w.err)
			}
			continue
		}
		if rec.Err != nil || !slices.Equal(rec.Fields, w.fields) {
			t.Errorf("%s: Fields = %q (err %v), want %q", w.pos, rec.Fields, rec.Err, w.fields)
		}
	}
}
