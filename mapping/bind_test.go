package mapping

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestBindErrors(t *testing.T) {
	const text = `db_id: 1
fields:
  email: "Email "
  _fname: first_name
  _lname: Фамилия
  CRM_ID: { column: "CRM ID", type: int }
  phones: { column: Phone, region: RU }
subscriptions:
  - { channel: sms, resource_id: 1, phone: Phone }
`
	tests := []struct {
		name   string
		header []string
		want   []string // the errors, in order
		is     []error
	}{
		{
			name:   "trimmed and case-insensitive match",
			header: []string{"email", "first_name", "Фамилия", "CRM ID", "Phone"},
			want:   []string{`m.yaml:3: fields.email: no column "Email " in the header; did you mean "email"?`},
			is:     []error{ErrUnknownColumn},
		},
		{
			name:   "edit distance",
			header: []string{"Email ", "firstname", "Фамилия", "CRM_ID", "Phone"},
			want: []string{
				`m.yaml:4: fields._fname: no column "first_name" in the header; did you mean "firstname"?`,
				`m.yaml:6: fields.CRM_ID: no column "CRM ID" in the header; did you mean "CRM_ID"?`,
			},
			is: []error{ErrUnknownColumn, ErrUnknownColumn},
		},
		{
			name:   "cyrillic near match",
			header: []string{"Email ", "first_name", "фамилии", "CRM ID", "Phone"},
			want:   []string{`m.yaml:5: fields._lname: no column "Фамилия" in the header; did you mean "фамилии"?`},
			is:     []error{ErrUnknownColumn},
		},
		{
			name:   "no near match",
			header: []string{"Email ", "first_name", "Фамилия", "CRM ID", "Mobile"},
			want: []string{
				`m.yaml:7: fields.phones: no column "Phone" in the header (it has: "Email ", "first_name", "Фамилия", "CRM ID", "Mobile")`,
				`m.yaml:9: subscriptions[0].phone: no column "Phone" in the header (it has: "Email ", "first_name", "Фамилия", "CRM ID", "Mobile")`,
			},
			is: []error{ErrUnknownColumn, ErrUnknownColumn},
		},
		{
			name:   "ambiguous",
			header: []string{"Email ", "first_name", "Фамилия", "CRM ID", "Phone", "Phone"},
			want: []string{
				// Once: the header is at fault, not each field that reads the column.
				`m.yaml:7: fields.phones: column "Phone" appears 2 times in the header (columns 5, 6); rename all but one`,
			},
			is: []error{ErrAmbiguousColumn},
		},
	}
	m := mustParse(t, text)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := m.Bind(tt.header)
			if err == nil || b != nil {
				t.Fatalf("got binder %v and error %v", b, err)
			}
			if got := strings.Split(err.Error(), "\n"); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", err, strings.Join(tt.want, "\n"))
			}
			for _, is := range tt.is {
				if !errors.Is(err, is) {
					t.Errorf("error is not %v", is)
				}
			}
			var e *Error
			if !errors.As(err, &e) || e.File != "m.yaml" {
				t.Errorf("error holds no *Error of m.yaml")
			}
		})
	}
}

func TestBindMatchColumn(t *testing.T) {
	m := mustParse(t, "db_id: 1\nmatching: profile_id\nmatch:\n  column: ID\nfields:\n  email: E\n")
	_, err := m.Bind([]string{"E", "id "})
	var e *Error
	if !errors.As(err, &e) || e.Line != 4 || e.Path != "match.column" || !errors.Is(err, ErrUnknownColumn) ||
		!strings.Contains(err.Error(), `did you mean "id "?`) {
		t.Errorf("got %v", err)
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "ab", 2}, {"kitten", "sitting", 3}, {"email", "e-mail", 1},
		{"телефон", "телефоны", 1}, {"ab", "ba", 2},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestBindHeaderQuirks: what spreadsheets do to headers. Duplicate names matter only when mapped;
// stray spaces, a different case or a BOM get the near match suggested, either way round.
func TestBindHeaderQuirks(t *testing.T) {
	tests := []struct {
		name    string
		column  string // the mapping's column for email
		header  []string
		want    string // the error; "" for none
		is      error
		wantCol int // with no error: the column bound
	}{
		{name: "duplicate column not mapped", column: "Email", header: []string{"Email", "x", "x", ""}, wantCol: 0},
		{name: "duplicate empty names not mapped", column: "Email", header: []string{"", "Email", ""}, wantCol: 1},
		{name: "duplicate mapped column", column: "Email", header: []string{"Email", "Name", "Email"},
			want: `m.yaml:3: fields.email: column "Email" appears 2 times in the header (columns 1, 3); rename all but one`, is: ErrAmbiguousColumn},
		{name: "header has spaces and another case", column: "Email", header: []string{"Name", " email "},
			want: `m.yaml:3: fields.email: no column "Email" in the header; did you mean " email "?`, is: ErrUnknownColumn},
		{name: "mapping has a trailing space", column: "Email ", header: []string{"Name", "Email"},
			want: `m.yaml:3: fields.email: no column "Email " in the header; did you mean "Email"?`, is: ErrUnknownColumn},
		{name: "mapping in capitals", column: "EMAIL", header: []string{"email ", "Email"},
			want: `m.yaml:3: fields.email: no column "EMAIL" in the header; did you mean "email "?`, is: ErrUnknownColumn},
		{name: "header with a byte order mark", column: "Email", header: []string{"\uFEFFEmail", "Name"},
			want: `m.yaml:3: fields.email: no column "Email" in the header; did you mean "\ufeffEmail"?`, is: ErrUnknownColumn},
		{name: "tab in the header", column: "E-mail", header: []string{"E-mail\t"},
			want: `m.yaml:3: fields.email: no column "E-mail" in the header; did you mean "E-mail\t"?`, is: ErrUnknownColumn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, fmt.Sprintf("db_id: 1\nfields:\n  email: %q\n", tt.column))
			b, err := m.Bind(tt.header)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Bind: %v", err)
				}
				if b.fields[0].col != tt.wantCol {
					t.Errorf("bound column %d, want %d", b.fields[0].col, tt.wantCol)
				}
				return
			}
			if err == nil || err.Error() != tt.want || !errors.Is(err, tt.is) {
				t.Errorf("got %v, want %q (%v)", err, tt.want, tt.is)
			}
		})
	}
}
