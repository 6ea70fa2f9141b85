package csvio

import "testing"

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
			benchRead(b, in, rows, Options{Encoding: enc})
		})
	}
}
