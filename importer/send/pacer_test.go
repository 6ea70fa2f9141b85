package send

import (
	"math"
	"testing"
	"time"
)

var t0 = time.Unix(1_000_000, 0)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// TestAIMD takes the pacing policy through one situation at a time, with made-up times.
func TestAIMD(t *testing.T) {
	// steady: 100 answers a second at a limit of 100 that binds, for a second.
	steady := func(c aimd, from, ms int, every int, throttled bool) aimd {
		for m := from; m < from+ms; m += every {
			c = c.Held(at(m))
			c = c.Answer(at(m), at(m), throttled, 0)
		}
		return c
	}
	tests := []struct {
		Name  string
		Run   func() aimd
		Limit float64 // want, within 1%
		Check func(t *testing.T, c aimd)
	}{
		{Name: "a fixed --rate, no 429: the pace stays at --rate", Run: func() aimd {
			return steady(newAIMD(100, at(0)), 0, 5000, 10, false)
		}, Limit: 100},
		{Name: "a 429 at --rate cuts a tenth", Run: func() aimd {
			c := steady(newAIMD(100, at(0)), 0, 1000, 10, false)
			return c.Answer(at(1000), at(999), true, 0)
		}, Limit: 90},
		{Name: "429s to requests sent before the cut do not cut again", Run: func() aimd {
			c := steady(newAIMD(100, at(0)), 0, 1000, 10, false)
			c = c.Answer(at(1000), at(999), true, 0)
			c = c.Answer(at(1001), at(995), true, 0)
			return c.Answer(at(1002), at(999), true, 0)
		}, Limit: 90},
		{Name: "a 429 to a request sent just after the cut is still the old pace's", Run: func() aimd {
			c := steady(newAIMD(100, at(0)), 0, 1000, 10, false)
			c = c.Answer(at(1000), at(999), true, 0)
			return c.Answer(at(1031), at(1030), true, 0)
		}, Limit: 90},
		{Name: "a 429 to a request sent after the cut has settled cuts again", Run: func() aimd {
			c := steady(newAIMD(100, at(0)), 0, 1000, 10, false)
			c = c.Answer(at(1000), at(999), true, 0)
			return c.Answer(at(1061), at(1060), true, 0)
		}, Limit: 81},
		{Name: "additive increase: the step a second while the limit binds", Run: func() aimd {
			c := steady(newAIMD(100, at(0)), 0, 1000, 10, false)
			c = c.Answer(at(1000), at(999), true, 0) // 90, step 9/s
			return steady(c, 1000, 1000, 10, false)
		}, Limit: 99},
		{Name: "the increase stops at --rate", Run: func() aimd {
			c := steady(newAIMD(100, at(0)), 0, 1000, 10, false)
			c = c.Answer(at(1000), at(999), true, 0)
			return steady(c, 1000, 10000, 10, false)
		}, Limit: 100},
		{Name: "no increase while the limit does not bind", Run: func() aimd {
			c := steady(newAIMD(100, at(0)), 0, 1000, 10, false)
			c = c.Answer(at(1000), at(999), true, 0)
			for m := 1000; m < 5000; m += 20 {
				c = c.Answer(at(m), at(m), false, 0) // 50 answers a second, never held back
			}
			return c
		}, Check: func(t *testing.T, c aimd) {
			if c.Limit > 92.5 {
				t.Errorf("limit %v: rose while the workers did not use it", c.Limit)
			}
		}},
		{Name: "--rate 0: no limit until a 429", Run: func() aimd {
			c := newAIMD(0, at(0))
			for m := range 2000 {
				c = c.Answer(at(m), at(m), false, 0)
			}
			return c
		}, Limit: 0},
		{Name: "--rate 0: the first 429 cuts from the pace achieved", Run: func() aimd {
			c := newAIMD(0, at(0))
			for m := range 2000 {
				c = c.Answer(at(m), at(m), false, 0) // 1,000 answers a second
			}
			return c.Answer(at(2000), at(2000), true, 0)
		}, Limit: 900},
		{Name: "far above the limit: the pace goes toward what got through, at most halved at once", Run: func() aimd {
			c := newAIMD(0, at(0))
			for m := range 1000 {
				c = c.Answer(at(m), at(m), false, 0) // 1,000 a second
			}
			c = c.Answer(at(1000), at(1000), true, 0) // cut to 900
			cut := c.LastCut
			for m := 1000; m < 1050 && c.LastCut.Equal(cut); m++ {
				c = c.Answer(at(m), at(m), m%10 >= 3, 0) // 30% get through: the next cut goes there
			}
			return c
		}, Check: func(t *testing.T, c aimd) {
			if c.Limit < 440 || c.Limit > 460 {
				t.Errorf("limit %v, want 450: half of 900, above the 300 a second that got through", c.Limit)
			}
		}},
		{Name: "far above the limit, a cut need not settle", Run: func() aimd {
			c := newAIMD(1000, at(0))
			c = c.Answer(at(0), at(0), true, 0) // one 429: cut, by half at most
			for m := 1; m <= 30; m++ {
				c = c.Answer(at(m), at(m), m%10 != 0, 0) // 3 of 30 got through in 30 ms
			}
			return c
		}, Check: func(t *testing.T, c aimd) {
			if c.Limit < 50 || c.Limit > 150 {
				t.Errorf("limit %v, want about the 100 a second that got through", c.Limit)
			}
		}},
		{Name: "--rate 0: after the cut the pace probes up", Run: func() aimd {
			c := newAIMD(0, at(0))
			for m := range 1000 {
				c = c.Answer(at(m), at(m), false, 0)
			}
			c = c.Answer(at(1000), at(1000), true, 0) // ~900; step a tenth of the 1,000 a second that got through
			return steady(c, 1000, 1000, 1, false)
		}, Limit: 1000},
		{Name: "a stall, then one 429: the pace is halved at most", Run: func() aimd {
			c := newAIMD(300, at(0))
			for m := range 300 {
				c = c.Held(at(m * 3))
				c = c.Answer(at(m*3), at(m*3), false, 0)
			}
			// Nothing answered for 2 s (this machine stalled), then one
			// answer and a 429: the pace achieved reads 1 a second.
			c = c.Answer(at(2900), at(2900), false, 0)
			return c.Answer(at(2901), at(2901), true, 0)
		}, Check: func(t *testing.T, c aimd) {
			if c.Limit < 150 {
				t.Errorf("limit %v after one 429 at --rate 300: cut to the stall's pace", c.Limit)
			}
		}},
		{Name: "a 429 right at the start, before a rate can be measured", Run: func() aimd {
			return newAIMD(0, at(0)).Answer(at(0), at(0), true, 0)
		}, Check: func(t *testing.T, c aimd) {
			if c.Limit < 10 {
				t.Errorf("limit %v: cut to nothing on a single early 429", c.Limit)
			}
		}},
		{Name: "never below the floor", Run: func() aimd {
			c := newAIMD(1, at(0))
			for m := 0; m < 100_000; m += 1000 {
				c = c.Answer(at(m), at(m), true, 0)
			}
			return c
		}, Limit: aimdFloor},
		{Name: "Retry-After holds the run", Run: func() aimd {
			return newAIMD(100, at(0)).Answer(at(500), at(499), true, 3*time.Second)
		}, Check: func(t *testing.T, c aimd) {
			if !c.Hold.Equal(at(3500)) {
				t.Errorf("hold %v, want 3 s after the 429", c.Hold.Sub(t0))
			}
		}},
		{Name: "a Retry-After of a day is bounded", Run: func() aimd {
			return newAIMD(100, at(0)).Answer(at(0), at(0), true, 24*time.Hour)
		}, Check: func(t *testing.T, c aimd) {
			if got := c.Hold.Sub(t0); got != maxRetryAfter {
				t.Errorf("hold %v, want %v", got, maxRetryAfter)
			}
		}},
		{Name: "the Retry-After of an old 429 does not hold the run again", Run: func() aimd {
			c := newAIMD(100, at(0)).Answer(at(500), at(499), true, time.Second)
			return c.Answer(at(501), at(400), true, 10*time.Second)
		}, Check: func(t *testing.T, c aimd) {
			if !c.Hold.Equal(at(1500)) {
				t.Errorf("hold %v, want 1.5 s", c.Hold.Sub(t0))
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			c := tc.Run()
			if tc.Check != nil {
				tc.Check(t, c)
				return
			}
			if math.Abs(c.Limit-tc.Limit) > 0.01*tc.Limit+1e-9 {
				t.Errorf("limit %v, want %v", c.Limit, tc.Limit)
			}
		})
	}
}

// TestAIMDConvergesOnATokenBucket runs the policy against a simulated token
// bucket (300 r/s, burst 30), with simulated time: 32 workers, 2 ms round
// trips, 60 s; --rate 0, --rate at the limit, --rate far above it. The pace must settle just under the limit: most of it used, few 429s.
func TestAIMDConvergesOnATokenBucket(t *testing.T) {
	for _, start := range []float64{0, 300, 1000} {
		const limit, burst, workers, seconds = 300.0, 30.0, 32, 60
		rtt := 2 * time.Millisecond
		c := newAIMD(start, t0)
		tokens, last := burst, t0
		type flight struct {
			sent, done time.Time
			ok         bool
		}
		var inflight []flight
		now, next := t0, t0
		var okN, throttled int
		end := t0.Add(seconds * time.Second)
		for now.Before(end) {
			// Answers due before the next send come first.
			for len(inflight) > 0 && !inflight[0].done.After(now) {
				f := inflight[0]
				inflight = inflight[1:]
				c = c.Answer(f.done, f.sent, !f.ok, 0)
			}
			if len(inflight) >= workers {
				now = inflight[0].done
				continue
			}
			c = c.Advance(now)
			if now.Before(next) {
				c = c.Held(now)
				now = next
				continue
			}
			// Send: the server's bucket decides.
			tokens = math.Min(burst, tokens+now.Sub(last).Seconds()*limit)
			last = now
			ok := tokens >= 1
			if ok {
				tokens--
				okN++
			} else {
				throttled++
			}
			inflight = append(inflight, flight{sent: now, done: now.Add(rtt), ok: ok})
			if c.Limit > 0 {
				next = now.Add(time.Duration(float64(time.Second) / c.Limit))
			} else {
				next = now.Add(100 * time.Microsecond) // the workers' own pace: 10,000 a second
			}
		}
		used := float64(okN) / (limit * seconds)
		share := float64(throttled) / float64(okN+throttled)
		t.Logf("start %v: %.1f%% of the limit used, %.2f%% of answers 429, pace at the end %.0f", start, 100*used, 100*share, c.Limit)
		if used < 0.92 || share > 0.05 {
			t.Errorf("start %v: %.1f%% of the limit used (want ≥ 92%%), %.2f%% 429 (want ≤ 5%%)", start, 100*used, 100*share)
		}
	}
}

func TestWindowRates(t *testing.T) {
	var w window
	if all, ok := w.Rates(at(0)); all != 0 || ok != 0 {
		t.Fatalf("empty window: %v %v", all, ok)
	}
	for m := 0; m < 3000; m += 10 {
		w = w.Add(at(m), m%20 == 0)
	}
	all, ok := w.Rates(at(3000))
	if math.Abs(all-100) > 11 || math.Abs(ok-50) > 6 {
		t.Errorf("rates %v, %v; want about 100 and 50", all, ok)
	}
	all, _ = w.Rates(at(10_000))
	if all != 0 {
		t.Errorf("after 7 quiet seconds: %v answers a second", all)
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: time.Second, Rand: func() float64 { return 0.5 }}
	tests := []struct {
		Name       string
		Attempt    int
		RetryAfter time.Duration
		Want       time.Duration
	}{
		{Name: "first retry", Attempt: 1, Want: 75 * time.Millisecond},
		{Name: "doubles", Attempt: 2, Want: 150 * time.Millisecond},
		{Name: "capped", Attempt: 10, Want: 750 * time.Millisecond},
		{Name: "huge attempt does not overflow", Attempt: 200, Want: 750 * time.Millisecond},
		{Name: "Retry-After is a floor", Attempt: 1, RetryAfter: 2 * time.Second, Want: 2 * time.Second},
		{Name: "Retry-After is bounded", Attempt: 1, RetryAfter: 24 * time.Hour, Want: maxRetryAfter},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			if got := b.delay(tc.Attempt, tc.RetryAfter); got != tc.Want {
				t.Errorf("delay(%d, %v) = %v, want %v", tc.Attempt, tc.RetryAfter, got, tc.Want)
			}
		})
	}
}
