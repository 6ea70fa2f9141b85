package altcraft

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// The request id travels in both headers the platforms read, a replayed
// answer is told from a new one, and a request that may have been applied
// without an answer is told from one that never left.
func TestRequestIDReplayedAmbiguous(t *testing.T) {
	var mu sync.Mutex
	var gotID, gotX string
	got := func() (string, string) { mu.Lock(); defer mu.Unlock(); return gotID, gotX }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gotID, gotX = r.Header.Get("Request-ID"), r.Header.Get("X-Request-ID")
		mu.Unlock()
		switch r.Header.Get("Request-ID") {
		case "dup":
			w.Header().Set("Duplicate-Request", "true")
		case "xdup":
			w.Header().Set("X-Duplicate-Request", "True")
		case "504":
			w.WriteHeader(http.StatusGatewayTimeout)
			return
		case "503":
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		case "slow":
			time.Sleep(300 * time.Millisecond)
		case "close":
			hj, _ := w.(http.Hijacker)
			c, _, _ := hj.Hijack()
			c.Close()
			return
		}
		w.Write(AppendSuccess(nil, "p1"))
	}))
	defer srv.Close()
	c, err := NewClient(Options{URL: srv.URL, Token: "tok", Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id                  string
		kind                Kind
		replayed, ambiguous bool
	}{
		{"a-0-2", OK, false, false},
		{"dup", OK, true, false},
		{"xdup", OK, true, false},
		{"504", Transient, false, true},
		{"503", Transient, false, false},
		{"slow", Transient, false, true},
		{"close", Transient, false, true},
	} {
		res := c.Send(context.Background(), Request{Method: MethodImport, Body: []byte(`{"db_id":1}`), ID: tc.id})
		if res.Kind != tc.kind || res.Replayed != tc.replayed || res.Ambiguous != tc.ambiguous {
			t.Errorf("%s: kind %d replayed %v ambiguous %v (%s), want %d %v %v", tc.id, res.Kind, res.Replayed, res.Ambiguous, res.Reason, tc.kind, tc.replayed, tc.ambiguous)
		}
		if id, x := got(); id != tc.id || x != tc.id {
			t.Errorf("%s: Request-ID %q, X-Request-ID %q", tc.id, id, x)
		}
	}
	// Nothing listens: the request never left.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	c2, _ := NewClient(Options{URL: "http://" + addr, Token: "tok", Timeout: 100 * time.Millisecond})
	if res := c2.Send(context.Background(), Request{Method: MethodImport, Body: []byte(`{}`), ID: "x"}); res.Ambiguous {
		t.Errorf("connection refused counted as ambiguous: %+v", res)
	}
	// No id: neither header.
	c.Send(context.Background(), Request{Method: MethodImport, Body: []byte(`{"db_id":1}`)})
	if id, x := got(); id != "" || x != "" {
		t.Errorf("without an id: Request-ID %q, X-Request-ID %q", id, x)
	}
}
