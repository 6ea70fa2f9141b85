package send

import (
	"errors"
	"testing"
	"time"

	"github.com/acimport/acimport/internal/altcraft"
)

// TestHealth takes the outage detection through one situation at a time, with made-up times.
func TestHealth(t *testing.T) {
	newH := func() *health {
		return &health{workers: 8, outageAfter: 2 * time.Second, probeFirst: time.Second, probeMax: 4 * time.Second}
	}
	tests := []struct {
		Name  string
		Run   func(h *health) any
		Check func(t *testing.T, h *health, v any)
	}{
		{Name: "before the API ever answered, failures are no outage", Run: func(h *health) any {
			for ms := 0; ms < 10_000; ms += 100 {
				h.failure(at(ms), "502", 0)
			}
			return nil
		}, Check: func(t *testing.T, h *health, _ any) {
			if h.down || h.global(h.streak) {
				t.Error("an outage before the first answer: that is a wrong URL or a dead API, told apart elsewhere")
			}
		}},
		{Name: "failures for less than outageAfter: no outage", Run: func(h *health) any {
			h.answer(at(0))
			for ms := 100; ms < 2000; ms += 100 {
				h.failure(at(ms), "502", 0)
			}
			return nil
		}, Check: func(t *testing.T, h *health, _ any) {
			if h.down {
				t.Error("down after 1.9 s")
			}
		}},
		{Name: "failures for outageAfter with no answer: an outage", Run: func(h *health) any {
			h.answer(at(0))
			for ms := 100; ms <= 2100; ms += 100 {
				h.failure(at(ms), "502", 0)
			}
			return nil
		}, Check: func(t *testing.T, h *health, _ any) {
			if !h.down || !h.downSince.Equal(at(2100)) || !h.nextProbe.Equal(at(3100)) {
				t.Errorf("down %v since %v, next probe %v", h.down, h.downSince.Sub(t0), h.nextProbe.Sub(t0))
			}
		}},
		{Name: "one row failing alone, other workers idle: not an outage", Run: func(h *health) any {
			h.answer(at(0))
			id := uint64(0)
			for ms := 100; ms <= 5000; ms += 100 {
				id = h.failure(at(ms), "502", id)
			}
			return id
		}, Check: func(t *testing.T, h *health, v any) {
			if h.down || h.global(v.(uint64)) {
				t.Error("one row's own failures taken for an outage: it could never be rejected")
			}
		}},
		{Name: "an answer in between restarts the count", Run: func(h *health) any {
			h.answer(at(0))
			for ms := 100; ms <= 3000; ms += 100 {
				if ms == 1500 {
					h.answer(at(ms))
					continue
				}
				h.failure(at(ms), "502", 0)
			}
			return nil
		}, Check: func(t *testing.T, h *health, _ any) {
			if h.down {
				t.Error("down, though the API answered 1.5 s ago")
			}
		}},
		{Name: "a 429 is an answer", Run: func(h *health) any {
			h.answer(at(0))
			h.failure(at(100), "502", 0)
			h.answer(at(200)) // the 429
			h.failure(at(2200), "502", 0)
			return nil
		}, Check: func(t *testing.T, h *health, _ any) {
			if h.down {
				t.Error("down")
			}
		}},
		{Name: "probes at growing intervals, up to probeMax", Run: func(h *health) any {
			h.answer(at(0))
			h.failure(at(100), "502", 0)
			h.failure(at(2100), "502", 0) // down; probe at 3.1 s
			var next []time.Duration
			now := 3100
			for range 4 {
				h.probing = true
				h.failure(at(now), "502", 0)
				h.probeFailed(at(now))
				next = append(next, h.nextProbe.Sub(at(now)))
				now = int(h.nextProbe.Sub(t0) / time.Millisecond)
			}
			return next
		}, Check: func(t *testing.T, h *health, v any) {
			want := []time.Duration{2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}
			got := v.([]time.Duration)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("intervals %v, want %v", got, want)
				}
			}
		}},
		{Name: "the answer to a probe ends the outage", Run: func(h *health) any {
			h.answer(at(0))
			h.failure(at(100), "502", 0)
			id := h.failure(at(2100), "502", 0)
			h.answer(at(3100))
			return id
		}, Check: func(t *testing.T, h *health, v any) {
			if h.down || !h.global(v.(uint64)) {
				t.Errorf("down %v; the outage's streak run-wide: %v", h.down, h.global(v.(uint64)))
			}
		}},
		{Name: "a short blip of several failures is run-wide", Run: func(h *health) any {
			h.answer(at(0))
			id := h.failure(at(100), "502", 0)
			h.failure(at(400), "502", 0)
			h.failure(at(700), "502", 0)
			h.answer(at(800))
			return id
		}, Check: func(t *testing.T, h *health, v any) {
			if !h.global(v.(uint64)) {
				t.Error("a 0.6 s streak with no answer was charged to the rows")
			}
		}},
		{Name: "two failures, then nothing sent for a while: not a blip", Run: func(h *health) any {
			h.answer(at(0))
			id := h.failure(at(100), "502", 0)
			h.failure(at(110), "502", 0)
			h.answer(at(2000))
			return id
		}, Check: func(t *testing.T, h *health, v any) {
			if h.global(v.(uint64)) {
				t.Error("a quiet time in which nothing was sent taken for failures")
			}
		}},
		{Name: "one failure between answers is the row's", Run: func(h *health) any {
			h.answer(at(0))
			id := h.failure(at(100), "502", 0)
			h.answer(at(110))
			return id
		}, Check: func(t *testing.T, h *health, v any) {
			if h.global(v.(uint64)) {
				t.Error("a lone failure counted as run-wide")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			h := newH()
			v := tc.Run(h)
			tc.Check(t, h, v)
		})
	}
}

func TestBudget(t *testing.T) {
	g := newGate(8, time.Minute, 0, Tuning{OutageAfter: time.Hour}, nil)
	clk := &fakeClock{t: t0}
	g.now = clk.now
	g.answered()
	var b, other budget
	// A lone failure between answers: charged.
	clk.advance(time.Millisecond)
	g.failed(false, "502", &b)
	g.answered()
	// Three failures of a 0.6 s blip in which another row failed too: not charged.
	for range 3 {
		clk.advance(300 * time.Millisecond)
		g.failed(false, "502", &b)
		g.failed(false, "502", &other)
	}
	clk.advance(time.Millisecond)
	g.answered()
	// A 429: charged.
	g.charge(&b)
	if got := g.used(&b); got != 2 {
		t.Errorf("used %d, want 2 (the lone failure and the 429)", got)
	}
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// TestShortWhy: a failure is named by its HTTP status, without the page a proxy sent with it,
// and by its reason when the status does not say what failed.
func TestShortWhy(t *testing.T) {
	tests := []struct {
		Name   string
		Result altcraft.Result
		Want   string
	}{
		{Name: "proxy page", Result: altcraft.Result{Status: 502, Reason: "HTTP 502 Bad Gateway: <html>nginx</html>"}, Want: "HTTP 502 Bad Gateway"},
		{Name: "no body", Result: altcraft.Result{Status: 503, Reason: "HTTP 503 Service Unavailable"}, Want: "HTTP 503 Service Unavailable"},
		{Name: "network", Result: altcraft.Result{Reason: "timeout: no answer in time"}, Want: "timeout: no answer in time"},
		{Name: "success status, not the API's answer", Result: altcraft.Result{Status: 200, Reason: "the answer is not the API's JSON: <html>"}, Want: "the answer is not the API's JSON: <html>"},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			if got := shortWhy(tc.Result); got != tc.Want {
				t.Errorf("shortWhy = %q, want %q", got, tc.Want)
			}
		})
	}
}

// TestObserve takes the stop rules of observe through one situation at a time: before the API
// ever answered, a wrong URL stops the run at once and a streak of failures stops it as down;
// after, the same answers are a row's.
func TestObserve(t *testing.T) {
	wrong := errors.New("nothing listens there")
	fatal := errors.New("invalid token")
	refused := altcraft.Result{Kind: altcraft.Transient, Code: "network", Reason: "refused", WrongURL: wrong}
	fail := altcraft.Result{Kind: altcraft.Transient, Status: 502, Reason: "HTTP 502 Bad Gateway: <html>"}
	okAnswer := altcraft.Result{Kind: altcraft.OK}
	tests := []struct {
		Name     string
		Answered bool // the API answered before
		OneRow   bool // the answers are one row's; else each a row of its own
		Answers  []altcraft.Result
		Want     verdict
		Stop     func(error) bool
	}{
		{Name: "wrong URL before any answer", Answers: []altcraft.Result{refused}, Want: runStop,
			Stop: func(err error) bool { return err == wrong }},
		{Name: "wrong URL after an answer is a row's failure", Answered: true, Answers: []altcraft.Result{refused}, Want: rowRetry},
		{Name: "a run-wide refusal", Answers: []altcraft.Result{{Kind: altcraft.Fatal, Err: fatal}}, Want: runStop,
			Stop: func(err error) bool { return err == fatal }},
		{Name: "three failures before any answer: down", Answers: []altcraft.Result{fail, fail, fail}, Want: runStop,
			Stop: func(err error) bool {
				var de *APIDownError
				return errors.As(err, &de) && de.Failures == 3 && de.Last == fail.Reason
			}},
		{Name: "an answer ends the streak", Answers: []altcraft.Result{fail, fail, okAnswer, fail}, Want: rowRetry},
		{Name: "past the row's retries", Answered: true, OneRow: true, Answers: []altcraft.Result{fail, fail, fail}, Want: rowGiveUp},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			g := newGate(8, time.Minute, 2, Tuning{OutageAfter: time.Hour, MaxFailStreak: 3}, nil)
			if tc.Answered {
				g.answered()
			}
			var v verdict
			var stop error
			b := new(budget)
			for _, a := range tc.Answers {
				if !tc.OneRow {
					b = new(budget)
				}
				v, _, stop = g.observe(false, a, b)
				if v == runStop {
					break
				}
			}
			if v != tc.Want || (tc.Stop != nil) != (stop != nil) || (tc.Stop != nil && !tc.Stop(stop)) {
				t.Errorf("verdict %d, stop %v; want %d", v, stop, tc.Want)
			}
		})
	}
}
