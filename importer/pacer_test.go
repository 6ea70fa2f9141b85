package importer

import (
	"math"
	"testing"
	"time"
)

func TestNextRate(t *testing.T) {
	tests := []struct {
		Name                      string
		Current, Target, Observed float64
		Throttled                 bool
		Want                      float64
	}{
		{Name: "at target, quiet: unchanged", Current: 10, Target: 10, Want: 10},
		{Name: "unlimited, quiet: unchanged", Current: 0, Target: 0, Observed: 500, Want: 0},
		{Name: "429 halves the limit", Current: 100, Target: 100, Observed: 100, Throttled: true, Want: 50},
		{Name: "429 halves what is achieved when below the limit", Current: 100, Target: 100, Observed: 40, Throttled: true, Want: 20},
		{Name: "429 with no limit halves the observed rate", Current: 0, Target: 0, Observed: 800, Throttled: true, Want: 400},
		{Name: "429 never goes below the floor", Current: 1.5, Target: 10, Observed: 1, Throttled: true, Want: minRate},
		{Name: "429 with nothing observed yet", Current: 0, Target: 0, Observed: 0, Throttled: true, Want: minRate},
		{Name: "quiet second recovers 10% plus one", Current: 50, Target: 100, Observed: 50, Want: 56},
		{Name: "recovery stops at the target", Current: 95, Target: 100, Observed: 95, Want: 100},
		{Name: "unlimited target: recovery climbs", Current: 100, Target: 0, Observed: 100, Want: 111},
		{Name: "unlimited target: limit lifted once far above achieved", Current: 100, Target: 0, Observed: 20, Want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			if got := nextRate(tc.Current, tc.Target, tc.Observed, tc.Throttled); math.Abs(got-tc.Want) > 1e-9 {
				t.Errorf("nextRate(%v, %v, %v, %v) = %v, want %v", tc.Current, tc.Target, tc.Observed, tc.Throttled, got, tc.Want)
			}
		})
	}
}

// fakeClock is a settable time source for the pacer.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestPacerObserve(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_000_000, 0)}
	p := newPacer(100, clk.now)

	clk.advance(2 * time.Second)
	p.Observe(true)
	if got := p.Limit(); got != 50 {
		t.Fatalf("after a 429: limit %v, want 50", got)
	}
	p.Observe(true) // same burst of 429s
	if got := p.Limit(); got != 50 {
		t.Fatalf("a second 429 within the same second cut again: limit %v", got)
	}
	clk.advance(500 * time.Millisecond)
	p.Observe(false)
	if got := p.Limit(); got != 50 {
		t.Fatalf("recovered before a quiet second: limit %v", got)
	}
	for range 20 {
		clk.advance(time.Second)
		p.Observe(false)
	}
	if got := p.Limit(); got != 100 {
		t.Fatalf("after 20 quiet seconds: limit %v, want back at 100", got)
	}
	if p.throttle != 2 {
		t.Errorf("throttled count %d, want 2", p.throttle)
	}
}

func TestBackoffDelay(t *testing.T) {
	b := backoff{base: 100 * time.Millisecond, max: time.Second, rand: func() float64 { return 0.5 }}
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
