package sandbox_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acimport/acimport/sandbox"

	"github.com/acimport/acimport/internal/altcraft"
)

func TestMalformedRequests(t *testing.T) {
	good := `{"token":"t","db_id":1,"email":"a@example.io"}`
	tests := []struct {
		Name        string
		Body        string
		ContentType string
		Chunked     bool
		Text        string
	}{
		{Name: "malformed JSON", Body: `{"token":"t",`, Text: "Malformed JSON"},
		{Name: "trailing garbage", Body: good + `}`, Text: "Malformed JSON"},
		{Name: "array body", Body: `[1,2]`, Text: "must be a JSON object"},
		{Name: "string body", Body: `"hello"`, Text: "must be a JSON object"},
		{Name: "null body", Body: `null`, Text: "must be a JSON object"},
		{Name: "empty body", Body: ``, Text: "empty"},
		{Name: "plain text", Body: good, ContentType: "text/plain", Text: "Content-Type"},
		{Name: "form", Body: good, ContentType: "application/x-www-form-urlencoded", Text: "Content-Type"},
		{Name: "no content type", Body: good, ContentType: "-", Text: "Content-Type"},
		{Name: "body over the limit", Body: `{"token":"t","db_id":1,"email":"a@example.io","data":{"note":"` + strings.Repeat("x", 300) + `"}}`, Text: "exceeds 256 bytes"},
		{Name: "chunked body over the limit", Body: `{"token":"t","db_id":1,"email":"a@example.io","data":{"note":"` + strings.Repeat("x", 300) + `"}}`, Chunked: true, Text: "exceeds 256 bytes"},
		{Name: "content type with parameters", Body: good, ContentType: "application/json; charset=utf-8"},
		{Name: "content type in capitals", Body: good, ContentType: "Application/JSON"},
		{Name: "chunked body under the limit", Body: good, Chunked: true},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			ts, s := newServer(t, sandbox.Config{MaxBodyBytes: 256})
			var body io.Reader = strings.NewReader(tt.Body)
			if tt.Chunked {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			req, _ := http.NewRequest(http.MethodPost, ts.URL+altcraft.MethodImport.Path(), body)
			switch tt.ContentType {
			case "":
				req.Header.Set("Content-Type", "application/json")
			case "-":
			default:
				req.Header.Set("Content-Type", tt.ContentType)
			}
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var a answer
			if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
				t.Fatalf("answer is not JSON: %v", err)
			}
			want, wantError := http.StatusBadRequest, http.StatusBadRequest
			if tt.Text == "" {
				want, wantError = http.StatusOK, 0
			}
			if resp.StatusCode != want || a.Error != wantError || !strings.Contains(a.ErrorText, tt.Text) {
				t.Errorf("got %d %+v, want %d %q", resp.StatusCode, a, want, tt.Text)
			}
			if want == 400 && s.Stats().Rejected != 1 {
				t.Errorf("stats %+v", s.Stats())
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{})
	tests := []struct {
		Name   string
		Method string
		Path   string
		Status int
		Allow  string
	}{
		{Name: "GET on import", Method: "GET", Path: altcraft.MethodImport.Path(), Status: 405, Allow: "POST"},
		{Name: "PUT on import", Method: "PUT", Path: altcraft.MethodImport.Path(), Status: 405, Allow: "POST"},
		{Name: "POST on profiles", Method: "POST", Path: "/sandbox/profiles", Status: 405, Allow: "GET"},
		{Name: "DELETE on stats", Method: "DELETE", Path: "/sandbox/stats", Status: 405, Allow: "GET"},
		{Name: "unknown path", Method: "POST", Path: "/api/v1.1/profiles/delete", Status: 404},
		{Name: "root", Method: "GET", Path: "/", Status: 404},
		{Name: "profiles", Method: "GET", Path: "/sandbox/profiles", Status: 200},
		{Name: "stats", Method: "GET", Path: "/sandbox/stats", Status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.Method, ts.URL+tt.Path, nil)
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("answer is not JSON: %v", err)
			}
			if resp.StatusCode != tt.Status || resp.Header.Get("Allow") != tt.Allow {
				t.Errorf("got %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
			}
			if tt.Status != 200 && body["error"] != float64(tt.Status) {
				t.Errorf("body %v", body)
			}
		})
	}
	if st := s.Stats(); st.Requests != 0 {
		t.Errorf("routing errors counted as import requests: %+v", st)
	}
}

func TestInspectionEndpoints(t *testing.T) {
	ts, _ := newServer(t, sandbox.Config{})
	c := ts.Client()
	post(t, c, ts.URL, obj{"token": "t", "db_id": 2, "email": "a@example.io", "data": obj{"CRM_ID": 7}})
	post(t, c, ts.URL, obj{"token": "t", "db_id": 1, "matching": "phone", "phone": "+79001234567"})
	post(t, c, ts.URL, obj{"token": "t", "db_id": 2, "email": "a@example.io"})
	post(t, c, ts.URL, obj{"token": "t", "db_id": 2, "email": "bad"})

	var profiles map[string][]map[string]any
	getJSON(t, ts.URL+"/sandbox/profiles", &profiles)
	list, ok := profiles["profiles"]
	if !ok || len(profiles) != 1 || len(list) != 2 {
		t.Fatalf("profiles answer %v", profiles)
	}
	for i, want := range []struct {
		DB   float64
		Data string
	}{
		{2, `{"CRM_ID":7,"email":"a@example.io"}`},
		{1, `{"phones":["+79001234567"]}`},
	} {
		p := list[i]
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range p {
				if !yield(k) {
					return
				}
			}
		})
		if shortJSONOf(keys) != `["data","db_id","profile_id"]` {
			t.Errorf("profile %d keys %v", i, keys)
		}
		if p["db_id"] != want.DB || shortJSONOf(p["data"]) != want.Data || !profileIDPattern.MatchString(p["profile_id"].(string)) {
			t.Errorf("profile %d: %v", i, p)
		}
	}

	var stats map[string]any
	getJSON(t, ts.URL+"/sandbox/stats", &stats)
	if got := shortJSONOf(stats); got != `{"created":2,"faults":0,"lost":0,"rejected":1,"replayed":0,"requests":4,"updated":1}` {
		t.Errorf("stats %s", got)
	}

	var empty map[string]any
	ts2, _ := newServer(t, sandbox.Config{})
	getJSON(t, ts2.URL+"/sandbox/profiles", &empty)
	if shortJSONOf(empty) != `{"profiles":[]}` {
		t.Errorf("empty store: %s", shortJSONOf(empty))
	}
}

func TestProfilesIsASnapshot(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{})
	post(t, ts.Client(), ts.URL, obj{"token": "t", "db_id": 1, "email": "a@example.io", "data": obj{"tags": []any{"a"}}})
	p := s.Profiles()
	p[0].Data["email"] = "changed@example.io"
	p[0].Data["tags"].([]any)[0] = "changed"
	if got := shortJSONOf(s.Profiles()[0].Data); got != `{"email":"a@example.io","tags":["a"]}` {
		t.Errorf("store changed through a snapshot: %s", got)
	}
}

func TestStartAndClose(t *testing.T) {
	inst, err := sandbox.Start("127.0.0.1:0", sandbox.Config{Token: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(inst.URL, "http://127.0.0.1:") {
		t.Errorf("URL %q", inst.URL)
	}
	a := post(t, http.DefaultClient, inst.URL, obj{"db_id": 1, "email": "a@example.io"}, "Authorization", "Bearer secret")
	if a.Status != 200 || inst.Server.Stats().Created != 1 {
		t.Errorf("import: %d %s", a.Status, a.Body)
	}
	if err := inst.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if resp, err := http.Get(inst.URL + "/sandbox/stats"); err == nil {
		resp.Body.Close()
		t.Error("still serving after Close")
	}
}

func TestConcurrentImports(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{})
	const workers, each = 8, 50
	done := make(chan struct{})
	for w := range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range each {
				// Every worker writes the same 50 profiles.
				post(t, ts.Client(), ts.URL, obj{"token": "t", "db_id": 1 + i%2, "email": "u" + string(rune('a'+i%26)) + shortJSONOf(i) + "@example.io", "data": obj{"w": w}})
			}
		}()
	}
	for range workers {
		<-done
	}
	st := s.Stats()
	if st.Created != each || st.Updated != workers*each-each || len(s.Profiles()) != each {
		t.Errorf("stats %+v, %d profiles", st, len(s.Profiles()))
	}
}

func TestNilBodyInProcess(t *testing.T) {
	s := sandbox.New(sandbox.Config{})
	req := httptest.NewRequest(http.MethodPost, altcraft.MethodImport.Path(), nil)
	req.Header.Set("Content-Type", "application/json")
	req.Body = nil
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 400 {
		t.Errorf("got %d %s", rec.Code, rec.Body)
	}
}

func TestCloseDuringLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the shutdown grace period")
	}
	inst, err := sandbox.Start("127.0.0.1:0", sandbox.Config{Latency: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		resp, err := http.Post(inst.URL+altcraft.MethodImport.Path(), "application/json",
			strings.NewReader(`{"token":"t","db_id":1,"email":"a@example.io"}`))
		if err == nil {
			resp.Body.Close()
			err = fmt.Errorf("got %s", resp.Status)
		} else {
			err = nil
		}
		errc <- err
	}()
	for inst.Server.Stats().Requests == 0 {
		time.Sleep(time.Millisecond)
	}
	if err := inst.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := <-errc; err != nil {
		t.Errorf("a request cut by Close must get no answer: %v", err)
	}
}
