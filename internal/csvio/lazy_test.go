package csvio

import (
	"encoding/csv"
	"errors"
	"strings"
	"testing"
)

// TestReadLazyQuotes: strict reading rejects a stray quote; lazy_quotes
// reads it as spreadsheets and Python's csv module do.
func TestReadLazyQuotes(t *testing.T) {
	lazy := Options{LazyQuotes: true}
	tests := []readCase{
		{
			Name: "strict rejects a quote inside an unquoted cell", In: []byte("name,city\nSTAZIONE \"IP\" Nord,Roma\n\"x\" y,z\nok,1\n"),
			Header: []string{"name", "city"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{
				{2, nil, "STAZIONE \"IP\" Nord,Roma", "\n", csv.ErrBareQuote},
				{3, nil, "\"x\" y,z", "\n", csv.ErrQuote},
				{4, []string{"ok", "1"}, "ok,1", "\n", nil},
			},
		},
		{
			Name: "lazy reads them as text", In: []byte("name,city\nSTAZIONE \"IP\" Nord,Roma\n\"x\" y,z\nok,1\n"), Opt: lazy,
			Header: []string{"name", "city"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{
				{2, []string{`STAZIONE "IP" Nord`, "Roma"}, "STAZIONE \"IP\" Nord,Roma", "\n", nil},
				{3, []string{"x y", "z"}, "\"x\" y,z", "\n", nil},
				{4, []string{"ok", "1"}, "ok,1", "\n", nil},
			},
		},
		{
			Name: "lazy: a 5\" pipe, quotes after text, a quoted cell before", In: []byte("a;b;c\n\"q;1\";5\" pipe;x\"\"y\r\n\"two\r\nlines\";a\"b;\"c\"\"d\"e\r\n"), Opt: Options{LazyQuotes: true, Delimiter: ";"},
			Header: []string{"a", "b", "c"}, Comma: ';', Encoding: "utf-8",
			Recs: []wantRec{
				{2, []string{"q;1", `5" pipe`, `x""y`}, "\"q;1\";5\" pipe;x\"\"y", "\r\n", nil},
				{3, []string{"two\r\nlines", `a"b`, `c"de`}, "\"two\r\nlines\";a\"b;\"c\"\"d\"e", "\r\n", nil},
			},
		},
		{
			Name: "lazy: trailing empty cells and reject columns are cut as usual", In: []byte("a,b,reject_line,reject_code,reject_reason\nx \"1\",2,7,csv,bad\n"), Opt: lazy,
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{`x "1"`, "2"}, `x "1",2`, "\n", nil}},
		},
		{
			Name: "lazy: a header with a stray quote", In: []byte("STAZIONE \"IP\",b\n1,2\n"), Opt: lazy,
			Header: []string{`STAZIONE "IP"`, "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, []string{"1", "2"}, "1,2", "\n", nil}},
		},
		{
			Name: "lazy: an unclosed quote still rejects one line only", In: []byte("a,b\n1,\"2\n3,4\n"), Opt: lazy,
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, nil, "1,\"2", "\n", csv.ErrQuote}, {3, []string{"3", "4"}, "3,4", "\n", nil}},
		},
		{
			Name: "an unclosed quote closed by chance lines later rejects its line only", In: []byte("a;b\n1;\"x\n2;\"y\" z\n3;4\n"), Opt: Options{Delimiter: ";"},
			Header: []string{"a", "b"}, Comma: ';', Encoding: "utf-8",
			Recs: []wantRec{{2, nil, "1;\"x", "\n", csv.ErrQuote}, {3, nil, "2;\"y\" z", "\n", csv.ErrQuote}, {4, []string{"3", "4"}, "3;4", "\n", nil}},
		},
		{
			Name: "lazy: a quote closed by chance lines later rejects its line only", In: []byte("a;b;c\n1;\"x;y\n2;p;q\n3;\"r\" s;t\n"), Opt: Options{LazyQuotes: true, Delimiter: ";"},
			Header: []string{"a", "b", "c"}, Comma: ';', Encoding: "utf-8",
			Recs: []wantRec{
				{2, nil, "1;\"x;y", "\n", csv.ErrQuote},
				{3, []string{"2", "p", "q"}, "2;p;q", "\n", nil},
				{4, []string{"3", "r s", "t"}, "3;\"r\" s;t", "\n", nil},
			},
		},
		{
			Name: "lazy: a quote closed by chance on the next line", In: []byte("a;b;c\n1;\"x;y\n3;\"r\" s;t\n"), Opt: Options{LazyQuotes: true, Delimiter: ";"},
			Header: []string{"a", "b", "c"}, Comma: ';', Encoding: "utf-8",
			Recs: []wantRec{
				{2, nil, "1;\"x;y", "\n", csv.ErrQuote},
				{3, []string{"3", "r s", "t"}, "3;\"r\" s;t", "\n", nil},
			},
		},
		{
			Name: "lazy: a quote closed by chance mid-cell, rows inside it", In: []byte("a;b;c\n1;\"x;y\n2;p;q\n3;r;5\" pipe\n"), Opt: Options{LazyQuotes: true, Delimiter: ";"},
			Header: []string{"a", "b", "c"}, Comma: ';', Encoding: "utf-8",
			Recs: []wantRec{
				{2, nil, "1;\"x;y", "\n", csv.ErrQuote},
				{3, []string{"2", "p", "q"}, "2;p;q", "\n", nil},
				{4, []string{"3", "r", `5" pipe`}, "3;r;5\" pipe", "\n", nil},
			},
		},
		{
			Name: "lazy: a cell over two lines with text after its quote is one cell", In: []byte("a;b;c\n\"street 5\nflat 7\" more;x;y\n1;\"two\nlines\" z;w\n"), Opt: Options{LazyQuotes: true, Delimiter: ";"},
			Header: []string{"a", "b", "c"}, Comma: ';', Encoding: "utf-8",
			Recs: []wantRec{
				{2, []string{"street 5\nflat 7 more", "x", "y"}, "\"street 5\nflat 7\" more;x;y", "\n", nil},
				{4, []string{"1", "two\nlines z", "w"}, "1;\"two\nlines\" z;w", "\n", nil},
			},
		},
		{
			Name: "lazy: field count still checked", In: []byte("a,b\n1 \"x\",2,3\n"), Opt: lazy,
			Header: []string{"a", "b"}, Comma: ',', Encoding: "utf-8",
			Recs: []wantRec{{2, nil, "1 \"x\",2,3", "\n", csv.ErrFieldCount}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) { checkRead(t, tt) })
	}
}

// TestHeaderStrayQuote: a strict read of a header with a stray quote stops,
// naming the column and the option.
func TestHeaderStrayQuote(t *testing.T) {
	for _, in := range []string{"id,STAZIONE \"IP\" Nord,x\n1,2,3\n", "id,\"IP\" Nord,x\n1,2,3\n"} {
		_, err := NewReader(strings.NewReader(in), "in.csv", Options{})
		if err == nil || !strings.Contains(err.Error(), "column 2 ") || !strings.Contains(err.Error(), "IP") ||
			!strings.Contains(err.Error(), "lazy_quotes: true") || !(errors.Is(err, csv.ErrBareQuote) || errors.Is(err, csv.ErrQuote)) {
			t.Errorf("NewReader(%q) = %v, want an error naming column 2 and lazy_quotes", in, err)
		}
	}
}
