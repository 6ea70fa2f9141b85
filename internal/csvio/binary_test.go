package csvio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// dbf is a small dBase III table, as 1C and old accounting programs export:
// two character fields, three records.
func dbf() []byte {
	var b bytes.Buffer
	hdr := make([]byte, 32)
	hdr[0] = 0x03                       // dBase III without memo
	hdr[1], hdr[2], hdr[3] = 124, 3, 15 // 2024-03-15
	binary.LittleEndian.PutUint32(hdr[4:], 3)
	binary.LittleEndian.PutUint16(hdr[8:], 32+2*32+1)
	binary.LittleEndian.PutUint16(hdr[10:], 1+10+20)
	b.Write(hdr)
	for _, f := range []struct {
		name string
		size byte
	}{{"EMAIL", 10}, {"NAME", 20}} {
		d := make([]byte, 32)
		copy(d, f.name)
		d[11], d[16] = 'C', f.size
		b.Write(d)
	}
	b.WriteByte(0x0D)
	for _, r := range []string{"a@x.ru     Anna                ", "b@x.ru     Boris               ", "c@x.ru     \xc2\xe5\xf0\xe0                "} {
		b.WriteByte(' ')
		b.WriteString(r)
	}
	b.WriteByte(0x1A)
	return b.Bytes()
}

// TestNotCSVNamesTheFormat: files of other formats people are handed as
// "the export" are refused saying what they are, whatever the encoding
// option, rather than with advice about quotes or encodings.
func TestNotCSVNamesTheFormat(t *testing.T) {
	pad := func(magic string) []byte {
		return append([]byte(magic), bytes.Repeat([]byte("\x00\x01ab,\"c\n"), 200)...)
	}
	tar := make([]byte, 1024)
	copy(tar, "customers.csv")
	copy(tar[257:], "ustar\x0000")
	tests := []struct {
		Name string
		In   []byte
		What string
	}{
		{"Parquet", append([]byte("PAR1\x15\x04\x15\x10\x15\x14L\x15\x02\x15\x00\x12\x00\x00\x08a@x.ru,\"b\"\n"), []byte("PAR1")...), "Parquet"},
		{"dBase", dbf(), "dBase"},
		{"SQLite", pad("SQLite format 3\x00"), "SQLite database"},
		{"PDF", pad("%PDF-1.7\n"), "PDF document"},
		{"Arrow", pad("ARROW1\x00\x00"), "Arrow"},
		{"ORC", pad("ORC"), "ORC"},
		{"Avro", pad("Obj\x01"), "Avro"},
		{"HDF5", pad("\x89HDF\r\n\x1a\n"), "HDF5"},
		{"Access", pad("\x00\x01\x00\x00Standard Jet DB\x00"), "Microsoft Access"},
		{"SPSS", pad("$FL2@(#) IBM SPSS STATISTICS"), "SPSS"},
		{"Stata", pad("<stata_dta><header>"), "Stata"},
		{"tar", tar, "tar archive"},
		{"lz4", pad("\x04\x22\x4D\x18"), "LZ4"},
		{"bzip2", pad("BZh91AY&SY"), "bzip2"},
		{"RTF", []byte("{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}}\n\\trowd\\cellx1000 a@x.ru\\cell\\row\n}"), "RTF document"},
	}
	for _, tt := range tests {
		for _, enc := range []string{"utf-8", "auto", "windows-1251"} {
			t.Run(tt.Name+" "+enc, func(t *testing.T) {
				_, err := NewReader(bytes.NewReader(tt.In), "export.csv", Options{Encoding: enc, Delimiter: "auto"})
				if !errors.Is(err, ErrNotCSV) || !strings.Contains(err.Error(), tt.What) || !strings.Contains(err.Error(), "not CSV") {
					t.Errorf("err = %v, want ErrNotCSV naming %q", err, tt.What)
				}
			})
		}
	}
}

// A text file that merely starts like a signature is read as CSV.
func TestNotCSVNoFalseAlarm(t *testing.T) {
	for _, in := range []string{"ORCID,name\n0000-0001,Ann\n", "Obj,x\n1,2\n", "PAR1,PAR2\n1,2\n", "\x03,a\n1,2\n", "BZh,a\n1,2\n"} {
		r, err := NewReader(strings.NewReader(in), "in.csv", Options{})
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if recs := readAll(t, r); len(recs) != 1 || recs[0].Err != nil {
			t.Errorf("%q: rows %+v", in, recs)
		}
	}
}
