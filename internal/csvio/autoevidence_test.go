package csvio

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// TestAutoDecidesByEvidence: "auto" stops only when the candidates read the
// file differently; bytes every candidate reads the same need no choice, and
// single Cyrillic capitals in a ;- or tab-delimited file are windows-1251.
func TestAutoDecidesByEvidence(t *testing.T) {
	tests := []struct {
		Name  string
		In    []byte
		Delim string
		Want  string     // the encoding, or "" for ErrEncodingUnsure
		Why   string     // a part of EncodingReason, or of the error
		Rows  [][]string // the rows after the header
	}{
		{Name: "single letters only, ;-delimited (a Bank of Russia extract)", Delim: "auto",
			In:   encodeTo(t, charmap.Windows1251, "BIC;Bank;Group;Head\r\n044525225;Sberbank;А;Gref G.\r\n044525593;Alfa-Bank;Б;Verner M. В.\r\n"),
			Want: "windows-1251", Why: "single letters", Rows: [][]string{{"044525225", "Sberbank", "А", "Gref G."}, {"044525593", "Alfa-Bank", "Б", "Verner M. В."}}},
		{Name: "single letters only, tab-delimited", Delim: "auto",
			In:   encodeTo(t, charmap.Windows1251, "id\tgrade\n1\tА\n2\tВ\n3\tЯ\n"),
			Want: "windows-1251", Why: "single letters", Rows: [][]string{{"1", "А"}, {"2", "В"}, {"3", "Я"}}},
		{Name: "single letters only, comma-delimited: no habit to go by", Delim: "auto",
			In:   encodeTo(t, charmap.Windows1251, "id,grade\n1,А\n2,Б\n"),
			Want: "", Why: "reads as words in windows-1251"},
		{Name: "© only: every code page but koi8-r reads it the same", Delim: ",",
			In:   []byte("name,note\nACME,\xA9 2020 ACME Corp.\n"),
			Want: "windows-1251", Why: `read the same in windows-1251, windows-1252 and iso-8859-1`, Rows: [][]string{{"ACME", "© 2020 ACME Corp."}}},
		{Name: "guillemets and a degree sign read the same", Delim: ";",
			In:   []byte("name;note\n\xABACME\xBB;20\xB0C\n"),
			Want: "windows-1251", Why: "read the same", Rows: [][]string{{"«ACME»", "20°C"}}},
		{Name: "symbols that read differently, no words", Delim: ";",
			In:   []byte("a\n\x85\xB9\n"),
			Want: "", Why: `windows-1251 gives "…№"`},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.In), "in.csv", Options{Encoding: "auto", Delimiter: tt.Delim})
			if tt.Want == "" {
				if !errors.Is(err, ErrEncodingUnsure) || !strings.Contains(err.Error(), tt.Why) {
					t.Fatalf("err = %v, want ErrEncodingUnsure holding %q", err, tt.Why)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Encoding() != tt.Want || !strings.Contains(r.EncodingReason(), tt.Why) {
				t.Errorf("Encoding() = %q (%s), want %q (holding %q)", r.Encoding(), r.EncodingReason(), tt.Want, tt.Why)
			}
			var got [][]string
			for _, rec := range readAll(t, r) {
				if rec.Err != nil {
					t.Fatalf("line %d: %v", rec.Line, rec.Err)
				}
				got = append(got, rec.Fields)
			}
			compareRows(t, got, tt.Rows)
		})
	}
}

// BOM-less UTF-16 whose text is ASCII is told by its zero bytes: NUL is
// valid UTF-8, but no UTF-8 text has one in every other byte.
func TestAutoUTF16WithoutBOMInASCII(t *testing.T) {
	text := "email,name\r\na@x.ru,Ann\r\nb@x.ru,Bob\r\n"
	for _, tt := range []struct{ Name, Want string }{{"le", "utf-16le"}, {"be", "utf-16be"}} {
		t.Run(tt.Name, func(t *testing.T) {
			var in []byte
			for _, c := range []byte(text) {
				if tt.Name == "le" {
					in = append(in, c, 0)
				} else {
					in = append(in, 0, c)
				}
			}
			r, err := NewReader(bytes.NewReader(in), "in.csv", Options{Encoding: "auto"})
			if err != nil {
				t.Fatal(err)
			}
			if r.Encoding() != tt.Want || !strings.Contains(r.EncodingReason(), "every other byte is 0") {
				t.Fatalf("Encoding() = %q (%s), want %s", r.Encoding(), r.EncodingReason(), tt.Want)
			}
			var got [][]string
			for _, rec := range readAll(t, r) {
				if rec.Err != nil {
					t.Fatalf("line %d: %v", rec.Line, rec.Err)
				}
				got = append(got, rec.Fields)
			}
			compareRows(t, got, [][]string{{"a@x.ru", "Ann"}, {"b@x.ru", "Bob"}})
		})
	}
}
