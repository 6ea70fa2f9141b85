package altcraft

import (
	"encoding/json"
	"testing"
)

func TestRejectCode(t *testing.T) {
	tests := []struct {
		Name      string
		Code      RejectCode
		Text      string
		Transient bool
	}{
		{Name: "network", Code: RejectNetwork, Text: "network", Transient: true},
		{Name: "a 5xx", Code: RejectHTTP(502), Text: "http_502", Transient: true},
		{Name: "a 429", Code: RejectHTTP(429), Text: "http_429", Transient: true},
		{Name: "a 4xx without the API's answer, never retried", Code: RejectHTTP(400), Text: "http_400"},
		{Name: "a proxy's 413, never retried", Code: RejectHTTP(413), Text: "http_413"},
		{Name: "a redirect, never followed", Code: RejectHTTP(307), Text: "http_307"},
		{Name: "a 503", Code: RejectHTTP(503), Text: "http_503", Transient: true},
		{Name: "a broken proxy's 200", Code: RejectHTTPInvalid(200), Text: "http_200_invalid", Transient: true},
		{Name: "a 204 without the API's answer", Code: RejectHTTPInvalid(204), Text: "http_204_invalid", Transient: true},
		{Name: "the API refused the row", Code: CodeBadRequest.Reject(), Text: "api_400"},
		{Name: "an unlisted API code", Code: Code(1234).Reject(), Text: "api_1234"},
		{Name: "csv", Code: RejectCSV, Text: "csv"},
		{Name: "invalid value", Code: RejectInvalidValue, Text: "invalid_value"},
		{Name: "missing key", Code: RejectMissingKey, Text: "missing_key"},
		{Name: "http_ without a status", Code: "http_", Text: "http_"},
		{Name: "http_ with only _invalid", Code: "http__invalid", Text: "http__invalid"},
		{Name: "http_ with words", Code: "http_5xx", Text: "http_5xx"},
		{Name: "a status with a leading zero", Code: "http_0502", Text: "http_0502"},
		{Name: "a suffix of another kind", Code: "http_502_slow", Text: "http_502_slow"},
		{Name: "empty", Code: "", Text: ""},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			if string(tc.Code) != tc.Text {
				t.Errorf("code %q, want %q", tc.Code, tc.Text)
			}
			if got := tc.Code.Transient(); got != tc.Transient {
				t.Errorf("%q.Transient() = %v, want %v", tc.Code, got, tc.Transient)
			}
		})
	}
}

// Maps keyed by a code (the state file's counts, the summary's) serialise as
// string-keyed maps always did.
func TestRejectCodeJSON(t *testing.T) {
	b, err := json.Marshal(map[RejectCode]int64{RejectHTTP(502): 3, RejectCSV: 1})
	if err != nil || string(b) != `{"csv":1,"http_502":3}` {
		t.Fatalf("json = %s, %v", b, err)
	}
	var m map[RejectCode]int64
	if err := json.Unmarshal(b, &m); err != nil || m["http_502"] != 3 || m[RejectCSV] != 1 {
		t.Fatalf("unmarshal = %v, %v", m, err)
	}
}

// The reject code of a row says what the client did with its answer: a code
// is Transient exactly when the client retried the answer that gave it, so the
// resume notice counts the rows worth re-sending, all of them and only them.
func TestRejectCodeAgreesWithClient(t *testing.T) {
	bodies := map[string][]byte{"html": []byte("<html>Bad Gateway</html>"), "empty": nil, "api ok": []byte(`{"error":0}`)}
	for status := 100; status < 600; status++ {
		for name, body := range bodies {
			r := classify(status, "", body)
			if r.Code == "" {
				continue // OK, or a run-wide answer: no row is rejected with a code
			}
			if got, want := r.Code.Transient(), r.Kind == Transient; got != want {
				t.Errorf("HTTP %d, %s body: code %s, Transient() = %v; the client's kind is %v", status, name, r.Code, got, r.Kind)
			}
		}
	}
}
