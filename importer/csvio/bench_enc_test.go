package csvio

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkReadEncoding is the per-row reading cost in the two encodings
// most files have, the encoding given (no sniffing).
func BenchmarkReadEncoding(b *testing.B) {
	for _, enc := range []string{"utf-8", "windows-1251"} {
		b.Run(enc, func(b *testing.B) {
			const rows = 10_000
			in := genCSV(rows, 8)
			if enc == "windows-1251" {
				in = cp1251(b, string(in))
			}
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				r, err := NewReader(bytes.NewReader(in), "bench.csv", Options{Encoding: enc})
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
		})
	}
}
