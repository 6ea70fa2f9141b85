package altcraft

import (
	"net/http"
	"strconv"
	"strings"
)

// RejectCode is the code the reject file, the results log, the state file and
// the summary give a row that was not imported. It is the one table of codes:
// the API's (api_<N>), the transport's (http_<status>, http_<status>_invalid,
// network) and the run's own, given before a row reaches the API (csv,
// invalid_value, missing_key). Its text is the file formats' and must not change.
type RejectCode string

// The codes that take no number.
const (
	// RejectNetwork: no answer (connection refused or reset, timeout, TLS
	// failure mid-run) after every retry.
	RejectNetwork RejectCode = "network"
	// RejectCSV: the row could not be parsed (wrong number of fields, broken quotes).
	RejectCSV RejectCode = "csv"
	// RejectInvalidValue: a cell failed its type.
	RejectInvalidValue RejectCode = "invalid_value"
	// RejectMissingKey: the matching key of the row is empty.
	RejectMissingKey RejectCode = "missing_key"
)

// RejectHTTP is the code of a row the HTTP status refused without the API's
// answer (429 and 5xx after every retry, or a status the API does not give):
// http_<status>.
func RejectHTTP(status int) RejectCode {
	return RejectCode("http_" + strconv.Itoa(status))
}

// RejectHTTPInvalid is the code of a row whose every answer had a success
// status but not the API's JSON (a broken proxy): http_<status>_invalid.
func RejectHTTPInvalid(status int) RejectCode {
	return RejectCode("http_" + strconv.Itoa(status) + "_invalid")
}

// Reject is the code of a row the API refused with c: api_<N>.
func (c Code) Reject() RejectCode { return RejectCode("api_" + strconv.Itoa(int(c))) }

// Transient reports whether the row failed for the network or the platform's
// health rather than for its values, so that sending it again, once the
// platform is back, may well work: network, http_<status> for a status the
// client retries (TransientStatus: 429, 5xx) and http_<status>_invalid (a
// success status without the API's answer, also retried). A row the API
// refused (api_<N>), a status the client does not retry (a proxy's 413, a
// redirect: http_413, http_307) and a row the run refused before sending
// (csv, invalid_value, missing_key) fail the same way again.
func (c RejectCode) Transient() bool {
	if c == RejectNetwork {
		return true
	}
	rest, ok := strings.CutPrefix(string(c), "http_")
	if !ok {
		return false
	}
	digits, invalid := strings.CutSuffix(rest, "_invalid")
	status, err := strconv.Atoi(digits)
	if err != nil || status <= 0 || strconv.Itoa(status) != digits {
		return false
	}
	return invalid || TransientStatus(status)
}

// TransientStatus reports whether the client retries an answer of this HTTP
// status whatever its body: 429 (the platform paces us) and every 5xx.
func TransientStatus(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// Known reports whether c is a code of this table, as the reject file's
// reject_code column holds it: network, csv, invalid_value, missing_key,
// api_<N>, http_<status> or http_<status>_invalid. Reading a reject file back
// tells its reject columns from data by it.
func (c RejectCode) Known() bool {
	switch c {
	case RejectNetwork, RejectCSV, RejectInvalidValue, RejectMissingKey:
		return true
	}
	if n, ok := strings.CutPrefix(string(c), "api_"); ok {
		return decimal(strings.TrimPrefix(n, "-"))
	}
	if n, ok := strings.CutPrefix(string(c), "http_"); ok {
		n = strings.TrimSuffix(n, "_invalid")
		return len(n) == 3 && decimal(n)
	}
	return false
}

// decimal reports whether s is a number as strconv.Itoa writes one.
func decimal(s string) bool {
	if s == "" || len(s) > 1 && s[0] == '0' || len(s) > 10 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
