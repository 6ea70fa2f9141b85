package mapping

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// mustParse parses a mapping given as YAML text.
func mustParse(t testing.TB, text string) *Mapping {
	t.Helper()
	m, err := Parse(strings.NewReader(text), "m.yaml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

func mustBind(t testing.TB, m *Mapping, header ...string) *Binder {
	t.Helper()
	b, err := m.Bind(header)
	if err != nil {
		t.Fatalf("Bind: %v", err)
	}
	return b
}

// convertField maps one field f (its YAML definition) from column "c" and converts cell. It returns
// the field's JSON in data ("" when the field is left out) or the *RowError.
func convertField(t *testing.T, def, cell string) (string, *RowError) {
	t.Helper()
	m := mustParse(t, "db_id: 1\nmatching: profile_id\nmatch: { column: id }\ntimezone: Europe/Moscow\nfields:\n  f: "+def+"\n")
	b := mustBind(t, m, "id", "c")
	body, _, err := b.Convert(nil, []string{"p1", cell})
	if err != nil {
		var re *RowError
		if !errors.As(err, &re) {
			t.Fatalf("Convert error %T is not a *RowError: %v", err, err)
		}
		return "", re
	}
	var got struct{ Data map[string]json.RawMessage }
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
	return string(got.Data["f"]), nil
}
