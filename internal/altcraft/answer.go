package altcraft

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Code is the API's error code, the "error" of its answer body.
type Code int

// The codes the vendor documents.
const (
	CodeOK            Code = 0
	CodeBadRequest    Code = 400 // incorrect request: bad field values land here
	CodeTokenRequired Code = 401
	CodeTariff        Code = 402 // tariff (plan) limit reached
	CodeForbidden     Code = 403 // no access, invalid token
	CodeNotFound      Code = 404 // database, resource or profile not found
	CodeConflict      Code = 409 // more than one profile matches
)

// RunWide reports whether an answer with code c and text dooms every row
// alike: no token, no rights, no plan left, or no such database (a missing
// resource or profile is one row's problem).
func (c Code) RunWide(text string) bool {
	switch c {
	case CodeTokenRequired, CodeTariff, CodeForbidden:
		return true
	case CodeNotFound:
		return IsDatabaseNotFound(text)
	}
	return false
}

// The API tells a missing database from a missing resource or profile only by
// its text, so the wording is written here once: the sandbox answers it, the
// client recognises it.
const databaseWord = "database"

// DatabaseNotFoundText is the error_text of a 404 for an unknown database.
func DatabaseNotFoundText(id int) string { return fmt.Sprintf("Database %d not found", id) }

// IsDatabaseNotFound reports whether a 404's text is about the database.
func IsDatabaseNotFound(text string) bool {
	return strings.Contains(strings.ToLower(text), databaseWord)
}

// SuccessText is the error_text of the API's usual success answer.
const SuccessText = "Successful operation"

// Answer is the JSON body of every answer of the API. Error is a pointer so
// that a body without it (not the API's) can be told from success.
type Answer struct {
	Error     *int   `json:"error"`
	ErrorText string `json:"error_text"`
	ProfileID string `json:"profile_id,omitempty"`
	// Result is a batch method's answer per item, in request order.
	Result []ItemAnswer `json:"result,omitempty"`
}

// ItemAnswer is one item of a batch answer's result.
type ItemAnswer struct {
	Error     int    `json:"error"`
	ErrorText string `json:"error_text"`
	ProfileID string `json:"profile_id,omitempty"`
}

// successPrefix starts the API's usual success answer.
var successPrefix = []byte(`{"error":0,"error_text":"`)

// AppendSuccess appends the usual success answer for profileID:
// {"error":0,"error_text":"Successful operation","profile_id":"…"}. profileID
// must need no JSON escaping (ids are hex).
func AppendSuccess(dst []byte, profileID string) []byte {
	dst = append(dst, successPrefix...)
	dst = append(dst, SuccessText...)
	dst = append(dst, `","profile_id":"`...)
	dst = append(dst, profileID...)
	return append(dst, '"', '}')
}

// AppendError appends an error answer {"error":N,"error_text":"…"}.
func AppendError(dst []byte, code int, text string) []byte {
	dst = append(dst, `{"error":`...)
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, `,"error_text":`...)
	q, _ := json.Marshal(text) // a string always marshals
	dst = append(dst, q...)
	return append(dst, '}')
}

// APIError is a run-wide error answer of the API.
type APIError struct {
	Code int
	Text string
}

func (e *APIError) Error() string {
	hint := ""
	switch Code(e.Code) {
	case CodeTokenRequired, CodeForbidden:
		hint = " — check the API token (ALTCRAFT_TOKEN or --token-file) and its rights to this database"
	case CodeTariff:
		hint = " — the platform's tariff limit is reached"
	case CodeNotFound:
		hint = " — check db_id in the mapping file"
	}
	return fmt.Sprintf("the API answered error %d %q%s", e.Code, e.Text, hint)
}
