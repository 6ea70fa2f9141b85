package csvio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// A row exactly three fields short of a header of four or more: its reject
// row has the header's width, and read back it must be the broken row it
// was, never a row of data holding its reject columns.
func TestRejectRowShortByThree(t *testing.T) {
	orig := mustReader(t, []byte("a,b,c,d\n1,x,y,z\n5\n"), Options{})
	recs := readAll(t, orig)
	rej := writeRejectsAs(t, orig, recs)
	if want := "a,b,c,d,reject_line,reject_code,reject_reason\n5,3,csv,\"wrong number of fields: 1, the header has 4\"\n"; string(rej) != want {
		t.Fatalf("reject file:\n%s\nwant\n%s", rej, want)
	}
	back := readAll(t, mustReader(t, rej, Options{}))
	if len(back) != 1 {
		t.Fatalf("%d records read back", len(back))
	}
	b := back[0]
	if b.Err == nil || !errors.Is(b.Err, csv.ErrFieldCount) || b.Fields != nil {
		t.Fatalf("read back as fields %q (err %v): the reject columns taken for data", b.Fields, b.Err)
	}
	if b.SourceLine != 3 || string(b.Raw) != "5" || !strings.Contains(b.Err.Error(), "1, the header has 4") {
		t.Errorf("SourceLine %d, Raw %q, err %v; want 3, \"5\", 1 field of 4", b.SourceLine, b.Raw, b.Err)
	}
}

// A reject row carries the input row byte for byte: empty cells beyond the
// header's width included, and a reject file read back gives them again.
func TestRejectRowKeepsTrailingEmptyCells(t *testing.T) {
	tests := []struct {
		Name, In, Raw, Reject string
	}{
		{"three empty cells under three columns, and a fourth", "a,b,c\n,,,\n", ",,,", ",,,,2,api_1,Invalid data: \n"},
		{"spreadsheet padding", "a,b\n1,2,,\r\n", "1,2,,", "1,2,,,2,api_1,Invalid data: 1\r\n"},
		{"quoted empty cells", "a;b\n1;\"2\";\"\";\n", `1;"2";"";`, "1;\"2\";\"\";;2;api_1;Invalid data: 1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			r := mustReader(t, []byte(tt.In), Options{Delimiter: "auto"})
			recs := readAll(t, r)
			if len(recs) != 1 || recs[0].Err != nil || string(recs[0].Raw) != tt.Raw {
				t.Fatalf("records %+v, want one good row with Raw %q", recs, tt.Raw)
			}
			rej := writeRejects(t, r, recs)
			if _, row, _ := bytes.Cut(rej, []byte("\n")); string(row) != tt.Reject {
				t.Fatalf("reject row %q, want %q", row, tt.Reject)
			}
			back := readAll(t, mustReader(t, rej, Options{Delimiter: "auto"}))
			if len(back) != 1 || back[0].Err != nil || !slices.Equal(back[0].Fields, recs[0].Fields) || string(back[0].Raw) != tt.Raw || back[0].SourceLine != 2 {
				t.Errorf("read back %+v, want fields %q, Raw %q, line 2", back, recs[0].Fields, tt.Raw)
			}
		})
	}
}

// TestRejectReadBackEveryFieldCount writes rows of every field count, from
// one to the header's width plus four, to a reject file and reads it back:
// a good row comes back the same, a broken one broken, with its line;
// never is a reject column taken for data. Values that look like reject
// columns (a number, a code) and empty cells are in the rows on purpose.
func TestRejectReadBackEveryFieldCount(t *testing.T) {
	values := []string{"7", "csv", "api_400", "", "x y", "invalid_value", "12"}
	for width := 1; width <= 7; width++ {
		for shift := range 3 {
			var in strings.Builder
			for c := range width {
				if c > 0 {
					in.WriteByte(';')
				}
				fmt.Fprintf(&in, "h%d", c)
			}
			in.WriteByte('\n')
			for n := 1; n <= width+4; n++ {
				for i := range n {
					if i > 0 {
						in.WriteByte(';')
					}
					in.WriteString(values[(i+n+shift)%len(values)])
				}
				in.WriteByte('\n')
			}
			t.Run(fmt.Sprintf("width %d shift %d", width, shift), func(t *testing.T) {
				checkRejectRoundTrip(t, []byte(in.String()), Options{Delimiter: ";"})
			})
		}
	}
}

// checkRejectRoundTrip reads in, writes every row to a reject file (a
// broken row with code csv, a good one with api_400) and reads that back.
func checkRejectRoundTrip(t *testing.T, in []byte, opt Options) {
	t.Helper()
	r := mustReader(t, in, opt)
	recs := readAll(t, r)
	out := writeEveryRow(t, r, recs, "api_400", "Incorrect request")
	back := readAll(t, mustReader(t, out, Options{Delimiter: string(r.Comma()), Encoding: r.Encoding(), LazyQuotes: opt.LazyQuotes}))
	if len(back) != len(recs) {
		t.Fatalf("%d rows read back, want %d; reject file:\n%s", len(back), len(recs), out)
	}
	for i, b := range back {
		o := recs[i]
		line := o.Line
		if o.SourceLine > 0 {
			line = o.SourceLine
		}
		switch {
		case (b.Err == nil) != (o.Err == nil):
			t.Errorf("line %d %q: read back with fields %q, err %v; read first with fields %q, err %v", o.Line, o.Raw, b.Fields, b.Err, o.Fields, o.Err)
		case o.Err == nil && (!slices.Equal(b.Fields, o.Fields) || !bytes.Equal(b.Raw, o.Raw)):
			t.Errorf("line %d: read back as %q %q, want %q %q", o.Line, b.Fields, b.Raw, o.Fields, o.Raw)
		case b.SourceLine != line && !errors.Is(o.Err, ErrRecordTooLong):
			t.Errorf("line %d %q: read back with reject_line %d", o.Line, o.Raw, b.SourceLine)
		case o.Err != nil && errors.Is(o.Err, csv.ErrFieldCount) && !bytes.Equal(b.Raw, o.Raw):
			t.Errorf("line %d: broken row read back as %q, want %q", o.Line, b.Raw, o.Raw)
		}
	}
}

// writeEveryRow writes recs to a reject file of r as the importer does: a
// broken row with code csv and its error, a good one with code and reason.
func writeEveryRow(t *testing.T, r *Reader, recs []*Record, code, reason string) []byte {
	t.Helper()
	var out bytes.Buffer
	w := NewRejectWriter(&out, r)
	for _, rec := range recs {
		c, why := code, reason
		if rec.Err != nil {
			c, why = "csv", rec.Err.Error()
		}
		if err := w.Write(rec, c, why); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
