package csvio

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// TestReadLineEndings: CR (classic Mac, old Excel for Mac), LF and CRLF all
// end a line, mixed too; a line break inside a quoted cell is the cell's
// bytes as written.
func TestReadLineEndings(t *testing.T) {
	tests := []readCase{
		{
			Name: "CR-only file", In: []byte("a,b\r1,2\r3,4\r"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", "2"}, "1,2", "\r", nil}, {3, []string{"3", "4"}, "3,4", "\r", nil}},
		},
		{
			Name: "CR-only file without a final line end", In: []byte("name,city\rHélène,Paris\rMüller,Köln"),
			Header: []string{"name", "city"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"Hélène", "Paris"}, "Hélène,Paris", "\r", nil}, {3, []string{"Müller", "Köln"}, "Müller,Köln", "", nil}},
		},
		{
			Name: "mixed CR, LF and CRLF", In: []byte("a,b\r\n1,2\r3,4\n5,6\r\n7,8\r"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{
				{2, []string{"1", "2"}, "1,2", "\r", nil}, {3, []string{"3", "4"}, "3,4", "\n", nil},
				{4, []string{"5", "6"}, "5,6", "\r\n", nil}, {5, []string{"7", "8"}, "7,8", "\r", nil},
			},
		},
		{
			Name: "CR-only blank lines are skipped and counted", In: []byte("a,b\r\r1,2\r\r\r3,4\r"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{3, []string{"1", "2"}, "1,2", "\r", nil}, {6, []string{"3", "4"}, "3,4", "\r", nil}},
		},
		{
			Name: "CRLF inside a quoted cell is kept", In: []byte("a,b\r\n1,\"two\r\nlines\"\r\n2,x\r\n"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", "two\r\nlines"}, "1,\"two\r\nlines\"", "\r\n", nil}, {4, []string{"2", "x"}, "2,x", "\r\n", nil}},
		},
		{
			Name: "CR and LF inside quoted cells are kept", In: []byte("a,b\r1,\"x\ry\"\r2,\"p\nq\r\nr\"\r3,z\r"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{
				{2, []string{"1", "x\ry"}, "1,\"x\ry\"", "\r", nil},
				{4, []string{"2", "p\nq\r\nr"}, "2,\"p\nq\r\nr\"", "\r", nil},
				{7, []string{"3", "z"}, "3,z", "\r", nil},
			},
		},
		{
			Name: "CR-only with a bad row after a multi-line cell", In: []byte("a,b\r1,\"x\ry\"\r2,3,4\r5,6\r"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{
				{2, []string{"1", "x\ry"}, "1,\"x\ry\"", "\r", nil},
				{4, nil, "2,3,4", "\r", csv.ErrFieldCount},
				{5, []string{"5", "6"}, "5,6", "\r", nil},
			},
		},
		{
			Name: "CR-only header with a quoted name", In: []byte("\"a\rb\",c\r1,2\r"),
			Header: []string{"a\rb", "c"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{3, []string{"1", "2"}, "1,2", "\r", nil}},
		},
		{
			Name: "CR-only sep line", In: []byte("sep=;\ra;b\r1;2\r"),
			Header: []string{"a", "b"}, Comma: ';', Encoding: "utf-8", Sep: true,
			Recs: []wantRec{{3, []string{"1", "2"}, "1;2", "\r", nil}},
		},
		{
			Name: "CR-only auto delimiter looks at the header line only", In: []byte("a;b\r1,2;3\r"), Opt: Options{Delimiter: "auto"},
			Header: []string{"a", "b"}, Comma: ';', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1,2", "3"}, "1,2;3", "\r", nil}},
		},
		{
			Name: "CR-only windows-1251", In: cp1251(t, "Имя;Город\rЁжик;Москва\r"), Opt: Options{Delimiter: ";", Encoding: "windows-1251"},
			Header: []string{"Имя", "Город"}, Comma: ';', Encoding: "windows-1251",
			Recs: []wantRec{{2, []string{"Ёжик", "Москва"}, "Ёжик;Москва", "\r", nil}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) { checkRead(t, tt) })
	}
}

// TestRejectKeepsLineEndings: each rejected row goes out with its own line
// end, and the file reads back the same.
func TestRejectKeepsLineEndings(t *testing.T) {
	in := []byte("a,b\r\n1,2\r3,\"x\r\ny\"\n5,6\r\n7,8\r")
	r := mustReader(t, in, Options{})
	recs := readAll(t, r)
	var b bytes.Buffer
	w := NewRejectWriter(&b, r)
	for _, rec := range recs {
		if err := w.Write(rec, "api_1", "no"); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "a,b,reject_line,reject_code,reject_reason\r\n1,2,2,api_1,no\r3,\"x\r\ny\",3,api_1,no\n5,6,5,api_1,no\r\n7,8,6,api_1,no\r"
	if b.String() != want {
		t.Fatalf("reject file\n%q\nwant\n%q", b.String(), want)
	}
	back := readAll(t, mustReader(t, b.Bytes(), Options{}))
	if len(back) != len(recs) {
		t.Fatalf("read back %d records, want %d", len(back), len(recs))
	}
	for i := range back {
		if string(back[i].Raw) != string(recs[i].Raw) || back[i].Ending != recs[i].Ending || back[i].Fields[1] != recs[i].Fields[1] {
			t.Errorf("record %d read back %+v, want %+v", i, back[i], recs[i])
		}
	}
}
