package importer

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// pacer is the one limiter of a run: every attempt of every worker waits on it.
// It starts at the user's --rate, halves on a 429 (the API's only signal that
// we are too fast) and climbs back toward --rate while no 429 comes.
type pacer struct {
	mu       sync.Mutex
	lim      *rate.Limiter
	target   float64 // the user's --rate; 0 means no limit
	current  float64 // the limit in force; 0 means no limit
	changed  time.Time
	meter    meter
	now      func() time.Time
	throttle int // 429s seen, for the summary
}

// Bounds of the adaptation, in requests per second.
const (
	minRate = 1.0
	// recoverStep is how much faster the run may go after each quiet second.
	recoverStep = 1.10
	// cutInterval spaces two cuts: a burst of 429s answering one window of
	// requests is one signal, not twenty.
	cutInterval = time.Second
)

func newPacer(target float64, now func() time.Time) *pacer {
	if now == nil {
		now = time.Now
	}
	p := &pacer{target: target, current: target, now: now, changed: now()}
	p.lim = rate.NewLimiter(toLimit(target), 1)
	return p
}

func toLimit(r float64) rate.Limit {
	if r <= 0 {
		return rate.Inf
	}
	return rate.Limit(r)
}

// Wait blocks until the next attempt may start.
func (p *pacer) Wait(ctx context.Context) error {
	if err := p.lim.Wait(ctx); err != nil {
		return err
	}
	p.mu.Lock()
	p.meter.add(p.now())
	p.mu.Unlock()
	return nil
}

// Observe adapts the rate to one answer.
func (p *pacer) Observe(throttled bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if throttled {
		p.throttle++
	}
	if !throttled && p.current == p.target {
		return
	}
	if now.Sub(p.changed) < cutInterval {
		return
	}
	next := nextRate(p.current, p.target, p.meter.rate(now), throttled)
	if next != p.current {
		p.current = next
		p.changed = now
		p.lim.SetLimitAt(now, toLimit(next))
	}
}

// Limit is the rate in force (0: none), for the progress line.
func (p *pacer) Limit() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.current
}

// nextRate is the whole pacing policy: given the limit in force (0: none), the
// user's target (0: none), the rate observed over the last second, and whether
// a 429 came, it returns the new limit (0: none).
func nextRate(current, target, observed float64, throttled bool) float64 {
	if throttled {
		base := current
		if base == 0 || (observed > 0 && observed < base) {
			base = observed
		}
		if base == 0 {
			base = 2 * minRate
		}
		return math.Max(minRate, base/2)
	}
	if current == target || current == 0 {
		return current
	}
	next := current*recoverStep + 1
	if target > 0 && next >= target {
		return target
	}
	if target == 0 && observed > 0 && next > 4*observed {
		// Far above what the run achieves: the limit no longer binds, lift it.
		return 0
	}
	return next
}

// meter counts attempts in whole seconds: the rate of the last complete second.
type meter struct {
	sec       int64
	cur, prev int
}

func (m *meter) add(t time.Time) {
	m.roll(t)
	m.cur++
}

func (m *meter) roll(t time.Time) {
	s := t.Unix()
	switch {
	case s == m.sec:
	case s == m.sec+1:
		m.prev, m.cur, m.sec = m.cur, 0, s
	default:
		m.prev, m.cur, m.sec = 0, 0, s
	}
}

func (m *meter) rate(t time.Time) float64 {
	m.roll(t)
	return float64(m.prev)
}
