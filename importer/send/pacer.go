package send

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// pacer is the one limiter of a run: every attempt of every worker waits on
// it, and every answer is shown to its policy (aimd), which sets the pace.
type pacer struct {
	mu       sync.Mutex
	lim      *rate.Limiter
	ctl      aimd
	applied  float64 // the limit lim was last set to; 0: none
	now      func() time.Time
	throttle int64 // 429s seen, for the summary

	// free: no limit and no hold (--rate 0 before a 429): Wait need not
	// take the lock. holdUntil is ctl.Hold in Unix nanoseconds.
	free      atomic.Bool
	holdUntil atomic.Int64
}

// maxLimit: a pace this fast is no limit at all (and costs the limiter nothing).
const maxLimit = 1e6

func newPacer(target float64, now func() time.Time) *pacer {
	if now == nil {
		now = time.Now
	}
	p := &pacer{now: now, ctl: newAIMD(target, now()), applied: target}
	p.lim = rate.NewLimiter(toLimit(target), 1)
	p.free.Store(target == 0)
	return p
}

func toLimit(r float64) rate.Limit {
	if r <= 0 || r >= maxLimit {
		return rate.Inf
	}
	return rate.Limit(r)
}

// Wait blocks until the next attempt may start, and returns when it starts.
func (p *pacer) Wait(ctx context.Context) (time.Time, error) {
	for {
		if err := ctx.Err(); err != nil {
			return time.Time{}, err
		}
		if p.free.Load() {
			if now := p.now(); now.UnixNano() >= p.holdUntil.Load() {
				return now, nil
			}
		}
		p.mu.Lock()
		now := p.now()
		hold := p.ctl.Hold
		if !now.Before(hold) {
			p.ctl = p.ctl.Advance(now)
			p.apply(now)
		}
		p.mu.Unlock()
		if now.Before(hold) {
			if !sleepCtx(ctx, hold.Sub(now)) {
				return time.Time{}, ctx.Err()
			}
			continue
		}
		r := p.lim.ReserveN(now, 1)
		d := r.DelayFrom(now)
		if d == 0 {
			return now, nil
		}
		p.mu.Lock()
		p.ctl = p.ctl.Held(now)
		p.mu.Unlock()
		if !sleepCtx(ctx, d) {
			r.Cancel()
			return time.Time{}, ctx.Err()
		}
		return p.now(), nil
	}
}

// Observe shows the policy one answer to a request started at sent.
func (p *pacer) Observe(sent time.Time, throttled bool, retryAfter time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if throttled {
		p.throttle++
	}
	now := p.now()
	p.ctl = p.ctl.Answer(now, sent, throttled, retryAfter)
	p.apply(now)
	if !p.ctl.Hold.IsZero() {
		p.holdUntil.Store(p.ctl.Hold.UnixNano())
	}
}

// apply sets the limiter to the policy's limit when it moved by more than 1%:
// the increase accrues continuously, and the limiter need not follow every step.
func (p *pacer) apply(now time.Time) {
	l := p.ctl.Limit
	if l == p.applied || (l > 0 && p.applied > 0 && math.Abs(l-p.applied) < 0.01*p.applied) {
		return
	}
	p.applied = l
	p.lim.SetLimitAt(now, toLimit(l))
	p.free.Store(l == 0)
}

// Limit is the rate in force (0: none), for the progress line.
func (p *pacer) Limit() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ctl.Limit
}

// AtFloor reports whether the pace has been cut as far as it goes: a 429 then is the row's.
func (p *pacer) AtFloor() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ctl.Limit > 0 && p.ctl.Limit <= p.ctl.floor()
}

// Throttled is the number of 429 answers so far.
func (p *pacer) Throttled() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.throttle
}

// sleepCtx waits d; false when ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
