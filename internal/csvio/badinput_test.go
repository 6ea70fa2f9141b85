package csvio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestReadBadInput covers the inputs people really feed an importer: Excel's
// habits, blank-looking lines, stray bytes, broken quotes and huge lines.
func TestReadBadInput(t *testing.T) {
	rows := func(n int, row string) string { return strings.Repeat(row, n) }
	okRows := func(first, n int, fields []string, raw string) []wantRec {
		var recs []wantRec
		for i := range n {
			recs = append(recs, wantRec{first + i, fields, raw, "\n", nil})
		}
		return recs
	}
	tests := []readCase{
		// Blank-looking lines.
		{
			Name: "whitespace-only lines between rows are skipped", In: []byte("a,b\n1,2\n  \t \n3,4\n\t\n \r\n5,6\n   "),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", "2"}, "1,2", "\n", nil}, {4, []string{"3", "4"}, "3,4", "\n", nil}, {7, []string{"5", "6"}, "5,6", "\n", nil}},
		},
		{
			Name: "whitespace-only lines before the header are skipped", In: []byte("  \n\t\r\n\na,b\n1,2\n"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{5, []string{"1", "2"}, "1,2", "\n", nil}},
		},
		{
			Name: "single column: a line of spaces is skipped", In: []byte("email\na@x.ru\n   \nb@x.ru\n"),
			Header: []string{"email"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"a@x.ru"}, "a@x.ru", "\n", nil}, {4, []string{"b@x.ru"}, "b@x.ru", "\n", nil}},
		},
		{
			Name: "quoted spaces are a value", In: []byte("email\n\"  \"\n"),
			Header: []string{"email"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"  "}, `"  "`, "\n", nil}},
		},
		{
			Name: "a line of spaces inside a quoted field is kept", In: []byte("a,b\n1,\"x\n  \ny\"\n"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", "x\n  \ny"}, "1,\"x\n  \ny\"", "\n", nil}},
		},
		{
			Name: "tab-delimited: a line of tabs is a row of empty fields", In: []byte("a\tb\n\t\n \n1\t2\n"), Opt: Options{Delimiter: "tab"},
			Header: []string{"a", "b"}, Comma: '\t', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"", ""}, "\t", "\n", nil}, {4, []string{"1", "2"}, "1\t2", "\n", nil}},
		},
		// Spreadsheets' trailing delimiters.
		{
			Name: "trailing delimiter in the header and the rows", In: []byte("a,b,\n1,2,\n3,4,\n"),
			Header: []string{"a", "b", ""}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", "2", ""}, "1,2,", "\n", nil}, {3, []string{"3", "4", ""}, "3,4,", "\n", nil}},
		},
		{
			Name: "extra empty fields are dropped from the fields, kept in the text", In: []byte("a,b\n1,2,,\n3,4,\r\n5,\"6\",\"\"\n"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", "2"}, "1,2,,", "\n", nil}, {3, []string{"3", "4"}, "3,4,", "\r\n", nil}, {4, []string{"5", "6"}, "5,\"6\",\"\"", "\n", nil}},
		},
		{
			Name: "extra fields that are not empty", In: []byte("a,b\n1,2,,x\n1,2, \n"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, nil, "1,2,,x", "\n", csv.ErrFieldCount}, {3, nil, "1,2, ", "\n", csv.ErrFieldCount}},
		},
		{
			Name: "too few fields for a header with a trailing delimiter", In: []byte("a,b,\n1,2\n"),
			Header: []string{"a", "b", ""}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, nil, "1,2", "\n", csv.ErrFieldCount}},
		},
		{
			Name: "extra empty fields after the reject columns", In: []byte("a,b,reject_line,reject_code,reject_reason\n1,2,7,csv,x,,\n"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", "2"}, "1,2", "\n", nil}},
		},
		// Excel's "sep=" line.
		{
			Name: "sep line", In: []byte("sep=;\na;b\n1;2\n"),
			Header: []string{"a", "b"}, Comma: ';', Encoding: "utf-8", Sep: true,
			Recs: []wantRec{{3, []string{"1", "2"}, "1;2", "\n", nil}},
		},
		{
			Name: "sep line overrides auto", In: []byte("sep=,\r\na;b,c\r\n1;2,3\r\n"), Opt: Options{Delimiter: "auto"},
			Header: []string{"a;b", "c"}, Comma: ',', Encoding: "utf-8", Sep: true,
			Recs: []wantRec{{3, []string{"1;2", "3"}, "1;2,3", "\r\n", nil}},
		},
		{
			Name: "sep line overrides the delimiter option", In: []byte("sep=|\na|b\n1|2\n"), Opt: Options{Delimiter: ";"},
			Header: []string{"a", "b"}, Comma: '|', Encoding: "utf-8", Sep: true,
			Recs: []wantRec{{3, []string{"1", "2"}, "1|2", "\n", nil}},
		},
		{
			Name: "sep line with a real tab", In: []byte("sep=\t\na\tb\n1\t2\n"),
			Header: []string{"a", "b"}, Comma: '\t', Encoding: "utf-8", Sep: true,
			Recs: []wantRec{{3, []string{"1", "2"}, "1\t2", "\n", nil}},
		},
		{
			Name: "quoted sep line after a BOM", In: []byte("\xEF\xBB\xBF\"sep=;\"\na;b\n1;2\n"),
			Header: []string{"a", "b"}, Comma: ';', Encoding: "utf-8", BOM: true, Sep: true,
			Recs: []wantRec{{3, []string{"1", "2"}, "1;2", "\n", nil}},
		},
		{
			Name: "sep line in capitals padded with delimiters", In: []byte("SEP=;;;\r\na;b;c;d\r\n1;2;3;4\r\n"),
			Header: []string{"a", "b", "c", "d"}, Comma: ';', Encoding: "utf-8", Sep: true,
			Recs: []wantRec{{3, []string{"1", "2", "3", "4"}, "1;2;3;4", "\r\n", nil}},
		},
		{
			Name: "sep line then a blank line", In: []byte("sep=;\n\na;b\n1;2\n"),
			Header: []string{"a", "b"}, Comma: ';', Encoding: "utf-8", Sep: true,
			Recs: []wantRec{{4, []string{"1", "2"}, "1;2", "\n", nil}},
		},
		{
			Name: "sep line in windows-1251", In: cp1251(t, "sep=;\nИмя;Город\nЁж;Тула\n"), Opt: Options{Encoding: "auto"},
			Header: []string{"Имя", "Город"}, Comma: ';', Encoding: "windows-1251", Sep: true,
			Recs: []wantRec{{3, []string{"Ёж", "Тула"}, "Ёж;Тула", "\n", nil}},
		},
		{
			Name: "header only after a sep line", In: []byte("sep=;\na;b"),
			Header: []string{"a", "b"}, Comma: ';', Encoding: "utf-8", Sep: true,
		},
		{
			Name: "not a sep line: more after the delimiter", In: []byte("sep=;x\n1\n"),
			Header: []string{"sep=;x"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1"}, "1", "\n", nil}},
		},
		{
			Name: "not a sep line: later in the file", In: []byte("a\nsep=;\n"),
			Header: []string{"a"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"sep=;"}, "sep=;", "\n", nil}},
		},
		// Bytes no CSV text holds.
		{
			Name: "NUL byte rejects the row, the next is read", In: []byte("a,b,c\n1,2,\x00\n3,4,5\n"),
			Header: []string{"a", "b", "c"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, nil, "1,2,\x00", "\n", ErrNUL}, {3, []string{"3", "4", "5"}, "3,4,5", "\n", nil}},
		},
		{
			Name: "NUL byte in a windows-1251 file", In: append(cp1251(t, "a,b\nЁ,\x00x\n"), "3,4\n"...), Opt: Options{Encoding: "windows-1251"},
			Header: []string{"a", "b"}, Comma: ',', Encoding: "windows-1251",
			Recs: []wantRec{{2, nil, "Ё,\x00x", "\n", ErrNUL}, {3, []string{"3", "4"}, "3,4", "\n", nil}},
		},
		// Line ends.
		{
			Name: "mixed CRLF and LF", In: []byte("a,b\r\n1,2\n3,4\r\n5,\"x\r\ny\"\n\r\n6,7"),
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{
				{2, []string{"1", "2"}, "1,2", "\n", nil},
				{3, []string{"3", "4"}, "3,4", "\r\n", nil},
				{4, []string{"5", "x\r\ny"}, "5,\"x\r\ny\"", "\n", nil},
				{7, []string{"6", "7"}, "6,7", "", nil},
			},
		},
		// Records longer than the limit.
		{
			Name: "unclosed quote: the rows after it are read", In: []byte("a,b\n1,\"2\n" + rows(30, "3,4\n")), Opt: Options{MaxRecordBytes: 64},
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: append([]wantRec{{2, nil, "1,\"2", "\n", ErrRecordTooLong}}, okRows(3, 30, []string{"3", "4"}, "3,4")...),
		},
		{
			Name: "unclosed quote cut short by the recorder", In: []byte("a,b\n1,\"2\n" + rows(5000, "3,4\n")), Opt: Options{MaxRecordBytes: 64},
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: append([]wantRec{{2, nil, "1,\"2", "\n", ErrRecordTooLong}}, okRows(3, 5000, []string{"3", "4"}, "3,4")...),
		},
		{
			Name: "unclosed quote after a sep line and blank lines", In: []byte("sep=;\na;b\n\n1;\"2\r\n3;4\n5;6\n7;8\n9;0\n"), Opt: Options{MaxRecordBytes: 16},
			Header: []string{"a", "b"}, Comma: ';', Encoding: "utf-8", Sep: true,
			Recs: append([]wantRec{{4, nil, "1;\"2", "\r\n", ErrRecordTooLong}},
				wantRec{5, []string{"3", "4"}, "3;4", "\n", nil}, wantRec{6, []string{"5", "6"}, "5;6", "\n", nil},
				wantRec{7, []string{"7", "8"}, "7;8", "\n", nil}, wantRec{8, []string{"9", "0"}, "9;0", "\n", nil}),
		},
		{
			Name: "a record of exactly the limit", In: []byte("a\n" + strings.Repeat("x", 63) + "\n" + strings.Repeat("y", 64) + "\n1\n"), Opt: Options{MaxRecordBytes: 64},
			Header: []string{"a"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{
				{2, []string{strings.Repeat("x", 63)}, strings.Repeat("x", 63), "\n", nil},
				{3, nil, strings.Repeat("y", 64), "\n", ErrRecordTooLong},
				{4, []string{"1"}, "1", "\n", nil},
			},
		},
		{
			Name: "long line", In: []byte("a\n" + strings.Repeat("x", 100) + "\n2\n"), Opt: Options{MaxRecordBytes: 64},
			Header: []string{"a"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, nil, strings.Repeat("x", 64), "\n", ErrRecordTooLong}, {3, []string{"2"}, "2", "\n", nil}},
		},
		{
			Name: "long line cut short by the recorder", In: []byte("a\n" + strings.Repeat("x", 20000) + "\r\n2\n"), Opt: Options{MaxRecordBytes: 64},
			Header: []string{"a"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, nil, strings.Repeat("x", 64), "\r\n", ErrRecordTooLong}, {3, []string{"2"}, "2", "\n", nil}},
		},
		{
			Name: "long last line without a line break", In: []byte("a\n1\n" + strings.Repeat("x", 20000)), Opt: Options{MaxRecordBytes: 64},
			Header: []string{"a"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1"}, "1", "\n", nil}, {3, nil, strings.Repeat("x", 64), "", ErrRecordTooLong}},
		},
		{
			Name: "long line cut between runes", In: []byte("a\nx" + strings.Repeat("ж", 40) + "\n2\n"), Opt: Options{MaxRecordBytes: 64},
			Header: []string{"a"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, nil, "x" + strings.Repeat("ж", 31), "\n", ErrRecordTooLong}, {3, []string{"2"}, "2", "\n", nil}},
		},
		{
			Name: "long line with a quote in it", In: []byte("a,b\n1,x\"" + strings.Repeat("x", 20000) + "\n2,3\n"), Opt: Options{MaxRecordBytes: 64},
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, nil, "1,x\"" + strings.Repeat("x", 60), "\n", ErrRecordTooLong}, {3, []string{"2", "3"}, "2,3", "\n", nil}},
		},
		{
			Name: "the largest MaxRecordBytes", In: []byte("a\n1\n"), Opt: Options{MaxRecordBytes: math.MaxInt},
			Header: []string{"a"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1"}, "1", "\n", nil}},
		},
		{
			Name: "blank lines do not count toward the limit", In: []byte("a\n" + strings.Repeat("\n", 20000) + "1\n" + strings.Repeat("\r\n", 20000) + "2"), Opt: Options{MaxRecordBytes: 64},
			Header: []string{"a"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{20002, []string{"1"}, "1", "\n", nil}, {40003, []string{"2"}, "2", "", nil}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) { checkRead(t, tt) })
	}
}

// TestNewReaderBadInput covers inputs that have no usable header.
func TestNewReaderBadInput(t *testing.T) {
	tests := []struct {
		Name    string
		In      []byte
		Opt     Options
		Is      error
		Message string
	}{
		{Name: "whitespace lines only", In: []byte("  \n\t\r\n \t"), Is: ErrNoHeader, Message: `read "in.csv": no header line (the file is empty or blank)`},
		{Name: "sep line only", In: []byte("sep=;\r\n"), Is: ErrNoHeader},
		{Name: "sep line only, without a line break", In: []byte("sep=;"), Is: ErrNoHeader},
		{Name: "sep line with a quote as delimiter", In: []byte("sep=\"\na\n"), Is: ErrInvalidOption, Message: `the first line "sep=\"" sets a delimiter that cannot be used`},
		{Name: "UTF-16 with its byte order mark read as UTF-8", In: []byte("\xFF\xFEa\x00,\x00b\x00\n\x00"), Is: ErrInvalidOption, Message: `read "in.csv": the file starts with a UTF-16LE byte order mark (Excel's "Unicode text" export) but the encoding is utf-8; set it to utf-16 or auto`},
		{Name: "UTF-16 without a byte order mark read as UTF-8", In: []byte("a\x00,\x00b\x00\n\x00"), Is: ErrNUL, Message: "field 1: NUL byte at byte 2"},
		{Name: "UTF-16 without a byte order mark, encoding utf-16", In: []byte("a\x00,\x00b\x00\n\x00"), Opt: Options{Encoding: "utf-16"}, Is: ErrInvalidOption, Message: "it looks like utf-16le: set the encoding to utf-16le"},
		{Name: "header line longer than the limit", In: []byte(strings.Repeat("x", 100) + "\n1\n"), Opt: Options{MaxRecordBytes: 64}, Is: ErrRecordTooLong, Message: `read "in.csv": the header line is longer than 64 bytes: is this a CSV file?`},
		{Name: "header with an unclosed quote", In: []byte("a,\"b\n" + strings.Repeat("1,2\n", 100)), Opt: Options{MaxRecordBytes: 64}, Is: ErrRecordTooLong, Message: `read "in.csv": the header is longer than 64 bytes — an unclosed quote?`},
		{Name: "binary without line breaks", In: bytes.Repeat([]byte{0xFF, '"', 0x01}, 10000), Opt: Options{MaxRecordBytes: 1000}, Is: ErrNotCSV, Message: "the file is binary, not text"},
		{Name: "long line without line breaks", In: bytes.Repeat([]byte{'x', '"', ','}, 10000), Opt: Options{MaxRecordBytes: 1000}, Is: ErrRecordTooLong},
		{Name: "negative MaxRecordBytes", In: []byte("a\n"), Opt: Options{MaxRecordBytes: -1}, Is: ErrInvalidOption, Message: "MaxRecordBytes -1"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.In), "in.csv", tt.Opt)
			if err == nil {
				t.Fatalf("NewReader = %+v, want an error", r)
			}
			if !errors.Is(err, tt.Is) || !strings.Contains(err.Error(), tt.Message) {
				t.Errorf("err = %q, want one wrapping %v and holding %q", err, tt.Is, tt.Message)
			}
		})
	}
}

// lazyReader produces a header, a row, n bytes of one line and a last row,
// without ever holding the long line.
type lazyReader struct {
	head, tail string
	n          int // bytes of the long line still to produce
	chunk      []byte
}

func (l *lazyReader) Read(p []byte) (int, error) {
	switch {
	case l.head != "":
		n := copy(p, l.head)
		l.head = l.head[n:]
		return n, nil
	case l.n > 0:
		n := copy(p[:min(len(p), l.n)], l.chunk)
		l.n -= n
		return n, nil
	case l.tail != "":
		n := copy(p, l.tail)
		l.tail = l.tail[n:]
		return n, nil
	}
	return 0, io.EOF
}

// TestReadHugeLineMemory reads lines of 8 and 32 MiB, far past the 1 MiB
// limit: each is rejected, the row after it is read, and memory follows the
// limit, not the line: the longer line costs no more.
func TestReadHugeLineMemory(t *testing.T) {
	for _, tt := range []struct {
		Name string
		Line byte // what the line starts with
	}{
		{"no quotes", 'x'},
		{"unclosed quote then no line break", '"'},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			var allocs []uint64
			for _, size := range []int{8 << 20, 32 << 20} {
				chunk := bytes.Repeat([]byte{'y'}, 64<<10)
				chunk[0] = tt.Line
				in := &lazyReader{head: "a,b\n1,2\n", tail: "\r\n3,4\n", n: size, chunk: chunk}
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				r, err := NewReader(in, "in.csv", Options{})
				if err != nil {
					t.Fatal(err)
				}
				recs := readAll(t, r)
				runtime.ReadMemStats(&after)
				allocs = append(allocs, after.TotalAlloc-before.TotalAlloc)
				if len(recs) != 3 || recs[0].Line != 2 || recs[2].Line != 4 || !slices.Equal(recs[2].Fields, []string{"3", "4"}) {
					t.Fatalf("got %d records %v", len(recs), recs)
				}
				if long := recs[1]; !errors.Is(long.Err, ErrRecordTooLong) || long.Line != 3 || len(long.Raw) != DefaultMaxRecordBytes || long.Ending != "\r\n" {
					t.Errorf("record 2: line %d, %d bytes of Raw, ending %q, Err %v; want line 3, 1 MiB, CRLF, a record too long", long.Line, len(long.Raw), long.Ending, long.Err)
				}
				if c := cap(r.rec.buf); c > 2<<20 {
					t.Errorf("recorder buffer grew to %d bytes", c)
				}
				if r.BytesRead() != int64(len("a,b\n1,2\n\r\n3,4\n")+size) {
					t.Errorf("BytesRead() = %d", r.BytesRead())
				}
			}
			if allocs[1] > allocs[0]+1<<20 || allocs[1] > 16<<20 {
				t.Errorf("allocated %d bytes for a line of 8 MiB, %d for 32 MiB; want the same, a few MiB", allocs[0], allocs[1])
			}
		})
	}
}

// TestReadUnclosedQuoteMemory reads an unclosed quote followed by 6 MB of
// rows: the quote's row is rejected, every row after it is read, and the
// recorder stays the size of the limit.
func TestReadUnclosedQuoteMemory(t *testing.T) {
	const n = 500_000
	in := "a,b\n1,\"2\n" + strings.Repeat("3,4\r\n", n)
	r := mustReader(t, []byte(in), Options{})
	rec, err := r.Read()
	if err != nil || !errors.Is(rec.Err, ErrRecordTooLong) || rec.Line != 2 || string(rec.Raw) != "1,\"2" {
		t.Fatalf("first record %+v, %v; want line 2 too long", rec, err)
	}
	for i := range n {
		rec, err := r.Read()
		if err != nil || rec.Err != nil || rec.Line != 3+i || rec.Ending != "\r\n" {
			t.Fatalf("record %d: %+v, %v", i, rec, err)
		}
		if c := cap(r.rec.buf); c > 2<<20 {
			t.Fatalf("recorder buffer grew to %d bytes", c)
		}
	}
	if _, err := r.Read(); err != io.EOF {
		t.Errorf("after the last row: %v", err)
	}
}
