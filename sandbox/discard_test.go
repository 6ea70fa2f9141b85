package sandbox_test

import (
	"net/http"
	"testing"

	"github.com/acimport/acimport/sandbox"

	"github.com/acimport/acimport/internal/altcraft"
)

func TestDiscardCreatesWithTheStoresID(t *testing.T) {
	tests := []struct {
		Name string
		Req  obj
	}{
		{Name: "email", Req: obj{"email": "Ann@Example.io", "data": obj{"_fname": "Ann"}}},
		{Name: "phone", Req: obj{"matching": "phone", "phone": "+79001234567"}},
		{Name: "custom", Req: obj{"matching": "custom", "field_name": "CRM_ID", "field_value": 12345}},
		{Name: "email_phone", Req: obj{"matching": "email_phone", "email": "n@example.io", "phone": "+79007654321"}},
		{Name: "email_phone_sub by phone", Req: obj{"matching": "email_phone_sub", "resource_id": 1, "phone": "+79007654321"}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			req := with(obj{"token": "t", "db_id": 3}, tt.Req)
			storing, _ := newServer(t, sandbox.Config{})
			want := post(t, storing.Client(), storing.URL, req)
			ts, s := newServer(t, sandbox.Config{Discard: true})
			a := post(t, ts.Client(), ts.URL, req)
			if a.Status != http.StatusOK || a.Error != 0 || a.ErrorText != altcraft.SuccessText || !profileIDPattern.MatchString(a.ProfileID) {
				t.Fatalf("got %d %s", a.Status, a.Body)
			}
			if a.Body != want.Body {
				t.Errorf("discard answered %s, a store %s", a.Body, want.Body)
			}
			if st := s.Stats(); st != (sandbox.Stats{Requests: 1, Created: 1}) {
				t.Errorf("stats %+v", st)
			}
			if p := s.Profiles(); len(p) != 0 {
				t.Errorf("%d profiles kept: %+v", len(p), p)
			}
		})
	}
}

func TestDiscardSameKeyTwice(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{Discard: true})
	c := ts.Client()
	first := post(t, c, ts.URL, obj{"token": "t", "db_id": 1, "email": "a@example.io", "data": obj{"_fname": "A"}})
	second := post(t, c, ts.URL, obj{"token": "t", "db_id": 1, "email": "A@example.io", "data": obj{"_lname": "B"}})
	if first.Status != http.StatusOK || second.Status != http.StatusOK {
		t.Fatalf("got %s and %s", first.Body, second.Body)
	}
	if second.ProfileID != first.ProfileID {
		t.Errorf("the same key got ids %s and %s", first.ProfileID, second.ProfileID)
	}
	other := post(t, c, ts.URL, obj{"token": "t", "db_id": 2, "email": "a@example.io"})
	if other.ProfileID == first.ProfileID {
		t.Errorf("another database gave the same id %s", other.ProfileID)
	}
	if st := s.Stats(); st != (sandbox.Stats{Requests: 3, Created: 3}) {
		t.Errorf("stats %+v, want every import created", st)
	}
	if p := s.Profiles(); len(p) != 0 {
		t.Errorf("%d profiles kept", len(p))
	}
}

// Discard mode checks a request exactly as the store does: the same answer,
// byte for byte, for every request a fresh store answers.
func TestDiscardAnswersLikeTheStore(t *testing.T) {
	cfg := sandbox.Config{Token: "t", DBs: []int{1}, Resources: []int{1}}
	base := obj{"token": "t", "db_id": 1, "email": "a@example.io"}
	tests := []struct {
		Name   string
		Req    any
		Status int
	}{
		{Name: "valid", Req: with(base, obj{"data": obj{"_fname": "A", "CRM_ID": 5}}), Status: 200},
		{Name: "not JSON", Req: `{"token":`, Status: 400},
		{Name: "wrong token", Req: with(base, obj{"token": "guess"}), Status: 403},
		{Name: "no token", Req: with(base, obj{"token": nil}), Status: 401},
		{Name: "db_id missing", Req: with(base, obj{"db_id": nil}), Status: 400},
		{Name: "unknown database", Req: with(base, obj{"db_id": 2}), Status: 404},
		{Name: "unknown resource", Req: with(base, obj{"matching": "email_sub", "resource_id": 2}), Status: 404},
		{Name: "unknown matching mode", Req: with(base, obj{"matching": "fax"}), Status: 400},
		{Name: "email key invalid", Req: with(base, obj{"email": "a@"}), Status: 400},
		{Name: "custom field_value missing", Req: with(base, obj{"matching": "custom", "field_name": "CRM_ID"}), Status: 400},
		{Name: "profile_id key missing", Req: with(base, obj{"matching": "profile_id"}), Status: 400},
		{Name: "impossible birth date", Req: with(base, obj{"data": obj{"_bdate": "1990-02-31"}}), Status: 400},
		{Name: "unknown system field", Req: with(base, obj{"data": obj{"_shoe_size": 42}}), Status: 400},
		{Name: "bad subscription", Req: with(base, obj{"data": obj{"subscriptions": []any{obj{"channel": "fax", "resource_id": 1}}}}), Status: 400},
		{Name: "subscription to an unknown resource", Req: with(base, obj{"data": obj{"subscriptions": []any{obj{"channel": "email", "resource_id": 2, "email": "a@example.io"}}}}), Status: 404},
		{Name: "skipped bad subscription", Req: with(base, obj{"skip_invalid_subscriptions": true, "data": obj{"subscriptions": []any{obj{"channel": "fax", "resource_id": 1}}}}), Status: 200},
		{Name: "missing profile_id", Req: with(base, obj{"matching": "profile_id", "profile_id": "0123456789abcdef01234567"}), Status: 404},
	}
	ts, s := newServer(t, discarding(cfg))
	var want sandbox.Stats
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			storing, _ := newServer(t, cfg)
			w := post(t, storing.Client(), storing.URL, tt.Req)
			a := post(t, ts.Client(), ts.URL, tt.Req)
			if w.Status != tt.Status {
				t.Fatalf("the store answered %d %s, want %d", w.Status, w.Body, tt.Status)
			}
			if a.Status != w.Status || a.Body != w.Body || a.Header.Get("Content-Type") != w.Header.Get("Content-Type") {
				t.Errorf("discard answered %d %s, the store %d %s", a.Status, a.Body, w.Status, w.Body)
			}
		})
		want.Requests++
		if tt.Status == 200 {
			want.Created++
		} else {
			want.Rejected++
		}
	}
	if st := s.Stats(); st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	if p := s.Profiles(); len(p) != 0 {
		t.Errorf("%d profiles kept", len(p))
	}
}

func discarding(cfg sandbox.Config) sandbox.Config {
	cfg.Discard = true
	return cfg
}

func TestDiscardProfileIDMatching(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{Discard: true})
	c := ts.Client()
	created := post(t, c, ts.URL, obj{"token": "t", "db_id": 1, "email": "a@example.io"})
	if created.Status != http.StatusOK {
		t.Fatalf("create: %s", created.Body)
	}
	a := post(t, c, ts.URL, obj{"token": "t", "db_id": 1, "matching": "profile_id", "profile_id": created.ProfileID, "data": obj{"_lname": "B"}})
	if a.Status != http.StatusNotFound || a.Error != http.StatusNotFound || a.ErrorText != "Profile not found" {
		t.Errorf("profile_id of an answered profile: %d %s, want 404 Profile not found", a.Status, a.Body)
	}
	if st := s.Stats(); st != (sandbox.Stats{Requests: 2, Created: 1, Rejected: 1}) {
		t.Errorf("stats %+v", st)
	}
}

func TestDiscardProfilesEndpointIsEmpty(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{Discard: true})
	c := ts.Client()
	post(t, c, ts.URL, obj{"token": "t", "db_id": 2, "email": "a@example.io", "data": obj{"CRM_ID": 7}})
	post(t, c, ts.URL, obj{"token": "t", "db_id": 1, "matching": "phone", "phone": "+79001234567"})
	post(t, c, ts.URL, obj{"token": "t", "db_id": 1, "matching": "custom", "field_name": "CRM_ID", "field_value": 7})

	var profiles map[string]any
	getJSON(t, ts.URL+"/sandbox/profiles", &profiles)
	if got := shortJSONOf(profiles); got != `{"profiles":[]}` {
		t.Errorf("profiles answer %s", got)
	}
	var stats map[string]any
	getJSON(t, ts.URL+"/sandbox/stats", &stats)
	if got := shortJSONOf(stats); got != `{"created":3,"faults":0,"lost":0,"rejected":0,"replayed":0,"requests":3,"updated":0}` {
		t.Errorf("stats %s", got)
	}
	if p := s.Profiles(); len(p) != 0 {
		t.Errorf("%d profiles kept", len(p))
	}
}

func TestDiscardKeepsFaults(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{Discard: true, FailRate: 1})
	a := post(t, ts.Client(), ts.URL, obj{"token": "t", "db_id": 1, "email": "a@example.io"})
	if a.Status < 500 {
		t.Errorf("got %d %s, want an injected 5xx", a.Status, a.Body)
	}
	if st := s.Stats(); st != (sandbox.Stats{Requests: 1, Faults: 1}) {
		t.Errorf("stats %+v", st)
	}
}
