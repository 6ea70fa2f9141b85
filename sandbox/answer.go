package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/acimport/acimport/internal/altcraft"
)

// apiError is a failed import: the HTTP status and the platform's
// {"error": N, "error_text": ...} body carry the same code.
type apiError struct {
	code int
	text string
}

func (e *apiError) Error() string { return strconv.Itoa(e.code) + " " + e.text }

func badRequest(text string) *apiError { return &apiError{code: http.StatusBadRequest, text: text} }

func notFound(text string) *apiError { return &apiError{code: http.StatusNotFound, text: text} }

// invalidValue words a field error the way the platform does:
// Invalid value of field "_bdate": "1990-02-31".
func invalidValue(field string, value any) *apiError {
	return badRequest(`Invalid value of field "` + field + `": ` + shortJSON(value))
}

func requiredField(field string) *apiError {
	return badRequest(`Field "` + field + `" is required`)
}

// shortJSON renders a rejected value for an error text, cut so that a huge
// value cannot blow up the answer.
func shortJSON(v any) string {
	const max = 80
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}

var (
	jsonContentType = []string{"application/json"}
	textContentType = []string{"text/plain; charset=utf-8"}
	htmlContentType = []string{"text/html"}
	retryAfterOne   = []string{"1"}
)

// writeSuccess answers a stored profile. The body is assembled from fixed
// pieces in a stack buffer: the hot path allocates nothing here.
func writeSuccess(w http.ResponseWriter, profileID string) {
	var buf [128]byte
	b := altcraft.AppendSuccess(buf[:0], profileID)
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(http.StatusOK)
	w.Write(b) //nolint:errcheck // the client is gone; nothing to do
}

// writeError answers e with its code as the HTTP status.
func writeError(w http.ResponseWriter, e *apiError) {
	writeJSONError(w, e.code, e.text)
}

func writeJSONError(w http.ResponseWriter, code int, text string) {
	b := altcraft.AppendError(make([]byte, 0, 48+len(text)), code, text)
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(code)
	w.Write(b) //nolint:errcheck // the client is gone; nothing to do
}

// writeJSON answers 200 with v encoded; used by the inspection endpoints.
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeJSONError(w, http.StatusInternalServerError, "encode: "+err.Error())
		return
	}
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(http.StatusOK)
	w.Write(b) //nolint:errcheck // the client is gone; nothing to do
}
