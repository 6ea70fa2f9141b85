package guess

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/acimport/acimport/internal/csvio"
	"github.com/acimport/acimport/mapping"
)

func cp1251(t *testing.T, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1251.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func utf16(t *testing.T, s string) []byte {
	t.Helper()
	b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Files in the shapes users bring, each with the data every row must turn into.
var (
	russianExcel = "Фамилия;Имя;Отчество;Эл. почта;Телефон;Дата рождения;Пол;Город;Бонусы;Подписка\r\n" +
		"Иванова;Анна;Петровна;anna@example.ru;8 (900) 123-45-67;15.01.1990;Ж;Москва;120;да\r\n" +
		"Петров;Иван;Сергеевич;ivan@example.ru;+7 901 234-56-78;03.11.1985;М;Санкт-Петербург;0;нет\r\n" +
		"Сидоров;Олег;;oleg@example.ru;89023456789;28.02.1979;м;Казань;35;да\r\n"
	russianWant = []map[string]any{
		{"email": "anna@example.ru", "phones": []any{"+79001234567"}, "_lname": "Иванова", "_fname": "Анна", "_bdate": "1990-01-15", "_sex": "female", "_city": "Москва"},
		{"email": "ivan@example.ru", "phones": []any{"+79012345678"}, "_lname": "Петров", "_fname": "Иван", "_bdate": "1985-11-03", "_sex": "male", "_city": "Санкт-Петербург"},
		{"email": "oleg@example.ru", "phones": []any{"+79023456789"}, "_lname": "Сидоров", "_fname": "Олег", "_bdate": "1979-02-28", "_sex": "male", "_city": "Казань"},
	}

	englishCSV = "First Name,Last Name,E-mail,Mobile,Birthday,Gender,City,Country,Score,VIP\n" +
		"Jane,Doe,jane@example.com,+1 (212) 555-0134,12/31/1990,F,New York,US,4.5,true\n" +
		"John,Smith,john@example.com,(646) 555-0199,01/02/1984,M,Boston,US,3,false\n"
	englishWant = []map[string]any{
		{"email": "jane@example.com", "phones": []any{"+12125550134"}, "_fname": "Jane", "_lname": "Doe", "_bdate": "1990-12-31", "_sex": "female", "_city": "New York", "_country": "US"},
		{"email": "john@example.com", "phones": []any{"+16465550199"}, "_fname": "John", "_lname": "Smith", "_bdate": "1984-01-02", "_sex": "male", "_city": "Boston", "_country": "US"},
	}

	phonesTSV = "phone\tname\tsignup\tcity\n" +
		"+79001234567\tAnna\t2024-01-15 10:30:00\tOmsk\n" +
		"+79011234567\tBoris\t2024-02-01 08:00:00\tTomsk\n"
	phonesWant = []map[string]any{
		{"phones": []any{"+79001234567"}, "_fname": "Anna", "_city": "Omsk"},
		{"phones": []any{"+79011234567"}, "_fname": "Boris", "_city": "Tomsk"},
	}
)

func TestGuessWritesAWorkingMapping(t *testing.T) {
	tests := []struct {
		Name     string
		File     []byte
		Encoding string
		Delim    rune
		Matching string
		Want     []map[string]any
		Contains []string // in the YAML
	}{
		{Name: "Russian Excel export, windows-1251, semicolons, CRLF", File: cp1251(t, russianExcel),
			Encoding: "windows-1251", Delim: ';', Matching: "email", Want: russianWant,
			Contains: []string{
				`encoding: windows-1251 # detected`, `delimiter: ";"`, `matching: email`,
				`_bdate: { column: "Дата рождения", type: date, format: "DD.MM.YYYY" }`,
				`phones: { column: "Телефон", type: phone, region: RU }`,
				`_sex: { column: "Пол", type: enum, values: { "М": male, "Ж": female`,
				`# Bonusy: { column: "Бонусы", type: int }`,
				`# Podpiska: { column: "Подписка", type: bool }`,
				`# Otchestvo: { column: "Отчество" }`,
				`(a day above 12 shows which comes first)`,
			}},
		{Name: "Russian Excel export with a sep= line", File: cp1251(t, "sep=;\r\n"+russianExcel),
			Encoding: "windows-1251", Delim: ';', Matching: "email", Want: russianWant,
			Contains: []string{`delimiter: ";" # detected: the file's first line (Excel's sep=) says so`}},
		{Name: "English UTF-8 with a BOM, month first", File: append([]byte("\uFEFF"), englishCSV...),
			Encoding: "utf-8", Delim: ',', Matching: "email", Want: englishWant,
			Contains: []string{
				`format: "MM/DD/YYYY"`, `region: US`, `values: { "M": male, "F": female }`,
				`# Score: { column: "Score", type: float }`, `# VIP: { column: "VIP", type: bool }`,
				`byte order mark`,
			}},
		{Name: "Excel's Unicode text: UTF-16 with a BOM, tab-separated", File: utf16(t, strings.ReplaceAll(russianExcel, ";", "\t")),
			Encoding: "utf-16le", Delim: '\t', Matching: "email", Want: russianWant,
			Contains: []string{`encoding: utf-16le # detected: the file starts with a UTF-16 byte order mark`, `delimiter: tab`}},
		{Name: "tab-separated, no email: matched by phone", File: []byte(phonesTSV),
			Encoding: "utf-8", Delim: '\t', Matching: "phone", Want: phonesWant,
			Contains: []string{`delimiter: tab`, `matching: phone`, `# signup: { column: "signup", type: datetime, format: "YYYY-MM-DD hh:mm:ss" }`}},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			g, err := Guess(bytes.NewReader(tc.File), "customers.csv", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if g.Encoding != tc.Encoding || g.Delimiter != tc.Delim || g.Matching != tc.Matching {
				t.Errorf("encoding %s, delimiter %q, matching %q; want %s, %q, %q", g.Encoding, g.Delimiter, g.Matching, tc.Encoding, tc.Delim, tc.Matching)
			}
			text := g.YAML("acimport check -m mapping.yaml customers.csv")
			for _, want := range tc.Contains {
				if !bytes.Contains(text, []byte(want)) {
					t.Errorf("the mapping lacks %s", want)
				}
			}
			if t.Failed() {
				t.Logf("mapping:\n%s", text)
			}
			got := convertAll(t, text, tc.File)
			if !reflect.DeepEqual(got, tc.Want) {
				t.Errorf("data of the rows:\n got %v\nwant %v\nmapping:\n%s", got, tc.Want, text)
			}
		})
	}
}

// convertAll reads file with the mapping as import does and returns each row's data.
func convertAll(t *testing.T, mappingText, file []byte) []map[string]any {
	t.Helper()
	m, err := mapping.Parse(bytes.NewReader(mappingText), "mapping.yaml")
	if err != nil {
		t.Fatalf("the written mapping does not parse: %v\n%s", err, mappingText)
	}
	rd, err := csvio.NewReader(bytes.NewReader(file), "customers.csv", csvio.Options{Delimiter: m.CSV.Delimiter, Encoding: m.CSV.Encoding})
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Bind(rd.Header())
	if err != nil {
		t.Fatalf("the written mapping does not fit the header: %v", err)
	}
	var out []map[string]any
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil || rec.Err != nil {
			t.Fatalf("read: %v %v", err, rec.Err)
		}
		body, _, err := b.Convert(nil, rec.Fields)
		if err != nil {
			t.Fatalf("line %d: %v", rec.Line, err)
		}
		var req struct {
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatal(err)
		}
		out = append(out, req.Data)
	}
}

func TestGuessColumns(t *testing.T) {
	tests := []struct {
		Name   string
		CSV    string
		Column string
		Field  string
		Type   string
		Custom bool
		Skip   bool
		Why    string // substring
	}{
		{Name: "ambiguous dates are said to be", CSV: "email,Birthday\na@b.cd,01.02.1990\n", Column: "Birthday", Field: "_bdate", Type: "date",
			Why: "or as MM.DD.YYYY: no day above 12"},
		{Name: "email under an unknown name", CSV: "Контакт,x\na@b.cd,1\n", Column: "Контакт", Field: "email", Type: "email", Why: "the name is not one this tool knows"},
		{Name: "a gender column of other words stays custom", CSV: "email,Пол\na@b.cd,1\nb@b.cd,2\n", Column: "Пол", Field: "Pol", Type: "int", Custom: true},
		{Name: "postal codes keep their zeros", CSV: "email,code\na@b.cd,01234\n", Column: "code", Field: "code", Type: "string", Custom: true},
		{Name: "a second phone column", CSV: "email,Телефон,Мобильный\na@b.cd,+79001234567,+79001234568\n", Column: "Мобильный", Field: "Mobilnyy", Type: "phone", Custom: true,
			Why: `phones is read from "Телефон"`},
		{Name: "a column without a name", CSV: "email,\na@b.cd,x\n", Column: "", Skip: true, Type: "string", Why: "column 2 has no name"},
		{Name: "repeated column", CSV: "email,x,x\na@b.cd,1,2\n", Column: "x", Skip: true, Type: "string", Why: "more than one column of this name"},
		{Name: "custom name kept clear of system fields", CSV: "email,E-mail 2\na@b.cd,c@d.ef\n", Column: "E-mail 2", Field: "E_mail_2", Type: "email", Custom: true},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			g, err := Guess(strings.NewReader(tc.CSV), "f.csv", Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range g.Columns {
				if c.Name != tc.Column {
					continue
				}
				if c.Field != tc.Field && !tc.Skip || c.Type != tc.Type || c.Custom != tc.Custom || c.Skip != tc.Skip || !strings.Contains(c.Why, tc.Why) {
					t.Errorf("got %+v\nwant field %q type %q custom %v skip %v why ~%q", c, tc.Field, tc.Type, tc.Custom, tc.Skip, tc.Why)
				}
				if _, err := mapping.Parse(bytes.NewReader(g.YAML("acimport check -m m.yaml f.csv")), "m.yaml"); err != nil {
					t.Errorf("the mapping does not parse: %v\n%s", err, g.YAML("acimport check -m m.yaml f.csv"))
				}
				return
			}
			t.Fatalf("no column %q in %+v", tc.Column, g.Columns)
		})
	}
}

// Phones written the national way can be valid numbers of more than one
// region ("8 (900) 123-45-67" reads as Russian and as German); the numbers of
// the sample written with a country code say which country the file is from.
// The bundled example, under English headers, is such a file.
func TestGuessPhoneRegionFromCountryCodes(t *testing.T) {
	tests := []struct {
		Name, CSV, Region string
	}{
		{Name: "Russian numbers under English names", Region: "RU",
			CSV: "Email,Phone\na@b.cd,8 (900) 123-45-67\nb@b.cd,+7 912 345-67-89\nc@b.cd,8-916-555-44-33\nd@b.cd,8 (905) 765-43-21\n"},
		{Name: "the bundled example", Region: "RU", CSV: readExample(t)},
		{Name: "German numbers", Region: "DE",
			CSV: "Email,Phone\na@b.cd,030 1234567\nb@b.cd,+49 30 7654321\nc@b.cd,089 1234567\n"},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			g, err := Guess(strings.NewReader(tc.CSV), "f.csv", Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range g.Columns {
				if c.Field == "phones" {
					if c.Region != tc.Region {
						t.Errorf("region %s, want %s (%s)", c.Region, tc.Region, c.Why)
					}
					return
				}
			}
			t.Fatalf("no phones column in %+v", g.Columns)
		})
	}
}

func readExample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../examples/customers.csv")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGuessOnlyWhatTheSampleProves: issue 19 item 6 — a mixed US and RU list got region DE
// ("440 of 515 values are valid numbers of region DE"), and a loyalty file's txn_date became
// phones; init now leaves the region to the user, saying why, and never reads dates as phones.
func TestGuessOnlyWhatTheSampleProves(t *testing.T) {
	mixed := "Email,Phone\n"
	for i, p := range []string{"(521) 950-0029", "+7 912 345-67-89", "(646) 555-0199", "+1 212 555 0134", "8 (916) 123-45-67", "(415) 555-0111"} {
		mixed += fmt.Sprintf("u%d@example.com,%s\n", i, p)
	}
	g, err := Guess(strings.NewReader(mixed), "list.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range g.Columns {
		if c.Name == "Phone" && (c.Region != "" || !strings.Contains(c.Why, "several countries")) {
			t.Errorf("mixed list: region %q (%s); want none, and why", c.Region, c.Why)
		}
	}
	g, err = Guess(strings.NewReader("card_id;email;txn_date;points\n1;a@b.cd;2024-11-30;5\n2;b@b.cd;2024-11-29;7\n"), "loyalty.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range g.Columns {
		if c.Name == "txn_date" && (c.Field == "phones" || c.Type != "date") {
			t.Errorf("txn_date read as %s %s (%s)", c.Field, c.Type, c.Why)
		}
	}
}

// TestGuessTwoDigitYearSaysSo: issue 19 item 7 — a two-digit-year format is chosen only with a
// comment that says what it does to 59.
func TestGuessTwoDigitYearSaysSo(t *testing.T) {
	g, err := Guess(strings.NewReader("Email,Birthday\na@b.cd,02-03-59\nb@b.cd,12-25-88\nc@b.cd,07-14-01\n"), "f.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if y := string(g.YAML("acimport check")); !strings.Contains(y, "a two-digit year") {
		t.Errorf("no word of the two-digit year:\n%s", y)
	}
}
