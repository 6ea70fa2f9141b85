package sandbox_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/acimport/acimport/importer/sandbox"
)

// BenchmarkStore is the sandbox's cost of one import in process, for a row that
// creates a profile (a new email each time, as in a migration) and for one that
// updates the same profile again (as a load tool replaying one body does).
// Creation includes the GC work of a store that keeps growing.
func BenchmarkStore(b *testing.B) {
	body := func(i int) []byte {
		return fmt.Appendf(nil, `{"db_id":1,"matching":"email","email":"customer%d@example.org","skip_triggers":true,`+
			`"data":{"email":"customer%d@example.org","_fname":"Elena","_lname":"Иванова","_bdate":"1963-08-11","_sex":"male",`+
			`"phones":["+7919%07d"],"CRM_ID":%d,"city":"Omsk","subscriptions":[{"channel":"email","resource_id":1,"email":"customer%d@example.org"}]}}`,
			i, i, i, i, i)
	}
	run := func(b *testing.B, next func(i int) []byte) {
		s := sandbox.New(sandbox.Config{})
		u, _ := url.Parse("/api/v1.1/profiles/import")
		header := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer t"}}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			data := next(i)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, &http.Request{Method: http.MethodPost, URL: u, Header: header,
				Body: io.NopCloser(bytes.NewReader(data)), ContentLength: int64(len(data))})
			if rec.Code != http.StatusOK {
				b.Fatalf("%d %s", rec.Code, rec.Body)
			}
		}
	}
	b.Run("create", func(b *testing.B) { run(b, body) })
	same := body(0)
	b.Run("update", func(b *testing.B) { run(b, func(int) []byte { return same }) })
}
