package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/acimport/acimport/importer/send"
	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/mapping"
)

const batchFields = "db_id: 5\ncsv: { delimiter: \";\" }\noptions: { skip_triggers: true }\nfields:\n  email: Email\n  _sex: Sex\n"

// TestImportBatch: rows go N to a request through import_batch, each item's answer becomes its
// row's outcome, and the request bodies are exactly the vendor's batch layout.
func TestImportBatch(t *testing.T) {
	rec := newRecorder(t)
	csv := "Email;Sex\na@example.com;male\nb@example.com;female\nc@example.com;robot\nd@example.com;\ne@example.com;male\n"
	sum, rej := importWith(t, rec.URL, batchFields, csv, func(c *Config) { c.Batch = 2 })
	assertRequests(t, rec.requests(), []string{
		`/api/v1.1/profiles/import_batch {"db_id":5,"matching":"email","skip_triggers":true,"data":[{"email":"a@example.com","_sex":"male"},{"email":"b@example.com","_sex":"female"}]}`,
		`/api/v1.1/profiles/import_batch {"db_id":5,"matching":"email","skip_triggers":true,"data":[{"email":"c@example.com","_sex":"robot"},{"email":"d@example.com"}]}`,
		`/api/v1.1/profiles/import_batch {"db_id":5,"matching":"email","skip_triggers":true,"data":[{"email":"e@example.com","_sex":"male"}]}`,
	})
	if sum.Imported != 4 || sum.Rejected != 1 || len(rec.sb.Profiles()) != 4 {
		t.Errorf("summary %+v, %d profiles", sum, len(rec.sb.Profiles()))
	}
	if want := "c@example.com;robot;4;api_400;\"Invalid value of field \"\"_sex\"\": \"\"robot\"\"\"\n"; !strings.HasSuffix(rej, want) || strings.Count(rej, "\n") != 2 {
		t.Errorf("reject file:\n%s\nwant the one row %s", rej, want)
	}
}

// TestImportBatchModes: update_batch and add_batch, bodies asserted.
func TestImportBatchModes(t *testing.T) {
	rec := newRecorder(t)
	csv := "Email;Sex\na@example.com;male\nb@example.com;female\n"
	sum, rej := importWith(t, rec.URL, "mode: update\n"+batchFields, csv, func(c *Config) { c.Batch = 10 })
	assertRequests(t, rec.requests(), []string{
		`/api/v1.1/profiles/update_batch {"db_id":5,"matching":"email","skip_triggers":true,"data":[{"email":"a@example.com","_sex":"male"},{"email":"b@example.com","_sex":"female"}]}`,
	})
	if sum.Rejected != 2 || strings.Count(rej, "api_404;Profile not found") != 2 {
		t.Errorf("update_batch of missing profiles: %+v\n%s", sum, rej)
	}
	sum, _ = importWith(t, rec.URL, "mode: add\n"+batchFields, csv, func(c *Config) { c.Batch = 10 })
	assertRequests(t, rec.requests(), []string{
		`/api/v1.1/profiles/add_batch {"db_id":5,"skip_triggers":true,"data":[{"email":"a@example.com","_sex":"male"},{"email":"b@example.com","_sex":"female"}]}`,
	})
	if sum.Imported != 2 || len(rec.sb.Profiles()) != 2 {
		t.Errorf("add_batch: %+v", sum)
	}
	// The key travels in the item: a phone key as phones, a custom one as its field.
	sum, _ = importWith(t, rec.URL, "db_id: 5\nmatching: custom\nmatch: { field: CRM }\ncsv: { delimiter: \";\" }\nfields:\n  CRM: { column: Id, type: int }\n  phones: Phone\n",
		"Id;Phone\n7;+79001112233\n8;\n", func(c *Config) { c.Batch = 10 })
	assertRequests(t, rec.requests(), []string{
		`/api/v1.1/profiles/import_batch {"db_id":5,"matching":"custom","field_name":"CRM","data":[{"CRM":7,"phones":["+79001112233"]},{"CRM":8}]}`,
	})
	if sum.Imported != 2 {
		t.Errorf("custom batch: %+v", sum)
	}
}

// TestImportBatchSameKey: rows of one key are never in one batch; the later one goes after the
// earlier one's answer, so the file's last row wins.
func TestImportBatchSameKey(t *testing.T) {
	rec := newRecorder(t)
	csv := "Email;Sex\na@example.com;male\nA@example.com;female\nb@example.com;male\n"
	sum, _ := importWith(t, rec.URL, batchFields, csv, func(c *Config) { c.Batch = 10 })
	assertRequests(t, rec.requests(), []string{
		`/api/v1.1/profiles/import_batch {"db_id":5,"matching":"email","skip_triggers":true,"data":[{"email":"a@example.com","_sex":"male"},{"email":"b@example.com","_sex":"male"}]}`,
		`/api/v1.1/profiles/import_batch {"db_id":5,"matching":"email","skip_triggers":true,"data":[{"email":"A@example.com","_sex":"female"}]}`,
	})
	if sum.Imported != 3 || len(rec.sb.Profiles()) != 2 || rec.sb.Profiles()[0].Data["_sex"] != "female" {
		t.Errorf("%+v %+v", sum, rec.sb.Profiles())
	}
	// Many workers, many rows of few keys: every row settled once, the last of each key stored.
	var b strings.Builder
	b.WriteString("Email;Sex\n")
	for i := range 3000 {
		sex := "male"
		if i >= 2990 {
			sex = "female"
		}
		fmt.Fprintf(&b, "k%d@example.com;%s\n", i%10, sex)
	}
	rec2 := newRecorder(t)
	sum, rej := importWith(t, rec2.URL, batchFields, b.String(), func(c *Config) { c.Batch = 7; c.Workers = 8 })
	if sum.Imported != 3000 || sum.Rejected != 0 {
		t.Fatalf("%+v\n%s", sum, rej)
	}
	for _, p := range rec2.sb.Profiles() {
		if p.Data["_sex"] != "female" {
			t.Errorf("%v: an earlier row won over the file's last", p.Data)
		}
	}
	for _, r := range rec2.requests() {
		seen := map[string]bool{}
		for _, part := range strings.Split(r, `"email":"`)[1:] {
			key := part[:strings.IndexByte(part, '"')]
			if seen[key] {
				t.Fatalf("two rows of %s in one batch: %s", key, r)
			}
			seen[key] = true
		}
	}
}

// batchServer answers batch requests by a script of the attempt number.
func batchServer(t *testing.T, answer func(w http.ResponseWriter, body string, attempt int)) *httptest.Server {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		answer(w, string(b), int(n.Add(1)))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestImportBatchErrors(t *testing.T) {
	csv := "Email;Sex\na@example.com;male\nb@example.com;female\nc@example.com;male\n"
	okAll := func(w http.ResponseWriter, body string) {
		items := strings.Count(body, `"email":`)
		res := make([]string, items)
		for i := range res {
			res[i] = fmt.Sprintf(`{"error":0,"error_text":"","profile_id":"p%d"}`, i)
		}
		fmt.Fprintf(w, `{"error":0,"error_text":"","result":[%s]}`, strings.Join(res, ","))
	}
	t.Run("a transient failure retries the batch", func(t *testing.T) {
		srv := batchServer(t, func(w http.ResponseWriter, body string, n int) {
			if n == 1 {
				apiError(w, 503, 503, "busy")
				return
			}
			okAll(w, body)
		})
		sum, _ := importWith(t, srv.URL, batchFields, csv, func(c *Config) { c.Batch = 10; c.Retries = 2 })
		if sum.Imported != 3 || sum.Retries != 1 {
			t.Errorf("%+v", sum)
		}
	})
	t.Run("an error of the whole batch rejects its rows", func(t *testing.T) {
		srv := batchServer(t, func(w http.ResponseWriter, body string, n int) {
			apiError(w, 400, 400, "Request body exceeds 10485760 bytes")
		})
		sum, rej := importWith(t, srv.URL, batchFields, csv, func(c *Config) { c.Batch = 2 })
		if sum.Rejected != 3 || strings.Count(rej, "api_400;Request body exceeds") != 3 {
			t.Errorf("%+v\n%s", sum, rej)
		}
	})
	t.Run("a short result is retried, then each row rejected", func(t *testing.T) {
		srv := batchServer(t, func(w http.ResponseWriter, body string, n int) {
			fmt.Fprint(w, `{"error":0,"error_text":"","result":[]}`)
		})
		sum, rej := importWith(t, srv.URL, batchFields, csv, func(c *Config) { c.Batch = 10; c.Retries = 1 })
		if sum.Rejected != 3 || strings.Count(rej, "http_200_invalid") != 3 {
			t.Errorf("%+v\n%s", sum, rej)
		}
	})
	t.Run("a run-wide error stops the run, rows unsent", func(t *testing.T) {
		srv := batchServer(t, func(w http.ResponseWriter, body string, n int) { apiError(w, 403, 403, "Invalid token") })
		dir := t.TempDir()
		in := filepath.Join(dir, "in.csv")
		os.WriteFile(in, []byte(csv), 0o600)
		m, _ := mapping.Parse(strings.NewReader(batchFields), "m.yaml")
		sum, err := Import(t.Context(), Config{Mapping: m, Files: []string{in}, URL: srv.URL, Token: testToken, Batch: 10})
		var ae *altcraft.APIError
		if !errors.As(err, &ae) || sum.NotSent != 3 || sum.Rejected != 0 {
			t.Errorf("err %v, %+v", err, sum)
		}
	})
}

func TestImportBatchRefused(t *testing.T) {
	m, err := mapping.Parse(strings.NewReader("db_id: 5\nmatching: profile_id\nmatch: { column: Id }\nfields:\n  email: Email\n"), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Import(t.Context(), Config{Mapping: m, Files: []string{"x.csv"}, URL: "http://127.0.0.1:1", Token: "t", Batch: 100})
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "matching profile_id cannot be used with --batch") {
		t.Errorf("err = %v", err)
	}
}

// TestInterruptThenResumeBatch: Ctrl-C in the middle of a batch run, then --resume with --batch:
// every row imported or rejected exactly once, per row as without --batch, and the results log
// has one line per row.
func TestInterruptThenResumeBatch(t *testing.T) {
	f := newResumeFixture(t, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	var requests atomic.Int64
	var mu sync.Mutex
	perEmail := map[string]int{}
	srv := batchServer(t, func(w http.ResponseWriter, body string, n int) {
		if requests.Add(1) == 6 {
			cancel()
		}
		var res []string
		mu.Lock()
		for _, part := range strings.Split(body, `"email":"`)[1:] {
			email := part[:strings.IndexByte(part, '"')]
			perEmail[email]++
			res = append(res, `{"error":0,"error_text":"","profile_id":"id-`+email+`"}`)
		}
		mu.Unlock()
		fmt.Fprintf(w, `{"error":0,"error_text":"","result":[%s]}`, strings.Join(res, ","))
	})
	cfg := f.config(srv.URL, false)
	cfg.Batch = 40
	sum, err := Import(ctx, cfg)
	if !errors.Is(err, ErrInterrupted) || sum.Imported+sum.Rejected >= int64(f.rows) {
		t.Fatalf("first run: %v, %+v", err, sum)
	}
	cfg = f.config(srv.URL, true)
	cfg.Batch = 40
	sum, err = Import(context.Background(), cfg)
	if err != nil || sum.Imported != int64(f.rows-f.invalid) || sum.Rejected != int64(f.invalid) {
		t.Fatalf("resume: %v, %+v", err, sum)
	}
	twice := 0
	for i := range f.rows {
		n := perEmail[fmt.Sprintf("u%d@example.com", i)]
		switch {
		case n == 0 && i%10 != 3:
			t.Errorf("row %d never sent", i)
		case n > 1:
			twice++
		}
	}
	if twice > 4*40 { // at most the batches in flight at the interruption
		t.Errorf("%d rows sent twice, more than were in flight", twice)
	}
	for line, n := range f.rejectLines(t) {
		if n != 1 {
			t.Errorf("line %s rejected %d times", line, n)
		}
	}
	results := strings.Split(strings.TrimSpace(readFile(t, filepath.Join(f.dir, "results.csv"))), "\n")
	lines := map[string]int{}
	for _, r := range results[1:] {
		lines[strings.Split(r, ",")[1]]++
	}
	if len(lines) != f.rows {
		t.Errorf("results log names %d rows, want %d", len(lines), f.rows)
	}
}

// TestImportBatchOneKeyPastMaxWaiting: more rows of one key than may wait behind it: reading
// pauses, batch workers holding rows send them rather than wait, and every row is settled.
func TestImportBatchOneKeyPastMaxWaiting(t *testing.T) {
	rec := newRecorder(t)
	var b strings.Builder
	b.WriteString("Email;Sex\n")
	for i := range send.MaxWaiting + 500 {
		if i%50 == 0 {
			fmt.Fprintf(&b, "other%d@example.com;male\n", i)
		}
		b.WriteString("same@example.com;female\n")
	}
	sum, _ := importWith(t, rec.URL, batchFields, b.String(), func(c *Config) { c.Batch = 50; c.Workers = 4; c.Rate = 0 })
	if sum.Imported != sum.RowsRead || sum.RowsRead != int64(send.MaxWaiting+500+(send.MaxWaiting+500+49)/50) {
		t.Errorf("%+v", sum)
	}
}
