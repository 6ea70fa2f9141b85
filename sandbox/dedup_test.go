package sandbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/sandbox"
)

// reply is an answer as the client got it; Err is set when it got none.
type reply struct {
	Status int
	Header http.Header
	Body   string
	Err    error
}

func (r reply) duplicate() bool { return r.Header.Get("Duplicate-Request") == "true" }

// send posts raw to method with Content-Type application/json and the given
// header pairs, over a connection of its own, so that a lost answer fails
// this request only.
func send(t testing.TB, base string, method altcraft.Method, raw []byte, headers ...string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+method.Path(), bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		return reply{Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: string(b), Err: err}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// incrBody credits a@example.io with n points.
func incrBody(t testing.TB, n int) []byte {
	return mustJSON(t, obj{"token": "t", "db_id": 1, "email": "a@example.io", "data": obj{"Points": obj{"action": "incr", "value": n}}})
}

// points is a@example.io's balance, or -1 without the profile.
func points(t testing.TB, s *sandbox.Server) float64 {
	t.Helper()
	p := profileByEmail(s, "a@example.io")
	if p == nil {
		return -1
	}
	v, _ := p.Data["Points"].(float64)
	return v
}

func TestDedupReplaysTheFirstAnswer(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{})
	first := send(t, ts.URL, altcraft.MethodImport, incrBody(t, 5), "Request-ID", "imp-1/row-2")
	if first.Err != nil || first.Status != 200 || first.duplicate() || first.Header.Get("Duplicate-Key") != "" {
		t.Fatalf("first: %+v", first)
	}
	again := send(t, ts.URL, altcraft.MethodImport, incrBody(t, 5), "Request-ID", "imp-1/row-2")
	if again.Err != nil || again.Status != first.Status || again.Body != first.Body {
		t.Fatalf("repeat: %d %s, want the first answer %d %s", again.Status, again.Body, first.Status, first.Body)
	}
	if !again.duplicate() || again.Header.Get("Duplicate-Key") != "imp-1/row-2" || again.Header.Get("Content-Type") != "application/json" {
		t.Errorf("repeat's headers %v", again.Header)
	}
	// The key is the Request-ID alone: another body under the same id is
	// still the request already applied.
	other := send(t, ts.URL, altcraft.MethodImport, incrBody(t, 7), "Request-ID", "imp-1/row-2")
	if other.Body != first.Body || !other.duplicate() {
		t.Errorf("same id, other body: %d %s %v", other.Status, other.Body, other.Header)
	}
	if p := points(t, s); p != 5 {
		t.Errorf("Points = %v after the request and two repeats, want 5", p)
	}
	if st := s.Stats(); st.Requests != 3 || st.Created != 1 || st.Updated != 0 || st.Replayed != 2 {
		t.Errorf("stats %+v", st)
	}
	// A new id is a new request.
	if r := send(t, ts.URL, altcraft.MethodImport, incrBody(t, 5), "Request-ID", "imp-1/row-3"); r.duplicate() || points(t, s) != 10 {
		t.Errorf("a new id: %+v, Points %v", r, points(t, s))
	}
}

// An error answer is remembered as well: the platform answered it.
func TestDedupReplaysAnError(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{})
	bad := mustJSON(t, obj{"token": "t", "db_id": 1, "email": "a@example.io", "data": obj{"_bdate": "1990-02-31"}})
	first := send(t, ts.URL, altcraft.MethodImport, bad)
	again := send(t, ts.URL, altcraft.MethodImport, bad)
	if first.Status != 400 || first.duplicate() || again.Status != 400 || again.Body != first.Body || !again.duplicate() {
		t.Errorf("first %+v, repeat %+v", first, again)
	}
	if st := s.Stats(); st.Rejected != 1 || st.Replayed != 1 {
		t.Errorf("stats %+v", st)
	}
}

var hexKey = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestDedupChecksumKey(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{})
	body := incrBody(t, 5)
	// Without Request-ID, a differing header (an older platform's
	// X-Request-ID) makes a new key: both are applied.
	a := send(t, ts.URL, altcraft.MethodImport, body, "X-Request-ID", "a")
	b := send(t, ts.URL, altcraft.MethodImport, body, "X-Request-ID", "b")
	if a.duplicate() || b.duplicate() || points(t, s) != 10 {
		t.Fatalf("X-Request-ID a, b: %v / %v, Points %v, want 10", a.Header, b.Header, points(t, s))
	}
	// The same bytes and headers again: a replay, keyed by the checksum.
	c := send(t, ts.URL, altcraft.MethodImport, body, "X-Request-ID", "b")
	if !c.duplicate() || c.Body != b.Body || !hexKey.MatchString(c.Header.Get("Duplicate-Key")) || points(t, s) != 10 {
		t.Fatalf("X-Request-ID b again: %+v, Points %v", c, points(t, s))
	}
	// No id at all: identical bytes are one request.
	d := send(t, ts.URL, altcraft.MethodImport, body)
	e := send(t, ts.URL, altcraft.MethodImport, body)
	if d.duplicate() || !e.duplicate() || e.Body != d.Body || points(t, s) != 15 {
		t.Fatalf("no id, twice: %v / %v, Points %v, want 15", d.Header, e.Header, points(t, s))
	}
	if e.Header.Get("Duplicate-Key") == c.Header.Get("Duplicate-Key") {
		t.Error("two different requests have the same checksum key")
	}
	// The same body to another method is another request.
	if u := send(t, ts.URL, altcraft.MethodUpdate, body); u.duplicate() || points(t, s) != 20 {
		t.Errorf("same body to profiles/update: %+v, Points %v", u, points(t, s))
	}
}

func TestDedupOff(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{DedupWindow: -1})
	for range 2 {
		if r := send(t, ts.URL, altcraft.MethodImport, incrBody(t, 5), "Request-ID", "same"); r.Status != 200 || r.duplicate() {
			t.Fatalf("%+v", r)
		}
	}
	if p := points(t, s); p != 10 {
		t.Errorf("Points = %v with deduplication off, want 10 (applied twice)", p)
	}
	if st := s.Stats(); st.Replayed != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestDedupWithDiscard(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{Discard: true})
	first := send(t, ts.URL, altcraft.MethodImport, incrBody(t, 5))
	again := send(t, ts.URL, altcraft.MethodImport, incrBody(t, 5))
	if first.duplicate() || !again.duplicate() || again.Body != first.Body {
		t.Errorf("first %+v, repeat %+v", first, again)
	}
	if st := s.Stats(); st.Created != 1 || st.Replayed != 1 {
		t.Errorf("stats %+v", st)
	}
}

// Every import method is deduplicated: a repeated batch is not applied again.
func TestDedupEveryMethod(t *testing.T) {
	for _, c := range []struct {
		method altcraft.Method
		body   obj
	}{
		{altcraft.MethodImport, obj{"email": "a@example.io", "data": obj{"Points": obj{"action": "incr", "value": 5}}}},
		{altcraft.MethodUpdate, obj{"email": "a@example.io", "data": obj{"Points": obj{"action": "incr", "value": 5}}}},
		{altcraft.MethodAdd, obj{"data": obj{"email": "b@example.io"}}},
		{altcraft.MethodImportBatch, obj{"data": []obj{{"email": "a@example.io", "Points": obj{"action": "incr", "value": 5}}, {"email": "b@example.io"}}}},
		{altcraft.MethodUpdateBatch, obj{"data": []obj{{"email": "a@example.io", "Points": obj{"action": "incr", "value": 5}}}}},
		{altcraft.MethodAddBatch, obj{"data": []obj{{"email": "b@example.io"}, {"email": "c@example.io"}}}},
	} {
		t.Run(string(c.method), func(t *testing.T) {
			ts, s := newServer(t, sandbox.Config{})
			send(t, ts.URL, altcraft.MethodImport, incrBody(t, 10))
			body := mustJSON(t, with(c.body, obj{"token": "t", "db_id": 1}))
			first := send(t, ts.URL, c.method, body, "Request-ID", "r1")
			if first.Status != 200 || first.duplicate() {
				t.Fatalf("first: %+v", first)
			}
			before := shortJSONOf(s.Profiles())
			for range 2 {
				again := send(t, ts.URL, c.method, body, "Request-ID", "r1")
				if again.Status != 200 || again.Body != first.Body || !again.duplicate() {
					t.Fatalf("repeat: %+v, want %s", again, first.Body)
				}
				if after := shortJSONOf(s.Profiles()); after != before {
					t.Fatalf("a replay changed the store:\n%s\n%s", before, after)
				}
			}
			if st := s.Stats(); st.Replayed != 2 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestLoseRate(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{LoseRate: 1})
	lost := send(t, ts.URL, altcraft.MethodImport, incrBody(t, 5), "Request-ID", "r1")
	if lost.Err == nil {
		t.Fatalf("an answer at lose rate 1: %+v", lost)
	}
	if p := points(t, s); p != 5 {
		t.Fatalf("Points = %v after a lost answer, want 5: the request is applied", p)
	}
	// The retry is not lost again: it gets the first answer, as a replay.
	retry := send(t, ts.URL, altcraft.MethodImport, incrBody(t, 5), "Request-ID", "r1")
	if retry.Err != nil || retry.Status != 200 || !retry.duplicate() || !profileIDPattern.MatchString(profileIDOf(t, retry.Body)) {
		t.Fatalf("retry: %+v", retry)
	}
	if p := points(t, s); p != 5 {
		t.Errorf("Points = %v after the retry, want 5", p)
	}
	// Another request is lost once too.
	if r := send(t, ts.URL, altcraft.MethodImport, incrBody(t, 5), "Request-ID", "r2"); r.Err == nil {
		t.Errorf("r2 answered at lose rate 1: %+v", r)
	}
	if st := s.Stats(); st.Lost != 2 || st.Replayed != 1 || st.Created+st.Updated != 2 || st.Faults != 0 {
		t.Errorf("stats %+v", st)
	}
}

// Without deduplication a lost request's retry is applied again — what a
// client must count as in doubt — and answered: each request is lost once.
func TestLoseRateWithoutDedup(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{LoseRate: 1, DedupWindow: -1})
	if r := send(t, ts.URL, altcraft.MethodImportBatch, mustJSON(t, obj{"token": "t", "db_id": 1, "data": []obj{{"email": "a@example.io", "Points": obj{"action": "incr", "value": 5}}}})); r.Err == nil {
		t.Fatalf("answered: %+v", r)
	}
	r := send(t, ts.URL, altcraft.MethodImportBatch, mustJSON(t, obj{"token": "t", "db_id": 1, "data": []obj{{"email": "a@example.io", "Points": obj{"action": "incr", "value": 5}}}}))
	if r.Err != nil || r.Status != 200 || r.duplicate() {
		t.Fatalf("retry: %+v", r)
	}
	if p := points(t, s); p != 10 {
		t.Errorf("Points = %v, want 10: applied twice without deduplication", p)
	}
}

func TestLoseRateIsSeeded(t *testing.T) {
	run := func() []bool {
		ts, _ := newServer(t, sandbox.Config{LoseRate: 0.5, Seed: 7})
		var out []bool
		for i := range 40 {
			out = append(out, send(t, ts.URL, altcraft.MethodImport, incrBody(t, i)).Err != nil)
		}
		return out
	}
	first, second := run(), run()
	n := 0
	for i := range first {
		if first[i] {
			n++
		}
		if first[i] != second[i] {
			t.Fatalf("request %d: lost %v, then %v with the same seed", i, first[i], second[i])
		}
	}
	if n < 8 || n > 32 {
		t.Errorf("%d of 40 lost at rate 0.5", n)
	}
}

func profileIDOf(t testing.TB, body string) string {
	var a struct {
		ProfileID string `json:"profile_id"`
	}
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return a.ProfileID
}

// A fault the sandbox injects stands for a proxy or a network between the
// client and the platform: the request was not applied, so nothing is
// remembered and its retry is applied for real.
func TestDedupForgetsFaults(t *testing.T) {
	t.Run("fail-rate", func(t *testing.T) {
		ts, s := newServer(t, sandbox.Config{FailRate: 0.5, Seed: 3})
		failed := 0
		var r reply
		for range 100 {
			r = send(t, ts.URL, altcraft.MethodImport, incrBody(t, 5), "Request-ID", "r1")
			if r.Status < 500 {
				break
			}
			failed++
		}
		if failed == 0 || r.Status != 200 || r.duplicate() || points(t, s) != 5 {
			t.Fatalf("after %d failures: %+v, Points %v", failed, r, points(t, s))
		}
	})
	t.Run("drop-rate", func(t *testing.T) {
		ts, s := newServer(t, sandbox.Config{DropRate: 0.5, Seed: 3})
		dropped := 0
		var r reply
		for range 100 {
			if r = send(t, ts.URL, altcraft.MethodImport, incrBody(t, 5), "Request-ID", "r1"); r.Err == nil {
				break
			}
			dropped++
		}
		if dropped == 0 || r.Status != 200 || r.duplicate() || points(t, s) != 5 {
			t.Fatalf("after %d drops: %+v, Points %v", dropped, r, points(t, s))
		}
	})
	t.Run("token", func(t *testing.T) {
		ts, s := newServer(t, sandbox.Config{Token: "good"})
		bad := send(t, ts.URL, altcraft.MethodImport, mustJSON(t, obj{"token": "bad", "db_id": 1, "email": "a@example.io"}), "Request-ID", "r1")
		good := send(t, ts.URL, altcraft.MethodImport, mustJSON(t, obj{"token": "good", "db_id": 1, "email": "a@example.io"}), "Request-ID", "r1")
		if bad.Status != 403 || good.Status != 200 || good.duplicate() || len(s.Profiles()) != 1 {
			t.Fatalf("bad token %+v, then the good one %+v", bad, good)
		}
	})
}

// Requests with the same key sent at once are applied once: one is answered
// as applied, the others with its answer as replays. (Run with -race.)
func TestDedupConcurrentSameKey(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{})
	const n = 16
	replies := make([]reply, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies[i] = send(t, ts.URL, altcraft.MethodImport, incrBody(t, 5), "Request-ID", "r1")
		}()
	}
	wg.Wait()
	applied := 0
	for i, r := range replies {
		if r.Err != nil || r.Status != 200 || r.Body != replies[0].Body {
			t.Fatalf("reply %d: %+v, reply 0: %s", i, r, replies[0].Body)
		}
		if !r.duplicate() {
			applied++
		}
	}
	if applied != 1 || points(t, s) != 5 {
		t.Errorf("%d answered as applied, Points %v: want 1 and 5", applied, points(t, s))
	}
	if st := s.Stats(); st.Replayed != n-1 || st.Created != 1 {
		t.Errorf("stats %+v", st)
	}
}

// A body too large to read has no key: it is answered, never remembered.
func TestDedupForgetsUnreadBodies(t *testing.T) {
	ts, _ := newServer(t, sandbox.Config{MaxBodyBytes: 64})
	big := mustJSON(t, obj{"token": "t", "db_id": 1, "email": "a@example.io", "data": obj{"_fname": strings.Repeat("x", 100)}})
	for range 2 {
		r := send(t, ts.URL, altcraft.MethodImport, big, "Request-ID", "r1")
		if r.Status != 400 || r.duplicate() {
			t.Fatalf("%+v", r)
		}
	}
}
