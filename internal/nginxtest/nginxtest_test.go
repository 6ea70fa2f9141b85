package nginxtest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// The harness itself: TLS from its CA, the upstream switched off and on by
// reload, limit_req answering 429.
func TestServer(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "upstream") }))
	defer up.Close()
	s := New(t, Config{Upstream: up.Listener.Addr().String(), LimitRPS: 5, Burst: 1})
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: s.TLSConfig()}}
	get := func() (int, string) {
		t.Helper()
		resp, err := c.Get(s.URL + "/api/v1.1/x")
		if err != nil {
			t.Fatalf("GET: %v\n%s", err, s.ErrorLog())
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(); code != 200 || body != "upstream" {
		t.Fatalf("through nginx: %d %q", code, body)
	}
	limited := 0
	for range 10 {
		if code, _ := get(); code == 429 {
			limited++
		}
	}
	if limited == 0 {
		t.Error("limit_req never answered 429")
	}
	if err := s.SetUpstream(false); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // let the bucket refill
	if code, _ := get(); code != 502 {
		t.Errorf("upstream off: %d, want 502", code)
	}
	if err := s.SetUpstream(true); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if code, _ := get(); code != 200 {
		t.Errorf("upstream back on: %d", code)
	}
}
