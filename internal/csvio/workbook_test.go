package csvio

import (
	"archive/zip"
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

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

// Numbers read as the decimal text a person reads, whatever way the
// workbook's writer stored them.
func TestExactNumber(t *testing.T) {
	for in, want := range map[string]string{
		"79774400755": "79774400755", "7.9774400755E10": "79774400755", "7.9774400755E+10": "79774400755",
		"100.0": "100", "100": "100", "250.5": "250.5", "12.25": "12.25", "0.1": "0.1", "0.10000000000000001": "0.1",
		"0.30000000000000004": "0.3", "1.5E-3": "0.0015", "-0.0": "0", "-12.50": "-12.5", "1E+21": "1000000000000000000000",
		"abc": "abc", "": "",
	} {
		if got := exactNumber(in); got != want {
			t.Errorf("exactNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

// A custom number format is a date, a datetime, a time or a number by its
// letters outside quotes and brackets.
func TestFormatStyle(t *testing.T) {
	for code, want := range map[string]cellStyle{
		"dd.mm.yyyy": styleDate, "d mmmm yyyy": styleDate, "[$-419]d mmm yy": styleDate, "yyyy-mm-dd hh:mm": styleDateTime,
		"hh:mm": styleTime, "[h]:mm:ss": styleTime, "0.00": styleNumber, "#,##0": styleNumber, "0.00E+00": styleNumber,
		`"date" 0`: styleNumber, "General": styleNumber, `[Red]0.00;[Blue]-0.00`: styleNumber,
	} {
		if got := formatStyle(code); got != want {
			t.Errorf("formatStyle(%q) = %d, want %d", code, got, want)
		}
	}
}

func TestWorkbookBadInput(t *testing.T) {
	two := testutil.Workbook(t, testutil.Sheet{Name: "Пусто"}, testutil.Sheet{Name: "Клиенты", Rows: [][]any{{"email", "name"}, {"a@x.ru", "Ann", nil, "x"}}})
	tests := []struct {
		name string
		xlsx []byte
		opt  Options
		is   error
		msg  string
	}{
		{"no such sheet", two, Options{Sheet: "Лист1"}, ErrNoSheet, `the workbook has no sheet "Лист1"; its sheets are "Пусто", "Клиенты"`},
		{"no such sheet number", two, Options{Sheet: "3"}, ErrNoSheet, `the workbook has no sheet "3"`},
		{"empty", testutil.Workbook(t, testutil.Sheet{Name: "A"}, testutil.Sheet{Name: "B"}), Options{}, ErrNoHeader, `every sheet of the workbook ("A", "B") is empty`},
		{"empty below skip_lines", two, Options{Sheet: "Клиенты", SkipLines: 5}, ErrNoHeader, `sheet "Клиенты" has no row after the 5 skipped (skip_lines)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(tt.xlsx), "book.xlsx", tt.opt)
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("NewReader: %v, want %v with %q", err, tt.is, tt.msg)
			}
		})
	}
	t.Run("beyond the header", func(t *testing.T) {
		r := workbookReader(t, two, Options{Sheet: "2"})
		recs := readAll(t, r)
		want := `Клиенты!2: wrong number of fields: cell Клиенты!D2 has a value, "x", and the header ends at column B`
		if len(recs) != 1 || recs[0].Err == nil || recs[0].Err.Error() != want {
			t.Fatalf("records %+v, want one with the error %q", recs, want)
		}
	})
}

// A workbook written by a streaming writer keeps its text in inline
// strings, not the shared-string table: read the same.
func TestWorkbookInlineStrings(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	sw.SetRow("A1", []any{"email", "name & co", "n"})
	sw.SetRow("A2", []any{"a@x.ru", "<Анна>", 79774400755})
	sw.SetRow("A3", []any{"b@x.ru", true, 0.1})
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	r := workbookReader(t, buf.Bytes(), Options{})
	if want := []string{"email", "name & co", "n"}; !slices.Equal(r.Header(), want) {
		t.Fatalf("Header = %q, want %q", r.Header(), want)
	}
	recs := readAll(t, r)
	if len(recs) != 2 || !slices.Equal(recs[0].Fields, []string{"a@x.ru", "<Анна>", "79774400755"}) || !slices.Equal(recs[1].Fields, []string{"b@x.ru", "TRUE", "0.1"}) {
		for _, rec := range recs {
			t.Logf("%s: %q %v", rec.Position(), rec.Fields, rec.Err)
		}
		t.Fatal("rows read wrong")
	}
}

// The progress of a workbook grows with the rows read, short of its size
// until the end, though every row's End is the size (for the resume hash).
func TestWorkbookProgress(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	sw, _ := f.NewStreamWriter("Sheet1")
	sw.SetRow("A1", []any{"email", "n"})
	const rows = 30000
	for i := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		sw.SetRow(cell, []any{"user" + strings.Repeat("x", i%7) + "@x.ru", i})
	}
	sw.Flush()
	var buf bytes.Buffer
	f.Write(&buf)
	size := int64(buf.Len())
	r := workbookReader(t, buf.Bytes(), Options{})
	var first, mid int64
	for i := 0; ; i++ {
		rec, err := r.Read()
		if err != nil {
			break
		}
		if rec.End != size {
			t.Fatalf("row %d: End %d, want the size %d", i, rec.End, size)
		}
		switch i {
		case 0:
			first = r.Progress(rec)
		case rows / 2:
			mid = r.Progress(rec)
		}
	}
	if !(0 < first && first < mid && mid < size) {
		t.Errorf("progress: first row %d, middle row %d, size %d; want them growing, short of the size", first, mid, size)
	}
}

// A workbook as other writers save it: rows and cells without their r
// attribute, ISO dates (t="d"), rich text with a phonetic reading, the
// 1904 date system, a namespace prefix on every element (a merged range's too).
func TestWorkbookOtherWriters(t *testing.T) {
	parts := map[string]string{
		"xl/workbook.xml": `<?xml version="1.0"?><x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<x:workbookPr date1904="1"/><x:sheets><x:sheet name="Data" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="worksheet" Target="/xl/worksheets/data.xml"/></Relationships>`,
		"xl/styles.xml": `<?xml version="1.0"?><x:styleSheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
			`<x:cellXfs count="2"><x:xf numFmtId="0"/><x:xf numFmtId="14"/></x:cellXfs></x:styleSheet>`,
		"xl/worksheets/data.xml": `<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>` +
			`<x:row><x:c t="inlineStr"><x:is><x:t>name</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>day</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>serial</x:t></x:is></x:c></x:row>` +
			`<x:row><x:c t="inlineStr"><x:is><x:r><x:t>Ya</x:t></x:r><x:r><x:t>mada</x:t></x:r><x:rPh><x:t>ヤマダ</x:t></x:rPh></x:is></x:c><x:c t="d"><x:v>2024-03-05T00:00:00</x:v></x:c><x:c s="1"><x:v>0</x:v></x:c></x:row>` +
			`<x:row r="5"><x:c r="B5" t="d"><x:v>2024-03-05T10:20:30Z</x:v></x:c><x:c s="1"><x:v>1</x:v></x:c></x:row>` +
			`</x:sheetData><x:mergeCells count="1"><x:mergeCell ref="A2:A5"/></x:mergeCells></x:worksheet>`,
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, text := range parts {
		w, _ := zw.Create(name)
		w.Write([]byte(text))
	}
	zw.Close()
	r := workbookReader(t, buf.Bytes(), Options{})
	if want := []string{"name", "day", "serial"}; !slices.Equal(r.Header(), want) {
		t.Fatalf("Header = %q, want %q", r.Header(), want)
	}
	recs := readAll(t, r)
	want := []struct{ pos, fields string }{
		{"Data!2", "Yamada|2024-03-05|1904-01-01"},
		{"Data!5", "Yamada|2024-03-05 10:20:30|1904-01-02"}, // A2:A5 merged
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i, w := range want {
		if got := strings.Join(recs[i].Fields, "|"); recs[i].Position() != w.pos || got != w.fields {
			t.Errorf("record %d: %s %q (%v), want %s %q", i, recs[i].Position(), got, recs[i].Err, w.pos, w.fields)
		}
	}
}
