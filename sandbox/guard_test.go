package sandbox_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/acimport/acimport/sandbox"
)

func TestInspectionNeedsToken(t *testing.T) {
	ts, _ := newServer(t, sandbox.Config{Token: "secret"})
	open, _ := newServer(t, sandbox.Config{})
	tests := []struct {
		Name   string
		Base   string
		Path   string
		Header string
		Status int
	}{
		{"profiles without the token", ts.URL, "/sandbox/profiles", "", 401},
		{"stats without the token", ts.URL, "/sandbox/stats", "", 401},
		{"profiles with a wrong token", ts.URL, "/sandbox/profiles", "Bearer nope", 403},
		{"profiles with the token", ts.URL, "/sandbox/profiles", "Bearer secret", 200},
		{"stats with the token", ts.URL, "/sandbox/stats", "Bearer secret", 200},
		{"no token configured: open", open.URL, "/sandbox/profiles", "", 200},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, tc.Base+tc.Path, nil)
			if tc.Header != "" {
				req.Header.Set("Authorization", tc.Header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.Status {
				t.Errorf("%s, want %d", resp.Status, tc.Status)
			}
		})
	}
}

func TestCheckListen(t *testing.T) {
	tests := []struct {
		Addr   string
		Token  string
		Public bool
		OK     bool
	}{
		{"127.0.0.1:8765", "", false, true},
		{"localhost:8765", "", false, true},
		{"api.localhost:8765", "", false, false}, // the resolver decides where it goes
		{"[::1]:8765", "", false, true},
		{"0.0.0.0:8765", "", false, false},
		{":8765", "", false, false},
		{"10.1.2.3:8765", "", false, false},
		{"0.0.0.0:8765", "T", false, true},
		{"0.0.0.0:8765", "", true, true},
	}
	for _, tc := range tests {
		err := sandbox.CheckListen(tc.Addr, tc.Token, tc.Public)
		if (err == nil) != tc.OK || (err != nil && !errors.Is(err, sandbox.ErrPublic)) {
			t.Errorf("CheckListen(%q, token %q, public %v) = %v", tc.Addr, tc.Token, tc.Public, err)
		}
	}
}
