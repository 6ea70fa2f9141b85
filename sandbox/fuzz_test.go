package sandbox_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/acimport/acimport/sandbox"

	"github.com/acimport/acimport/internal/altcraft"
)

// FuzzImport feeds arbitrary bodies to the import endpoint: every answer must
// be one of the documented codes with a JSON body that repeats it.
func FuzzImport(f *testing.F) {
	for _, seed := range []string{
		`{"token":"t","db_id":1,"email":"a@example.io","data":{"_fname":"A"}}`,
		`{"token":"t","db_id":1,"matching":"custom","field_name":"id","field_value":1.5e3}`,
		`{"token":"t","db_id":1,"matching":"phone","phone":"+79001234567","data":{"phones":["+1234567890"]}}`,
		`{"token":"t","db_id":1,"email":"a@example.io","data":{"subscriptions":[{"channel":"telegram_bot","resource_id":1,"cc_data":{"id":"x"}}]}}`,
		`{"token":"t","db_id":1,"email":"a@example.io","skip_invalid_subscriptions":true,"data":{"subscriptions":[1,{}]}}`,
		`{"db_id":-1}`, `[]`, `{`, ``, `{"data":{"_ip":null}}`,
	} {
		f.Add([]byte(seed))
	}
	s := sandbox.New(sandbox.Config{MaxBodyBytes: 4096})
	allowed := map[int]bool{200: true, 400: true, 401: true, 403: true, 404: true}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, altcraft.MethodImport.Path(), bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if !allowed[rec.Code] {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		var a struct {
			Error     *int   `json:"error"`
			ErrorText string `json:"error_text"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || a.Error == nil {
			t.Fatalf("answer for %q is not an API answer: %s", body, rec.Body)
		}
		want := rec.Code
		if want == http.StatusOK {
			want = 0
		}
		if *a.Error != want {
			t.Fatalf("error %d with status %d", *a.Error, rec.Code)
		}
	})
}
