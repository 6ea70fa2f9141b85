package mapping

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// appendString must escape exactly as encoding/json does.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "Иван", "a\"b\\c", "\x00\x1f\b\f\n\r\t", "<&>", "\u2028\u2029", "a\xffb", "\xe2\x82"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); string(got) != string(want) {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}

// Parse never panics, and whatever it rejects is a *Error with a line inside the file.
func FuzzParse(f *testing.F) {
	seed, err := os.ReadFile("testdata/realistic.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(seed))
	f.Add("db_id: 1\nfields:\n  email: E\n")
	f.Add("db_id: 1\nmatching: custom\nmatch: { field: X }\nfields: { X: { column: C, type: enum, values: { a: 1 } } }\n")
	f.Add("db_id: 1\nfields: { email: E }\nsubscriptions:\n  - { channel: viber, resource_id: 2, cc_data: { phone: P } }\n")
	f.Add("a: &x [*x]\n")
	f.Add("db_id: [\n")
	// More seeds, and the fuzzer's finds, are in testdata/fuzz/FuzzParse.
	f.Fuzz(func(t *testing.T, text string) {
		m, err := Parse(strings.NewReader(text), "f.yaml")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %q holds no *Error", err)
			}
			if lines := len(yamlLines([]byte(text))); e.Line < 0 || e.Line > lines+1 {
				t.Fatalf("line %d outside the file of %d lines: %v", e.Line, lines, err)
			}
			return
		}
		// Bind to a header with every column the mapping names, then convert one row.
		var header []string
		seen := map[string]bool{}
		for _, s := range m.allSources() {
			if !s.isConst && !seen[s.column] {
				seen[s.column] = true
				header = append(header, s.column)
			}
		}
		if k := m.match.key; k != nil && !seen[k.column] {
			header = append(header, k.column)
		}
		b, err := m.Bind(header)
		if err != nil {
			return
		}
		record := make([]string, len(header))
		for i := range record {
			record[i] = "x@y.ru"
		}
		checkBody(t, b, record)
	})
}

// Convert returns valid JSON or a *RowError, whatever the cells hold.
func FuzzConvert(f *testing.F) {
	m, err := Load("testdata/realistic.yaml")
	if err != nil {
		f.Fatal(err)
	}
	b := mustBind(f, m, benchHeader...)
	f.Add("ivan@example.com", "Иван", "15.01.1990", "M", "8 (900) 123-45-67", "123", "a,b", "01.03.2024 12:30")
	f.Add("", "", "", "", "", "", "", "")
	f.Add("a\"@b.c", "\x00\xff\u2028", "29.02.2023", "f", "+1 202 555 0100", "-0", ",,", "1.1.1 1:1")
	f.Fuzz(func(t *testing.T, c0, c1, c2, c3, c4, c5, c6, c7 string) {
		checkBody(t, b, []string{c0, c1, c2, c3, c4, c5, c6, c7})
	})
}

func checkBody(t *testing.T, b *Binder, record []string) {
	t.Helper()
	body, key, err := b.Convert([]byte("x"), record)
	if err != nil {
		var re *RowError
		if !errors.As(err, &re) || len(re.Cells) == 0 || (re.Code != CodeInvalidValue && re.Code != CodeMissingKey) {
			t.Fatalf("error %v (%T) is not a proper *RowError", err, err)
		}
		if string(body) != "x" {
			t.Fatalf("on error dst came back as %q", body)
		}
		return
	}
	if !json.Valid(body[1:]) {
		t.Fatalf("invalid JSON for %q: %s", record, body)
	}
	if !utf8.ValidString(string(body)) {
		t.Fatalf("invalid UTF-8: %s", body)
	}
	_ = key
}
