package csvio

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCorpus reads one small file per real-world case in testdata/corpus
// and compares every field with what the file holds, as Python's csv module
// and spreadsheets read it. Every row then goes to a reject file: each
// reject row carries the input row's own bytes, and reading the reject
// file back gives the same fields.
func TestCorpus(t *testing.T) {
	tests := []struct {
		File     string
		Opt      Options
		Encoding string     // Reader.Encoding()
		Why      string     // a part of EncodingReason, for auto
		Rows     [][]string // the header first
		Is       error      // NewReader fails with it
		Message  string     // a part of its message
	}{
		{File: "cp1252.csv", Opt: Options{Encoding: "auto", Delimiter: "auto"}, Encoding: "windows-1252", Why: "Hélène",
			Rows: [][]string{{"Name", "City", "Note"}, {"Hélène", "Paris", "Ça coûte 5 €"}, {"Müller", "Köln", "“Größe” – 2"}, {"José", "São Paulo", "O’Brien"}}},
		{File: "latin1.csv", Opt: Options{Encoding: "iso-8859-1"}, Encoding: "iso-8859-1",
			Rows: [][]string{{"name", "city"}, {"José", "São Paulo"}, {"François", "Besançon"}, {"Björk", "Reykjavík"}}},
		{File: "latin1.csv", Opt: Options{Encoding: "auto"}, Encoding: "windows-1252", Why: "iso-8859-1 reads it the same",
			Rows: [][]string{{"name", "city"}, {"José", "São Paulo"}, {"François", "Besançon"}, {"Björk", "Reykjavík"}}},
		{File: "cp1251.csv", Opt: Options{Encoding: "auto", Delimiter: ";"}, Encoding: "windows-1251", Why: "windows-1251",
			Rows: [][]string{{"Имя", "Город"}, {"Ёжикова Анна", "Санкт-Петербург"}, {"Петров Иван", "Москва"}}},
		{File: "koi8r.csv", Opt: Options{Encoding: "auto", Delimiter: ";"}, Encoding: "koi8-r", Why: "koi8-r",
			Rows: [][]string{{"Имя", "Город"}, {"Ёжикова Анна", "Санкт-Петербург"}, {"Петров Иван", "Москва"}}},
		{File: "koi8r.csv", Opt: Options{Encoding: "koi8-r", Delimiter: ";"}, Encoding: "koi8-r",
			Rows: [][]string{{"Имя", "Город"}, {"Ёжикова Анна", "Санкт-Петербург"}, {"Петров Иван", "Москва"}}},
		{File: "utf16le-bom.csv", Opt: Options{Encoding: "auto", Delimiter: "auto"}, Encoding: "utf-16le", Why: "UTF-16LE byte order mark",
			Rows: [][]string{{"Имя", "E-mail"}, {"Анна", "a@x.ru"}, {"Zoë\r\nsecond line", "z@x.ru"}}},
		{File: "utf16le-bom.csv", Opt: Options{Encoding: "utf-16", Delimiter: "tab"}, Encoding: "utf-16le",
			Rows: [][]string{{"Имя", "E-mail"}, {"Анна", "a@x.ru"}, {"Zoë\r\nsecond line", "z@x.ru"}}},
		{File: "utf16be-bom.csv", Opt: Options{Encoding: "utf-16", Delimiter: "tab"}, Encoding: "utf-16be",
			Rows: [][]string{{"Имя", "E-mail"}, {"Анна", "a@x.ru"}, {"𝔘nicode", "u@x.ru"}}},
		{File: "cr-only.csv", Encoding: "utf-8",
			Rows: [][]string{{"email", "name"}, {"a@x.ru", "Ann"}, {"b@x.ru", "Bob\rSmith"}, {"c@x.ru", "Cy"}}},
		{File: "mixed-endings.csv", Encoding: "utf-8",
			Rows: [][]string{{"email", "name"}, {"a@x.ru", "Ann"}, {"b@x.ru", "Bob"}, {"c@x.ru", "Cy"}, {"d@x.ru", "Di"}}},
		{File: "crlf-in-quotes.csv", Encoding: "utf-8",
			Rows: [][]string{{"first", "last", "address"}, {"John", "Doe", "120 any st.\r\nAnytown, WW 08123"}, {"Jane", "Roe", "1 Main St\nSpringfield"}}},
		{File: "lazy-quotes.csv", Opt: Options{LazyQuotes: true}, Encoding: "utf-8",
			Rows: [][]string{{"name", "city"}, {`STAZIONE "IP" Nord`, "Roma"}, {"x y", "z"}, {`5" pipe`, "ok"}}},
		{File: "customers.csv.gz", Opt: Options{Delimiter: "auto"}, Encoding: "utf-8",
			Rows: [][]string{{"email", "name"}, {"a@x.ru", "Анна"}, {"b@x.ru", "Борис"}}},
		{File: "workbook.xlsx", Is: ErrNoSheet, Message: `the file is an Excel workbook (.xlsx) with no sheet that can be read`},
		{File: "workbook.xls", Is: ErrNotCSV, Message: "the file is an old-style Excel workbook (.xls) or another Microsoft Office document, not CSV: open it in Excel and use File → Save As → \"Excel Workbook (*.xlsx)\""},
		{File: "customers.zip", Is: ErrNotCSV, Message: "the file is a zip archive, not CSV: unpack it"},
	}
	for _, tt := range tests {
		t.Run(tt.File+" "+tt.Opt.Encoding, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata", "corpus", tt.File))
			if err != nil {
				t.Fatal(err)
			}
			r, err := NewReader(bytes.NewReader(in), tt.File, tt.Opt)
			if tt.Is != nil {
				if !errors.Is(err, tt.Is) || !strings.Contains(err.Error(), tt.Message) {
					t.Fatalf("NewReader: %v, want %v holding %q", err, tt.Is, tt.Message)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewReader: %v", err)
			}
			if r.Encoding() != tt.Encoding || !strings.Contains(r.EncodingReason(), tt.Why) {
				t.Errorf("Encoding() = %q (%s), want %q (holding %q)", r.Encoding(), r.EncodingReason(), tt.Encoding, tt.Why)
			}
			recs := readAll(t, r)
			got := [][]string{r.Header()}
			for _, rec := range recs {
				if rec.Err != nil {
					t.Errorf("line %d: %v", rec.Line, rec.Err)
				}
				got = append(got, rec.Fields)
			}
			compareRows(t, got, tt.Rows)

			var out bytes.Buffer
			w := NewRejectWriter(&out, r)
			for _, rec := range recs {
				if err := w.Write(rec, "api_1", "no"); err != nil {
					t.Fatal(err)
				}
				if !r.Compressed() && !bytes.Contains(in, r.cs.appendEncoded(nil, append(slices.Clip(rec.Raw), rec.Ending...))) {
					t.Errorf("line %d: the reject row %q is not the input's own bytes", rec.Line, rec.Raw)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			back, err := NewReader(bytes.NewReader(out.Bytes()), "rejects.csv", Options{Encoding: r.Encoding(), Delimiter: string(r.Comma()), LazyQuotes: tt.Opt.LazyQuotes})
			if err != nil {
				t.Fatalf("read the reject file back: %v", err)
			}
			again := [][]string{back.Header()}
			for _, rec := range readAll(t, back) {
				again = append(again, rec.Fields)
			}
			compareRows(t, again, tt.Rows)
		})
	}
}

// compareRows compares field by field, saying which one differs.
func compareRows(t *testing.T, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows %q, want %d %q", len(got), got, len(want), want)
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Errorf("row %d: %d fields %q, want %d %q", i, len(got[i]), got[i], len(want[i]), want[i])
			continue
		}
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("row %d field %d: %q, want %q", i, j+1, got[i][j], want[i][j])
			}
		}
	}
}
