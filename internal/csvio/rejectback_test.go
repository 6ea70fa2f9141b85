package csvio

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// Reading a reject file back: what a user fixing rows in an editor leaves.
func TestRejectFileReadBack(t *testing.T) {
	const header = "email,name,city,zip,reject_line,reject_code,reject_reason\n"
	tests := []struct {
		Name       string
		Row        string
		WantFields []string // nil: the row is an error
		WantRaw    string
		WantLine   int // SourceLine
	}{
		{Name: "row with its reject columns", Row: "a@x.ru,Аня,Тула,300000,17,invalid_value,bad zip\n",
			WantFields: []string{"a@x.ru", "Аня", "Тула", "300000"}, WantRaw: "a@x.ru,Аня,Тула,300000", WantLine: 17},
		{Name: "reject columns deleted while fixing it", Row: "a@x.ru,Аня,Тула,300000\n",
			WantFields: []string{"a@x.ru", "Аня", "Тула", "300000"}, WantRaw: "a@x.ru,Аня,Тула,300000"},
		{Name: "reject columns emptied", Row: "a@x.ru,Аня,Тула,300000,,,\n",
			WantFields: []string{"a@x.ru", "Аня", "Тула", "300000"}, WantRaw: "a@x.ru,Аня,Тула,300000"},
		{Name: "a broken row keeps its original line", Row: "a@x.ru,\"Аня\"x,Тула,300000,23,csv,old\n",
			WantRaw: "a@x.ru,\"Аня\"x,Тула,300000", WantLine: 23},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			r := mustReader(t, []byte(header+tc.Row), Options{})
			recs := readAll(t, r)
			if len(recs) != 1 {
				t.Fatalf("%d records", len(recs))
			}
			rec := recs[0]
			if tc.WantFields == nil {
				if rec.Err == nil {
					t.Errorf("no error for a broken row: %q", rec.Fields)
				}
			} else if rec.Err != nil || !slices.Equal(rec.Fields, tc.WantFields) {
				t.Errorf("fields %q (err %v), want %q", rec.Fields, rec.Err, tc.WantFields)
			}
			if string(rec.Raw) != tc.WantRaw {
				t.Errorf("raw %q, want %q", rec.Raw, tc.WantRaw)
			}
			if rec.SourceLine != tc.WantLine {
				t.Errorf("SourceLine %d, want %d", rec.SourceLine, tc.WantLine)
			}
		})
	}
}

// reject_line names the row's line in the original input, however many
// rounds of fixing it went through.
func TestRejectLineCarriedOver(t *testing.T) {
	orig := mustReader(t, []byte("email,name\nx@x.ru,X\ny@x.ru,Y\nz@x.ru,Z\n"), Options{})
	recs := readAll(t, orig)
	gen1 := writeRejects(t, orig, recs[2:]) // z@x.ru, line 4
	r1 := mustReader(t, gen1, Options{})
	gen2 := writeRejects(t, r1, readAll(t, r1)) // now line 2 of the reject file
	want := "email,name,reject_line,reject_code,reject_reason\nz@x.ru,Z,4,api_1,Invalid data: z@x.ru\n"
	if string(gen2) != want {
		t.Errorf("second round:\n%q\nwant\n%q", gen2, want)
	}
}

// A broken row's quote must not take the rows after it: in a reject file a
// row with an unclosed quote is followed by rows whose reasons hold quotes.
func TestBrokenQuoteKeepsTheNextRows(t *testing.T) {
	in := "Email;Name;Id;reject_line;reject_code;reject_reason\n" +
		"y@example.com;\"Y;10;12;csv;a quote opened on this line never closes\n" +
		"b4@example.com;X;3;4;api_400;Incorrect request\n" +
		"b2@example.com;X;2;3;api_400;\"Invalid value of field \"\"_fname\"\"\"\n" +
		"d@example.com;X;7;8;http_503;HTTP 503\n"
	recs := readAll(t, mustReader(t, []byte(in), Options{Delimiter: ";"}))
	var got []string
	for _, r := range recs {
		got = append(got, string(r.Raw))
	}
	want := []string{`y@example.com;"Y;10`, "b4@example.com;X;3", "b2@example.com;X;2", "d@example.com;X;7"}
	if !slices.Equal(got, want) {
		t.Fatalf("rows %q, want %q", got, want)
	}
	if recs[0].Err == nil || recs[1].Err != nil || recs[2].Err != nil || recs[0].SourceLine != 12 || recs[2].SourceLine != 3 {
		t.Errorf("errors %v %v %v, source lines %d %d", recs[0].Err, recs[1].Err, recs[2].Err, recs[0].SourceLine, recs[2].SourceLine)
	}
}

// A row rejected for its field count, fed back from its reject file, keeps
// the line of the original input and is counted in the input's own columns,
// not with the reject columns it carries.
func TestFieldCountRowReadBack(t *testing.T) {
	orig := mustReader(t, []byte("email,name,id\nok@x.ru,O,1\na@x.ru,A\nb@x.ru,B,2,extra\n"), Options{})
	gen1 := writeRejectsAs(t, orig, readAll(t, orig))
	r1 := mustReader(t, gen1, Options{})
	gen2 := writeRejectsAs(t, r1, readAll(t, r1))
	want := "email,name,id,reject_line,reject_code,reject_reason\n" +
		"a@x.ru,A,3,csv,\"wrong number of fields: 2, the header has 3\"\n" +
		"b@x.ru,B,2,extra,4,csv,\"wrong number of fields: 4, the header has 3\"\n"
	if string(gen1) != want {
		t.Fatalf("first round:\n%s\nwant\n%s", gen1, want)
	}
	if string(gen2) != want {
		t.Errorf("second round:\n%s\nwant\n%s", gen2, want)
	}
}

// writeRejectsAs writes the broken rows of recs to a reject file of r, each
// with its own error as the reason.
func writeRejectsAs(t *testing.T, r *Reader, recs []*Record) []byte {
	t.Helper()
	var b bytes.Buffer
	w := NewRejectWriter(&b, r)
	for _, rec := range recs {
		if rec.Err == nil {
			continue
		}
		var re *RowError
		if !errors.As(rec.Err, &re) {
			t.Fatalf("line %d: %v", rec.Line, rec.Err)
		}
		if err := w.Write(rec, "csv", re.Err.Error()); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
