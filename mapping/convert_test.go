package mapping

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/internal/testutil"
)

func TestConvertBodies(t *testing.T) {
	header := []string{"E-mail", "Phone", "CRM ID", "ID", "Name"}
	row := []string{" Ivan@Example.com ", "8 (900) 123-45-67", "00123", "5f4fa1a5", "Иван"}
	tests := []struct {
		name    string
		mapping string
		want    string
		key     string
	}{
		{
			name:    "email",
			mapping: "db_id: 5\nfields:\n  email: E-mail\n",
			want:    `{"db_id":5,"matching":"email","email":"Ivan@Example.com","data":{"email":"Ivan@Example.com"}}`,
			key:     "ivan@example.com",
		},
		{
			name:    "email_sub with options",
			mapping: "db_id: 5\nmatching: email_sub\nmatch: { resource_id: 2 }\noptions:\n  skip_triggers: true\n  skip_invalid_subscriptions: false\n  add_to_segments: [1, 2]\n  remove_from_segments: 3\nfields:\n  _fname: Name\n  email: E-mail\n",
			want:    `{"db_id":5,"matching":"email_sub","email":"Ivan@Example.com","resource_id":2,"skip_triggers":true,"skip_invalid_subscriptions":false,"add_to_segments":[1,2],"remove_from_segments":[3],"data":{"_fname":"Иван","email":"Ivan@Example.com"}}`,
			key:     "ivan@example.com",
		},
		{
			name:    "email from match.column",
			mapping: "db_id: 5\nmatching: email_profile\nmatch: { column: E-mail }\nfields:\n  _fname: Name\n",
			want:    `{"db_id":5,"matching":"email_profile","email":"Ivan@Example.com","data":{"_fname":"Иван"}}`,
			key:     "ivan@example.com",
		},
		{
			name:    "phone",
			mapping: "db_id: 5\nmatching: phone\nfields:\n  phones: { column: Phone, region: RU }\n",
			want:    `{"db_id":5,"matching":"phone","phone":"+79001234567","data":{"phones":["+79001234567"]}}`,
			key:     "+79001234567",
		},
		{
			name:    "phone_sub from match.column gets the region of phones",
			mapping: "db_id: 5\nmatching: phone_sub\nmatch: { column: Phone, resource_id: 1 }\nfields:\n  phones: { column: Phone, type: phone, region: RU }\n",
			want:    `{"db_id":5,"matching":"phone_sub","phone":"+79001234567","resource_id":1,"data":{"phones":["+79001234567"]}}`,
			key:     "+79001234567",
		},
		{
			name:    "email_phone",
			mapping: "db_id: 5\nmatching: email_phone\nfields:\n  email: E-mail\n  phones: { column: Phone, region: RU }\n",
			want:    `{"db_id":5,"matching":"email_phone","email":"Ivan@Example.com","phone":"+79001234567","data":{"email":"Ivan@Example.com","phones":["+79001234567"]}}`,
			key:     "ivan@example.com",
		},
		{
			name:    "profile_id",
			mapping: "db_id: 5\nmatching: profile_id\nmatch: { column: ID }\nfields:\n  _fname: Name\n",
			want:    `{"db_id":5,"matching":"profile_id","profile_id":"5f4fa1a5","data":{"_fname":"Иван"}}`,
			key:     "5f4fa1a5",
		},
		{
			name:    "custom int field",
			mapping: "db_id: 5\nmatching: custom\nmatch: { field: CRM_ID }\nfields:\n  CRM_ID: { column: CRM ID, type: int }\n",
			want:    `{"db_id":5,"matching":"custom","field_name":"CRM_ID","field_value":123,"data":{"CRM_ID":123}}`,
			key:     "123",
		},
		{
			name:    "custom_sub string from match.column",
			mapping: "db_id: 5\nmatching: custom_sub\nmatch: { field: crm, column: CRM ID, resource_id: 4 }\nfields:\n  email: E-mail\n",
			want:    `{"db_id":5,"matching":"custom_sub","field_name":"crm","field_value":"00123","resource_id":4,"data":{"email":"Ivan@Example.com"}}`,
			key:     "00123",
		},
		{
			name: "subscriptions",
			mapping: `db_id: 5
fields:
  email: E-mail
subscriptions:
  - { channel: email, resource_id: 1, email: { column: "E-mail" }, status: subscribed, priority: 2 }
  - { channel: sms, resource_id: 1, phone: { column: Phone, region: RU } }
  - { channel: push, resource_id: 2, provider: { value: android-firebase }, subscription_id: { column: ID } }
  - { channel: whatsapp, resource_id: 3, cc_data: { phone: { column: Phone, region: RU } } }
  - { channel: telegram_bot, resource_id: 3, cc_data: { id: { column: CRM ID, type: int } }, cats: [news, sale], custom_fields: { name: Name } }
`,
			want: `{"db_id":5,"matching":"email","email":"Ivan@Example.com","data":{"email":"Ivan@Example.com","subscriptions":[` +
				`{"channel":"email","resource_id":1,"status":"subscribed","priority":2,"email":"Ivan@Example.com"},` +
				`{"channel":"sms","resource_id":1,"phone":"+79001234567"},` +
				`{"channel":"push","resource_id":2,"subscription_id":"5f4fa1a5","provider":"android-firebase"},` +
				`{"channel":"whatsapp","resource_id":3,"cc_data":{"phone":"+79001234567"}},` +
				`{"channel":"telegram_bot","resource_id":3,"cats":["news","sale"],"cc_data":{"id":123},"custom_fields":{"name":"Иван"}}]}}`,
			key: "ivan@example.com",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustBind(t, mustParse(t, tt.mapping), header...)
			dst := []byte("prefix")
			body, key, err := b.Convert(dst, row)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(body[len(dst):]); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			if !json.Valid(body[len(dst):]) {
				t.Errorf("not valid JSON")
			}
			if key != tt.key {
				t.Errorf("key %q, want %q", key, tt.key)
			}
		})
	}
}

func TestConvertRowErrors(t *testing.T) {
	const text = `db_id: 5
fields:
  email: { column: E-mail, type: email }
  _bdate: { column: Birthday, type: date, format: DD.MM.YYYY }
  phones: { column: Phone, region: RU }
subscriptions:
  - { channel: sms, resource_id: 1, phone: Phone }
`
	b := mustBind(t, mustParse(t, text), "E-mail", "Birthday", "Phone")
	tests := []struct {
		name   string
		record []string
		code   altcraft.RejectCode
		text   string
	}{
		{name: "empty cells are left out", record: []string{"a@b.ru", " ", ""}},
		{name: "missing key", record: []string{"  ", "01.01.2000", ""}, code: CodeMissingKey,
			text: `empty matching key: column "E-mail" is empty`},
		{name: "missing key and bad cells", record: []string{"", "31.02.1990", "8 900"}, code: CodeMissingKey,
			text: `empty matching key: column "E-mail" is empty; column "Birthday": "31.02.1990" is not a date in the form DD.MM.YYYY; column "Phone": "8 900" is not a valid phone number (region RU)`},
		{name: "bad key", record: []string{"ivan", "", ""}, code: CodeInvalidValue,
			text: `column "E-mail": "ivan" is not a valid email address`},
		{name: "bad key with spaces reported once", record: []string{" ivan ", "", ""}, code: CodeInvalidValue,
			text: `column "E-mail": " ivan " is not a valid email address`},
		{name: "every bad cell", record: []string{"a@b.ru", "31.02.1990", "8 900"}, code: CodeInvalidValue,
			text: `column "Birthday": "31.02.1990" is not a date in the form DD.MM.YYYY; column "Phone": "8 900" is not a valid phone number (region RU)`},
		{name: "short record", record: []string{"a@b.ru"}, code: CodeInvalidValue,
			text: `the row has 1 cells but the header has 3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte("keep")
			body, key, err := b.Convert(dst, tt.record)
			if tt.code == "" {
				if err != nil || !json.Valid(body[4:]) {
					t.Fatalf("got %s, %v", body, err)
				}
				return
			}
			var re *RowError
			if !errors.As(err, &re) {
				t.Fatalf("got %v (%T), want a *RowError", err, err)
			}
			if re.Code != tt.code || re.Error() != tt.text {
				t.Errorf("got %s: %s\nwant %s: %s", re.Code, re.Error(), tt.code, tt.text)
			}
			if string(body) != "keep" || key != "" {
				t.Errorf("on error got body %q key %q, want dst back and no key", body, key)
			}
		})
	}
}

// The subscription is left out when its contact cell is empty; subscriptions when none is left.
func TestConvertSubscriptionLeftOut(t *testing.T) {
	const text = `db_id: 5
fields:
  email: E-mail
subscriptions:
  - { channel: sms, resource_id: 1, phone: { column: Phone, region: RU } }
  - { channel: whatsapp, resource_id: 1, cc_data: { phone: { column: Phone, region: RU } } }
`
	b := mustBind(t, mustParse(t, text), "E-mail", "Phone")
	body, _, err := b.Convert(nil, []string{"a@b.ru", " "})
	if want := `{"db_id":5,"matching":"email","email":"a@b.ru","data":{"email":"a@b.ru"}}`; err != nil || string(body) != want {
		t.Errorf("got %s, %v\nwant %s", body, err, want)
	}
}

func TestConvertEmailPhoneEither(t *testing.T) {
	m := mustParse(t, "db_id: 5\nmatching: email_phone\nfields:\n  email: E\n  phones: { column: P, region: RU }\n")
	b := mustBind(t, m, "E", "P")
	body, key, err := b.Convert(nil, []string{"", "89001234567"})
	if err != nil || key != "+79001234567" || !bytes.Contains(body, []byte(`"phone":"+79001234567"`)) {
		t.Errorf("got %s %q %v", body, key, err)
	}
	_, _, err = b.Convert(nil, []string{"", ""})
	var re *RowError
	if !errors.As(err, &re) || re.Code != CodeMissingKey || re.Error() != `empty matching key: columns "E" and "P" are both empty` {
		t.Errorf("got %v", err)
	}
}

// TestGolden converts testdata/realistic.csv with testdata/realistic.yaml; the bodies (or the rows'
// errors) are in testdata/realistic.golden. Run with -update to rewrite it.
func TestGolden(t *testing.T) {
	m, err := Load("testdata/realistic.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/realistic.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = ';'
	records, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	b := mustBind(t, m, records[0]...)
	var out bytes.Buffer
	for i, rec := range records[1:] {
		body, key, err := b.Convert(nil, rec)
		if err != nil {
			var re *RowError
			if !errors.As(err, &re) {
				t.Fatalf("row %d: %v is not a *RowError", i+2, err)
			}
			fmt.Fprintf(&out, "row %d: %s: %s\n", i+2, re.Code, re.Error())
			continue
		}
		if !json.Valid(body) {
			t.Errorf("row %d: invalid JSON %s", i+2, body)
		}
		fmt.Fprintf(&out, "row %d: key %s\n%s\n", i+2, key, body)
	}
	testutil.Golden(t, "testdata/realistic.golden", out.Bytes())
}

// Many goroutines share one Binder; run with -race.
func TestConvertConcurrent(t *testing.T) {
	m, err := Load("testdata/realistic.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b := mustBind(t, m, benchHeader...)
	want, _, err := b.Convert(nil, benchRow)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			var buf []byte
			for range 200 {
				body, _, err := b.Convert(buf[:0], benchRow)
				if err != nil || !bytes.Equal(body, want) {
					t.Errorf("got %s, %v", body, err)
					return
				}
				buf = body
			}
		})
	}
	wg.Wait()
}

func TestRowErrorText(t *testing.T) {
	e := &RowError{Code: CodeInvalidValue, Cells: []CellError{
		{Column: "Birthday", Value: "31.02.1990", Reason: "not a date in the form DD.MM.YYYY"},
		{Column: "Phone", Value: "8 900", Reason: "not a valid phone number (region RU)"},
	}}
	want := `column "Birthday": "31.02.1990" is not a date in the form DD.MM.YYYY; column "Phone": "8 900" is not a valid phone number (region RU)`
	if e.Error() != want || strings.Contains(e.Error(), "\n") {
		t.Errorf("got %q", e.Error())
	}
}

// TestBlank: blank answers as strings.TrimSpace(s) == "" does, spaces outside ASCII and invalid
// UTF-8 included.
func TestBlank(t *testing.T) {
	cases := []string{"", " ", "\t\n\v\f\r ", "x", " x ", "Иван", " \u00a0", "\u0085", "\u2003\u3000", "\u200b",
		"\xff", " \xff", "\xc2", "\u00a0x", "  \u1680", "\x00", "\x1c"}
	for r := rune(0); r < 0x3100; r++ {
		cases = append(cases, string(r), " "+string(r)+" ")
	}
	for _, s := range cases {
		if got, want := blank(s), strings.TrimSpace(s) == ""; got != want {
			t.Errorf("blank(%q) = %v, want %v", s, got, want)
		}
	}
}
