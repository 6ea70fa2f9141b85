package sandbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/acimport/acimport/sandbox"

	"github.com/acimport/acimport/internal/altcraft"
)

// answer is an import answer as a client sees it.
type answer struct {
	Status    int
	Error     int    `json:"error"`
	ErrorText string `json:"error_text"`
	ProfileID string `json:"profile_id"`
	Header    http.Header
	Body      string
}

func newServer(t testing.TB, cfg sandbox.Config) (*httptest.Server, *sandbox.Server) {
	t.Helper()
	s := sandbox.New(cfg)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts, s
}

// post sends body (a string as it is, anything else JSON-encoded) to the
// import endpoint with Content-Type application/json and the given headers.
func post(t testing.TB, client *http.Client, base string, body any, headers ...string) answer {
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(http.MethodPost, base+altcraft.MethodImport.Path(), bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
	if resp.Header.Get("Content-Type") == "application/json" {
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatalf("answer %d is not JSON: %v: %s", resp.StatusCode, err, b)
		}
	}
	return a
}

// obj is shorthand for a JSON object in request tables.
type obj = map[string]any

// with returns a copy of base with the keys of extra set (nil deletes).
func with(base obj, extra obj) obj {
	out := obj{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range extra {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func getJSON(t testing.TB, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func shortJSONOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}
