package sandbox

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/acimport/acimport/internal/altcraft"
)

const body1 = `{"token":"t","db_id":1,"email":"a@example.io","data":{"Points":{"action":"incr","value":5}}}`

func keyOf(t *testing.T, requestID string) dedupKey {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, altcraft.MethodImport.Path(), nil)
	r.Header.Set("Request-ID", requestID)
	k, shown := requestKey(r, nil)
	if shown != requestID {
		t.Fatalf("shown key %q", shown)
	}
	return k
}

// sendN posts body1 with Request-ID r1 n times at once, once the first
// request of key r1 is in flight (held by the test), and returns the
// answers once they all got to wait for it and then release ran.
func sendN(t *testing.T, s *Server, url string, n int, release func()) []string {
	t.Helper()
	out := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, url+altcraft.MethodImport.Path(), bytes.NewReader([]byte(body1)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Request-ID", "r1")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				out[i] = err.Error()
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			out[i] = resp.Header.Get("Duplicate-Request") + " " + string(b)
		}()
	}
	for s.dedup.waiting.Load() < int32(n) {
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
	release()
	wg.Wait()
	return out
}

// Repeats of a request being applied wait for its answer and replay it.
func TestDedupWaitersGetTheAnswer(t *testing.T) {
	s := New(Config{})
	ts := httptest.NewServer(s)
	defer ts.Close()
	m, owner := s.dedup.claim(keyOf(t, "r1"))
	if !owner {
		t.Fatal("not the owner of a new key")
	}
	got := sendN(t, s, ts.URL, 4, func() { s.dedup.answer(m, 200, jsonContentType, []byte(`{"error":0,"first":true}`)) })
	for i, a := range got {
		if a != `true {"error":0,"first":true}` {
			t.Errorf("waiter %d: %s", i, a)
		}
	}
	if n := len(s.Profiles()); n != 0 {
		t.Errorf("%d profiles: a waiter applied the request", n)
	}
}

// When the request in flight ends with no answer to remember, exactly one of
// its waiting repeats applies it.
func TestDedupWaitersApplyAnAbandonedRequest(t *testing.T) {
	s := New(Config{})
	ts := httptest.NewServer(s)
	defer ts.Close()
	m, _ := s.dedup.claim(keyOf(t, "r1"))
	got := sendN(t, s, ts.URL, 4, func() { s.dedup.abandon(m) })
	applied := 0
	for _, a := range got {
		if a[0] == ' ' {
			applied++
		}
	}
	if applied != 1 || s.Stats().Created != 1 || s.Stats().Replayed != 3 {
		t.Errorf("%d applied, stats %+v: %q", applied, s.Stats(), got)
	}
}

func TestDedupExpiry(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	d := newDedup(Config{})
	d.now = func() time.Time { return now }
	if d.window != 24*time.Hour {
		t.Fatalf("default window %v", d.window)
	}
	k1, k2 := keyOf(t, "1"), keyOf(t, "2")
	m, _ := d.claim(k1)
	d.answer(m, 200, nil, []byte("a"))
	now = now.Add(23 * time.Hour)
	m, _ = d.claim(k2)
	d.answer(m, 200, nil, []byte("b"))
	if _, owner := d.claim(k1); owner {
		t.Fatal("forgotten within the window")
	}
	now = now.Add(2 * time.Hour)
	if m, owner := d.claim(k1); !owner {
		t.Fatal("remembered past the window")
	} else {
		d.abandon(m)
	}
	if _, owner := d.claim(k2); owner {
		t.Fatal("the younger one forgotten")
	}
	if n, _ := d.remembered(); n != 1 {
		t.Errorf("%d remembered", n)
	}
}

func TestDedupMaxBytes(t *testing.T) {
	d := newDedup(Config{DedupMaxBytes: 10 * memoOverhead})
	for i := range 100 {
		m, owner := d.claim(dedupKey{byte(i)})
		if !owner {
			t.Fatalf("%d: not new", i)
		}
		d.answer(m, 200, nil, []byte("x"))
	}
	d.mu.Lock()
	d.expire()
	d.mu.Unlock()
	n, bytes := d.remembered()
	if n > 10 || bytes > 10*memoOverhead {
		t.Errorf("%d answers, %d bytes remembered over a limit of %d", n, bytes, 10*memoOverhead)
	}
	if _, owner := d.claim(dedupKey{99}); owner {
		t.Error("the newest forgotten")
	}
	if m, owner := d.claim(dedupKey{0}); !owner {
		t.Error("the oldest still remembered")
	} else {
		d.abandon(m)
	}
}
