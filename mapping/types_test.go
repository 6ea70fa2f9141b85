package mapping

import (
	"strings"
	"testing"
)

func TestConvertTypes(t *testing.T) {
	const (
		date     = `{ column: c, type: date, format: "DD.MM.YYYY" }`
		datetime = `{ column: c, type: datetime, format: "DD.MM.YYYY hh:mm" }`
		phoneRU  = `{ column: c, type: phone, region: RU }`
	)
	tests := []struct {
		name   string
		def    string // YAML of field f, read from column c
		cell   string
		want   string // JSON of data.f; "" means left out
		reason string // when the cell is invalid
	}{
		{name: "string as is", def: "c", cell: " Иван ", want: `" Иван "`},
		{name: "string escaped", def: "c", cell: "a\"b\\c\n<&>", want: `"a\"b\\c\n\u003c\u0026\u003e"`},
		{name: "string blank left out", def: "c", cell: "   ", want: ""},
		{name: "string empty left out", def: "c", cell: "", want: ""},
		{name: "string invalid utf8", def: "c", cell: "a\xffb", want: `"a\ufffdb"`},

		{name: "email trimmed", def: "{ column: c, type: email }", cell: "  Ivan@Example.com ", want: `"Ivan@Example.com"`},
		{name: "email cyrillic domain", def: "{ column: c, type: email }", cell: "ivan@почта.рф", want: `"ivan@почта.рф"`},
		{name: "email no at", def: "{ column: c, type: email }", cell: "ivan.example.com", reason: "not a valid email address"},
		{name: "email two at", def: "{ column: c, type: email }", cell: "a@b@c.com", reason: "not a valid email address"},
		{name: "email no dot", def: "{ column: c, type: email }", cell: "ivan@localhost", reason: "not a valid email address"},
		{name: "email space", def: "{ column: c, type: email }", cell: "iv an@example.com", reason: "not a valid email address"},
		{name: "email two addresses", def: "{ column: c, type: email }", cell: "a@b.com,c@d.com", reason: "not a valid email address"},
		{name: "email angle", def: "{ column: c, type: email }", cell: "Ivan <a@b.com>", reason: "not a valid email address"},
		{name: "email empty local", def: "{ column: c, type: email }", cell: "@b.com", reason: "not a valid email address"},
		{name: "email trailing dot", def: "{ column: c, type: email }", cell: "a@b.com.", reason: "not a valid email address"},

		{name: "phone national RU", def: phoneRU, cell: "8 (900) 123-45-67", want: `"+79001234567"`},
		{name: "phone international with region", def: phoneRU, cell: "+7 900 123 45 67", want: `"+79001234567"`},
		{name: "phone international no region", def: "{ column: c, type: phone }", cell: "+7 (900) 123-45-67", want: `"+79001234567"`},
		{name: "phone national no region", def: "{ column: c, type: phone }", cell: "8 900 123 45 67",
			reason: "not a valid phone number in international form (+ and country code; no region is set)"},
		{name: "phone too short", def: phoneRU, cell: "8 900", reason: "not a valid phone number (region RU)"},
		{name: "phone letters", def: phoneRU, cell: "нет", reason: "not a valid phone number (region RU)"},
		{name: "phone region lowercase", def: "{ column: c, type: phone, region: ru }", cell: "9001234567", want: `"+79001234567"`},
		{name: "phone list", def: `{ column: c, type: phone, region: RU, separator: ";" }`, cell: "8 900 123 45 67; +7 901 000 00 00;", want: `["+79001234567","+79010000000"]`},
		{name: "phone only phones is a list", def: phoneRU, cell: " 89001234567 ", want: `"+79001234567"`},

		{name: "int", def: "{ column: c, type: int }", cell: " 123 ", want: `123`},
		{name: "int signed", def: "{ column: c, type: int }", cell: "-42", want: `-42`},
		{name: "int plus leading zeros", def: "{ column: c, type: int }", cell: "+007", want: `7`},
		{name: "int letters", def: "{ column: c, type: int }", cell: "abc", reason: "not an integer"},
		{name: "int decimal", def: "{ column: c, type: int }", cell: "1.5", reason: "not an integer"},
		{name: "int overflow", def: "{ column: c, type: int }", cell: "99999999999999999999", reason: "not an integer in the range of 64 bits"},

		{name: "float dot", def: "{ column: c, type: float }", cell: "1.5", want: `1.5`},
		{name: "float comma", def: "{ column: c, type: float }", cell: " -1,25 ", want: `-1.25`},
		{name: "float integer", def: "{ column: c, type: float }", cell: "10", want: `10`},
		{name: "float leading dot", def: "{ column: c, type: float }", cell: ".5", want: `0.5`},
		{name: "float exponent", def: "{ column: c, type: float }", cell: "1e3", want: `1000`},
		{name: "float tiny", def: "{ column: c, type: float }", cell: "1e-9", want: `1e-9`},
		{name: "float two separators", def: "{ column: c, type: float }", cell: "1.234,5", reason: "not a number"},
		{name: "float nan", def: "{ column: c, type: float }", cell: "NaN", reason: "not a number"},
		{name: "float inf", def: "{ column: c, type: float }", cell: "1e999", reason: "a number out of range"},
		{name: "float sign only", def: "{ column: c, type: float }", cell: "-", reason: "not a number"},

		{name: "bool true", def: "{ column: c, type: bool }", cell: "TRUE", want: `true`},
		{name: "bool 0", def: "{ column: c, type: bool }", cell: "0", want: `false`},
		{name: "bool yes", def: "{ column: c, type: bool }", cell: " Yes ", want: `true`},
		{name: "bool да", def: "{ column: c, type: bool }", cell: "ДА", want: `true`},
		{name: "bool нет", def: "{ column: c, type: bool }", cell: "Нет", want: `false`},
		{name: "bool invalid", def: "{ column: c, type: bool }", cell: "maybe", reason: "not a boolean (true/false, 1/0, yes/no, да/нет)"},

		{name: "date", def: date, cell: "15.01.1990", want: `"1990-01-15"`},
		{name: "date one digit", def: date, cell: " 5.1.1990 ", want: `"1990-01-05"`},
		{name: "date leap", def: date, cell: "29.02.2024", want: `"2024-02-29"`},
		{name: "date leap 2000", def: date, cell: "29.02.2000", want: `"2000-02-29"`},
		{name: "date not leap", def: date, cell: "29.02.2023", reason: "not a date in the form DD.MM.YYYY"},
		{name: "date not leap 1900", def: date, cell: "29.02.1900", reason: "not a date in the form DD.MM.YYYY"},
		{name: "date 31 Feb", def: date, cell: "31.02.1990", reason: "not a date in the form DD.MM.YYYY"},
		{name: "date 31 Apr", def: date, cell: "31.04.1990", reason: "not a date in the form DD.MM.YYYY"},
		{name: "date month 13", def: date, cell: "01.13.1990", reason: "not a date in the form DD.MM.YYYY; it looks like MM.DD.YYYY"},
		{name: "date wrong separator", def: date, cell: "15/01/1990", reason: "not a date in the form DD.MM.YYYY; it looks like DD/MM/YYYY"},
		{name: "date format suggested", def: `{ column: c, type: date, format: YYYY-MM-DD }`, cell: "15.01.1990", reason: "not a date in the form YYYY-MM-DD; it looks like DD.MM.YYYY"},
		{name: "date format suggested, ambiguous", def: `{ column: c, type: date, format: YYYY-MM-DD }`, cell: "05.01.1990", reason: "not a date in the form YYYY-MM-DD; it looks like DD.MM.YYYY or MM.DD.YYYY"},
		{name: "datetime format suggested", def: `{ column: c, type: datetime, format: DD.MM.YYYY hh:mm }`, cell: "2024-03-01 10:15", reason: "not a datetime in the form DD.MM.YYYY hh:mm; it looks like YYYY-MM-DD hh:mm"},
		// A workbook's date cells come as YYYY-MM-DD (hh:mm:ss), which any date field reads.
		{name: "date cell, other format", def: date, cell: "1990-03-02", want: `"1990-03-02"`},
		{name: "date cell with a time, date field", def: date, cell: "1990-03-02 00:00:00", want: `"1990-03-02"`},
		{name: "datetime cell, other format", def: `{ column: c, type: datetime, format: DD.MM.YYYY hh:mm }`, cell: "2024-03-01 10:15:00", want: `"2024-03-01T07:15:00Z"`}, // in the test binding's timezone, UTC+3,
		{name: "date trailing", def: date, cell: "15.01.1990x", reason: "not a date in the form DD.MM.YYYY"},
		{name: "date iso", def: `{ column: c, type: date, format: YYYY-MM-DD }`, cell: "2001-12-31", want: `"2001-12-31"`},
		{name: "date US", def: `{ column: c, type: date, format: MM/DD/YYYY }`, cell: "12/31/2001", want: `"2001-12-31"`},
		{name: "date YY 20xx", def: `{ column: c, type: date, format: DD.MM.YY }`, cell: "01.02.68", want: `"2068-02-01"`},
		{name: "date YY 19xx", def: `{ column: c, type: date, format: DD.MM.YY }`, cell: "01.02.69", want: `"1969-02-01"`},
		{name: "date compact", def: `{ column: c, type: date, format: YYYYMMDD }`, cell: "20240115", want: `"2024-01-15"`},
		{name: "date with time ignored", def: `{ column: c, type: date, format: "DD.MM.YYYY hh:mm" }`, cell: "15.01.1990 23:59", want: `"1990-01-15"`},
		{name: "date never shifted", def: `{ column: c, type: date, format: "DD.MM.YYYY" }`, cell: "01.01.2024", want: `"2024-01-01"`},

		{name: "datetime mapping zone", def: datetime, cell: "01.03.2024 12:30", want: `"2024-03-01T09:30:00Z"`},
		{name: "datetime field zone", def: `{ column: c, type: datetime, format: "DD.MM.YYYY hh:mm", timezone: Asia/Vladivostok }`, cell: "01.03.2024 09:30", want: `"2024-02-29T23:30:00Z"`},
		{name: "datetime UTC", def: `{ column: c, type: datetime, format: "YYYY-MM-DD hh:mm:ss", timezone: UTC }`, cell: "2024-03-01 09:30:05", want: `"2024-03-01T09:30:05Z"`},
		{name: "datetime date only", def: `{ column: c, type: datetime, format: "DD.MM.YYYY" }`, cell: "02.03.2024", want: `"2024-03-01T21:00:00Z"`},
		{name: "datetime hour 24", def: datetime, cell: "01.03.2024 24:00", reason: "not a datetime in the form DD.MM.YYYY hh:mm"},
		{name: "datetime minute 60", def: datetime, cell: "01.03.2024 10:60", reason: "not a datetime in the form DD.MM.YYYY hh:mm"},

		{name: "enum exact", def: `{ column: c, type: enum, values: { M: male, F: female } }`, cell: "F", want: `"female"`},
		{name: "enum case-insensitive", def: `{ column: c, type: enum, values: { M: male, F: female } }`, cell: " m ", want: `"male"`},
		{name: "enum exact before folded", def: `{ column: c, type: enum, values: { a: lower, A: upper } }`, cell: "A", want: `"upper"`},
		{name: "enum cyrillic", def: `{ column: c, type: enum, values: { Муж: male, Жен: female } }`, cell: "жен", want: `"female"`},
		{name: "enum to number", def: `{ column: c, type: enum, values: { gold: 3, silver: 2 } }`, cell: "gold", want: `3`},
		{name: "enum unknown", def: `{ column: c, type: enum, values: { M: male, F: female } }`, cell: "X", reason: `not one of the allowed values: "M", "F"`},

		{name: "list of strings", def: `{ column: c, separator: "," }`, cell: " vip, spring ,,", want: `["vip","spring"]`},
		{name: "list only separators", def: `{ column: c, separator: "," }`, cell: " , ,", want: ""},
		{name: "list multi-char separator", def: `{ column: c, separator: " | " }`, cell: "a | b|c", want: `["a","b|c"]`},
		{name: "list of ints", def: `{ column: c, type: int, separator: ";" }`, cell: "1;2; 3", want: `[1,2,3]`},
		{name: "list bad item", def: `{ column: c, type: int, separator: ";" }`, cell: "1;x;3", reason: "not an integer"},
		{name: "list single", def: `{ column: c, separator: "," }`, cell: "one", want: `["one"]`},

		{name: "constant string", def: `{ value: spring-migration }`, cell: "", want: `"spring-migration"`},
		{name: "constant int", def: `{ value: 42 }`, cell: "", want: `42`},
		{name: "constant float", def: `{ value: 1.5 }`, cell: "", want: `1.5`},
		{name: "constant bool", def: `{ value: true }`, cell: "", want: `true`},
		{name: "constant quoted number", def: `{ value: "42" }`, cell: "", want: `"42"`},
		{name: "constant typed date", def: `{ value: "15.01.1990", type: date, format: DD.MM.YYYY }`, cell: "", want: `"1990-01-15"`},
		{name: "constant list", def: `{ value: "a,b", separator: "," }`, cell: "", want: `["a","b"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rerr := convertField(t, tt.def, tt.cell)
			if tt.reason != "" {
				if rerr == nil {
					t.Fatalf("got %s, want error %q", got, tt.reason)
				}
				if rerr.Code != CodeInvalidValue || len(rerr.Cells) != 1 || rerr.Cells[0].Reason != tt.reason || rerr.Cells[0].Column != "c" {
					t.Fatalf("got %+v, want one invalid_value cell of column c with reason %q", rerr, tt.reason)
				}
				// Format is the form the reason names, so that no caller reads it from the words.
				format, isDate := strings.CutPrefix(tt.reason, "not a date in the form ")
				if !isDate {
					format, isDate = strings.CutPrefix(tt.reason, "not a datetime in the form ")
				}
				format, _, _ = strings.Cut(format, ";")
				if !isDate {
					format = ""
				}
				if rerr.Cells[0].Format != format {
					t.Errorf("Format = %q, want %q", rerr.Cells[0].Format, format)
				}
				return
			}
			if rerr != nil {
				t.Fatalf("unexpected error: %v", rerr)
			}
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
