package csvio

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// genCSV makes a header and rows of cols columns, some quoted.
func genCSV(rows, cols int) []byte {
	var b bytes.Buffer
	for c := range cols {
		if c > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "col%d", c)
	}
	b.WriteString("\r\n")
	for r := range rows {
		for c := range cols {
			if c > 0 {
				b.WriteByte(',')
			}
			switch c % 4 {
			case 0:
				fmt.Fprintf(&b, "user%d@example.com", r)
			case 1:
				fmt.Fprintf(&b, "\"Иванов, Иван %d\"", r)
			case 2:
				fmt.Fprintf(&b, "+7900%07d", r)
			default:
				fmt.Fprintf(&b, "%d.%02d.19%02d", r%28+1, r%12+1, r%100)
			}
		}
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

func BenchmarkRead(b *testing.B) {
	benchRead(b, genCSV(10_000, 8), 10_000, Options{Delimiter: "auto", Encoding: "auto"})
}

// benchRead reads in, of rows rows, with opt for as long as b runs, and
// reports rows/s.
func benchRead(b *testing.B, in []byte, rows int, opt Options) {
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(in), "bench.csv", opt)
		if err != nil {
			b.Fatal(err)
		}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil || rec.Err != nil {
				b.Fatal(err, rec.Err)
			}
		}
		n++
	}
	b.ReportMetric(float64(n*rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReadInto is BenchmarkRead with one Record recycled through ReadInto, as check reads.
func BenchmarkReadInto(b *testing.B) {
	in := genCSV(10_000, 8)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	n := 0
	var rec Record
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(in), "bench.csv", Options{Delimiter: "auto", Encoding: "auto"})
		if err != nil {
			b.Fatal(err)
		}
		for {
			err := r.ReadInto(&rec)
			if err == io.EOF {
				break
			}
			if err != nil || rec.Err != nil {
				b.Fatal(err, rec.Err)
			}
		}
		n++
	}
	b.ReportMetric(float64(n*10_000)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkRejectWrite(b *testing.B) {
	for _, enc := range []string{"utf-8", "windows-1251"} {
		b.Run(enc, func(b *testing.B) {
			in := genCSV(100, 8)
			if enc == "windows-1251" {
				in = cp1251(b, string(in))
			}
			r := mustReader(b, in, Options{Encoding: enc})
			recs := readAll(b, r)
			w := NewRejectWriter(io.Discard, r)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := w.Write(recs[i%len(recs)], "api_1", "Invalid data: email is not valid"); err != nil {
					b.Fatal(err)
				}
				i++
			}
			if err := w.Flush(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
