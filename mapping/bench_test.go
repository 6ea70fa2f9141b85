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

// BenchmarkConvertType converts one cell of each type, in a row of two columns (the key and the cell),
// so the figures are per conversion. phone/* covers the shapes of the fast path and one the full
// parser takes (an extension).
func BenchmarkConvertType(b *testing.B) {
	cases := []struct{ name, def, cell string }{
		{"string", "c", "Иван Петров"},
		{"email", "{ column: c, type: email }", "ivan.petrov@example.com"},
		{"phone/national", "{ column: c, type: phone, region: RU }", "8 (900) 123-45-67"},
		{"phone/international", "{ column: c, type: phone, region: RU }", "+7 900 123-45-67"},
		{"phone/digits", "{ column: c, type: phone, region: RU }", "79001234567"},
		{"phone/slow-extension", "{ column: c, type: phone, region: RU }", "8 (900) 123-45-67 ext. 12"},
		{"int", "{ column: c, type: int }", "1234567"},
		{"float", "{ column: c, type: float }", "1234,56"},
		{"bool", "{ column: c, type: bool }", "да"},
		{"date", `{ column: c, type: date, format: "DD.MM.YYYY" }`, "15.01.1990"},
		{"datetime", `{ column: c, type: datetime, format: "DD.MM.YYYY hh:mm" }`, "01.03.2024 12:30"},
		{"enum", "{ column: c, type: enum, values: { M: male, F: female } }", "f"},
		{"list", `{ column: c, separator: "," }`, "vip, spring, new"},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			m := mustParse(b, "db_id: 1\nmatching: profile_id\nmatch: { column: id }\ntimezone: Europe/Moscow\nfields:\n  f: "+tc.def+"\n")
			bn := mustBind(b, m, "id", "c")
			row := []string{"p1", tc.cell}
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				body, _, err := bn.Convert(buf[:0], row)
				if err != nil {
					b.Fatal(err)
				}
				buf = body
			}
		})
	}
}

// BenchmarkAppendString is the JSON string encoding every text value goes through.
func BenchmarkAppendString(b *testing.B) {
	for _, tc := range []struct{ name, s string }{
		{"ascii", "ivan.petrov@example.com"},
		{"cyrillic", "Иван Петрович Сидоров"},
		{"escapes", `say "hi" <b>&</b>` + "\n"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var buf []byte
			b.SetBytes(int64(len(tc.s)))
			b.ReportAllocs()
			for b.Loop() {
				buf = appendString(buf[:0], tc.s)
			}
		})
	}
}
