package altcraft

import "testing"

// TestRejectCodeKnown: every code the table makes is known, and text that
// only looks like one is not.
func TestRejectCodeKnown(t *testing.T) {
	for _, c := range []RejectCode{RejectNetwork, RejectCSV, RejectInvalidValue, RejectMissingKey,
		RejectHTTP(503), RejectHTTPInvalid(200), CodeBadRequest.Reject(), Code(0).Reject(), Code(-1).Reject(), Code(1003).Reject()} {
		if !c.Known() {
			t.Errorf("%q.Known() = false", c)
		}
	}
	for _, c := range []RejectCode{"", "CSV", "api_", "api_x", "api_01", "http_", "http_50", "http_5033", "http_503_", "http_503_invalid_x", "network ", "7", "x y"} {
		if c.Known() {
			t.Errorf("%q.Known() = true", c)
		}
	}
}
