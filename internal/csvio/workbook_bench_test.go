package csvio

import (
	"errors"
	"io"
	"os"
	"testing"
)

// BenchmarkReadWorkbook reads the workbook XLSX_BENCH names (bench/xlsx.sh
// writes one), row by row.
func BenchmarkReadWorkbook(b *testing.B) {
	path := os.Getenv("XLSX_BENCH")
	if path == "" {
		b.Skip("XLSX_BENCH names no workbook (bench/xlsx.sh sets it)")
	}
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		r, err := NewReader(f, path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		var rec Record
		n := 0
		for {
			if err := r.ReadInto(&rec); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			n++
		}
		f.Close()
		b.ReportMetric(float64(n), "rows")
	}
}
