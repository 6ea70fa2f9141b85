package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acimport/acimport/importer/send"
	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/mapping"
)

const testToken = "s3cr3t-t0ken-value"

const testMapping = `db_id: 5
csv: { delimiter: ";" }
options: { skip_triggers: true }
fields:
  email:  { column: Email, type: email }
  _fname: Name
  CRM_ID: { column: Id, type: int }
`

// received is one request as the test server saw it.
type received struct {
	Auth      string
	Email     string
	BodyToken string // the body's "token" member
	Body      string // the body without it
}

// splitToken takes the "token" member the client puts first in every body
// out of it: the rest is the body as the mapping made it.
func splitToken(body []byte) (token, rest string) {
	var t struct {
		Token string `json:"token"`
	}
	_ = json.Unmarshal(body, &t)
	q, _ := json.Marshal(t.Token)
	prefix := `{"token":` + string(q)
	s := string(body)
	if t.Token == "" || !strings.HasPrefix(s, prefix) {
		return "", s
	}
	s = "{" + strings.TrimPrefix(strings.TrimPrefix(s, prefix), ",")
	return t.Token, s
}

// apiServer is an httptest server whose answers a test scripts per request.
type apiServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []received
	// answer decides the reply to the n-th request (0-based) for an email:
	// the n-th attempt of that row.
	answer  func(w http.ResponseWriter, email string, attempt int)
	attempt map[string]int
}

func newAPIServer(t *testing.T, answer func(w http.ResponseWriter, email string, attempt int)) *apiServer {
	t.Helper()
	s := &apiServer{answer: answer, attempt: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != altcraft.MethodImport.Path() || r.Method != http.MethodPost {
			http.Error(w, "wrong endpoint", http.StatusNotFound)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var req struct {
			Email string `json:"email"`
		}
		_ = json.Unmarshal(body, &req)
		s.mu.Lock()
		tok, rest := splitToken(body)
		s.requests = append(s.requests, received{Auth: r.Header.Get("Authorization"), Email: req.Email, BodyToken: tok, Body: rest})
		n := s.attempt[req.Email]
		s.attempt[req.Email]++
		s.mu.Unlock()
		if s.answer == nil {
			ok(w, req.Email)
			return
		}
		s.answer(w, req.Email, n)
	}))
	t.Cleanup(s.Close)
	return s
}

func ok(w http.ResponseWriter, email string) {
	w.Write(altcraft.AppendSuccess(nil, "id-"+email))
}

func apiError(w http.ResponseWriter, status, code int, text string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":%d,"error_text":%q}`, code, text)
}

func (s *apiServer) got() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.requests...)
}

// runImport writes csv and runs an import against url with fast retries.
func runImport(t *testing.T, url, csv string, tweak func(*Config)) (*Summary, string, error) {
	t.Helper()
	return runImportMapping(t, url, testMapping, csv, tweak)
}

// runImportMapping is runImport with another mapping.
func runImportMapping(t *testing.T, url, mappingText, csv string, tweak func(*Config)) (*Summary, string, error) {
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
	var stderr bytes.Buffer
	cfg := Config{
		Mapping: m, Files: []string{in}, Stderr: &stderr,
		URL: url, Token: testToken, Workers: 4, Retries: 3, Timeout: 5 * time.Second,
		ResultsPath: filepath.Join(dir, "results.csv"), SummaryPath: filepath.Join(dir, "summary.json"),
		tuning: send.Tuning{Backoff: send.Backoff{Base: time.Millisecond, Max: 2 * time.Millisecond, RetryAfterMax: 5 * time.Millisecond}},
	}
	if tweak != nil {
		tweak(&cfg)
	}
	sum, err := Import(context.Background(), cfg)
	assertNoToken(t, dir, stderr.String())
	return sum, dir, err
}

// assertNoToken fails if the token shows anywhere a user could read it.
func assertNoToken(t *testing.T, dir, stderr string) {
	t.Helper()
	if strings.Contains(stderr, testToken) {
		t.Errorf("the token is in stderr:\n%s", stderr)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if bytes.Contains(b, []byte(testToken)) {
			t.Errorf("the token is in %s", e.Name())
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const fiveRows = "Email;Name;Id\r\n" +
	"a@example.com;Анна;1\r\n" +
	"b@example.com;Борис;2\r\n" +
	"c@example.com;\"Вера; \"\"Ц\"\"\";3\r\n" +
	"d@example.com;Глеб;4\r\n" +
	"e@example.com;Дина;5\r\n"

func TestImportAllRowsArrive(t *testing.T) {
	srv := newAPIServer(t, nil)
	sum, dir, err := runImport(t, srv.URL, fiveRows, nil)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if sum.Imported != 5 || sum.Rejected != 0 || sum.RowsRead != 5 {
		t.Fatalf("summary %+v", sum)
	}
	got := map[string]received{}
	for _, r := range srv.got() {
		got[r.Email] = r
	}
	want := map[string]string{
		"a@example.com": `{"db_id":5,"matching":"email","email":"a@example.com","skip_triggers":true,"data":{"email":"a@example.com","_fname":"Анна","CRM_ID":1}}`,
		"c@example.com": `{"db_id":5,"matching":"email","email":"c@example.com","skip_triggers":true,"data":{"email":"c@example.com","_fname":"Вера; \"Ц\"","CRM_ID":3}}`,
	}
	if len(got) != 5 {
		t.Fatalf("%d distinct rows arrived, want 5: %v", len(got), got)
	}
	for email, body := range want {
		if got[email].Body != body {
			t.Errorf("body for %s:\n got %s\nwant %s", email, got[email].Body, body)
		}
	}
	for _, r := range srv.got() {
		if r.Auth != "Bearer "+testToken {
			t.Errorf("Authorization header %q", r.Auth)
		}
		// Every platform version reads the token from the body; the newest also from the header.
		if r.BodyToken != testToken {
			t.Errorf("the body's token is %q, want the API token as its \"token\" member", r.BodyToken)
		}
		if strings.Contains(r.Body, testToken) {
			t.Errorf("the token elsewhere in the body: %s", r.Body)
		}
	}
	if rej := readFile(t, filepath.Join(dir, "in.rejects.csv")); rej != "Email;Name;Id;reject_line;reject_code;reject_reason\r\n" {
		t.Errorf("reject file of a clean run: %q", rej)
	}
	results := readFile(t, filepath.Join(dir, "results.csv"))
	if !strings.HasPrefix(results, "file,line,status,profile_id,code,attempts,skipped,in_doubt\n") || strings.Count(results, ",imported,") != 5 ||
		!strings.Contains(results, ",4,imported,id-c@example.com,,1,,\n") {
		t.Errorf("results log:\n%s", results)
	}
	var js Summary
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, "summary.json"))), &js); err != nil || js.Imported != 5 {
		t.Errorf("summary.json: %+v, %v", js, err)
	}
}

func TestImportRejectsAndRetries(t *testing.T) {
	csv := "Email;Name;Id\n" +
		"ok@example.com;Ok;1\n" + // line 2
		"bad200@example.com;X;2\n" + // line 3: API error in a 200 body
		"bad400@example.com;X;3\n" + // line 4: API error with HTTP 400
		"busy@example.com;X;4\n" + // line 5: 429 with Retry-After, then OK
		"flaky@example.com;X;5\n" + // line 6: 503, 502 then OK
		"drop@example.com;X;6\n" + // line 7: connection dropped, then OK
		"down@example.com;X;7\n" + // line 8: 503 for ever
		"not-an-email;X;8\n" + // line 9: invalid_value
		";X;9\n" + // line 10: missing_key
		"x@example.com;X\n" + // line 11: csv (field count)
		"y@example.com;\"Y;10\n" // line 12: csv (unterminated quote) to the end
	srv := newAPIServer(t, func(w http.ResponseWriter, email string, n int) {
		switch {
		case email == "bad200@example.com":
			apiError(w, 200, 400, "Invalid value of field \"_fname\"")
		case email == "bad400@example.com":
			apiError(w, 400, 400, "Incorrect request")
		case email == "busy@example.com" && n == 0:
			w.Header().Set("Retry-After", "1")
			apiError(w, 429, 429, "Too many requests")
		case email == "flaky@example.com" && n < 2:
			w.WriteHeader(503 - n)
			fmt.Fprint(w, "<html>Service Unavailable</html>")
		case email == "drop@example.com" && n == 0:
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		case email == "down@example.com":
			w.WriteHeader(503)
		default:
			ok(w, email)
		}
	})
	// The attempts below are each row's own retry budget. On a loaded
	// machine the failures of flaky, drop and down can span the blip time
	// with no answer between them, and a blip's failures are not charged to
	// the rows (TestBudget covers that): keep this test to the budgets.
	sum, dir, err := runImport(t, srv.URL, csv, func(c *Config) { c.tuning.BlipMin = time.Hour })
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if sum.RowsRead != 11 || sum.Imported != 4 || sum.Rejected != 7 {
		t.Fatalf("summary %+v", sum)
	}
	wantCodes := map[string]int64{"api_400": 2, "http_503": 1, "invalid_value": 1, "missing_key": 1, "csv": 2}
	for c, n := range wantCodes {
		if sum.RejectedByCode[c] != n {
			t.Errorf("rejected %s: %d, want %d (all: %v)", c, sum.RejectedByCode[c], n, sum.RejectedByCode)
		}
	}
	if sum.Throttled != 1 {
		t.Errorf("throttled %d, want 1", sum.Throttled)
	}
	srv.mu.Lock()
	attempts := map[string]int{}
	for k, v := range srv.attempt {
		attempts[k] = v
	}
	srv.mu.Unlock()
	wantAttempts := map[string]int{"ok@example.com": 1, "bad200@example.com": 1, "bad400@example.com": 1, "busy@example.com": 2, "flaky@example.com": 3, "drop@example.com": 2, "down@example.com": 4}
	for k, v := range wantAttempts {
		if attempts[k] != v {
			t.Errorf("%s: %d attempts, want %d", k, attempts[k], v)
		}
	}

	rej := readFile(t, filepath.Join(dir, "in.rejects.csv"))
	lines := strings.Split(strings.TrimSuffix(rej, "\n"), "\n")
	if lines[0] != "Email;Name;Id;reject_line;reject_code;reject_reason" {
		t.Errorf("reject header %q", lines[0])
	}
	// Each rejected row exactly as read, then its line, code and reason.
	wantRows := []string{
		`bad200@example.com;X;2;3;api_400;"Invalid value of field ""_fname"""`,
		`bad400@example.com;X;3;4;api_400;Incorrect request`,
		`down@example.com;X;7;8;http_503;HTTP 503 Service Unavailable (gave up after 4 attempts)`,
		`not-an-email;X;8;9;invalid_value;"column ""Email"": ""not-an-email"" is not a valid email address"`,
		`;X;9;10;missing_key;"empty matching key: column ""Email"" is empty"`,
		`x@example.com;X;11;csv;wrong number of fields: 2, the header has 3`,
		`y@example.com;"Y;10;12;csv;a quote opened on this line never closes before the end of the file`,
	}
	got := append([]string(nil), lines[1:]...)
	slices.Sort(got)
	slices.Sort(wantRows)
	if !slices.Equal(got, wantRows) {
		t.Errorf("reject rows:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(wantRows, "\n     "))
	}

	// Fed back with the same mapping, the reject file is read as input and its
	// reject columns are replaced, not duplicated.
	sum2, dir2, err := runImport(t, srv.URL, rej, nil)
	if err != nil {
		t.Fatalf("second Import: %v", err)
	}
	if sum2.RowsRead != 7 {
		t.Errorf("re-run read %d rows, want 7", sum2.RowsRead)
	}
	rej2 := readFile(t, filepath.Join(dir2, "in.rejects.csv"))
	if h := strings.SplitN(rej2, "\n", 2)[0]; h != "Email;Name;Id;reject_line;reject_code;reject_reason" {
		t.Errorf("re-run reject header %q", h)
	}
	if !regexp.MustCompile(`(?m)^bad200@example.com;X;2;\d+;api_400;"Invalid value of field ""_fname"""\r?$`).MatchString(rej2) ||
		strings.Count(rej2, "\n") != 8 {
		t.Errorf("re-run reject file:\n%s", rej2)
	}
}

func TestImportRunWideErrorStops(t *testing.T) {
	var rows strings.Builder
	rows.WriteString("Email;Name;Id\n")
	for i := range 200 {
		fmt.Fprintf(&rows, "u%d@example.com;U;%d\n", i, i)
	}
	tests := []struct {
		Name   string
		Status int
		Code   int
		Text   string
	}{
		{Name: "invalid token", Status: 403, Code: 403, Text: "Invalid token"},
		{Name: "token required", Status: 401, Code: 401, Text: "API token required"},
		{Name: "tariff limit", Status: 200, Code: 402, Text: "Tariff limit reached"},
		{Name: "unknown database", Status: 404, Code: 404, Text: "Database 5 not found"},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			srv := newAPIServer(t, func(w http.ResponseWriter, email string, n int) {
				apiError(w, tc.Status, tc.Code, tc.Text)
			})
			sum, dir, err := runImport(t, srv.URL, rows.String(), func(c *Config) { c.Rate = 0 })
			var ae *altcraft.APIError
			if !errors.As(err, &ae) || ae.Code != tc.Code {
				t.Fatalf("err = %v, want *altcraft.APIError %d", err, tc.Code)
			}
			if sum.Rejected != 0 {
				t.Errorf("%d rows rejected; a run-wide error must not reject rows", sum.Rejected)
			}
			if n := len(srv.got()); n > 4+1 {
				t.Errorf("%d requests sent after the first run-wide error (4 workers)", n)
			}
			if rej := readFile(t, filepath.Join(dir, "in.rejects.csv")); strings.Count(rej, "\n") != 1 {
				t.Errorf("reject file has rows:\n%s", rej)
			}
			if sum.Stopped == "" {
				t.Error("summary does not say why the run stopped")
			}
		})
	}
}

func TestImportAPIDown(t *testing.T) {
	var rows strings.Builder
	rows.WriteString("Email;Name;Id\n")
	for i := range 500 {
		fmt.Fprintf(&rows, "u%d@example.com;U;%d\n", i, i)
	}
	srv := newAPIServer(t, func(w http.ResponseWriter, email string, n int) { w.WriteHeader(502) })
	sum, _, err := runImport(t, srv.URL, rows.String(), func(c *Config) { c.tuning.MaxFailStreak = 20 })
	var de *send.APIDownError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want *send.APIDownError", err)
	}
	if sum.Rejected > 4 {
		t.Errorf("%d rows rejected while the API was down", sum.Rejected)
	}
	if sum.Imported+sum.Rejected+sum.NotSent > sum.RowsRead {
		t.Errorf("rows accounted twice: %+v", sum)
	}
}

func TestImportMaxRejects(t *testing.T) {
	var rows strings.Builder
	rows.WriteString("Email;Name;Id\n")
	for i := range 100 {
		fmt.Fprintf(&rows, "u%d@example.com;U;x%d\n", i, i) // every Id is invalid
	}
	srv := newAPIServer(t, nil)
	sum, _, err := runImport(t, srv.URL, rows.String(), func(c *Config) { c.MaxRejects = 3 })
	if !errors.Is(err, ErrTooManyRejects) {
		t.Fatalf("err = %v, want ErrTooManyRejects", err)
	}
	if sum.Rejected < 4 || sum.RowsRead == 100 && sum.Rejected == 100 {
		t.Errorf("summary %+v", sum)
	}
}

// Rows sharing a matching key must reach the API one at a time and in file order.
func TestImportSameKeyInFileOrder(t *testing.T) {
	var rows strings.Builder
	rows.WriteString("Email;Name;Id\n")
	for i := range 60 {
		fmt.Fprintf(&rows, "k%d@example.com;U;%d\n", i%3, i)
	}
	var mu sync.Mutex
	active := map[string]int{}
	last := map[string]int{}
	var problems []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct {
			Email string `json:"email"`
			Data  struct {
				ID int `json:"CRM_ID"`
			} `json:"data"`
		}
		_ = json.Unmarshal(body, &req)
		mu.Lock()
		active[req.Email]++
		if active[req.Email] > 1 {
			problems = append(problems, "two rows of "+req.Email+" in flight at once")
		}
		if req.Data.ID < last[req.Email] {
			problems = append(problems, fmt.Sprintf("%s: row %d after row %d", req.Email, req.Data.ID, last[req.Email]))
		}
		last[req.Email] = req.Data.ID
		mu.Unlock()
		time.Sleep(time.Millisecond) // give an overlap the chance to show
		mu.Lock()
		active[req.Email]--
		mu.Unlock()
		ok(w, req.Email)
	}))
	defer srv.Close()
	sum, _, err := runImport(t, srv.URL, rows.String(), func(c *Config) { c.Workers = 8; c.Rate = 0 })
	if err != nil || sum.Imported != 60 {
		t.Fatalf("Import: %v, %+v", err, sum)
	}
	if len(problems) > 0 {
		t.Fatalf("ordering broken:\n%s", strings.Join(problems, "\n"))
	}
	for k, id := range last {
		if id < 57 {
			t.Errorf("%s: last row sent was %d, want the file's last (57..59)", k, id)
		}
	}
}

func TestImportStdinNeedsReject(t *testing.T) {
	m, err := mapping.Parse(strings.NewReader(testMapping), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Import(context.Background(), Config{Mapping: m, Files: []string{"-"}, Stdin: strings.NewReader(fiveRows), URL: "http://127.0.0.1:1", Token: testToken})
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "--reject") {
		t.Fatalf("err = %v, want a usage error naming --reject", err)
	}
}

func TestImportMappingDoesNotFitHeader(t *testing.T) {
	srv := newAPIServer(t, nil)
	_, _, err := runImport(t, srv.URL, "Emial;Name;Id\na@example.com;A;1\n", nil)
	if !errors.Is(err, ErrInput) || !errors.Is(err, mapping.ErrUnknownColumn) || !strings.Contains(err.Error(), "Email") {
		t.Fatalf("err = %v, want ErrInput wrapping mapping.ErrUnknownColumn", err)
	}
	if n := len(srv.got()); n != 0 {
		t.Errorf("%d requests sent before the mapping was checked", n)
	}
}
