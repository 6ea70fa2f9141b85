package altcraft

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		Name       string
		Status     int
		RetryAfter string
		Body       string
		Kind       Kind
		Code       RejectCode
		ProfileID  string
		APICode    int
	}{
		{Name: "success", Status: 200, Body: `{"error":0,"error_text":"Successful operation","profile_id":"5f4fa1a5ce9448665fef548e"}`, Kind: OK, ProfileID: "5f4fa1a5ce9448665fef548e"},
		{Name: "API error in a 200 body", Status: 200, Body: `{"error":400,"error_text":"Invalid email"}`, Kind: Rejected, Code: "api_400"},
		{Name: "API error with its HTTP status", Status: 400, Body: `{"error":400,"error_text":"Invalid email"}`, Kind: Rejected, Code: "api_400"},
		{Name: "unlisted API error kept as reported", Status: 200, Body: `{"error":1234,"error_text":"Something"}`, Kind: Rejected, Code: "api_1234"},
		{Name: "token required stops the run", Status: 401, Body: `{"error":401,"error_text":"API token required"}`, Kind: Fatal, APICode: 401},
		{Name: "tariff limit in a 200 body stops the run", Status: 200, Body: `{"error":402,"error_text":"Tariff limit"}`, Kind: Fatal, APICode: 402},
		{Name: "invalid token stops the run", Status: 403, Body: `{"error":403,"error_text":"Invalid token"}`, Kind: Fatal, APICode: 403},
		{Name: "unknown database stops the run", Status: 404, Body: `{"error":404,"error_text":"Database 7 not found"}`, Kind: Fatal, APICode: 404},
		{Name: "more than one profile matches rejects the row", Status: 409, Body: `{"error":409,"error_text":"More than one profile matches"}`, Kind: Rejected, Code: "api_409"},
		{Name: "unknown resource rejects the row", Status: 404, Body: `{"error":404,"error_text":"Resource 3 not found"}`, Kind: Rejected, Code: "api_404"},
		{Name: "429 with Retry-After", Status: 429, RetryAfter: "3", Body: `{"error":429,"error_text":"Too many requests"}`, Kind: Transient, Code: "http_429"},
		{Name: "5xx with a JSON body is still transient", Status: 503, Body: `{"error":400,"error_text":"proxy says no"}`, Kind: Transient, Code: "http_503"},
		{Name: "proxy HTML 502", Status: 502, Body: `<html><body>Bad Gateway</body></html>`, Kind: Transient, Code: "http_502"},
		{Name: "non-JSON 400", Status: 400, Body: `bad request`, Kind: Rejected, Code: "http_400"},
		{Name: "non-JSON 403 from a proxy stops the run", Status: 403, Body: `Forbidden`, Kind: Fatal, APICode: 403},
		{Name: "invalid JSON on 200 is retried", Status: 200, Body: `{"error":0,`, Kind: Transient, Code: "http_200_invalid"},
		{Name: "a redirect is not followed", Status: 302, Body: ``, Kind: Rejected, Code: "http_302"},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			a := classify(tc.Status, tc.RetryAfter, []byte(tc.Body))
			if a.Kind != tc.Kind || a.Code != tc.Code || a.ProfileID != tc.ProfileID {
				t.Fatalf("classify = %+v, want kind %v code %q profile %q", a, tc.Kind, tc.Code, tc.ProfileID)
			}
			if tc.APICode != 0 {
				var ae *APIError
				if !errors.As(a.Err, &ae) || ae.Code != tc.APICode {
					t.Fatalf("Err = %v, want *APIError %d", a.Err, tc.APICode)
				}
			}
			if a.RateLimited != (tc.Status == 429) {
				t.Errorf("RateLimited = %v for HTTP %d", a.RateLimited, tc.Status)
			}
			if tc.RetryAfter == "3" && a.RetryAfter != 3*time.Second {
				t.Errorf("RetryAfter = %v, want 3s", a.RetryAfter)
			}
		})
	}
}

func TestPlainSuccess(t *testing.T) {
	tests := []struct {
		Name string
		Body string
		ID   string
		OK   bool
	}{
		{Name: "the usual answer", Body: `{"error":0,"error_text":"Successful operation","profile_id":"5f4fa1a5ce9448665fef548e"}`, ID: "5f4fa1a5ce9448665fef548e", OK: true},
		{Name: "trailing newline", Body: "{\"error\":0,\"error_text\":\"ok\",\"profile_id\":\"abc\"}\n", ID: "abc", OK: true},
		{Name: "spaces: left to encoding/json", Body: `{"error": 0, "error_text": "ok", "profile_id": "abc"}`},
		{Name: "other order", Body: `{"error":0,"profile_id":"abc","error_text":"ok"}`},
		{Name: "escape in the text", Body: `{"error":0,"error_text":"a\"b","profile_id":"abc"}`},
		{Name: "escape in the id", Body: `{"error":0,"error_text":"ok","profile_id":"a\u0062c"}`},
		{Name: "more keys", Body: `{"error":0,"error_text":"ok","profile_id":"abc","x":1}`},
		{Name: "an error", Body: `{"error":400,"error_text":"bad","profile_id":""}`},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			id, ok := plainSuccess([]byte(tc.Body))
			if id != tc.ID || ok != tc.OK {
				t.Errorf("plainSuccess = %q, %v; want %q, %v", id, ok, tc.ID, tc.OK)
			}
			// Whatever the fast path does, classify agrees with encoding/json.
			var ab Answer
			if json.Unmarshal([]byte(tc.Body), &ab) == nil && ab.Error != nil && *ab.Error == 0 {
				if a := classify(200, "", []byte(tc.Body)); a.Kind != OK || a.ProfileID != ab.ProfileID {
					t.Errorf("classify = %+v, want OK with %q", a, ab.ProfileID)
				}
			}
		})
	}
}

func FuzzPlainSuccess(f *testing.F) {
	f.Add(`{"error":0,"error_text":"Successful operation","profile_id":"5f4fa1a5ce9448665fef548e"}`)
	f.Add(`{"error":0,"error_text":"","profile_id":""}`)
	f.Fuzz(func(t *testing.T, body string) {
		id, ok := plainSuccess([]byte(body))
		if !ok {
			return
		}
		var ab Answer
		if err := json.Unmarshal([]byte(body), &ab); err != nil || ab.Error == nil || *ab.Error != 0 || ab.ProfileID != id {
			t.Fatalf("plainSuccess(%q) = %q, but encoding/json says %+v, %v", body, id, ab, err)
		}
	})
}

func TestClassifyBatch(t *testing.T) {
	tests := []struct {
		Name   string
		Status int
		Body   string
		N      int
		Kind   Kind
		Code   RejectCode
		Items  []ItemResult
	}{
		{Name: "each item its outcome, in order", Status: 200, N: 3,
			Body: `{"error":0,"error_text":"Successful operation","result":[{"error":0,"error_text":"","profile_id":"a"},{"error":400,"error_text":"Invalid value of field \"email\": \"x\""},{"error":409,"error_text":"More than one profile matches"}]}`,
			Kind: OK, Items: []ItemResult{{Kind: OK, ProfileID: "a"}, {Kind: Rejected, Code: "api_400", Reason: `Invalid value of field "email": "x"`}, {Kind: Rejected, Code: "api_409", Reason: "More than one profile matches"}}},
		{Name: "fewer results than profiles is retried", Status: 200, N: 2, Body: `{"error":0,"error_text":"","result":[{"error":0,"profile_id":"a"}]}`, Kind: Transient, Code: "http_200_invalid"},
		{Name: "a single answer to a batch is retried", Status: 200, N: 1, Body: `{"error":0,"error_text":"","profile_id":"a"}`, Kind: Transient, Code: "http_200_invalid"},
		{Name: "an error of the whole batch rejects it", Status: 400, N: 2, Body: `{"error":400,"error_text":"Request body exceeds 10485760 bytes"}`, Kind: Rejected, Code: "api_400"},
		{Name: "a run-wide error of the batch stops the run", Status: 403, N: 2, Body: `{"error":403,"error_text":"Invalid token"}`, Kind: Fatal},
		{Name: "429 is transient", Status: 429, N: 2, Body: `{"error":429,"error_text":"Too many requests"}`, Kind: Transient, Code: "http_429"},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			r := classifyBatch(tc.Status, "", []byte(tc.Body), tc.N)
			if r.Kind != tc.Kind || r.Code != tc.Code || len(r.Items) != len(tc.Items) {
				t.Fatalf("classifyBatch = %+v", r)
			}
			for i, want := range tc.Items {
				if got := r.Items[i]; got.Kind != want.Kind || got.ProfileID != want.ProfileID || got.Code != want.Code || got.Reason != want.Reason {
					t.Errorf("item %d = %+v, want %+v", i, got, want)
				}
			}
		})
	}
	r := classifyBatch(200, "", []byte(`{"error":0,"result":[{"error":402,"error_text":"Tariff limit"}]}`), 1)
	var ae *APIError
	if r.Kind != OK || r.Items[0].Kind != Fatal || !errors.As(r.Items[0].Err, &ae) || ae.Code != 402 {
		t.Errorf("a run-wide item: %+v", r)
	}
}

// A URL without a host is refused in the words importer.CheckURL uses.
func TestNewClientRefusesANonBaseURL(t *testing.T) {
	_, err := NewClient(Options{URL: "example.com"})
	var ue *URLError
	if !errors.As(err, &ue) || err.Error() != `--url "example.com" is not a base URL such as https://example.com` {
		t.Errorf("NewClient: %v", err)
	}
}
