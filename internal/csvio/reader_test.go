package csvio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

type wantRec struct {
	Line   int
	Fields []string // nil with Err
	Raw    string
	Ending string
	Err    error // errors.Is target
}

// readCase is an input and what Reader must make of it.
type readCase struct {
	Name     string
	In       []byte
	Opt      Options
	Header   []string
	Comma    rune
	Encoding string
	BOM      bool
	Sep      bool // SepLine()
	Recs     []wantRec
}

func TestRead(t *testing.T) {
	tests := []readCase{
		{
			Name: "utf-8 LF", In: []byte("a,b\n1,2\n3,4\n"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", "2"}, "1,2", "\n", nil}, {3, []string{"3", "4"}, "3,4", "\n", nil}},
		},
		{
			Name: "utf-8 BOM CRLF", In: []byte("\xEF\xBB\xBFимя,b\r\nЮля,2\r\n"),
			Header: []string{"имя", "b"}, Comma: ',', Encoding: "utf-8", BOM: true,
			Recs: []wantRec{{2, []string{"Юля", "2"}, "Юля,2", "\r\n", nil}},
		},
		{
			Name: "utf-8 explicit", In: []byte("a\nё\n"), Opt: Options{Encoding: "UTF-8"},
			Header: []string{"a"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"ё"}, "ё", "\n", nil}},
		},
		{
			Name: "windows-1251", In: cp1251(t, "Имя;Город\nЁжик;Москва\n"), Opt: Options{Delimiter: ";", Encoding: "windows-1251"},
			Header: []string{"Имя", "Город"}, Comma: ';', Encoding: "windows-1251",
			Recs: []wantRec{{2, []string{"Ёжик", "Москва"}, "Ёжик;Москва", "\n", nil}},
		},
		{
			Name: "auto encoding finds utf-8", In: []byte("Имя\nЁжик\n"), Opt: Options{Encoding: "auto"},
			Header: []string{"Имя"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"Ёжик"}, "Ёжик", "\n", nil}},
		},
		{
			Name: "auto encoding finds windows-1251", In: cp1251(t, "Имя\nЁжик\n"), Opt: Options{Encoding: "auto"},
			Header: []string{"Имя"}, Comma: ',', Encoding: "windows-1251",
			Recs: []wantRec{{2, []string{"Ёжик"}, "Ёжик", "\n", nil}},
		},
		{
			Name: "auto encoding with BOM", In: []byte("\xEF\xBB\xBFa\nb\n"), Opt: Options{Encoding: "auto"},
			Header: []string{"a"}, Comma: ',', Encoding: "utf-8", BOM: true,
			Recs: []wantRec{{2, []string{"b"}, "b", "\n", nil}},
		},
		{
			Name: "semicolon", In: []byte("a;b\n1,5;2\n"), Opt: Options{Delimiter: ";"},
			Header: []string{"a", "b"}, Comma: ';', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1,5", "2"}, "1,5;2", "\n", nil}},
		},
		{
			Name: "tab", In: []byte("a\tb\n1\t2\n"), Opt: Options{Delimiter: "\t"},
			Header: []string{"a", "b"}, Comma: '\t', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", "2"}, "1\t2", "\n", nil}},
		},
		{
			Name: "tab spelled out", In: []byte("a\tb\n1\t2\n"), Opt: Options{Delimiter: "tab"},
			Header: []string{"a", "b"}, Comma: '\t', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", "2"}, "1\t2", "\n", nil}},
		},
		{
			Name: "tab escaped", In: []byte("a\tb\n1\t2\n"), Opt: Options{Delimiter: `\t`},
			Header: []string{"a", "b"}, Comma: '\t', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", "2"}, "1\t2", "\n", nil}},
		},
		{
			Name: "pipe", In: []byte("a|b\n1|2"), Opt: Options{Delimiter: "|"},
			Header: []string{"a", "b"}, Comma: '|', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", "2"}, "1|2", "", nil}},
		},
		{
			Name: "auto delimiter semicolon", In: []byte("a;\"b,c,d\";e\n1;2;3\n"), Opt: Options{Delimiter: "auto"},
			Header: []string{"a", "b,c,d", "e"}, Comma: ';', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", "2", "3"}, "1;2;3", "\n", nil}},
		},
		{
			Name: "auto delimiter tab after blank lines", In: []byte("\n\r\na\tb,c\td\n1\t2\t3\n"), Opt: Options{Delimiter: "auto"},
			Header: []string{"a", "b,c", "d"}, Comma: '\t', Encoding: "utf-8",
			Recs: []wantRec{{4, []string{"1", "2", "3"}, "1\t2\t3", "\n", nil}},
		},
		{
			Name: "auto delimiter pipe", In: []byte("a|b|c\n1|2|3\n"), Opt: Options{Delimiter: "auto"},
			Header: []string{"a", "b", "c"}, Comma: '|', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", "2", "3"}, "1|2|3", "\n", nil}},
		},
		{
			Name: "auto delimiter tie is comma", In: []byte("a;b|c\n1;2|3\n"), Opt: Options{Delimiter: "auto"},
			Header: []string{"a;b|c"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1;2|3"}, "1;2|3", "\n", nil}},
		},
		{
			Name: "quoted fields", In: []byte("a,b,c\n\"x,y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\r\nnext,1,2\r\n"),
			Header: []string{"a", "b", "c"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{
				{2, []string{"x,y", `say "hi"`, "two\r\nlines"}, "\"x,y\",\"say \"\"hi\"\"\",\"two\r\nlines\"", "\r\n", nil},
				{4, []string{"next", "1", "2"}, "next,1,2", "\r\n", nil},
			},
		},
		{
			Name: "blank lines and multi-line fields keep line numbers", In: []byte("a,b\n\n1,\"x\n\ny\"\n\r\n\n2,z\n\n"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{3, []string{"1", "x\n\ny"}, "1,\"x\n\ny\"", "\n", nil}, {8, []string{"2", "z"}, "2,z", "\n", nil}},
		},
		{
			Name: "last line without newline", In: []byte("a,b\r\n1,2"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", "2"}, "1,2", "", nil}},
		},
		{
			Name: "lone CR at the end", In: []byte("a,b\r\n1,2\r"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", "2"}, "1,2", "\r", nil}},
		},
		{
			Name: "wrong field count, next row read", In: []byte("a,b\n1,2,3\n4\n5,6\n"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{
				{2, nil, "1,2,3", "\n", csv.ErrFieldCount},
				{3, nil, "4", "\n", csv.ErrFieldCount},
				{4, []string{"5", "6"}, "5,6", "\n", nil},
			},
		},
		{
			Name: "bare quote, next row read", In: []byte("a,b\n1,x\"y\n3,4\n"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, nil, "1,x\"y", "\n", csv.ErrBareQuote}, {3, []string{"3", "4"}, "3,4", "\n", nil}},
		},
		{
			Name: "text after a closing quote, next row read", In: []byte("a,b\n\"1\"x,2\n3,4\n"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, nil, "\"1\"x,2", "\n", csv.ErrQuote}, {3, []string{"3", "4"}, "3,4", "\n", nil}},
		},
		{
			// The rest of the file must not vanish into one reject: only the
			// line that opens the quote is rejected.
			Name: "unterminated quote at EOF", In: []byte("a,b\n1,2\n3,\"4\n5,6\n"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", "2"}, "1,2", "\n", nil}, {3, nil, "3,\"4", "\n", csv.ErrQuote}, {4, []string{"5", "6"}, "5,6", "\n", nil}},
		},
		{
			Name: "unterminated quote on the last line", In: []byte("a,b\n1,2\n3,\"4\n"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", "2"}, "1,2", "\n", nil}, {3, nil, "3,\"4", "\n", csv.ErrQuote}},
		},
		{
			Name: "invalid UTF-8 row, next row read", In: []byte("a,b\n1,\xE9t\xE9\n3,4\n"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, nil, "1,\xE9t\xE9", "\n", ErrInvalidUTF8}, {3, []string{"3", "4"}, "3,4", "\n", nil}},
		},
		{
			Name: "trailing reject columns dropped", In: []byte("a;b;reject_line;reject_code;reject_reason\r\n1;\"x;y\";7;api_1;\"bad; very\"\r\n2;\"multi\r\nline\";9;csv;x\r\n"),
			Opt: Options{Delimiter: "auto"}, Header: []string{"a", "b"}, Comma: ';', Encoding: "utf-8",
			Recs: []wantRec{
				{2, []string{"1", "x;y"}, "1;\"x;y\"", "\r\n", nil},
				{3, []string{"2", "multi\r\nline"}, "2;\"multi\r\nline\"", "\r\n", nil},
			},
		},
		{
			Name: "trailing reject columns cut from broken rows", In: []byte("a,b,reject_line,reject_code,reject_reason\n1,2,3,7,csv,\"line 7: wrong number of fields: 3, the header has 2\"\n1,x\"y,8,csv,\"line 8: bare \"\" in non-quoted-field\"\n"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, nil, "1,2,3", "\n", csv.ErrFieldCount}, {3, nil, "1,x\"y", "\n", csv.ErrBareQuote}},
		},
		{
			Name: "reject columns elsewhere dropped", In: []byte("reject_code,a,b,reject_line\nx,1,\" 2\",5\n"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", " 2"}, "1,\" 2\"", "\n", nil}},
		},
		{
			Name: "empty column name allowed", In: []byte("a,,c\n1,2,3\n"),
			Header: []string{"a", "", "c"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", "2", "3"}, "1,2,3", "\n", nil}},
		},
		{
			Name: "header only", In: []byte("a,b"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
		},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) { checkRead(t, tt) })
	}
}

// checkRead reads tt.In whole and one byte at a time, and checks the header,
// the format found and every record.
func checkRead(t *testing.T, tt readCase) {
	t.Helper()
	for _, chunking := range []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{"whole", func(r io.Reader) io.Reader { return r }},
		{"one byte at a time", iotest.OneByteReader},
	} {
		t.Run(chunking.name, func(t *testing.T) {
			r, err := NewReader(chunking.wrap(bytes.NewReader(tt.In)), "in.csv", tt.Opt)
			if err != nil {
				t.Fatalf("NewReader: %v", err)
			}
			if !slices.Equal(r.Header(), tt.Header) {
				t.Errorf("Header() = %q, want %q", r.Header(), tt.Header)
			}
			if r.Comma() != tt.Comma || r.Encoding() != tt.Encoding || r.BOM() != tt.BOM || r.SepLine() != tt.Sep {
				t.Errorf("Comma, Encoding, BOM, SepLine = %q, %q, %v, %v; want %q, %q, %v, %v", r.Comma(), r.Encoding(), r.BOM(), r.SepLine(), tt.Comma, tt.Encoding, tt.BOM, tt.Sep)
			}
			got := readAll(t, r)
			if len(got) != len(tt.Recs) {
				t.Fatalf("got %d records, want %d: %+v", len(got), len(tt.Recs), got)
			}
			for i, g := range got {
				w := tt.Recs[i]
				if g.Line != w.Line || !slices.Equal(g.Fields, w.Fields) || string(g.Raw) != w.Raw || g.Ending != w.Ending {
					t.Errorf("record %d = {%d %q %q %q}, want {%d %q %q %q}", i, g.Line, g.Fields, g.Raw, g.Ending, w.Line, w.Fields, w.Raw, w.Ending)
				}
				if w.Err == nil && g.Err != nil || !errors.Is(g.Err, w.Err) {
					t.Errorf("record %d: Err = %v, want %v", i, g.Err, w.Err)
				}
				var re *RowError
				if g.Err != nil && (!errors.As(g.Err, &re) || re.Line != w.Line || g.Fields != nil) {
					t.Errorf("record %d: Err = %#v with Fields %q, want a *RowError for line %d and no Fields", i, g.Err, g.Fields, w.Line)
				}
			}
			if _, err := r.Read(); err != io.EOF {
				t.Errorf("Read after the end = %v, want io.EOF", err)
			}
			if n := r.BytesRead(); n != int64(len(tt.In)) {
				t.Errorf("BytesRead() = %d, want %d", n, len(tt.In))
			}
		})
	}
	checkSeek(t, tt)
}

// checkSeek checks that a reader sent to any record's End and NextLine reads
// on exactly as one that read its way there: a resumed import skips finished
// rows that way.
func checkSeek(t *testing.T, tt readCase) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(tt.In), "in.csv", tt.Opt)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	all := readAll(t, r)
	step := max(1, len(all)/40)
	for k := 0; k < len(all); k += step {
		s, err := NewReader(bytes.NewReader(tt.In), "in.csv", tt.Opt)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SeekRecord(all[k].End, all[k].NextLine); err != nil {
			t.Fatalf("SeekRecord after record %d: %v", k, err)
		}
		rest := readAll(t, s)
		want := all[k+1:]
		if len(rest) != len(want) {
			t.Fatalf("after seeking past record %d (End %d, NextLine %d): %d records, want %d", k, all[k].End, all[k].NextLine, len(rest), len(want))
		}
		for i, g := range rest {
			w := want[i]
			if g.Line != w.Line || !slices.Equal(g.Fields, w.Fields) || string(g.Raw) != string(w.Raw) || g.Ending != w.Ending ||
				fmt.Sprint(g.Err) != fmt.Sprint(w.Err) || g.End != w.End || g.NextLine != w.NextLine {
				t.Fatalf("after seeking past record %d, record %d = %+v, want %+v", k, i, g, w)
			}
		}
	}
	if len(all) > 0 {
		if last := all[len(all)-1]; last.End > int64(len(tt.In)) {
			t.Errorf("the last record ends at %d, past the input's %d bytes", last.End, len(tt.In))
		}
	}
}

func TestRowErrorMessage(t *testing.T) {
	tests := []struct {
		Name string
		In   string
		Want string
	}{
		{"too many fields", "a,b\n1,2,3\n", "line 2: wrong number of fields: 3, the header has 2"},
		{"too few fields", "a,b\n\n1\n", "line 3: wrong number of fields: 1, the header has 2"},
		{"bare quote", "a,Phone\n1,x\"y\n", `line 2: field 2 "Phone": bare " in non-quoted-field`},
		{"quote after quoted field", "a,b\n\"1\"x,2\n", `line 2: field 1 "a": extraneous or missing " in quoted-field`},
		{"unterminated quote", "a,b\n1,\"2\n\n", `line 2: a quote opened on this line never closes; only this line is rejected, reading goes on at the next line`},
		{"unterminated quote on the last line", "a,b\n1,\"2\n", `line 2: a quote opened on this line never closes before the end of the file`},
		{"unterminated quote on the last line without a line end", "a,b\n1,\"2", `line 2: a quote opened on this line never closes before the end of the file`},
		{"text after a closing quote", "a,b\n1,\"x\" y\n", `line 2: field 2 "b": extraneous or missing " in quoted-field`},
		{"field beyond the header", "a\n1,x\"\n", `line 2: field 2: bare " in non-quoted-field`},
		{"invalid UTF-8", "a,b\n1,\xFF\n", `line 2: field 2 "b": invalid UTF-8 at byte 3 of the line (` + utf8Hint + ")"},
		{"invalid UTF-8 on a later line of the record", "a,b\n1,\"x\ny\xFF\"\n", `line 2: field 2 "b": invalid UTF-8 at byte 2 of line 3 (` + utf8Hint + ")"},
		{"NUL byte", "a,b,Phone\n1,2,+7\x00\n", `line 2: field 3 "Phone": NUL byte at byte 7 of the line; is the file UTF-16 or binary? save it as UTF-8 CSV`},
		{"NUL byte in a quoted field", "a,b\n\"1\",\"\x00\"\n", `line 2: field 2 "b": NUL byte at byte 6 of the line; is the file UTF-16 or binary? save it as UTF-8 CSV`},
		{"unclosed quote past the limit", "a,b\n1,\"2\n" + strings.Repeat("3,4\n", 300_000), "line 2: row longer than 1 MiB — an unclosed quote? Only its first line is rejected; reading goes on at the next line"},
		{"line past the limit", "a\n" + strings.Repeat("x", 2<<20) + "\n", "line 2: line longer than 1 MiB; only its first 1 MiB is kept"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			recs := readAll(t, mustReader(t, []byte(tt.In), Options{}))
			if len(recs) == 0 || recs[0].Err == nil {
				t.Fatalf("got %+v, want a first record with an error", recs)
			}
			if got := recs[0].Err.Error(); got != tt.Want {
				t.Errorf("Err.Error() = %q, want %q", got, tt.Want)
			}
		})
	}
}

func TestNewReaderErrors(t *testing.T) {
	tests := []struct {
		Name    string
		In      []byte
		FName   string
		Opt     Options
		Is      error
		Message string // a part of the message
	}{
		{Name: "empty file", In: nil, Is: ErrNoHeader, Message: `read "in.csv": no header line`},
		{Name: "blank lines only", In: []byte("\n\r\n\n"), Is: ErrNoHeader},
		{Name: "empty standard input", FName: "-", Is: ErrNoHeader, Message: "read standard input: no header line"},
		{Name: "BOM only", In: []byte("\xEF\xBB\xBF"), Is: ErrNoHeader},
		{Name: "two-character delimiter", In: []byte("a\n"), Opt: Options{Delimiter: ";;"}, Is: ErrInvalidOption, Message: `delimiter ";;"`},
		{Name: "quote as delimiter", In: []byte("a\n"), Opt: Options{Delimiter: `"`}, Is: ErrInvalidOption},
		{Name: "newline as delimiter", In: []byte("a\n"), Opt: Options{Delimiter: "\n"}, Is: ErrInvalidOption},
		{Name: "unknown encoding", In: []byte("a\n"), Opt: Options{Encoding: "ebcdic"}, Is: ErrInvalidOption, Message: `encoding "ebcdic" (known: utf-8, utf-16`},
		{Name: "delimiter windows-1251 lacks", In: []byte("a\n"), Opt: Options{Delimiter: "☺", Encoding: "windows-1251"}, Is: ErrInvalidOption},
		{Name: "BOM with windows-1251", In: []byte("\xEF\xBB\xBFa\n"), Opt: Options{Encoding: "windows-1251"}, Is: ErrInvalidOption, Message: "byte order mark"},
		{Name: "header not UTF-8", In: cp1251(t, "Имя\n"), Is: ErrInvalidUTF8, Message: "such as windows-1251 or windows-1252, set it in the mapping, or set auto"},
		{Name: "bare quote in header", In: []byte("a,b\"c\n"), Is: csv.ErrBareQuote, Message: "the header"},
		{Name: "unreadable", In: nil, Is: iotest.ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			var in io.Reader = bytes.NewReader(tt.In)
			if tt.Is == iotest.ErrTimeout {
				in = iotest.TimeoutReader(strings.NewReader("a,b\n"))
				in = iotest.OneByteReader(in)
			}
			name := tt.FName
			if name == "" {
				name = "in.csv"
			}
			r, err := NewReader(in, name, tt.Opt)
			if err == nil {
				t.Fatalf("NewReader = %+v, want an error", r)
			}
			if !errors.Is(err, tt.Is) {
				t.Errorf("err = %v, want one wrapping %v", err, tt.Is)
			}
			if !strings.Contains(err.Error(), tt.Message) {
				t.Errorf("err = %q, want it to hold %q", err, tt.Message)
			}
			if name == "in.csv" && !strings.Contains(err.Error(), `"in.csv"`) {
				t.Errorf("err = %q, want it to name the file", err)
			}
		})
	}
}

func TestReadStreamError(t *testing.T) {
	// The error comes after the window NewReader sniffs.
	in := io.MultiReader(strings.NewReader("a,b\n1,2\n3,"+strings.Repeat("x", sniffLimit)), iotest.ErrReader(io.ErrUnexpectedEOF))
	r, err := NewReader(in, "in.csv", Options{})
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	rec, err := r.Read()
	if err != nil || !slices.Equal(rec.Fields, []string{"1", "2"}) {
		t.Fatalf("Read = %+v, %v; want the first row", rec, err)
	}
	for range 2 { // the error sticks
		if _, err := r.Read(); !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), `"in.csv"`) {
			t.Errorf("Read = %v, want the stream's error naming the file", err)
		}
	}
}

func TestName(t *testing.T) {
	for name, want := range map[string]string{"-": "standard input", "data/in.csv": "data/in.csv"} {
		if got := mustReaderNamed(t, name).Name(); got != want {
			t.Errorf("Name() for %q = %q, want %q", name, got, want)
		}
	}
}

func mustReaderNamed(t *testing.T, name string) *Reader {
	t.Helper()
	r, err := NewReader(strings.NewReader("a\n"), name, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestReadMemoryBounded reads a file far larger than any buffer and checks
// the raw-text recorder stays the size of a few records.
func TestReadMemoryBounded(t *testing.T) {
	in := genCSV(200_000, 8)
	r := mustReader(t, in, Options{})
	n := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil || rec.Err != nil {
			t.Fatalf("Read: %v %v", err, rec.Err)
		}
		n++
	}
	if n != 200_000 {
		t.Errorf("read %d rows, want 200000", n)
	}
	if c := cap(r.rec.buf); c > 64<<10 {
		t.Errorf("recorder buffer grew to %d bytes for a %d-byte file", c, len(in))
	}
}

func TestRecorderShrinksAfterHugeRecord(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("a,b\n1,\"")
	b.WriteString(strings.Repeat("x", 4<<20))
	b.WriteString("\"\n")
	for range 100_000 {
		b.WriteString("2,y\n")
	}
	r := mustReader(t, b.Bytes(), Options{MaxRecordBytes: 8 << 20})
	recs := readAll(t, r)
	if len(recs) != 100_001 || len(recs[0].Fields[1]) != 4<<20 {
		t.Fatalf("got %d records", len(recs))
	}
	if c := cap(r.rec.buf); c > 1<<20 {
		t.Errorf("recorder buffer still %d bytes after the huge record", c)
	}
}

func TestBytesReadConcurrently(t *testing.T) {
	in := genCSV(20_000, 8)
	r := mustReader(t, in, Options{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		last := int64(0)
		for {
			n := r.BytesRead()
			if n < last {
				t.Errorf("BytesRead went back from %d to %d", last, n)
			}
			last = n
			if n == int64(len(in)) {
				return
			}
		}
	}()
	readAll(t, r)
	<-done
}
