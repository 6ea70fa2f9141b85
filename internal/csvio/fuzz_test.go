package csvio

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
)

// FuzzReadReject reads arbitrary input, which must never panic, then writes
// every good row to a reject file and reads that back: the header and the
// fields must come back the same. The seeds beyond these are in
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

		var out bytes.Buffer
		w := NewRejectWriter(&out, r)
		for _, rec := range good {
			if err := w.Write(rec, "api_1", "bad \"value\", again"); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}

		r2, err := NewReader(bytes.NewReader(out.Bytes()), "rejects.csv", Options{Delimiter: string(r.Comma()), Encoding: r.Encoding(), LazyQuotes: opt.LazyQuotes})
		if err != nil {
			t.Fatalf("read the reject file %q back: %v", out.Bytes(), err)
		}
		if !slices.Equal(r2.Header(), r.Header()) || r2.BOM() != r.BOM() {
			t.Fatalf("header read back = %q (BOM %v), want %q (BOM %v); reject file %q", r2.Header(), r2.BOM(), r.Header(), r.BOM(), out.Bytes())
		}
		back := readAll(t, r2)
		if len(back) != len(good) {
			t.Fatalf("read back %d records, want %d; reject file %q", len(back), len(good), out.Bytes())
		}
		for i, b := range back {
			if b.Err != nil || !slices.Equal(b.Fields, good[i].Fields) || !bytes.Equal(b.Raw, good[i].Raw) {
				t.Fatalf("record %d read back = %q %q %v, want %q %q; reject file %q", i, b.Fields, b.Raw, b.Err, good[i].Fields, good[i].Raw, out.Bytes())
			}
		}
	})
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
