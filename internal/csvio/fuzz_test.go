package csvio

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

// FuzzReadReject reads arbitrary input, which must never panic, then writes
// every row to a reject file and reads that back: the header and the good
// rows' fields must come back the same, and a broken row broken. Then rows
// of every field count from one to the header's width plus four, made of
// the input's values and of reject columns' look-alikes, go through a
// reject file the same way: a reject file read back never yields a reject
// code as a data value. The seeds beyond these are in
// testdata/fuzz/FuzzReadReject; choice picks the delimiter, the encoding and
// the record size limit.
func FuzzReadReject(f *testing.F) {
	seeds := []string{
		"a,b\n1,2\n",
		"\xEF\xBB\xBFa;b\r\n1;\"x\r\ny\"\r\n",
		"a\tb\n\n1\t\"q\"\"\"\n2",
		"a|b|reject_line|reject_code|reject_reason\n1|2|3|csv|\"x\"\"y\"\n",
		"reject_line\n5\n",
		"reject_code,a\nx,\"1\n2\"\n",
		"a,b\n1,x\"y\n\"3\"4,5\n6,\"7",
		"a,b\r\n1,2\r",
		"\xC8\xEC\xFF,\x98\n\xB8,2\n",
		"\"\"\n\"\"\n",
		"a,\"b\"\n\r\r\n",
		"a,b\r1,2\r3,\"x\ry\"\r",
		"a,b\r\n1,2\r3,4\n5,\"6\r\n7\"\r\n8,9\r",
		"sep=;\ra;b\r\r1;2",
		"name,city\nSTAZIONE \"IP\" Nord,Roma\n\"x\" y,z\n5\" pipe,\"a\"\"b\"c\n",
		"\xFF\xFEa\x00,\x00b\x00\r\x001\x00,\x00\"\x00\r\x00\n\x00\"\x00\n\x00",
		"\xFE\xFF\x00a\x00;\x00b\x00\n\x00\xe9\x00;\x00\x04\x10\x00\n",
		"Name;City\nH\xe9l\xe8ne;Paris\rM\xfcller;K\xf6ln\r\n\x80;\x93q\x94\n",
		"\xe9\xcd\xd1;\xc7\xcf\xd2\xcf\xc4\n\xf0\xc5\xd4\xd2;\xed\xcf\xd3\xcb\xd7\xc1\n",
		"a,b,c,d\n1,x,y,z\n5\n",
		"a,b,c,d,reject_line,reject_code,reject_reason\n5,3,csv,\"wrong number of fields: 1, the header has 4\"\n1,x,y,z\n7,csv,api_1,x,9,api_1,y,,\n",
		"a;b;c\n1;\"x;y\n2;p;q\n3;\"r\" s;t\n",
		"a,b,c\n,,,\n1,2,3,,\n",
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i))
	}
	delims := []string{",", ";", "\t", "|", "auto"}
	encs := []string{"utf-8", "windows-1251", "auto", "utf-16", "utf-16le", "utf-16be", "windows-1252", "iso-8859-1", "koi8-r"}
	maxes := []int{0, 40} // 40 bytes: long records in short inputs
	f.Fuzz(func(t *testing.T, in []byte, choice uint8) {
		c := int(choice)
		opt := Options{
			Delimiter:      delims[c%len(delims)],
			Encoding:       encs[c/len(delims)%len(encs)],
			MaxRecordBytes: maxes[c/(len(delims)*len(encs))%len(maxes)],
			LazyQuotes:     c/(len(delims)*len(encs)*len(maxes))%2 == 1,
		}
		r, err := NewReader(bytes.NewReader(in), "fuzz.csv", opt)
		if err != nil {
			return
		}
		var all, good []*Record
		prevLine := 1
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if rec.Line <= prevLine || (rec.Err == nil) == (rec.Fields == nil) {
				t.Fatalf("record %+v after line %d", rec, prevLine)
			}
			if limit := cmp.Or(opt.MaxRecordBytes, DefaultMaxRecordBytes); errors.Is(rec.Err, ErrRecordTooLong) && len(rec.Raw) > limit {
				t.Fatalf("record %+v: Raw longer than %d", rec, limit)
			}
			if r.cs.units != unitsUTF16 && len(r.layout.drop) == 0 && len(rec.Raw) > 0 && !bytes.Contains(in, r.cs.appendEncoded(nil, rec.Raw)) {
				// What goes to the reject file is the file's own bytes.
				t.Fatalf("record %+v: Raw encoded back to %s is not in the input", rec, r.Encoding())
			}
			if rec.Err == nil && bytes.IndexByte(rec.Raw, 0) >= 0 {
				t.Fatalf("record %+v: a NUL byte in a good row", rec)
			}
			prevLine = rec.Line
			all = append(all, rec)
			if rec.Err == nil {
				good = append(good, rec)
			}
		}
		if r.BytesRead() != int64(len(in)) {
			t.Errorf("BytesRead() = %d, want %d", r.BytesRead(), len(in))
		}
		checkReadInto(t, in, opt, all)

		out := bytes.NewBuffer(writeEveryRow(t, r, all, "api_1", "bad \"value\", again"))

		r2, err := NewReader(bytes.NewReader(out.Bytes()), "rejects.csv", Options{Delimiter: string(r.Comma()), Encoding: r.Encoding(), LazyQuotes: opt.LazyQuotes})
		if err != nil {
			t.Fatalf("read the reject file %q back: %v", out.Bytes(), err)
		}
		if !slices.Equal(r2.Header(), r.Header()) || r2.BOM() != r.BOM() {
			t.Fatalf("header read back = %q (BOM %v), want %q (BOM %v); reject file %q", r2.Header(), r2.BOM(), r.Header(), r.BOM(), out.Bytes())
		}
		back := readAll(t, r2)
		if len(back) != len(all) {
			t.Fatalf("read back %d records, want %d; reject file %q", len(back), len(all), out.Bytes())
		}
		for i, b := range back {
			o := all[i]
			switch {
			case o.Err == nil && (b.Err != nil || !slices.Equal(b.Fields, o.Fields) || !bytes.Equal(b.Raw, o.Raw)):
				t.Fatalf("record %d read back = %q %q %v, want %q %q; reject file %q", i, b.Fields, b.Raw, b.Err, o.Fields, o.Raw, out.Bytes())
			case o.Err != nil && b.Err == nil && !errors.Is(o.Err, ErrRecordTooLong) && len(r.layout.drop) == 0:
				// (An input with reject columns of its own is left out: a bad
				// byte in them is gone once they are replaced, and reject
				// columns among the data columns are read by position only.)
				t.Fatalf("broken record %d (%v) read back as good: %q; reject file %q", i, o.Err, b.Fields, out.Bytes())
			}
		}
		everyFieldCount(t, r.Header(), good, r.Comma(), opt.LazyQuotes)
	})
}

// everyFieldCount builds a UTF-8 input with header and rows of every field
// count from one to its width plus four, of values taken from good and of
// reject columns' look-alikes, and checks it through a reject file.
func everyFieldCount(t *testing.T, header []string, good []*Record, comma rune, lazy bool) {
	values := []string{"csv", "7", "", "api_1", "x"}
	for _, rec := range good {
		for _, v := range rec.Fields {
			// Control characters would make the file binary, and a
			// rejected one: not what this checks.
			if !strings.ContainsFunc(v, func(c rune) bool { return c < 0x20 || c == 0x7F }) {
				values = append(values, v)
			}
		}
	}
	in := appendRecord(nil, header, comma)
	in = append(in, '\n')
	k := 0
	for n := 1; n <= len(header)+4; n++ {
		row := make([]string, n)
		for i := range row {
			row[i] = values[k%len(values)]
			k++
		}
		in = appendRecord(in, row, comma)
		in = append(in, '\n')
	}
	opt := Options{Delimiter: string(comma), LazyQuotes: lazy}
	r, err := NewReader(bytes.NewReader(in), "rows.csv", opt)
	if err != nil || !slices.Equal(r.Header(), header) {
		return // a header that is no header on its own (blank, a NUL, a sep= line)
	}
	checkRejectRoundTrip(t, in, opt)
}

// checkReadInto reads in again with ReadInto into one recycled Record, and
// fails t unless each record is the one Read gave (want).
func checkReadInto(t *testing.T, in []byte, opt Options, want []*Record) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(in), "fuzz.csv", opt)
	if err != nil {
		t.Fatalf("NewReader again: %v", err)
	}
	var rec Record
	for i := 0; ; i++ {
		err := r.ReadInto(&rec)
		if err == io.EOF {
			if i != len(want) {
				t.Fatalf("ReadInto gave %d records, Read %d", i, len(want))
			}
			return
		}
		if err != nil {
			t.Fatalf("ReadInto: %v", err)
		}
		if i >= len(want) {
			t.Fatalf("ReadInto gave more records than Read's %d", len(want))
		}
		w := want[i]
		same := rec.Line == w.Line && slices.Equal(rec.Fields, w.Fields) && (rec.Fields == nil) == (w.Fields == nil) &&
			bytes.Equal(rec.Raw, w.Raw) && rec.SourceLine == w.SourceLine && rec.Ending == w.Ending &&
			rec.End == w.End && rec.NextLine == w.NextLine && fmt.Sprint(rec.Err) == fmt.Sprint(w.Err)
		if !same {
			t.Fatalf("record %d: ReadInto = %+v, Read = %+v", i, rec, *w)
		}
	}
}
