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
		{Name: "a 4xx without the API's answer", Code: RejectHTTP(400), Text: "http_400", Transient: true},
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
