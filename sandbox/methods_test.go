package sandbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/sandbox"
)

// batchAnswer is a batch method's answer as a client sees it.
type batchAnswer struct {
	Status    int
	Error     int                   `json:"error"`
	ErrorText string                `json:"error_text"`
	Result    []altcraft.ItemAnswer `json:"result"`
	Body      string
}

// call posts body, JSON-encoded, to method and decodes the answer.
func call(t *testing.T, base string, method altcraft.Method, body any) batchAnswer {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(base+method.Path(), "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := batchAnswer{Status: resp.StatusCode, Body: string(b)}
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("answer %d is not JSON: %s", resp.StatusCode, b)
	}
	return a
}

func profileByEmail(s *sandbox.Server, email string) *sandbox.Profile {
	for _, p := range s.Profiles() {
		if p.Data["email"] == email {
			return &p
		}
	}
	return nil
}

func TestUpdateNeverCreates(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{})
	a := call(t, ts.URL, altcraft.MethodUpdate, obj{"token": "t", "db_id": 1, "email": "a@example.io", "data": obj{"_fname": "A"}})
	if a.Status != 404 || a.Error != 404 || a.ErrorText != "Profile not found" || len(s.Profiles()) != 0 {
		t.Fatalf("update of a missing profile: %d %s, %d profiles", a.Status, a.Body, len(s.Profiles()))
	}
	call(t, ts.URL, altcraft.MethodImport, obj{"token": "t", "db_id": 1, "email": "a@example.io", "data": obj{"_fname": "A"}})
	a = call(t, ts.URL, altcraft.MethodUpdate, obj{"token": "t", "db_id": 1, "email": "A@example.io", "data": obj{"_lname": "B"}})
	if a.Status != 200 || a.Error != 0 {
		t.Fatalf("update: %s", a.Body)
	}
	p := profileByEmail(s, "a@example.io")
	if p == nil || p.Data["_fname"] != "A" || p.Data["_lname"] != "B" || len(s.Profiles()) != 1 {
		t.Fatalf("profiles: %+v", s.Profiles())
	}
}

func TestAddNeverLooksUp(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{})
	// No matching key is needed: the profile's own fields are all there is.
	a := call(t, ts.URL, altcraft.MethodAdd, obj{"token": "t", "db_id": 1, "data": obj{"email": "a@example.io", "_fname": "A"}})
	if a.Status != 200 || a.Error != 0 {
		t.Fatalf("add: %s", a.Body)
	}
	a = call(t, ts.URL, altcraft.MethodAdd, obj{"token": "t", "db_id": 1, "data": obj{"email": "A@example.io", "_fname": "B"}})
	if a.Status != 400 || !strings.Contains(a.ErrorText, "already exists") {
		t.Fatalf("a duplicate email: %d %s", a.Status, a.Body)
	}
	// Without an email every add is a new profile. (Each request differs:
	// a byte-identical one would be answered as a replay of the first.)
	for i := range 2 {
		if a = call(t, ts.URL, altcraft.MethodAdd, obj{"token": "t", "db_id": 1, "data": obj{"_fname": "C", "CRM_ID": i}}); a.Error != 0 {
			t.Fatalf("add: %s", a.Body)
		}
	}
	if n := len(s.Profiles()); n != 3 {
		t.Fatalf("%d profiles, want 3", n)
	}
}

func TestEmailPhoneConflict(t *testing.T) {
	ts, _ := newServer(t, sandbox.Config{})
	call(t, ts.URL, altcraft.MethodImport, obj{"token": "t", "db_id": 1, "email": "a@example.io", "data": obj{}})
	call(t, ts.URL, altcraft.MethodImport, obj{"token": "t", "db_id": 1, "matching": "phone", "phone": "+79001112233", "data": obj{}})
	a := call(t, ts.URL, altcraft.MethodImport, obj{"token": "t", "db_id": 1, "matching": "email_phone", "email": "a@example.io", "phone": "+79001112233", "data": obj{}})
	if a.Error != 409 || a.Status != 409 {
		t.Fatalf("email of one profile, phone of another: %d %s", a.Status, a.Body)
	}
}

func TestUpdateFunctions(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{})
	first := obj{"token": "t", "db_id": 1, "email": "a@example.io", "data": obj{
		"_fname": "A", "_lname": "L", "Points": 10, "tags": []any{"x", "y"},
	}}
	if a := call(t, ts.URL, altcraft.MethodImport, first); a.Error != 0 {
		t.Fatal(a.Body)
	}
	tests := []struct {
		Name  string
		Data  obj
		Error int
		Want  obj // fields after, nil: absent
	}{
		{Name: "set", Data: obj{"_fname": obj{"action": "set", "value": "B"}}, Want: obj{"_fname": "B"}},
		{Name: "unset", Data: obj{"_lname": obj{"action": "unset"}}, Want: obj{"_lname": nil}},
		{Name: "incr", Data: obj{"Points": obj{"action": "incr", "value": 5}}, Want: obj{"Points": 15.0}},
		{Name: "incr negative", Data: obj{"Points": obj{"action": "incr", "value": -20}}, Want: obj{"Points": -5.0}},
		{Name: "incr of a missing field starts at 0", Data: obj{"Visits": obj{"action": "incr", "value": 1}}, Want: obj{"Visits": 1.0}},
		{Name: "add to a list", Data: obj{"tags": obj{"action": "add", "value": []any{"y", "z"}}}, Want: obj{"tags": []any{"x", "y", "z"}}},
		{Name: "delete from a list", Data: obj{"tags": obj{"action": "delete", "value": "x"}}, Want: obj{"tags": []any{"y", "z"}}},
		{Name: "unset email is refused", Data: obj{"email": obj{"action": "unset"}}, Error: 400},
		{Name: "incr of a string is refused", Data: obj{"_fname": obj{"action": "incr", "value": 1}}, Error: 400},
		{Name: "a string stored", Data: obj{"Name2": "x"}, Want: obj{"Name2": "x"}},
		{Name: "incr of a stored string is refused", Data: obj{"Name2": obj{"action": "incr", "value": 1}}, Error: 400},
		{Name: "unknown action", Data: obj{"Points": obj{"action": "upsert_all", "value": 1}}, Error: 400},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			a := call(t, ts.URL, altcraft.MethodImport, obj{"token": "t", "db_id": 1, "email": "a@example.io", "data": tc.Data})
			if a.Error != tc.Error {
				t.Fatalf("error %d %s, want %d", a.Error, a.Body, tc.Error)
			}
			p := profileByEmail(s, "a@example.io")
			for k, want := range tc.Want {
				if got, ok := p.Data[k]; shortJSONOf(got) != shortJSONOf(want) || (want == nil && ok) {
					t.Errorf("%s = %s, want %s", k, shortJSONOf(got), shortJSONOf(want))
				}
			}
		})
	}
	// A new profile takes the function's result against nothing.
	call(t, ts.URL, altcraft.MethodImport, obj{"token": "t", "db_id": 1, "email": "n@example.io", "data": obj{
		"Points": obj{"action": "incr", "value": 3}, "_lname": obj{"action": "unset"}, "tags": obj{"action": "add", "value": "a"},
	}})
	p := profileByEmail(s, "n@example.io")
	if shortJSONOf(p.Data) != `{"Points":3,"email":"n@example.io","tags":["a"]}` {
		t.Errorf("new profile: %s", shortJSONOf(p.Data))
	}
}

func TestSegmentsKept(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{})
	call(t, ts.URL, altcraft.MethodImport, obj{"token": "t", "db_id": 1, "email": "a@example.io", "add_to_segments": []int{12, 3}, "data": obj{}})
	call(t, ts.URL, altcraft.MethodImport, obj{"token": "t", "db_id": 1, "email": "a@example.io", "add_to_segments": []int{7}, "remove_from_segments": []int{12}, "data": obj{}})
	if p := profileByEmail(s, "a@example.io"); shortJSONOf(p.Segments) != "[3,7]" {
		t.Errorf("segments %v, want [3 7]", p.Segments)
	}
}

func TestBatchMethods(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{})
	call(t, ts.URL, altcraft.MethodImport, obj{"token": "t", "db_id": 1, "email": "old@example.io", "data": obj{"_fname": "Old"}})

	a := call(t, ts.URL, altcraft.MethodImportBatch, obj{"token": "t", "db_id": 1, "matching": "email", "data": []obj{
		{"email": "old@example.io", "_lname": "Updated"},
		{"email": "bad", "_fname": "X"},
		{"_fname": "no key"},
		{"email": "new@example.io", "_fname": "New"},
	}})
	if a.Status != 200 || a.Error != 0 || len(a.Result) != 4 {
		t.Fatalf("import_batch: %s", a.Body)
	}
	old := profileByEmail(s, "old@example.io")
	if a.Result[0].Error != 0 || a.Result[0].ProfileID != old.ProfileID || old.Data["_lname"] != "Updated" {
		t.Errorf("item 0: %+v, stored %+v", a.Result[0], old)
	}
	if a.Result[1].Error != 400 || !strings.Contains(a.Result[1].ErrorText, `"email"`) {
		t.Errorf("item 1: %+v", a.Result[1])
	}
	if a.Result[2].Error != 400 || !strings.Contains(a.Result[2].ErrorText, "required") {
		t.Errorf("item 2: %+v", a.Result[2])
	}
	if p := profileByEmail(s, "new@example.io"); a.Result[3].Error != 0 || p == nil || a.Result[3].ProfileID != p.ProfileID {
		t.Errorf("item 3: %+v", a.Result[3])
	}

	a = call(t, ts.URL, altcraft.MethodUpdateBatch, obj{"token": "t", "db_id": 1, "data": []obj{
		{"email": "missing@example.io", "_fname": "M"},
		{"email": "new@example.io", "Points": obj{"action": "incr", "value": 2}},
	}})
	if len(a.Result) != 2 || a.Result[0].Error != 404 || a.Result[1].Error != 0 || profileByEmail(s, "missing@example.io") != nil {
		t.Errorf("update_batch: %s", a.Body)
	}
	a = call(t, ts.URL, altcraft.MethodAddBatch, obj{"token": "t", "db_id": 1, "data": []obj{
		{"email": "old@example.io"}, {"email": "added@example.io"},
	}})
	if len(a.Result) != 2 || a.Result[0].Error != 400 || a.Result[1].Error != 0 || profileByEmail(s, "added@example.io") == nil {
		t.Errorf("add_batch: %s", a.Body)
	}
	// Custom and phone keys come from the item's own fields.
	a = call(t, ts.URL, altcraft.MethodImportBatch, obj{"token": "t", "db_id": 1, "matching": "custom", "field_name": "CRM", "data": []obj{
		{"CRM": 7, "_fname": "C"}, {"CRM": 7, "_lname": "D"},
	}})
	if len(a.Result) != 2 || a.Result[0].ProfileID == "" || a.Result[0].ProfileID != a.Result[1].ProfileID {
		t.Errorf("custom batch: %s", a.Body)
	}

	for _, bad := range []struct {
		Name string
		Req  obj
		Text string
	}{
		{Name: "profile_id", Req: obj{"token": "t", "db_id": 1, "matching": "profile_id", "data": []obj{{}}}, Text: "not supported"},
		{Name: "a _sub mode", Req: obj{"token": "t", "db_id": 1, "matching": "email_sub", "resource_id": 1, "data": []obj{{}}}, Text: "not supported"},
		{Name: "unknown database", Req: obj{"token": "t", "db_id": 0, "data": []obj{{}}}, Text: "Database 0 not found"},
		{Name: "no data", Req: obj{"token": "t", "db_id": 1}, Text: `"data" is required`},
	} {
		t.Run(bad.Name, func(t *testing.T) {
			a := call(t, ts.URL, altcraft.MethodImportBatch, bad.Req)
			if a.Error == 0 || a.Result != nil || !strings.Contains(a.ErrorText, bad.Text) {
				t.Errorf("%d %s, want an error of the whole batch with %q", a.Status, a.Body, bad.Text)
			}
		})
	}
}
