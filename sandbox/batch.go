package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/acimport/acimport/internal/altcraft"
)

// serveBatch answers a *_batch request: the checks of the whole request
// (content type, token, database, matching) answer one error for all of it,
// as for a single profile; past them every item is applied on its own, in
// order, and answered in the result array, in the same order.
func (s *Server) serveBatch(w http.ResponseWriter, r *http.Request, op altcraft.Operation, body []byte, e *apiError) {
	var items []altcraft.ItemAnswer
	if e == nil {
		items, e = s.importBatch(r, op, body)
	}
	if e != nil {
		s.rejected.Add(1)
		writeError(w, e)
		return
	}
	zero := 0
	writeJSON(w, altcraft.Answer{Error: &zero, ErrorText: altcraft.SuccessText, Result: items})
}

func (s *Server) importBatch(r *http.Request, op altcraft.Operation, body []byte) ([]altcraft.ItemAnswer, *apiError) {
	if !jsonContent(r.Header["Content-Type"]) {
		return nil, badRequest("Content-Type must be application/json")
	}
	var req batchRequest
	if e := decode(body, &req); e != nil {
		return nil, e
	}
	if e := s.checkTop(r, &req.requestTop); e != nil {
		return nil, e
	}
	switch {
	case req.Data == nil:
		return nil, requiredField("data")
	case len(req.Data) > altcraft.MaxBatchItems:
		return nil, badRequest("At most " + strconv.Itoa(altcraft.MaxBatchItems) + " profiles per request")
	}
	mode := altcraft.Mode(req.Matching)
	if mode == "" {
		mode = altcraft.DefaultMode
	}
	if op.Matches() {
		if !mode.Known() {
			return nil, badRequest(`Unknown matching mode "` + string(mode) + `"`)
		}
		if !mode.KeyInProfile() {
			return nil, badRequest(`Matching "` + string(mode) + `" is not supported by the batch methods`)
		}
	}
	out := make([]altcraft.ItemAnswer, len(req.Data))
	for i, data := range req.Data {
		id, created, e := s.batchItem(&req, op, mode, data)
		switch {
		case e != nil:
			s.rejected.Add(1)
			out[i] = altcraft.ItemAnswer{Error: e.code, ErrorText: e.text}
		case created:
			s.created.Add(1)
			out[i] = altcraft.ItemAnswer{ErrorText: altcraft.SuccessText, ProfileID: id}
		default:
			s.updated.Add(1)
			out[i] = altcraft.ItemAnswer{ErrorText: altcraft.SuccessText, ProfileID: id}
		}
	}
	return out, nil
}

// batchItem applies one item: its key is read from its own fields (email,
// the first of phones, the custom field) and checked as a single request's.
func (s *Server) batchItem(req *batchRequest, op altcraft.Operation, mode altcraft.Mode, data map[string]any) (string, bool, *apiError) {
	if data == nil {
		return "", false, badRequest("A profile of data must be an object")
	}
	var m *match
	if !op.Matches() {
		m = addKey(data)
	} else {
		one := importRequest{requestTop: req.requestTop}
		one.Matching = string(mode)
		// A value of the wrong type is left out here: validateData words it.
		one.Email, _ = data[altcraft.FieldEmail].(string)
		if phones, ok := data[altcraft.FieldPhones].([]any); ok && len(phones) > 0 {
			one.Phone, _ = phones[0].(string)
		}
		if mode.Key() == altcraft.KeyCustom {
			if v, ok := data[req.FieldName]; ok {
				one.FieldValue, _ = json.Marshal(v)
			}
		}
		var e *apiError
		if m, e = parseMatch(&one); e != nil {
			return "", false, e
		}
	}
	return s.applyProfile(*req.DBID, op, m, &req.requestTop, data)
}
