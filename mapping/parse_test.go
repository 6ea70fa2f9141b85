package mapping

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acimport/acimport/internal/csvio"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want error  // sentinel
		line int    // line of the (first) error
		path string // Path of the error
		text string // in the message
	}{
		{name: "unknown top-level key", yaml: "db_id: 1\nfeilds: {}\nfields: { email: E }\n",
			want: ErrUnknownKey, line: 2, text: `m.yaml:2: unknown key "feilds" (known keys: db_id, matching,`},
		{name: "unknown key in field", yaml: "db_id: 1\nfields:\n  email: E\n  _bdate:\n    column: B\n    type: date\n    fromat: DD.MM.YYYY\n",
			want: ErrUnknownKey, line: 7, path: "fields._bdate", text: `m.yaml:7: fields._bdate: unknown key "fromat" (known keys: column, value, type, format,`},
		{name: "unknown key in match", yaml: "db_id: 1\nmatch: { colum: E }\nfields: { email: E }\n",
			want: ErrUnknownKey, line: 2, path: "match"},
		{name: "unknown key in csv", yaml: "db_id: 1\ncsv:\n  delimeter: \";\"\nfields: { email: E }\n",
			want: ErrUnknownKey, line: 3, path: "csv"},
		{name: "unknown key in options", yaml: "db_id: 1\noptions:\n  skip_trigers: true\nfields: { email: E }\n",
			want: ErrUnknownKey, line: 3, path: "options"},
		{name: "unknown key in subscription", yaml: "db_id: 1\nfields: { email: E }\nsubscriptions:\n  - channel: email\n    resource_id: 1\n    email: E\n    statuss: subscribed\n",
			want: ErrUnknownKey, line: 7, path: "subscriptions[0]"},
		{name: "unknown type", yaml: "db_id: 1\nfields:\n  email: E\n  n: { column: N, type: integer }\n",
			want: ErrUnknownType, line: 4, path: "fields.n.type", text: `unknown type "integer" (known types: string, email, phone, int, float, bool, date, datetime, enum)`},
		{name: "duplicate field", yaml: "db_id: 1\nfields:\n  email: E\n  _fname: A\n  _fname: B\n",
			want: ErrDuplicateField, line: 5, path: "fields", text: `field "_fname" is defined twice (first at line 4)`},
		{name: "duplicate top-level key", yaml: "db_id: 1\ndb_id: 2\nfields: { email: E }\n",
			want: ErrInvalid, line: 2, text: `key "db_id" is defined twice`},
		{name: "missing db_id", yaml: "fields:\n  email: E\n",
			want: ErrInvalid, line: 1, path: "db_id", text: "missing db_id"},
		{name: "db_id zero", yaml: "db_id: 0\nfields: { email: E }\n",
			want: ErrInvalid, line: 1, path: "db_id", text: "positive integer"},
		{name: "db_id text", yaml: "db_id: five\nfields: { email: E }\n",
			want: ErrInvalid, line: 1, path: "db_id"},
		{name: "missing fields", yaml: "db_id: 1\n",
			want: ErrInvalid, line: 1, path: "fields"},
		{name: "enum without values", yaml: "db_id: 1\nfields:\n  email: E\n  _sex: { column: G, type: enum }\n",
			want: ErrInvalid, line: 4, path: "fields._sex.values", text: "type enum needs values"},
		{name: "enum empty values", yaml: "db_id: 1\nfields:\n  email: E\n  _sex: { column: G, type: enum, values: {} }\n",
			want: ErrInvalid, line: 4, path: "fields._sex.values"},
		{name: "date without format", yaml: "db_id: 1\nfields:\n  email: E\n  _bdate:\n    column: B\n    type: date\n",
			want: ErrInvalid, line: 5, path: "fields._bdate.format", text: "type date needs a format"},
		{name: "date format without day", yaml: "db_id: 1\nfields:\n  email: E\n  _bdate: { column: B, type: date, format: MM.YYYY }\n",
			want: ErrInvalid, line: 4, path: "fields._bdate.format"},
		{name: "format on a string", yaml: "db_id: 1\nfields:\n  email: E\n  x: { column: B, format: DD.MM.YYYY }\n",
			want: ErrInvalid, line: 4, path: "fields.x.format"},
		{name: "bad region", yaml: "db_id: 1\nfields:\n  email: E\n  phones: { column: P, type: phone, region: RUS }\n",
			want: ErrInvalid, line: 4, path: "fields.phones.region", text: `unknown region "RUS"`},
		{name: "unknown region code", yaml: "db_id: 1\nfields:\n  email: E\n  phones: { column: P, region: QQ }\n",
			want: ErrInvalid, line: 4, path: "fields.phones.region"},
		{name: "column and value", yaml: "db_id: 1\nfields:\n  email: E\n  source: { column: S, value: x }\n",
			want: ErrInvalid, line: 4, path: "fields.source", text: "has both column and value"},
		{name: "neither column nor value", yaml: "db_id: 1\nfields:\n  email: E\n  source: { type: int }\n",
			want: ErrInvalid, line: 4, path: "fields.source", text: "needs a column"},
		{name: "bad timezone", yaml: "db_id: 1\ntimezone: Mars/Olympus\nfields: { email: E }\n",
			want: ErrInvalid, line: 2, path: "timezone"},
		{name: "bad field timezone", yaml: "db_id: 1\nfields:\n  email: E\n  t: { column: T, type: datetime, format: YYYY-MM-DD, timezone: Nowhere }\n",
			want: ErrInvalid, line: 4, path: "fields.t.timezone"},
		{name: "bad YAML syntax", yaml: "db_id: 1\nfields:\n  email: [E\n  x: y\n",
			want: ErrSyntax, line: 3, text: "m.yaml:3: YAML syntax error: "},
		{name: "bad YAML syntax first line", yaml: "db_id: a: b\n",
			want: ErrSyntax, line: 1},
		{name: "tab indentation", yaml: "db_id: 1\nfields:\n\temail: E\n",
			want: ErrSyntax, line: 3},
		{name: "not a mapping", yaml: "- a\n- b\n",
			want: ErrInvalid, line: 1},
		{name: "empty file", yaml: "# nothing\n",
			want: ErrInvalid, line: 0, text: "empty"},
		{name: "push_sub", yaml: "db_id: 1\nmatching: push_sub\nfields: { email: E }\n",
			want: ErrInvalid, line: 2, path: "matching", text: "not supported"},
		{name: "unknown matching", yaml: "db_id: 1\nmatching: mail\nfields: { email: E }\n",
			want: ErrInvalid, line: 2, path: "matching"},
		{name: "sub mode without resource", yaml: "db_id: 1\nmatching: email_sub\nfields: { email: E }\n",
			want: ErrInvalid, line: 2, path: "match.resource_id"},
		{name: "resource without sub mode", yaml: "db_id: 1\nmatch:\n  resource_id: 3\nfields: { email: E }\n",
			want: ErrInvalid, line: 2, path: "match.resource_id"},
		{name: "custom without field", yaml: "db_id: 1\nmatching: custom\nfields: { email: E }\n",
			want: ErrInvalid, line: 2, path: "match.field"},
		{name: "email matching without email", yaml: "db_id: 1\nfields:\n  _fname: N\n",
			want: ErrInvalid, line: 1, path: "match.column"},
		{name: "profile_id without column", yaml: "db_id: 1\nmatching: profile_id\nfields: { email: E }\n",
			want: ErrInvalid, line: 2, path: "match.column"},
		{name: "bad delimiter", yaml: "db_id: 1\ncsv: { delimiter: \";;\" }\nfields: { email: E }\n",
			want: ErrInvalid, line: 2, path: "csv.delimiter"},
		{name: "lazy_quotes not a bool", yaml: "db_id: 1\ncsv: { lazy_quotes: maybe }\nfields: { email: E }\n",
			want: ErrInvalid, line: 2, path: "csv.lazy_quotes"},
		{name: "bad encoding", yaml: "db_id: 1\ncsv: { encoding: ebcdic }\nfields: { email: E }\n",
			want: ErrInvalid, line: 2, path: "csv.encoding"},
		{name: "option not bool", yaml: "db_id: 1\noptions:\n  skip_triggers: sometimes\nfields: { email: E }\n",
			want: ErrInvalid, line: 3, path: "options.skip_triggers"},
		{name: "segments not ints", yaml: "db_id: 1\noptions:\n  add_to_segments: [1, x]\nfields: { email: E }\n",
			want: ErrInvalid, line: 3, path: "options.add_to_segments"},
		{name: "subscription without resource", yaml: "db_id: 1\nfields: { email: E }\nsubscriptions:\n  - { channel: email, email: E }\n",
			want: ErrInvalid, line: 4, path: "subscriptions[0].resource_id"},
		{name: "subscription unknown channel", yaml: "db_id: 1\nfields: { email: E }\nsubscriptions:\n  - { channel: pigeon, resource_id: 1 }\n",
			want: ErrInvalid, line: 4, path: "subscriptions[0].channel"},
		{name: "subscription without contact", yaml: "db_id: 1\nfields: { email: E }\nsubscriptions:\n  - { channel: sms, resource_id: 1 }\n",
			want: ErrInvalid, line: 4, path: "subscriptions[0].phone"},
		{name: "subscription email of wrong type", yaml: "db_id: 1\nfields: { email: E }\nsubscriptions:\n  - { channel: email, resource_id: 1, email: { column: E, type: int } }\n",
			want: ErrInvalid, line: 4, path: "subscriptions[0].email.type"},
		{name: "subscription key of other channel", yaml: "db_id: 1\nfields: { email: E }\nsubscriptions:\n  - { channel: email, resource_id: 1, email: E, phone: P }\n",
			want: ErrInvalid, line: 4, path: "subscriptions[0].phone"},
		{name: "bad typed constant", yaml: "db_id: 1\nfields:\n  email: E\n  n: { value: abc, type: int }\n",
			want: ErrInvalid, line: 4, path: "fields.n.value", text: `"abc" is not an integer`},
		{name: "field as list", yaml: "db_id: 1\nfields:\n  email: E\n  x: [a, b]\n",
			want: ErrInvalid, line: 4, path: "fields.x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(strings.NewReader(tt.yaml), "m.yaml")
			if err == nil {
				t.Fatalf("no error; mapping %+v", m)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %q is not %v", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %q (%T) holds no *Error", err, err)
			}
			if e.Line != tt.line || e.Path != tt.path || e.File != "m.yaml" {
				t.Errorf("got file %q line %d path %q, want m.yaml line %d path %q (%v)", e.File, e.Line, e.Path, tt.line, tt.path, err)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q does not contain %q", err, tt.text)
			}
		})
	}
}

// Parse reports every problem, not only the first, in file order.
func TestParseReportsAll(t *testing.T) {
	text := "db_id: 0\nmatchin: email\nfields:\n  email: { column: E, type: mail }\n  d: { column: D, type: date }\n  d: X\n"
	_, err := Parse(strings.NewReader(text), "m.yaml")
	want := []struct {
		line int
		is   error
	}{{1, ErrInvalid}, {2, ErrUnknownKey}, {4, ErrUnknownType}, {5, ErrInvalid}, {6, ErrDuplicateField}}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error %q is not joined", err)
	}
	errs := joined.Unwrap()
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for i, w := range want {
		var e *Error
		if !errors.As(errs[i], &e) || e.Line != w.line || !errors.Is(e, w.is) {
			t.Errorf("error %d: got %v, want line %d, %v", i, errs[i], w.line, w.is)
		}
	}
}

func TestParseDefaults(t *testing.T) {
	tests := []struct {
		name      string
		yaml      string
		matching  string
		csv       csvio.Options
		wantField string // a key of data in the body
	}{
		{name: "defaults", yaml: "db_id: 7\nfields:\n  email: E\n", matching: "email"},
		{name: "tab word", yaml: "db_id: 7\ncsv: { delimiter: tab, encoding: UTF8 }\nfields:\n  email: E\n", matching: "email", csv: csvio.Options{Delimiter: "\t", Encoding: "utf-8"}},
		{name: "tab escape", yaml: "db_id: 7\ncsv: { delimiter: \"\\t\", encoding: cp1251 }\nfields:\n  email: E\n", matching: "email", csv: csvio.Options{Delimiter: "\t", Encoding: "windows-1251"}},
		{name: "auto", yaml: "db_id: 7\ncsv: { delimiter: auto, encoding: Auto }\nfields:\n  email: E\n", matching: "email", csv: csvio.Options{Delimiter: "auto", Encoding: "auto"}},
		{name: "lazy quotes and koi8-r", yaml: "db_id: 7\ncsv: { lazy_quotes: true, encoding: KOI8-R }\nfields:\n  email: E\n", matching: "email", csv: csvio.Options{LazyQuotes: true, Encoding: "koi8-r"}},
		{name: "utf-16 and latin-1 spellings", yaml: "db_id: 7\ncsv: { encoding: UTF-16 }\nfields:\n  email: E\n", matching: "email", csv: csvio.Options{Encoding: "utf-16"}},
		{name: "windows1251", yaml: "db_id: 7\ncsv: { delimiter: \"|\", encoding: Windows1251 }\nmatching: phone\nfields:\n  phones: P\n", matching: "phone", csv: csvio.Options{Delimiter: "|", Encoding: "windows-1251"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.yaml)
			if m.DBID != 7 || string(m.Matching) != tt.matching || m.CSV != tt.csv {
				t.Errorf("got db_id %d matching %q csv %+v, want 7 %q %+v", m.DBID, m.Matching, m.CSV, tt.matching, tt.csv)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	m, err := Load("testdata/realistic.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if m.DBID != 5 || m.CSV.Delimiter != ";" || m.CSV.Encoding != "windows-1251" {
		t.Errorf("got %+v", m)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("db_id: 1\nfields:\n  email: { column: E, tpye: email }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(bad)
	var e *Error
	if !errors.As(err, &e) || e.File != bad || e.Line != 3 || !errors.Is(err, ErrUnknownKey) {
		t.Errorf("got %v, want an unknown key at %s:3", err, bad)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v, want os.ErrNotExist", err)
	}
}

// TestLoadMessages: Load is the one loader of a mapping file (cmd's too): its errors start
// "mapping file:" and then say what is wrong, with the file's line.
func TestLoadMessages(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(good, []byte("db_id: 5\nfields:\n  email: E-mail\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("db_id: 5\nfields:\n  email: { column: E-mail, type: emial }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if m, err := Load(good); err != nil || m.DBID != 5 {
		t.Fatalf("Load(good) = %+v, %v", m, err)
	}
	tests := []struct {
		Name, Path string
		Want       []string
	}{
		{Name: "missing", Path: filepath.Join(dir, "none.yaml"), Want: []string{"mapping file: open ", "no such file"}},
		{Name: "invalid", Path: bad, Want: []string{"mapping file:\n", "bad.yaml:3", "emial"}},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			_, err := Load(tc.Path)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.Want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
