package mapping

import (
	"errors"
	"strings"
	"testing"
)

// A header read as one column that holds another delimiter says which delimiter to set.
func TestBindSuggestsTheDelimiter(t *testing.T) {
	m := mustParse(t, "db_id: 1\nfields:\n  email: { column: Email, type: email }\n  _fname: Name\n")
	for _, tc := range []struct{ Header, Want string }{
		{"Email;Name;Id", `m.yaml: the header was read as one column, "Email;Name;Id": the file looks ";"-separated; set csv: { delimiter: ";" } in the mapping (or delimiter: auto)`},
		{"Email\tName", `m.yaml: the header was read as one column, "Email\tName": the file looks tab-separated; set csv: { delimiter: tab } in the mapping (or delimiter: auto)`},
		{"Email|Name", `m.yaml: the header was read as one column, "Email|Name": the file looks "|"-separated; set csv: { delimiter: "|" } in the mapping (or delimiter: auto)`},
	} {
		_, err := m.Bind([]string{tc.Header})
		if err == nil || err.Error() != tc.Want || !errors.Is(err, ErrUnknownColumn) {
			t.Errorf("header %q: %v\nwant %s", tc.Header, err, tc.Want)
		}
	}
}

// A mis-indented line is reported at its own line, not at the start of its block.
func TestYAMLErrorNamesTheMisIndentedLine(t *testing.T) {
	text := "db_id: 5\nmatching: email\ncsv:\n  delimiter: \";\"\noptions:\n  skip_triggers: true\nfields:\n" +
		"  email:  { column: \"E-mail\", type: email }\n  _fname:\n    column: \"First name\"\n  _lname: Surname\n" +
		"  _bdate: { column: Birthday, type: date, format: \"DD.MM.YYYY\" }\n  phones: { column: Phone, type: phone, region: RU }\n" +
		"  CRM_ID: { column: \"CRM ID\", type: int }\n      type: int\n  source: { value: \"spring-migration\" }\n"
	_, err := Parse(strings.NewReader(text), "m.yaml")
	want := "m.yaml:15: YAML syntax error: the line is not indented like the lines above it (did not find expected key; the block starts at line 8)"
	if err == nil || err.Error() != want || !errors.Is(err, ErrSyntax) {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}
