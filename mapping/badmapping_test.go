package mapping

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// parseFails parses text and returns its first *Error, failing the test when there is none.
func parseFails(t *testing.T, r io.Reader) (*Error, error) {
	t.Helper()
	m, err := Parse(r, "m.yaml")
	if err == nil {
		t.Fatalf("no error; mapping %+v", m)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %q (%T) holds no *Error", err, err)
	}
	return e, err
}

// laughs is a billion-laughs file: each level lists the one before nine times, 9^depth strings in all.
func laughs(depth int, tail string) string {
	var b strings.Builder
	b.WriteString("db_id: 1\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= depth; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [", i, i)
		for j := range 9 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]\n")
	}
	b.WriteString(tail)
	return b.String()
}

// fanOut aliases one mapping of n keys from n fields: n² nodes from a file of a few n lines.
func fanOut(n int) string {
	var b strings.Builder
	b.WriteString("db_id: 1\nfields:\n  email: { column: E, type: enum, values: &v {")
	for i := range n {
		fmt.Fprintf(&b, "k%d: %d, ", i, i)
	}
	b.WriteString("} }\n")
	for i := range n {
		fmt.Fprintf(&b, "  f%d: { column: F%d, type: enum, values: *v }\n", i, i)
	}
	return b.String()
}

// endless yields n bytes of YAML comment lines, never held whole.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, io.EOF
	}
	n := min(len(p), e.n)
	for i := range n {
		p[i] = "# comment\n"[i%10]
	}
	e.n -= n
	return n, nil
}

// TestParseLimits: files that would cost memory or time out of all proportion to their size are
// refused quickly with ErrTooLarge, naming the limit.
func TestParseLimits(t *testing.T) {
	tests := []struct {
		name string
		in   func() io.Reader
		is   error
		line int
		text string
	}{
		{name: "billion laughs", in: func() io.Reader { return strings.NewReader(laughs(9, "fields: { email: E }\n")) },
			is: ErrTooLarge, line: 3, text: "m.yaml:3: the file expands to more than 100000 YAML nodes through its aliases (the first is *l0); a mapping file needs far fewer"},
		{name: "billion laughs used as fields", in: func() io.Reader { return strings.NewReader(laughs(9, "fields: *l9\n")) },
			is: ErrTooLarge, line: 3},
		{name: "one mapping aliased from a thousand fields", in: func() io.Reader { return strings.NewReader(fanOut(1000)) },
			is: ErrTooLarge, line: 4, text: "through its aliases (the first is *v)"},
		{name: "alias inside its own anchor", in: func() io.Reader { return strings.NewReader("db_id: 1\nfields: &f { email: E, x: *f }\n") },
			is: ErrInvalid, line: 2, text: "m.yaml:2: alias *f refers to a node that contains it"},
		{name: "too many nodes without aliases", in: func() io.Reader {
			return strings.NewReader("db_id: 1\nfields: { email: E }\nx: [" + strings.Repeat("1,", MaxNodes) + "]\n")
		}, is: ErrTooLarge, line: 0, text: "m.yaml: the file has more than 100000 YAML nodes"},
		{name: "larger than 1 MiB", in: func() io.Reader { return &endless{n: 200 << 20} },
			is: ErrTooLarge, line: 0, text: "m.yaml: the file is larger than 1024 KiB; a mapping file is a few kilobytes: is it the right file?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			e, err := parseFails(t, tt.in())
			runtime.ReadMemStats(&after)
			if !errors.Is(err, tt.is) || !errors.Is(err, ErrInvalid) || e.Line != tt.line || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("got %v (line %d), want %v at line %d holding %q", err, e.Line, tt.is, tt.line, tt.text)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 64<<20 {
				t.Errorf("allocated %d MiB", n>>20)
			}
		})
	}
}

// Aliases that stay small are fine: one enum's values shared by two fields.
func TestParseAliasesAllowed(t *testing.T) {
	m := mustParse(t, "db_id: 1\nfields:\n  email: E\n  a: { column: A, type: enum, values: &yn { Y: true, N: false } }\n  b: { column: B, type: enum, values: *yn }\n")
	b := mustBind(t, m, "E", "A", "B")
	body, _, err := b.Convert(nil, []string{"x@y.ru", "Y", "N"})
	if err != nil || !strings.Contains(string(body), `"a":true,"b":false`) {
		t.Errorf("got %s, %v", body, err)
	}
}

func TestParseTabs(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		line int
	}{
		{"tab before a field", "db_id: 1\nfields:\n\temail: E\n", 3},
		{"tab before a later field", "db_id: 1\nfields:\n  email: E\n\t_fname: F\n", 4},
		{"spaces then a tab", "db_id: 1\nfields:\n  email:\n  \tcolumn: E\n", 4},
		{"tab before a top-level key", "db_id: 1\n\tfields: { email: E }\n", 2},
		{"tab on the first line", "\tdb_id: 1\nfields: { email: E }\n", 1},
		{"tab deep inside", "db_id: 1\nfields:\n  email: E\n  _x:\n    column: X\n\t  type: int\n", 6},
		{"tab before a list item", "db_id: 1\nfields:\n  email: E\nsubscriptions:\n\t- { channel: email, resource_id: 1, email: E }\n", 5},
		{"tab after lone CR line breaks", "db_id: 1\rfields:\r\temail: E\r", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := parseFails(t, strings.NewReader(tt.yaml))
			want := fmt.Sprintf("m.yaml:%d: YAML syntax error: the line is indented with a tab; YAML indents with spaces only", tt.line)
			if !errors.Is(err, ErrSyntax) || e.Line != tt.line || err.Error() != want {
				t.Errorf("got %q, want %q", err, want)
			}
		})
	}
	// A tab between a key and its value is no indentation.
	mustParse(t, "db_id:\t1\nfields:\n  email:\tE\n")
}

// TestParseWrongTypes gives every key a value of the wrong kind: each error names the key, its line
// and what was expected, and comes alone, not with the errors it would cause further on.
func TestParseWrongTypes(t *testing.T) {
	const fields = "fields: { email: E }\n"
	tests := []struct {
		name string
		yaml string
		line int
		path string
		text string
	}{
		{"db_id text", "db_id: \"x\"\n" + fields, 1, "db_id", `must be a positive integer, not "x"`},
		{"db_id list", "db_id: [1]\n" + fields, 1, "db_id", "must be a positive integer, not a list"},
		{"db_id mapping", "db_id: { a: 1 }\n" + fields, 1, "db_id", "must be a positive integer, not a mapping"},
		{"db_id fraction", "db_id: 1.5\n" + fields, 1, "db_id", `must be a positive integer, not "1.5"`},
		{"db_id huge", "db_id: 99999999999999999999\n" + fields, 1, "db_id", "must be a positive integer"},
		{"db_id empty", "db_id:\n" + fields, 1, "db_id", "must be a positive integer, not empty"},
		{"matching list", "db_id: 1\nmatching: [email]\n" + fields, 2, "matching", "must be a single value, not a list"},
		{"fields list", "db_id: 1\nfields: [a]\n", 2, "fields", "must be a mapping (key: value), not a list"},
		{"fields empty", "db_id: 1\nfields:\n", 2, "fields", "must be a mapping (key: value), not empty"},
		{"fields text", "db_id: 1\nfields: email\n", 2, "fields", `must be a mapping (key: value), not "email"`},
		{"field list", "db_id: 1\nfields:\n  email: E\n  x: [a, b]\n", 4, "fields.x", "must be a column name or { column: ..., type: ... }, not a list"},
		{"field empty", "db_id: 1\nfields:\n  email: E\n  x:\n", 4, "fields.x", "not empty"},
		{"column list", "db_id: 1\nfields: { email: E, x: { column: [X] } }\n", 2, "fields.x.column", "must be a single value, not a list"},
		{"type number", "db_id: 1\nfields: { email: E, x: { column: X, type: 5 } }\n", 2, "fields.x.type", `unknown type "5" (known types: string,`},
		{"type list", "db_id: 1\nfields: { email: E, x: { column: X, type: [int] } }\n", 2, "fields.x.type", "must be a single value, not a list"},
		{"format number", "db_id: 1\nfields: { email: E, x: { column: X, type: date, format: 5 } }\n", 2, "fields.x.format", `format "5": a format needs a year`},
		{"region number", "db_id: 1\nfields: { email: E, x: { column: X, type: phone, region: 7 } }\n", 2, "fields.x.region", `unknown region "7"`},
		{"separator list", "db_id: 1\nfields: { email: E, x: { column: X, separator: [] } }\n", 2, "fields.x.separator", "must be a single value, not a list"},
		{"value list", "db_id: 1\nfields: { email: E, x: { value: [1] } }\n", 2, "fields.x.value", "value must be a single value, not a list"},
		{"values list", "db_id: 1\nfields: { email: E, x: { column: X, type: enum, values: [a] } }\n", 2, "fields.x.values", "values must be a non-empty mapping of cell value to field value"},
		{"values text", "db_id: 1\nfields: { email: E, x: { column: X, type: enum, values: a } }\n", 2, "fields.x.values", "values must be a non-empty mapping"},
		{"values empty", "db_id: 1\nfields: { email: E, x: { column: X, type: enum, values: } }\n", 2, "fields.x.values", "values must be a non-empty mapping"},
		{"enum value list", "db_id: 1\nfields: { email: E, x: { column: X, type: enum, values: { a: [1] } } }\n", 2, "fields.x.values", `value of "a": must be a single value, not a list`},
		{"csv number", "db_id: 1\ncsv: 5\n" + fields, 2, "csv", `must be a mapping (key: value), not "5"`},
		{"csv list", "db_id: 1\ncsv: [a]\n" + fields, 2, "csv", "must be a mapping (key: value), not a list"},
		{"csv encoding list", "db_id: 1\ncsv: { encoding: [a] }\n" + fields, 2, "csv.encoding", "must be a single value, not a list"},
		{"csv delimiter list", "db_id: 1\ncsv: { delimiter: [a] }\n" + fields, 2, "csv.delimiter", "must be a single value, not a list"},
		{"options list", "db_id: 1\noptions: [1]\n" + fields, 2, "options", "must be a mapping (key: value), not a list"},
		{"skip_triggers maybe", "db_id: 1\noptions: { skip_triggers: \"maybe\" }\n" + fields, 2, "options.skip_triggers", `must be true or false, not "maybe"`},
		{"skip_triggers number", "db_id: 1\noptions: { skip_triggers: 2 }\n" + fields, 2, "options.skip_triggers", `must be true or false, not "2"`},
		{"detect_geo list", "db_id: 1\noptions: { detect_geo: [true] }\n" + fields, 2, "options.detect_geo", "must be true or false, not a list"},
		{"segments mapping", "db_id: 1\noptions: { add_to_segments: { a: 1 } }\n" + fields, 2, "options.add_to_segments", "must be a positive integer, not a mapping"},
		{"match number", "db_id: 1\nmatch: 3\n" + fields, 2, "match", `must be a mapping (key: value), not "3"`},
		{"match column list", "db_id: 1\nmatch: { column: [a] }\n" + fields, 2, "match.column", "must be a single value, not a list"},
		{"match resource_id text", "db_id: 1\nmatching: email_sub\nmatch: { resource_id: x }\n" + fields, 3, "match.resource_id", `must be a positive integer, not "x"`},
		{"match field list", "db_id: 1\nmatching: custom\nmatch: { field: [a] }\n" + fields, 3, "match.field", "must be a single value, not a list"},
		{"timezone number", "db_id: 1\ntimezone: 5\n" + fields, 2, "timezone", `unknown time zone "5": use an IANA name such as Europe/Moscow or UTC`},
		{"timezone list", "db_id: 1\ntimezone: [UTC]\n" + fields, 2, "timezone", "must be a single value, not a list"},
		{"subscriptions mapping", "db_id: 1\nsubscriptions: {}\n" + fields, 2, "subscriptions", "must be a list of { channel: ..., resource_id: ..., ... }, not a mapping"},
		{"subscriptions text", "db_id: 1\nsubscriptions: email\n" + fields, 2, "subscriptions", `must be a list of { channel: ..., resource_id: ..., ... }, not "email"`},
		{"subscription number", "db_id: 1\n" + fields + "subscriptions: [5]\n", 3, "subscriptions[0]", `must be a mapping (key: value), not "5"`},
		{"channel list", "db_id: 1\n" + fields + "subscriptions: [{ channel: [email], resource_id: 1 }]\n", 3, "subscriptions[0].channel", "must be a single value, not a list"},
		{"resource_id list", "db_id: 1\n" + fields + "subscriptions: [{ channel: email, resource_id: [1], email: E }]\n", 3, "subscriptions[0].resource_id", "must be a positive integer, not a list"},
		{"priority text", "db_id: 1\n" + fields + "subscriptions: [{ channel: email, resource_id: 1, email: E, priority: x }]\n", 3, "subscriptions[0].priority", `must be an integer, not "x"`},
		{"cats mapping", "db_id: 1\n" + fields + "subscriptions: [{ channel: email, resource_id: 1, email: E, cats: { a: 1 } }]\n", 3, "subscriptions[0].cats", "must be a single value, not a mapping"},
		{"status list", "db_id: 1\n" + fields + "subscriptions: [{ channel: email, resource_id: 1, email: E, status: [1] }]\n", 3, "subscriptions[0].status", "must be a single value, not a list"},
		{"cc_data number", "db_id: 1\n" + fields + "subscriptions: [{ channel: viber, resource_id: 1, cc_data: 5 }]\n", 3, "subscriptions[0].cc_data", `must be a mapping (key: value), not "5"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := parseFails(t, strings.NewReader(tt.yaml))
			if joined, ok := err.(interface{ Unwrap() []error }); ok {
				t.Errorf("want one error, got %d:\n%v", len(joined.Unwrap()), err)
			}
			want := fmt.Sprintf("m.yaml:%d: %s: ", tt.line, tt.path)
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnknownType) || e.Line != tt.line || e.Path != tt.path || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("got %q (line %d, path %q), want %q...%q", err, e.Line, e.Path, want, tt.text)
			}
		})
	}
}

// Quoted booleans are read like quoted integers.
func TestParseQuotedBool(t *testing.T) {
	m := mustParse(t, "db_id: \"7\"\noptions: { skip_triggers: \"true\", detect_geo: 'False' }\nfields: { email: E }\n")
	body, _, err := mustBind(t, m, "E").Convert(nil, []string{"a@b.ru"})
	if err != nil || !strings.Contains(string(body), `"skip_triggers":true,"detect_geo":false`) {
		t.Errorf("got %s, %v", body, err)
	}
}

// TestManyFields: a mapping of a thousand fields parses, binds and converts. Its cost is reported by
// go test -v, not asserted: the tests never time themselves.
func TestManyFields(t *testing.T) {
	const n = 1000
	var y strings.Builder
	y.WriteString("db_id: 1\nfields:\n  email: { column: E, type: email }\n")
	header := []string{"E"}
	row := []string{"a@b.ru"}
	for i := range n {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&y, "  f%d: C%d\n", i, i)
			row = append(row, "text")
		case 1:
			fmt.Fprintf(&y, "  f%d: { column: C%d, type: int }\n", i, i)
			row = append(row, "42")
		case 2:
			fmt.Fprintf(&y, "  f%d: { column: C%d, type: date, format: DD.MM.YYYY }\n", i, i)
			row = append(row, "01.02.1990")
		default:
			fmt.Fprintf(&y, "  f%d: { column: C%d, type: enum, values: { Y: yes, N: no } }\n", i, i)
			row = append(row, "Y")
		}
		header = append(header, fmt.Sprintf("C%d", i))
	}
	m := mustParse(t, y.String())
	b := mustBind(t, m, header...)
	body, key, err := b.Convert(nil, row)
	if err != nil || key != "a@b.ru" {
		t.Fatalf("Convert: %v (key %q)", err, key)
	}
	for _, want := range []string{`"f0":"text"`, `"f1":42`, `"f2":"1990-02-01"`, `"f999":"yes"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body lacks %s", want)
		}
	}
	res := testing.Benchmark(func(tb *testing.B) {
		for tb.Loop() {
			m, err := Parse(strings.NewReader(y.String()), "m.yaml")
			if err != nil {
				tb.Fatal(err)
			}
			if _, err := m.Bind(header); err != nil {
				tb.Fatal(err)
			}
		}
	})
	t.Logf("parse and bind %d fields: %v per run", n, res.NsPerOp())
}

func TestYAMLLines(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", []string{""}},
		{"LF", "a\nb\n", []string{"a", "b", ""}},
		{"CRLF and lone CR", "a\r\nb\rc", []string{"a", "b", "c"}},
		{"CR CR", "\r\r0", []string{"", "", "0"}},
		{"NEL LS PS", "a\u0085b\u2028c\u2029d", []string{"a", "b", "c", "d"}},
		{"other runes", "é\u00a0ж\u2027", []string{"é\u00a0ж\u2027"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, l := range yamlLines([]byte(tt.in)) {
				got = append(got, string(l))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("yamlLines(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
