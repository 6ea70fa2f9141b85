package mapping

import (
	"strings"
	"testing"

	"github.com/acimport/acimport/internal/altcraft"
)

func TestNonIdempotent(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"set", "fields:\n  email: E\n  Points: { column: P, type: int }\n", ""},
		{"unset", "fields:\n  email: E\n  _fname: { column: P, on_empty: unset }\n", ""},
		{"incr", "fields:\n  email: E\n  Points: { column: P, type: int, action: incr }\n", "fields.Points uses action incr"},
		{"tags add", "fields:\n  email: E\n  tags: { column: P, separator: \",\", action: add }\n", "fields.tags uses action add"},
		{"mode add", "mode: add\nfields:\n  email: E\n", "mode add"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(strings.NewReader("db_id: 1\n"+tc.yaml), "m.yaml")
			if err != nil {
				t.Fatal(err)
			}
			got := m.NonIdempotent()
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("NonIdempotent() = %q, want %q", got, tc.want)
			}
		})
	}
	m, err := Parse(strings.NewReader("db_id: 1\nfields:\n  email: E\n"), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m.Mode = altcraft.Add // --mode add overrides the file
	if m.NonIdempotent() == "" {
		t.Error("--mode add: NonIdempotent() is empty")
	}
}
