package mapping

import (
	"errors"
	"strings"
	"testing"

	"github.com/acimport/acimport/internal/altcraft"
)

// TestModesAndActionsBodies: each mode and each update function, the exact single-request body
// and the exact batch item, for one row.
func TestModesAndActionsBodies(t *testing.T) {
	header := []string{"E-mail", "Phone", "Bonus", "Tags", "Surname", "CRM"}
	row := []string{"Ivan@Example.com", "+7 900 123-45-67", "-5", "a, b", "", "77"}
	tests := []struct {
		Name    string
		Mapping string
		Method  altcraft.Method // of the single request
		Body    string
		Head    string // of a batch request
		Item    string
	}{
		{
			Name:    "upsert is profiles/import",
			Mapping: "db_id: 5\nmode: upsert\nfields:\n  email: E-mail\n",
			Method:  altcraft.MethodImport,
			Body:    `{"db_id":5,"matching":"email","email":"Ivan@Example.com","data":{"email":"Ivan@Example.com"}}`,
			Head:    `{"db_id":5,"matching":"email","data":[`,
			Item:    `{"email":"Ivan@Example.com"}`,
		},
		{
			Name:    "update is profiles/update, with the key",
			Mapping: "db_id: 5\nmode: update\noptions: { skip_triggers: true }\nfields:\n  email: E-mail\n  _lname: Surname\n",
			Method:  altcraft.MethodUpdate,
			Body:    `{"db_id":5,"matching":"email","email":"Ivan@Example.com","skip_triggers":true,"data":{"email":"Ivan@Example.com"}}`,
			Head:    `{"db_id":5,"matching":"email","skip_triggers":true,"data":[`,
			Item:    `{"email":"Ivan@Example.com"}`,
		},
		{
			Name:    "add sends no matching key",
			Mapping: "db_id: 5\nmode: add\noptions: { add_to_segments: [12] }\nfields:\n  email: E-mail\n  phones: { column: Phone, region: RU }\n",
			Method:  altcraft.MethodAdd,
			Body:    `{"db_id":5,"add_to_segments":[12],"data":{"email":"Ivan@Example.com","phones":["+79001234567"]}}`,
			Head:    `{"db_id":5,"add_to_segments":[12],"data":[`,
			Item:    `{"email":"Ivan@Example.com","phones":["+79001234567"]}`,
		},
		{
			Name:    "add from match.column still sends no key",
			Mapping: "db_id: 5\nmode: add\nmatch: { column: E-mail }\nfields:\n  CRM: { column: CRM, type: int }\n",
			Method:  altcraft.MethodAdd,
			Body:    `{"db_id":5,"data":{"CRM":77}}`,
			Head:    `{"db_id":5,"data":[`,
			Item:    `{"CRM":77}`,
		},
		{
			Name:    "incr",
			Mapping: "db_id: 5\nfields:\n  email: E-mail\n  Points: { column: Bonus, type: int, action: incr }\n",
			Method:  altcraft.MethodImport,
			Body:    `{"db_id":5,"matching":"email","email":"Ivan@Example.com","data":{"email":"Ivan@Example.com","Points":{"action":"incr","value":-5}}}`,
			Head:    `{"db_id":5,"matching":"email","data":[`,
			Item:    `{"email":"Ivan@Example.com","Points":{"action":"incr","value":-5}}`,
		},
		{
			Name:    "set is the plain value",
			Mapping: "db_id: 5\nfields:\n  email: E-mail\n  Points: { column: Bonus, type: float, action: set }\n",
			Method:  altcraft.MethodImport,
			Body:    `{"db_id":5,"matching":"email","email":"Ivan@Example.com","data":{"email":"Ivan@Example.com","Points":-5}}`,
			Head:    `{"db_id":5,"matching":"email","data":[`,
			Item:    `{"email":"Ivan@Example.com","Points":-5}`,
		},
		{
			Name:    "add and delete of list values",
			Mapping: "db_id: 5\nfields:\n  email: E-mail\n  tags: { column: Tags, separator: \",\", action: add }\n  old_tags: { value: x, action: delete }\n",
			Method:  altcraft.MethodImport,
			Body:    `{"db_id":5,"matching":"email","email":"Ivan@Example.com","data":{"email":"Ivan@Example.com","tags":{"action":"add","value":["a","b"]},"old_tags":{"action":"delete","value":"x"}}}`,
			Head:    `{"db_id":5,"matching":"email","data":[`,
			Item:    `{"email":"Ivan@Example.com","tags":{"action":"add","value":["a","b"]},"old_tags":{"action":"delete","value":"x"}}`,
		},
		{
			Name:    "unset in every row, and on_empty unset for an empty cell",
			Mapping: "db_id: 5\nfields:\n  email: E-mail\n  _city: { action: unset }\n  _lname: { column: Surname, on_empty: unset }\n  _fname: { column: Surname, on_empty: skip }\n",
			Method:  altcraft.MethodImport,
			Body:    `{"db_id":5,"matching":"email","email":"Ivan@Example.com","data":{"email":"Ivan@Example.com","_city":{"action":"unset"},"_lname":{"action":"unset"}}}`,
			Head:    `{"db_id":5,"matching":"email","data":[`,
			Item:    `{"email":"Ivan@Example.com","_city":{"action":"unset"},"_lname":{"action":"unset"}}`,
		},
		{
			Name:    "batch item carries a key read from match.column",
			Mapping: "db_id: 5\nmatching: email\nmatch: { column: E-mail }\nfields:\n  CRM: { column: CRM, type: int }\n",
			Method:  altcraft.MethodImport,
			Body:    `{"db_id":5,"matching":"email","email":"Ivan@Example.com","data":{"CRM":77}}`,
			Head:    `{"db_id":5,"matching":"email","data":[`,
			Item:    `{"email":"Ivan@Example.com","CRM":77}`,
		},
		{
			Name:    "batch item of phone matching carries phones",
			Mapping: "db_id: 5\nmode: update\nmatching: phone\nmatch: { column: Phone }\nfields:\n  email: E-mail\n",
			Method:  altcraft.MethodUpdate,
			Body:    `{"db_id":5,"matching":"phone","phone":"+79001234567","data":{"email":"Ivan@Example.com"}}`,
			Head:    `{"db_id":5,"matching":"phone","data":[`,
			Item:    `{"phones":["+79001234567"],"email":"Ivan@Example.com"}`,
		},
		{
			Name:    "custom: field_name at the top of a batch, the field in the item",
			Mapping: "db_id: 5\nmatching: custom\nmatch: { field: CRM }\nfields:\n  CRM: { column: CRM, type: int }\n",
			Method:  altcraft.MethodImport,
			Body:    `{"db_id":5,"matching":"custom","field_name":"CRM","field_value":77,"data":{"CRM":77}}`,
			Head:    `{"db_id":5,"matching":"custom","field_name":"CRM","data":[`,
			Item:    `{"CRM":77}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			m := mustParse(t, tc.Mapping)
			b := mustBind(t, m, header...)
			body, key, err := b.Convert(nil, row)
			if err != nil || string(body) != tc.Body || b.Method(false) != tc.Method {
				t.Errorf("Convert = %s, %v, method %s\nwant      %s, %s", body, err, b.Method(false), tc.Body, tc.Method)
			}
			if key == "" {
				t.Error("no key")
			}
			item, ikey, err := b.ConvertItem(nil, row)
			if err != nil || string(item) != tc.Item || ikey != key {
				t.Errorf("ConvertItem = %s, %q, %v\nwant          %s, %q", item, ikey, err, tc.Item, key)
			}
			if string(b.BatchHead()) != tc.Head {
				t.Errorf("BatchHead = %s, want %s", b.BatchHead(), tc.Head)
			}
			if err := m.CheckBatch(); err != nil {
				t.Errorf("CheckBatch: %v", err)
			}
			if b.Method(true) != tc.Method.Operation().Method(true) {
				t.Errorf("batch method %s", b.Method(true))
			}
		})
	}
}

func TestActionErrors(t *testing.T) {
	const head = "db_id: 5\nfields:\n  email: E-mail\n"
	tests := []struct {
		Name    string
		Mapping string
		Line    int
		Want    string
	}{
		{"incr on a string", head + "  Points: { column: Bonus, action: incr }\n", 4, "action incr adds a number: the field needs type int or float, not string"},
		{"incr on a date", head + "  _bdate: { column: B, type: date, format: DD.MM.YYYY, action: incr }\n", 4, "not date"},
		{"incr on a list", head + "  Points: { column: B, type: int, separator: \",\", action: incr }\n", 4, "cannot take a list"},
		{"unset on email", "db_id: 5\nfields:\n  email: { column: E, action: unset }\n", 3, "email cannot be unset"},
		{"on_empty unset on email", "db_id: 5\nfields:\n  email: { column: E, on_empty: unset }\n", 3, "email cannot be unset"},
		{"add on email", "db_id: 5\nfields:\n  email: { column: E, action: add }\n", 3, "email holds one address"},
		{"unset with a column", head + "  _city: { column: City, action: unset }\n", 4, "takes no column or value"},
		{"on_empty on a constant", head + "  src: { value: x, on_empty: unset }\n", 4, "a constant value is never empty"},
		{"unknown action", head + "  Points: { column: B, type: int, action: increase }\n", 4, `unknown action "increase" (known actions: set, unset, incr, add, delete)`},
		{"unknown on_empty", head + "  _city: { column: C, on_empty: clear }\n", 4, `unknown on_empty "clear"`},
		{"action in a subscription", head + "subscriptions:\n  - { channel: email, resource_id: 1, email: { column: E-mail, action: set } }\n", 5, "action is only for fields"},
		{"unknown mode", "db_id: 5\nmode: insert\nfields:\n  email: E\n", 2, `unknown mode "insert" (known modes: upsert, update, add)`},
		{"add by profile_id", "db_id: 5\nmode: add\nmatching: profile_id\nmatch: { column: Id }\nfields:\n  email: E\n", 2, "cannot match by profile_id"},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			e, err := parseFails(t, strings.NewReader(tc.Mapping))
			if e.Line != tc.Line || !strings.Contains(err.Error(), tc.Want) {
				t.Errorf("error %q at line %d, want line %d with %q", err, e.Line, tc.Line, tc.Want)
			}
		})
	}
}

func TestWithMode(t *testing.T) {
	m := mustParse(t, "db_id: 5\nfields:\n  email: E-mail\n")
	u, err := m.WithMode("update")
	if err != nil || u.Mode != altcraft.Update || m.Mode != altcraft.Upsert || u.Digest() == m.Digest() {
		t.Fatalf("WithMode(update) = %+v, %v; the original is %s", u, err, m.Mode)
	}
	if same, _ := m.WithMode("upsert"); same.Digest() != m.Digest() {
		t.Error("the file's own mode changes the digest")
	}
	if _, err := m.WithMode("merge"); !errors.Is(err, ErrInvalid) {
		t.Errorf("an unknown mode: %v", err)
	}
	byID := mustParse(t, "db_id: 5\nmatching: profile_id\nmatch: { column: Id }\nfields:\n  email: E-mail\n")
	if _, err := byID.WithMode("add"); err == nil || !strings.Contains(err.Error(), "profile_id") {
		t.Errorf("add by profile_id: %v", err)
	}
}

func TestCheckBatch(t *testing.T) {
	tests := []struct {
		Name    string
		Mapping string
		Want    string // "" means allowed
	}{
		{"email", "db_id: 5\nfields:\n  email: E\n", ""},
		{"profile_id", "db_id: 5\nmatching: profile_id\nmatch: { column: Id }\nfields:\n  email: E\n", "matching profile_id cannot be used with --batch"},
		{"a _sub mode", "db_id: 5\nmatching: email_sub\nmatch: { resource_id: 1 }\nfields:\n  email: E\n", "matching email_sub cannot be used with --batch"},
		{"phone matching in mode add", "db_id: 5\nmode: add\nmatching: phone\nfields:\n  phones: P\n", ""},
		{"key column differs from the email field", "db_id: 5\nmatch: { column: Old }\nfields:\n  email: { column: New, type: email }\n", "fields.email (line 4)"},
		{"key field with an action", "db_id: 5\nmatching: phone\nfields:\n  phones: { column: P, action: add }\n", "fields.phones (line 4)"},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			err := mustParse(t, tc.Mapping).CheckBatch()
			if (tc.Want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.Want) {
				t.Errorf("CheckBatch = %v, want %q", err, tc.Want)
			}
		})
	}
}
