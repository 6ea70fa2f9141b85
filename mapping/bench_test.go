package mapping

import "testing"

// A realistic row of the mapping in testdata/realistic.yaml: 8 columns.
var (
	benchHeader = []string{"E-mail", "First name", "Birthday", "Gender", "Phone", "CRM ID", "Tags", "Last order"}
	benchRow    = []string{"ivan.petrov@example.com", "Иван", "15.01.1990", "M", "8 (900) 123-45-67", "123456", "vip, spring", "01.03.2024 12:30"}
)

func BenchmarkConvert(b *testing.B) {
	m, err := Load("testdata/realistic.yaml")
	if err != nil {
		b.Fatal(err)
	}
	bn := mustBind(b, m, benchHeader...)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		body, _, err := bn.Convert(buf[:0], benchRow)
		if err != nil {
			b.Fatal(err)
		}
		buf = body
	}
}

// BenchmarkConvertNoPhone shows the cost of the row without phone parsing, which dominates.
func BenchmarkConvertNoPhone(b *testing.B) {
	m, err := Load("testdata/realistic.yaml")
	if err != nil {
		b.Fatal(err)
	}
	row := append([]string(nil), benchRow...)
	row[4] = ""
	bn := mustBind(b, m, benchHeader...)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		body, _, err := bn.Convert(buf[:0], row)
		if err != nil {
			b.Fatal(err)
		}
		buf = body
	}
}
