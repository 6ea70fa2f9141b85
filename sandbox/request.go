package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/acimport/acimport/internal/altcraft"
)

// requestTop holds the top-level keys every import method takes.
type requestTop struct {
	Token                    string `json:"token"`
	DBID                     *int   `json:"db_id"`
	Matching                 string `json:"matching"`
	FieldName                string `json:"field_name"`
	ResourceID               *int   `json:"resource_id"`
	SkipTriggers             bool   `json:"skip_triggers"`
	SkipInvalidSubscriptions bool   `json:"skip_invalid_subscriptions"`
	DetectGeo                bool   `json:"detect_geo"`
	AddToSegments            []int  `json:"add_to_segments"`
	RemoveFromSegments       []int  `json:"remove_from_segments"`
}

// importRequest is a single-profile request (profiles/import, update, add).
// Data is left as encoding/json builds it because the store keeps it as it is.
type importRequest struct {
	requestTop
	Email      string          `json:"email"`
	Phone      string          `json:"phone"`
	ProfileID  string          `json:"profile_id"`
	FieldValue json.RawMessage `json:"field_value"`
	Data       map[string]any  `json:"data"`
}

// batchRequest is a *_batch request: data is the array of profiles, each
// carrying its own key among its fields.
type batchRequest struct {
	requestTop
	Data []map[string]any `json:"data"`
}

// bodyPool recycles the buffers request bodies are read into; decoding copies
// what it keeps, so a buffer is free once the answer is decided.
var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readBody reads the request body into buf through the size limit. Reading
// it before any latency also lets net/http notice a client that goes away
// during the sleep.
func (s *Server) readBody(r *http.Request, buf *bytes.Buffer, batch bool) *apiError {
	limit := s.maxBody
	if batch {
		limit = s.maxBatchBody
	}
	tooLarge := func() *apiError {
		return badRequest(fmt.Sprintf("Request body exceeds %d bytes", limit))
	}
	if r.ContentLength > limit {
		return tooLarge()
	}
	if r.Body == nil {
		return nil
	}
	if _, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1)); err != nil {
		return badRequest("Cannot read request body: " + err.Error())
	}
	if int64(buf.Len()) > limit {
		return tooLarge()
	}
	return nil
}

// checkTop runs the checks every method makes first, in the order the
// platform answers them: content type, token, database.
func (s *Server) checkTop(r *http.Request, top *requestTop) *apiError {
	token := top.Token
	if token == "" {
		token = bearerToken(r.Header["Authorization"])
	}
	if token == "" {
		return &apiError{code: http.StatusUnauthorized, text: "API token required"}
	}
	if !s.tokenOK(token) {
		return &apiError{code: http.StatusForbidden, text: "Invalid token"}
	}
	if top.DBID == nil {
		return requiredField("db_id")
	}
	if !s.dbExists(*top.DBID) {
		return dbNotFound(*top.DBID)
	}
	return nil
}

// importProfile runs one single-profile request through the checks in the
// order the platform answers them and applies it to the store (or, with
// Config.Discard, only answers as if it did). It returns the profile id and
// whether the profile was created.
func (s *Server) importProfile(r *http.Request, op altcraft.Operation, body []byte) (string, bool, *apiError) {
	if !jsonContent(r.Header["Content-Type"]) {
		return "", false, badRequest("Content-Type must be application/json")
	}
	var req importRequest
	if e := decode(body, &req); e != nil {
		return "", false, e
	}
	if e := s.checkTop(r, &req.requestTop); e != nil {
		return "", false, e
	}
	var m *match
	var e *apiError
	if op.Matches() {
		if m, e = parseMatch(&req); e != nil {
			return "", false, e
		}
		if req.ResourceID != nil && !s.resourceExists(*req.ResourceID) {
			return "", false, resourceNotFound(*req.ResourceID)
		}
	} else {
		m = addKey(req.Data)
	}
	return s.applyProfile(*req.DBID, op, m, &req.requestTop, req.Data)
}

// applyProfile validates one profile's data and applies it to the store.
func (s *Server) applyProfile(dbID int, op altcraft.Operation, m *match, top *requestTop, data map[string]any) (string, bool, *apiError) {
	if e := validateData(data); e != nil {
		return "", false, e
	}
	rawSubs, setSubs := data["subscriptions"]
	setSubs = setSubs && rawSubs != nil
	subs, e := s.validateSubscriptions(rawSubs, top.SkipInvalidSubscriptions)
	if e != nil {
		return "", false, e
	}
	if s.discard {
		return discard(dbID, op, m)
	}
	return s.store.apply(dbID, op, m, change{
		data: data, subs: subs, setSubs: setSubs,
		addSegments: top.AddToSegments, removeSegments: top.RemoveFromSegments,
	})
}

// addKey is the key profiles/add checks duplicates by and derives ids from:
// the profile's own email, else its first phone. add never looks a profile up.
func addKey(data map[string]any) *match {
	m := &match{kind: matchEmailPhone}
	if e, ok := data[altcraft.FieldEmail].(string); ok {
		m.email, m.emailKey = e, strings.ToLower(e)
	}
	if phones, ok := data[altcraft.FieldPhones].([]any); ok && len(phones) > 0 {
		m.phone, _ = phones[0].(string)
	}
	return m
}

// decode parses a request body into req, wording every failure for a 400.
func decode(raw []byte, req any) *apiError {
	body := bytes.TrimLeft(raw, " \t\r\n")
	if len(body) == 0 {
		return badRequest("Request body is empty")
	}
	if body[0] != '{' {
		return badRequest("Request body must be a JSON object")
	}
	err := json.Unmarshal(body, req)
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &syntax):
		return badRequest(fmt.Sprintf("Malformed JSON at byte %d: %v", syntax.Offset, err))
	case errors.As(err, &typ) && typ.Field != "":
		field := strings.TrimPrefix(typ.Field, "requestTop.") // the embedded struct is not the API's
		return badRequest(fmt.Sprintf(`Invalid value of field %q: %s where %s was expected`, field, typ.Value, typ.Type))
	default:
		return badRequest("Malformed JSON: " + err.Error())
	}
}

// jsonContent accepts application/json with any parameters.
func jsonContent(v []string) bool {
	if len(v) != 1 {
		return false
	}
	if v[0] == "application/json" {
		return true
	}
	mt, _, err := mime.ParseMediaType(v[0])
	return err == nil && mt == "application/json"
}

// bearerToken extracts the token of an "Authorization: Bearer <token>" header.
func bearerToken(v []string) string {
	if len(v) == 0 {
		return ""
	}
	scheme, token, ok := strings.Cut(strings.TrimSpace(v[0]), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// modes maps every matching mode the sandbox serves to the key it matches by.
// The *_sub modes behave like their base mode but need a resource_id.
var modes = map[altcraft.KeyKind]matchKind{
	altcraft.KeyEmail:      matchEmail,
	altcraft.KeyPhone:      matchPhone,
	altcraft.KeyProfileID:  matchProfileID,
	altcraft.KeyCustom:     matchCustom,
	altcraft.KeyEmailPhone: matchEmailPhone,
}

// parseMatch checks the matching mode and its key. Top-level keys the mode
// does not use are ignored.
func parseMatch(req *importRequest) (*match, *apiError) {
	mode := altcraft.Mode(req.Matching)
	if mode == "" {
		mode = altcraft.DefaultMode
	}
	kind, ok := modes[mode.Key()]
	if !ok {
		if mode == altcraft.MatchPushSub {
			return nil, badRequest(`Matching "push_sub" is not supported by the sandbox`)
		}
		return nil, badRequest(`Unknown matching mode "` + string(mode) + `"`)
	}
	if mode.NeedsResource() && req.ResourceID == nil {
		return nil, badRequest(`Field "resource_id" is required for matching "` + string(mode) + `"`)
	}
	required := func(field string) *apiError {
		return badRequest(`Field "` + field + `" is required for matching "` + string(mode) + `"`)
	}
	m := &match{kind: kind}
	switch kind {
	case matchProfileID:
		if req.ProfileID == "" {
			return nil, required("profile_id")
		}
		m.profileID = req.ProfileID
		return m, nil
	case matchCustom:
		return parseCustom(req, m, required)
	case matchEmail:
		if req.Email == "" {
			return nil, required("email")
		}
		m.email = req.Email
	case matchPhone:
		if req.Phone == "" {
			return nil, required("phone")
		}
		m.phone = req.Phone
	case matchEmailPhone:
		if req.Email == "" && req.Phone == "" {
			return nil, required("email")
		}
		m.email, m.phone = req.Email, req.Phone
	}
	if m.email != "" && !validEmail(m.email) {
		return nil, invalidValue("email", m.email)
	}
	m.emailKey = strings.ToLower(m.email)
	if m.phone != "" && !validPhone(m.phone) {
		return nil, invalidValue("phone", m.phone)
	}
	return m, nil
}

func parseCustom(req *importRequest, m *match, required func(string) *apiError) (*match, *apiError) {
	if req.FieldName == "" {
		return nil, required("field_name")
	}
	if strings.HasPrefix(req.FieldName, "_") || req.FieldName == "email" || req.FieldName == "phones" || req.FieldName == "subscriptions" {
		return nil, invalidValue("field_name", req.FieldName)
	}
	raw := bytes.TrimSpace(req.FieldValue)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, required("field_value")
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, invalidValue("field_value", string(raw))
	}
	switch x := v.(type) {
	case string:
		if x == "" {
			return nil, required("field_value")
		}
	case float64:
	default:
		return nil, invalidValue("field_value", v)
	}
	m.field = req.FieldName
	m.value = v
	m.valueText = scalarText(v)
	return m, nil
}
