package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acimport/acimport/importer/send"
	"github.com/acimport/acimport/mapping"
	"github.com/acimport/acimport/sandbox"
)

// recorder is a sandbox behind a server that keeps every request's path and body.
type recorder struct {
	*httptest.Server
	sb   *sandbox.Server
	mu   sync.Mutex
	reqs []string // "path body"
}

func newRecorder(t *testing.T) *recorder {
	t.Helper()
	// Deduplication off: the recorder checks what is sent and how the API's
	// answers are counted; a re-import of unchanged rows would otherwise be
	// answered from the deduplication store (sandbox's own tests cover that).
	r := &recorder{sb: sandbox.New(sandbox.Config{DedupWindow: -1})}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		_, rest := splitToken(body)
		r.reqs = append(r.reqs, req.URL.Path+" "+rest)
		r.mu.Unlock()
		req.Body = io.NopCloser(bytes.NewReader(body))
		r.sb.ServeHTTP(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

// importWith runs one import of csv with the mapping text into url, one worker so that
// requests come in file order.
func importWith(t *testing.T, url, mappingText, csv string, tweak func(*Config)) (*Summary, string) {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := mapping.Parse(strings.NewReader(mappingText), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Mapping: m, Files: []string{in}, URL: url, Token: testToken, Workers: 1, Retries: 1,
		Timeout: 5 * time.Second, ResultsPath: filepath.Join(dir, "results.csv"),
		tuning: send.Tuning{Backoff: send.Backoff{Base: time.Millisecond, Max: 2 * time.Millisecond, RetryAfterMax: 5 * time.Millisecond}},
	}
	if tweak != nil {
		tweak(&cfg)
	}
	sum, err := Import(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	rej, _ := os.ReadFile(filepath.Join(dir, "in.rejects.csv"))
	return sum, string(rej)
}

func assertRequests(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestImportModes: update never creates, add sends no key and never looks up; every request
// body is asserted exactly, and what the sandbox holds after.
func TestImportModes(t *testing.T) {
	rec := newRecorder(t)
	const csv = "Email;Name\na@example.com;A\nb@example.com;B\n"
	const fields = "db_id: 5\ncsv: { delimiter: \";\" }\nfields:\n  email: Email\n  _fname: Name\n"

	sum, rej := importWith(t, rec.URL, "mode: update\n"+fields, csv, nil)
	assertRequests(t, rec.requests(), []string{
		`/api/v1.1/profiles/update {"db_id":5,"matching":"email","email":"a@example.com","data":{"email":"a@example.com","_fname":"A"}}`,
		`/api/v1.1/profiles/update {"db_id":5,"matching":"email","email":"b@example.com","data":{"email":"b@example.com","_fname":"B"}}`,
	})
	if sum.Rejected != 2 || !strings.Contains(rej, ";api_404;Profile not found") || len(rec.sb.Profiles()) != 0 {
		t.Errorf("update of missing profiles: %+v\n%s", sum, rej)
	}

	sum, _ = importWith(t, rec.URL, "mode: add\n"+fields, csv, nil)
	assertRequests(t, rec.requests(), []string{
		`/api/v1.1/profiles/add {"db_id":5,"data":{"email":"a@example.com","_fname":"A"}}`,
		`/api/v1.1/profiles/add {"db_id":5,"data":{"email":"b@example.com","_fname":"B"}}`,
	})
	if sum.Imported != 2 || len(rec.sb.Profiles()) != 2 {
		t.Errorf("add: %+v", sum)
	}
	// Adding the same again: the platform refuses a duplicate email.
	sum, rej = importWith(t, rec.URL, "mode: add\n"+fields, csv, nil)
	rec.requests()
	if sum.Rejected != 2 || !strings.Contains(rej, "already exists") {
		t.Errorf("add of duplicates: %+v\n%s", sum, rej)
	}
	// The mapping says upsert; Config's mapping replaced by --mode's WithMode.
	m, _ := mapping.Parse(strings.NewReader(fields), "m.yaml")
	upd, err := m.WithMode("update")
	if err != nil {
		t.Fatal(err)
	}
	sum, _ = importWith(t, rec.URL, fields, "Email;Name\nA@example.com;Z\n", func(c *Config) { c.Mapping = upd })
	assertRequests(t, rec.requests(), []string{
		`/api/v1.1/profiles/update {"db_id":5,"matching":"email","email":"A@example.com","data":{"email":"A@example.com","_fname":"Z"}}`,
	})
	if sum.Imported != 1 || rec.sb.Profiles()[0].Data["_fname"] != "Z" {
		t.Errorf("update: %+v %+v", sum, rec.sb.Profiles())
	}
}

// TestImportUpdateFunctions: action and on_empty, sent and applied to the stored profile.
func TestImportUpdateFunctions(t *testing.T) {
	rec := newRecorder(t)
	const mappingText = `db_id: 5
csv: { delimiter: ";" }
options: { add_to_segments: [12], remove_from_segments: [3] }
fields:
  email: Email
  Points: { column: Bonus, type: int, action: incr }
  tags: { column: Tags, separator: ",", action: add }
  old: { column: Old, separator: ",", action: delete }
  _lname: { column: Surname, on_empty: unset }
  _city: { action: unset }
`
	const csv = "Email;Bonus;Tags;Old;Surname\na@example.com;10;x,y;;Smith\na@example.com;-3;z;x;\n"
	sum, rej := importWith(t, rec.URL, mappingText, csv, nil)
	assertRequests(t, rec.requests(), []string{
		`/api/v1.1/profiles/import {"db_id":5,"matching":"email","email":"a@example.com","add_to_segments":[12],"remove_from_segments":[3],"data":{"email":"a@example.com","Points":{"action":"incr","value":10},"tags":{"action":"add","value":["x","y"]},"_lname":"Smith","_city":{"action":"unset"}}}`,
		`/api/v1.1/profiles/import {"db_id":5,"matching":"email","email":"a@example.com","add_to_segments":[12],"remove_from_segments":[3],"data":{"email":"a@example.com","Points":{"action":"incr","value":-3},"tags":{"action":"add","value":["z"]},"old":{"action":"delete","value":["x"]},"_lname":{"action":"unset"},"_city":{"action":"unset"}}}`,
	})
	if sum.Imported != 2 {
		t.Fatalf("%+v\n%s", sum, rej)
	}
	p := rec.sb.Profiles()[0]
	if got := shortJSON(p.Data); got != `{"Points":7,"email":"a@example.com","old":[],"tags":["x","y","z"]}` || shortJSON(p.Segments) != "[12]" {
		t.Errorf("stored %s, segments %v", got, p.Segments)
	}
}

// TestImportConflictRejected: a 409 (the email of one profile, the phone of another) rejects the
// row as api_409 and the run goes on.
func TestImportConflictRejected(t *testing.T) {
	rec := newRecorder(t)
	const mappingText = "db_id: 5\nmatching: email_phone\ncsv: { delimiter: \";\" }\nfields:\n  email: Email\n  phones: Phone\n"
	sum, rej := importWith(t, rec.URL, mappingText, "Email;Phone\na@example.com;\n;+79001112233\na@example.com;+79001112233\nb@example.com;\n", nil)
	if sum.Imported != 3 || sum.Rejected != 1 || !strings.Contains(rej, "a@example.com;+79001112233;4;api_409;More than one profile matches") {
		t.Errorf("%+v\n%s", sum, rej)
	}
}

func shortJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
