package sandbox_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/acimport/acimport/sandbox"

	"github.com/acimport/acimport/internal/altcraft"
)

var profileIDPattern = regexp.MustCompile(`^[0-9a-f]{24}$`)

func TestMatchingModes(t *testing.T) {
	tests := []struct {
		Name     string
		Create   obj
		Update   obj
		WantData obj // a subset of the stored data after both requests
	}{
		{
			Name:     "email",
			Create:   obj{"email": "Ann@Example.io", "data": obj{"_fname": "Ann", "CRM_ID": 1}},
			Update:   obj{"email": "ann@example.IO", "data": obj{"_lname": "Lee"}},
			WantData: obj{"email": "Ann@Example.io", "_fname": "Ann", "_lname": "Lee", "CRM_ID": 1.0},
		},
		{
			Name:     "email is the default",
			Create:   obj{"email": "bob@example.io", "data": obj{"_fname": "Bob"}},
			Update:   obj{"matching": "email", "email": "bob@example.io", "data": obj{"_fname": "Robert"}},
			WantData: obj{"email": "bob@example.io", "_fname": "Robert"},
		},
		{
			Name:     "email_profile",
			Create:   obj{"matching": "email_profile", "email": "c@example.io", "data": obj{"_fname": "C"}},
			Update:   obj{"matching": "email_profile", "email": "C@example.io", "data": obj{"_city": "Omsk"}},
			WantData: obj{"email": "c@example.io", "_fname": "C", "_city": "Omsk"},
		},
		{
			Name:     "email_sub",
			Create:   obj{"matching": "email_sub", "resource_id": 1, "email": "d@example.io", "data": obj{"_fname": "D"}},
			Update:   obj{"matching": "email_sub", "resource_id": 1, "email": "d@example.io", "data": obj{"_city": "Kazan"}},
			WantData: obj{"email": "d@example.io", "_fname": "D", "_city": "Kazan"},
		},
		{
			Name:     "phone",
			Create:   obj{"matching": "phone", "phone": "+79001234567", "data": obj{"_fname": "E"}},
			Update:   obj{"matching": "phone", "phone": "+79001234567", "data": obj{"_sex": "female"}},
			WantData: obj{"phones": []any{"+79001234567"}, "_fname": "E", "_sex": "female"},
		},
		{
			Name:     "phone_sub",
			Create:   obj{"matching": "phone_sub", "resource_id": 2, "phone": "+15551234567", "data": obj{"_fname": "F"}},
			Update:   obj{"matching": "phone_sub", "resource_id": 2, "phone": "+15551234567", "data": obj{"_lname": "G"}},
			WantData: obj{"phones": []any{"+15551234567"}, "_fname": "F", "_lname": "G"},
		},
		{
			Name:     "custom with a string value",
			Create:   obj{"matching": "custom", "field_name": "CRM_ID", "field_value": "A-17", "data": obj{"_fname": "H"}},
			Update:   obj{"matching": "custom", "field_name": "CRM_ID", "field_value": "A-17", "data": obj{"_lname": "I"}},
			WantData: obj{"CRM_ID": "A-17", "_fname": "H", "_lname": "I"},
		},
		{
			Name:     "custom with a numeric value matches its text",
			Create:   obj{"matching": "custom", "field_name": "CRM_ID", "field_value": 12345, "data": obj{"_fname": "J"}},
			Update:   obj{"matching": "custom", "field_name": "CRM_ID", "field_value": "12345", "data": obj{"_lname": "K"}},
			WantData: obj{"CRM_ID": 12345.0, "_fname": "J", "_lname": "K"},
		},
		{
			Name:     "custom_sub",
			Create:   obj{"matching": "custom_sub", "resource_id": 1, "field_name": "card", "field_value": 77, "data": obj{"_fname": "L"}},
			Update:   obj{"matching": "custom_sub", "resource_id": 1, "field_name": "card", "field_value": 77.0, "data": obj{"_lname": "M"}},
			WantData: obj{"card": 77.0, "_fname": "L", "_lname": "M"},
		},
		{
			Name:     "email_phone falls back to the phone",
			Create:   obj{"matching": "email_phone", "email": "n@example.io", "phone": "+79007654321", "data": obj{"_fname": "N"}},
			Update:   obj{"matching": "email_phone", "phone": "+79007654321", "data": obj{"_lname": "O"}},
			WantData: obj{"email": "n@example.io", "phones": []any{"+79007654321"}, "_fname": "N", "_lname": "O"},
		},
		{
			Name:     "email_phone_sub",
			Create:   obj{"matching": "email_phone_sub", "resource_id": 1, "email": "p@example.io", "data": obj{"_fname": "P"}},
			Update:   obj{"matching": "email_phone_sub", "resource_id": 1, "email": "P@example.io", "phone": "+79000000001", "data": obj{"_lname": "Q"}},
			WantData: obj{"email": "p@example.io", "_fname": "P", "_lname": "Q"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			ts, s := newServer(t, sandbox.Config{})
			base := obj{"token": "t", "db_id": 3}
			first := post(t, ts.Client(), ts.URL, with(base, tt.Create))
			if first.Status != http.StatusOK || first.Error != 0 {
				t.Fatalf("create: %d %s", first.Status, first.Body)
			}
			if first.ErrorText != altcraft.SuccessText || !profileIDPattern.MatchString(first.ProfileID) {
				t.Fatalf("create answer: %s", first.Body)
			}
			second := post(t, ts.Client(), ts.URL, with(base, tt.Update))
			if second.Status != http.StatusOK {
				t.Fatalf("update: %d %s", second.Status, second.Body)
			}
			if second.ProfileID != first.ProfileID {
				t.Errorf("update went to profile %s, want %s", second.ProfileID, first.ProfileID)
			}
			profiles := s.Profiles()
			if len(profiles) != 1 {
				t.Fatalf("%d profiles stored, want 1: %+v", len(profiles), profiles)
			}
			p := profiles[0]
			if p.ProfileID != first.ProfileID || p.DBID != 3 {
				t.Errorf("stored profile %s in db %d", p.ProfileID, p.DBID)
			}
			assertSubset(t, p.Data, tt.WantData)
			if st := s.Stats(); st.Created != 1 || st.Updated != 1 || st.Requests != 2 {
				t.Errorf("stats %+v, want 1 created and 1 updated", st)
			}
		})
	}
}

func assertSubset(t *testing.T, got, want obj) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("data has no %q: %v", k, got)
			continue
		}
		if shortJSONOf(g) != shortJSONOf(w) {
			t.Errorf("data[%q] = %s, want %s", k, shortJSONOf(g), shortJSONOf(w))
		}
	}
}

func TestProfileIDMatching(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{})
	c := ts.Client()
	created := post(t, c, ts.URL, obj{"token": "t", "db_id": 1, "email": "a@example.io", "data": obj{"_fname": "A"}})
	if created.Status != http.StatusOK {
		t.Fatalf("create: %s", created.Body)
	}

	tests := []struct {
		Name      string
		ProfileID string
		Status    int
		Text      string
	}{
		{Name: "existing profile is updated", ProfileID: created.ProfileID, Status: 200, Text: altcraft.SuccessText},
		{Name: "missing profile is not created", ProfileID: "0123456789abcdef01234567", Status: 404, Text: "Profile not found"},
		{Name: "profile of another database", ProfileID: created.ProfileID, Status: 404, Text: "Profile not found"},
	}
	for i, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			db := 1
			if i == 2 {
				db = 2
			}
			a := post(t, c, ts.URL, obj{"token": "t", "db_id": db, "matching": "profile_id", "profile_id": tt.ProfileID, "data": obj{"_lname": "B"}})
			wantError := tt.Status
			if wantError == http.StatusOK {
				wantError = 0
			}
			if a.Status != tt.Status || a.Error != wantError || a.ErrorText != tt.Text {
				t.Fatalf("got %d %s, want %d %q", a.Status, a.Body, tt.Status, tt.Text)
			}
			if tt.Status == 200 && a.ProfileID != tt.ProfileID {
				t.Errorf("answered profile %s, want %s", a.ProfileID, tt.ProfileID)
			}
		})
	}
	profiles := s.Profiles()
	if len(profiles) != 1 {
		t.Fatalf("%d profiles, want 1", len(profiles))
	}
	assertSubset(t, profiles[0].Data, obj{"email": "a@example.io", "_fname": "A", "_lname": "B"})
	if st := s.Stats(); st != (sandbox.Stats{Requests: 4, Created: 1, Updated: 1, Rejected: 2}) {
		t.Errorf("stats %+v", st)
	}
}

func TestProfileIDIsStable(t *testing.T) {
	// The id depends on the database and the key only, so two servers given
	// the same rows agree, and an update never changes it.
	ids := make([]string, 2)
	for i := range ids {
		ts, _ := newServer(t, sandbox.Config{})
		for _, email := range []string{"x@example.io", "y@example.io", "X@example.io"} {
			ids[i] = post(t, ts.Client(), ts.URL, obj{"token": "t", "db_id": 9, "email": email}).ProfileID
		}
	}
	if ids[0] != ids[1] || !profileIDPattern.MatchString(ids[0]) {
		t.Errorf("profile ids %q", ids)
	}
}

func TestValidation(t *testing.T) {
	base := obj{"token": "t", "db_id": 1, "email": "a@example.io"}
	data := func(d obj) obj { return with(base, obj{"data": d}) }
	sub := func(s ...any) obj { return data(obj{"subscriptions": s}) }
	tests := []struct {
		Name   string
		Req    obj
		Status int
		Text   string // a substring of error_text; "" for success
	}{
		// Matching.
		{Name: "unknown matching mode", Req: with(base, obj{"matching": "fax"}), Status: 400, Text: `Unknown matching mode "fax"`},
		{Name: "unknown sub mode", Req: with(base, obj{"matching": "fax_sub"}), Status: 400, Text: `Unknown matching mode "fax_sub"`},
		{Name: "unused key is not checked", Req: with(base, obj{"phone": "8-900"}), Status: 200},
		{Name: "push_sub is not supported", Req: with(base, obj{"matching": "push_sub", "resource_id": 1}), Status: 400, Text: "push_sub"},
		{Name: "email key missing", Req: with(base, obj{"email": nil}), Status: 400, Text: `"email" is required`},
		{Name: "email key invalid", Req: with(base, obj{"email": "a@"}), Status: 400, Text: `Invalid value of field "email": "a@"`},
		{Name: "phone key missing", Req: with(base, obj{"matching": "phone"}), Status: 400, Text: `"phone" is required`},
		{Name: "phone key national", Req: with(base, obj{"matching": "phone", "phone": "89001234567"}), Status: 400, Text: `Invalid value of field "phone"`},
		{Name: "email_phone keys missing", Req: with(base, obj{"matching": "email_phone", "email": nil}), Status: 400, Text: `"email" is required`},
		{Name: "profile_id key missing", Req: with(base, obj{"matching": "profile_id"}), Status: 400, Text: `"profile_id" is required`},
		{Name: "custom field_name missing", Req: with(base, obj{"matching": "custom", "field_value": 1}), Status: 400, Text: `"field_name" is required`},
		{Name: "custom field_value missing", Req: with(base, obj{"matching": "custom", "field_name": "CRM_ID"}), Status: 400, Text: `"field_value" is required`},
		{Name: "custom field_value bool", Req: with(base, obj{"matching": "custom", "field_name": "CRM_ID", "field_value": true}), Status: 400, Text: `Invalid value of field "field_value": true`},
		{Name: "custom field_name system", Req: with(base, obj{"matching": "custom", "field_name": "_fname", "field_value": "x"}), Status: 400, Text: `Invalid value of field "field_name"`},
		{Name: "sub mode without resource", Req: with(base, obj{"matching": "email_sub"}), Status: 400, Text: `"resource_id" is required for matching "email_sub"`},
		{Name: "db_id missing", Req: with(base, obj{"db_id": nil}), Status: 400, Text: `"db_id" is required`},
		{Name: "db_id not a number", Req: with(base, obj{"db_id": "1"}), Status: 400, Text: `Invalid value of field "db_id"`},
		{Name: "data not an object", Req: with(base, obj{"data": []any{1}}), Status: 400, Text: `Invalid value of field "data"`},

		// Profile fields.
		{Name: "data email", Req: data(obj{"email": "not-an-email"}), Status: 400, Text: `Invalid value of field "email": "not-an-email"`},
		{Name: "phones not a list", Req: data(obj{"phones": "+79001234567"}), Status: 400, Text: `Invalid value of field "phones": "+79001234567"`},
		{Name: "phones national form", Req: data(obj{"phones": []any{"89001234567"}}), Status: 400, Text: `Invalid value of field "phones": "89001234567"`},
		{Name: "phones too short", Req: data(obj{"phones": []any{"+123456"}}), Status: 400, Text: `"+123456"`},
		{Name: "phones not strings", Req: data(obj{"phones": []any{79001234567}}), Status: 400, Text: `Invalid value of field "phones"`},
		{Name: "impossible birth date", Req: data(obj{"_bdate": "1990-02-31"}), Status: 400, Text: `Invalid value of field "_bdate": "1990-02-31"`},
		{Name: "birth date in another format", Req: data(obj{"_bdate": "31.12.1990"}), Status: 400, Text: `"_bdate"`},
		{Name: "registration date garbage", Req: data(obj{"_regdate": "yesterday"}), Status: 400, Text: `Invalid value of field "_regdate": "yesterday"`},
		{Name: "date as a number", Req: data(obj{"_bdate": 19900101}), Status: 400, Text: `Invalid value of field "_bdate": 19900101`},
		{Name: "empty ip", Req: data(obj{"_ip": ""}), Status: 400, Text: `Invalid value of field "_ip": ""`},
		{Name: "ipv6", Req: data(obj{"_ip": "::1"}), Status: 400, Text: `Invalid value of field "_ip": "::1"`},
		{Name: "registration ip out of range", Req: data(obj{"_regip": "300.1.1.1"}), Status: 400, Text: `"_regip"`},
		{Name: "sex", Req: data(obj{"_sex": "m"}), Status: 400, Text: `Invalid value of field "_sex": "m"`},
		{Name: "country of three letters", Req: data(obj{"_country": "RUS"}), Status: 400, Text: `Invalid value of field "_country": "RUS"`},
		{Name: "registration country with a digit", Req: data(obj{"_regcountry": "R1"}), Status: 400, Text: `"_regcountry"`},
		{Name: "string field as a number", Req: data(obj{"_fname": 5}), Status: 400, Text: `Invalid value of field "_fname": 5`},
		{Name: "unknown system field", Req: data(obj{"_shoe_size": 42}), Status: 400, Text: `Unknown field "_shoe_size"`},
		{Name: "custom object", Req: data(obj{"prefs": obj{"a": 1}}), Status: 400, Text: `Invalid value of field "prefs"`},
		{Name: "custom list of objects", Req: data(obj{"tags": []any{obj{}}}), Status: 400, Text: `Invalid value of field "tags"`},

		// Subscriptions.
		{Name: "subscriptions not a list", Req: data(obj{"subscriptions": obj{}}), Status: 400, Text: `Invalid value of field "subscriptions"`},
		{Name: "subscription not an object", Req: sub("email"), Status: 400, Text: `Invalid value of field "subscriptions[0]"`},
		{Name: "subscription channel missing", Req: sub(obj{"resource_id": 1}), Status: 400, Text: `"subscriptions[0].channel" is required`},
		{Name: "subscription channel unknown", Req: sub(obj{"channel": "fax", "resource_id": 1}), Status: 400, Text: `Invalid value of field "subscriptions[0].channel": "fax"`},
		{Name: "subscription resource missing", Req: sub(obj{"channel": "email", "email": "a@example.io"}), Status: 400, Text: `"subscriptions[0].resource_id" is required`},
		{Name: "subscription resource a string", Req: sub(obj{"channel": "email", "resource_id": "1", "email": "a@example.io"}), Status: 400, Text: `Invalid value of field "subscriptions[0].resource_id": "1"`},
		{Name: "email subscription without email", Req: sub(obj{"channel": "email", "resource_id": 1}), Status: 400, Text: `"subscriptions[0].email" is required`},
		{Name: "email subscription bad email", Req: sub(obj{"channel": "email", "resource_id": 1, "email": "a@b"}), Status: 400, Text: `Invalid value of field "subscriptions[0].email": "a@b"`},
		{Name: "sms subscription national phone", Req: sub(obj{"channel": "sms", "resource_id": 1, "phone": "8900"}), Status: 400, Text: `Invalid value of field "subscriptions[0].phone"`},
		{Name: "push subscription without provider", Req: sub(obj{"channel": "push", "resource_id": 1, "subscription_id": "x"}), Status: 400, Text: `"subscriptions[0].provider" is required`},
		{Name: "push subscription without id", Req: sub(obj{"channel": "push", "resource_id": 1, "provider": "ios-apns"}), Status: 400, Text: `"subscriptions[0].subscription_id" is required`},
		{Name: "whatsapp without cc_data", Req: sub(obj{"channel": "whatsapp", "resource_id": 1}), Status: 400, Text: `"subscriptions[0].cc_data" is required`},
		{Name: "viber with a bad phone", Req: sub(obj{"channel": "viber", "resource_id": 1, "cc_data": obj{"phone": "123"}}), Status: 400, Text: `Invalid value of field "subscriptions[0].cc_data.phone": "123"`},
		{Name: "telegram without id", Req: sub(obj{"channel": "telegram_bot", "resource_id": 1, "cc_data": obj{}}), Status: 400, Text: `"subscriptions[0].cc_data.id" is required`},
		{Name: "second subscription is named", Req: sub(obj{"channel": "sms", "resource_id": 1, "phone": "+79001234567"}, obj{"channel": "sms", "resource_id": 1}), Status: 400, Text: `"subscriptions[1].phone" is required`},
		{Name: "subscription priority not whole", Req: sub(obj{"channel": "sms", "resource_id": 1, "phone": "+79001234567", "priority": 1.5}), Status: 400, Text: `"subscriptions[0].priority"`},

		// Accepted values.
		{Name: "date and timestamp", Req: data(obj{"_bdate": "2000-02-29", "_regdate": "1990-01-15T12:00:00Z"}), Status: 200},
		{Name: "every string field", Req: data(obj{"_fname": "A", "_lname": "B", "_city": "C", "_region": "D", "_tz": "Europe/Moscow", "_vendor": "E", "_browser": "F", "_regcity": "G", "_regurl": "https://example.io"}), Status: 200},
		{Name: "postal code as number", Req: data(obj{"_postal_code": 630090}), Status: 200},
		{Name: "ips, sex, countries", Req: data(obj{"_ip": "10.0.0.1", "_regip": "192.168.1.1", "_sex": "male", "_country": "RU", "_regcountry": "kz"}), Status: 200},
		{Name: "custom scalars and lists", Req: data(obj{"CRM_ID": 5, "vip": true, "score": 1.5, "tags": []any{"a", 2}}), Status: 200},
		{Name: "null removes a field", Req: data(obj{"_fname": nil, "_shoe": nil}), Status: 400, Text: `Unknown field "_shoe"`},
		{Name: "phones in international form", Req: data(obj{"phones": []any{"+79001234567", "+442071234567"}}), Status: 200},
		{Name: "every channel", Req: sub(
			obj{"channel": "email", "resource_id": 1, "email": "a@example.io", "status": "subscribed", "priority": 2, "cats": []any{"news"}, "custom_fields": obj{"x": 1}},
			obj{"channel": "sms", "resource_id": 1, "phone": "+79001234567"},
			obj{"channel": "push", "resource_id": 1, "provider": "android-firebase", "subscription_id": "tok"},
			obj{"channel": "notify", "resource_id": 1, "cc_data": obj{"phone": "+79001234567"}},
			obj{"channel": "viber", "resource_id": 1, "cc_data": obj{"phone": "+79001234567"}},
			obj{"channel": "whatsapp", "resource_id": 1, "cc_data": obj{"phone": "+79001234567"}},
			obj{"channel": "telegram_bot", "resource_id": 1, "cc_data": obj{"id": 1}},
		), Status: 200},
		{Name: "skip_invalid_subscriptions keeps the profile", Req: with(sub(obj{"channel": "fax", "resource_id": 1}), obj{"skip_invalid_subscriptions": true}), Status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			ts, s := newServer(t, sandbox.Config{})
			a := post(t, ts.Client(), ts.URL, tt.Req)
			wantError := tt.Status
			if wantError == 200 {
				wantError = 0
			}
			if a.Status != tt.Status || a.Error != wantError {
				t.Fatalf("got HTTP %d %s, want %d", a.Status, a.Body, tt.Status)
			}
			if !strings.Contains(a.ErrorText, tt.Text) {
				t.Errorf("error_text %q does not contain %q", a.ErrorText, tt.Text)
			}
			st := s.Stats()
			if tt.Status == 200 && st.Created != 1 || tt.Status != 200 && (st.Rejected != 1 || len(s.Profiles()) != 0) {
				t.Errorf("stats %+v, %d profiles", st, len(s.Profiles()))
			}
		})
	}
}

func TestAuth(t *testing.T) {
	body := obj{"db_id": 1, "email": "a@example.io"}
	tests := []struct {
		Name   string
		Token  string // the server's
		Req    obj
		Header string // Authorization
		Status int
		Text   string
	}{
		{Name: "token in the body", Token: "secret", Req: with(body, obj{"token": "secret"}), Status: 200, Text: altcraft.SuccessText},
		{Name: "token in the header", Token: "secret", Req: body, Header: "Bearer secret", Status: 200, Text: altcraft.SuccessText},
		{Name: "body wins over header", Token: "secret", Req: with(body, obj{"token": "secret"}), Header: "Bearer wrong", Status: 200, Text: altcraft.SuccessText},
		{Name: "any token when none configured", Req: with(body, obj{"token": "whatever"}), Status: 200, Text: altcraft.SuccessText},
		{Name: "no token", Token: "secret", Req: body, Status: 401, Text: "API token required"},
		{Name: "no token when none configured", Req: body, Status: 401, Text: "API token required"},
		{Name: "not a bearer header", Token: "secret", Req: body, Header: "Basic c2VjcmV0", Status: 401, Text: "API token required"},
		{Name: "wrong token in the body", Token: "secret", Req: with(body, obj{"token": "guess"}), Status: 403, Text: "Invalid token"},
		{Name: "wrong token in the header", Token: "secret", Req: body, Header: "Bearer guess", Status: 403, Text: "Invalid token"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			ts, s := newServer(t, sandbox.Config{Token: tt.Token})
			a := post(t, ts.Client(), ts.URL, tt.Req, "Authorization", tt.Header)
			if a.Status != tt.Status || a.ErrorText != tt.Text {
				t.Fatalf("got %d %s, want %d %q", a.Status, a.Body, tt.Status, tt.Text)
			}
			if tt.Status != 200 && (a.Error != tt.Status || s.Stats().Rejected != 1) {
				t.Errorf("error %d, stats %+v", a.Error, s.Stats())
			}
		})
	}
}

func TestDatabasesAndResources(t *testing.T) {
	cfg := sandbox.Config{DBs: []int{5}, Resources: []int{1, 2}}
	base := obj{"token": "t", "db_id": 5, "email": "a@example.io"}
	emailSub := func(rid int) obj {
		return obj{"subscriptions": []any{obj{"channel": "email", "resource_id": rid, "email": "a@example.io"}}}
	}
	tests := []struct {
		Name     string
		Req      obj
		Status   int
		Text     string
		WantSubs int
	}{
		{Name: "existing database", Req: base, Status: 200, Text: altcraft.SuccessText},
		{Name: "unknown database", Req: with(base, obj{"db_id": 7}), Status: 404, Text: "Database 7 not found"},
		{Name: "database zero", Req: with(base, obj{"db_id": 0}), Status: 404, Text: "Database 0 not found"},
		{Name: "existing resource", Req: with(base, obj{"matching": "email_sub", "resource_id": 2}), Status: 200, Text: altcraft.SuccessText},
		{Name: "unknown resource", Req: with(base, obj{"matching": "email_sub", "resource_id": 3}), Status: 404, Text: "Resource 3 not found"},
		{Name: "unknown resource without a sub mode", Req: with(base, obj{"resource_id": 3}), Status: 404, Text: "Resource 3 not found"},
		{Name: "unknown subscription resource", Req: with(base, obj{"data": emailSub(3)}), Status: 404, Text: "Resource 3 not found"},
		{Name: "unknown subscription resource skipped", Req: with(base, obj{"data": emailSub(3), "skip_invalid_subscriptions": true}), Status: 200, Text: altcraft.SuccessText, WantSubs: 0},
		{Name: "existing subscription resource", Req: with(base, obj{"data": emailSub(1)}), Status: 200, Text: altcraft.SuccessText, WantSubs: 1},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			ts, s := newServer(t, cfg)
			a := post(t, ts.Client(), ts.URL, tt.Req)
			if a.Status != tt.Status || a.ErrorText != tt.Text {
				t.Fatalf("got %d %s, want %d %q", a.Status, a.Body, tt.Status, tt.Text)
			}
			if tt.Status == 404 && tt.Text[0] == 'D' && !strings.Contains(strings.ToLower(a.ErrorText), "database") {
				t.Errorf("a missing database must say so: %q", a.ErrorText)
			}
			if tt.Status == 200 {
				subs, _ := s.Profiles()[0].Data["subscriptions"].([]any)
				if len(subs) != tt.WantSubs {
					t.Errorf("%d subscriptions stored, want %d", len(subs), tt.WantSubs)
				}
			}
		})
	}
}

func TestSubscriptionsMerge(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{})
	req := func(subs ...any) obj {
		return obj{"token": "t", "db_id": 1, "email": "a@example.io", "data": obj{"subscriptions": subs}}
	}
	steps := []obj{
		req(
			obj{"channel": "email", "resource_id": 1, "email": "a@example.io", "status": "subscribed"},
			obj{"channel": "sms", "resource_id": 1, "phone": "+79001234567"},
		),
		req(
			obj{"channel": "email", "resource_id": 1, "email": "A@example.io", "status": "unsubscribed"},
			obj{"channel": "email", "resource_id": 2, "email": "a@example.io"},
		),
		{"token": "t", "db_id": 1, "email": "a@example.io", "data": obj{"_fname": "kept"}},
	}
	for i, r := range steps {
		if a := post(t, ts.Client(), ts.URL, r); a.Status != 200 {
			t.Fatalf("step %d: %s", i, a.Body)
		}
	}
	subs := s.Profiles()[0].Data["subscriptions"].([]any)
	if len(subs) != 3 {
		t.Fatalf("%d subscriptions, want 3: %v", len(subs), subs)
	}
	first := subs[0].(map[string]any)
	if first["status"] != "unsubscribed" || first["email"] != "A@example.io" {
		t.Errorf("the first subscription was not replaced: %v", first)
	}
}

func TestUpdateKeepsKeysAndReindexes(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{})
	c := ts.Client()
	steps := []struct {
		Name    string
		Req     obj
		Created bool
	}{
		{Name: "create by custom id", Req: obj{"matching": "custom", "field_name": "CRM_ID", "field_value": 1, "data": obj{"email": "old@example.io"}}, Created: true},
		{Name: "found by its data email", Req: obj{"email": "old@example.io", "data": obj{"email": "new@example.io"}}},
		{Name: "found by the new email", Req: obj{"email": "new@example.io", "data": obj{"CRM_ID": 2}}},
		{Name: "old email is free again", Req: obj{"email": "old@example.io"}, Created: true},
		{Name: "found by the new custom id", Req: obj{"matching": "custom", "field_name": "CRM_ID", "field_value": "2"}},
		{Name: "old custom id is free again", Req: obj{"matching": "custom", "field_name": "CRM_ID", "field_value": 1}, Created: true},
	}
	var firstID string
	for i, st := range steps {
		before := s.Stats().Created
		a := post(t, c, ts.URL, with(obj{"token": "t", "db_id": 1}, st.Req))
		if a.Status != 200 {
			t.Fatalf("%s: %s", st.Name, a.Body)
		}
		if i == 0 {
			firstID = a.ProfileID
		}
		if created := s.Stats().Created > before; created != st.Created {
			t.Errorf("%s: created %v, want %v", st.Name, created, st.Created)
		}
		if !st.Created && a.ProfileID != firstID {
			t.Errorf("%s: profile %s, want %s", st.Name, a.ProfileID, firstID)
		}
	}
}
