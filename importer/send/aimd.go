package send

import (
	"math"
	"time"
)

// aimd is the pacing policy of a run: additive increase while no 429 comes,
// multiplicative decrease on a 429, and a pause for a server's Retry-After.
// It is a pure value: each method returns the next state from the current one
// and the time it is given, so that it can be tested case by case with made-up
// times (see TestAIMD). pacer applies it to the run's one limiter.
//
// Every answer counts, not a sample of them. A 429 cuts the pace only when
// the request it answers was sent a little (settle) after the last cut: the
// answers to requests sent at the old pace say nothing about the new one, a
// burst of them is one signal, not twenty, and a token bucket the old pace
// emptied needs a moment to refill before it can judge the new one.
type aimd struct {
	// Limit is the pace in force, in requests per second; 0 means none (the
	// workers alone set the pace: --rate 0 before the first 429).
	Limit float64
	// Ceiling is the user's --rate: the pace never goes above it. 0: none.
	Ceiling float64
	// Step is the additive increase, in requests per second gained per second
	// of sending at the limit without a 429; set at each cut in proportion to
	// the pace then, so that the climb back takes as long at 10 as at 1,000 req/s.
	Step float64
	// Since is when the increase was last accrued.
	Since time.Time
	// LastCut is the last decrease: 429s for requests sent before it are old news.
	LastCut time.Time
	// Bound is the last time the limit held a request back: the pace rises
	// only while it is what holds the run back, never far above what the
	// workers achieve.
	Bound time.Time
	// Hold: no request starts before it (a server's Retry-After).
	Hold time.Time
	// Answers counts the recent answers, for the pace achieved.
	Answers window
	// SinceCut counts the answers, and those not 429, to requests sent after
	// the last cut: far above a limit, the latter is what the limit lets through.
	SinceCut, SinceCutOK int
	FirstSinceCut        time.Time // when the first of them came
}

// Tuning of the policy.
const (
	// aimdCut is the multiplicative decrease. A cut of a tenth keeps the pace
	// close under a token-bucket limit (it averages about 95% of it) where
	// halving it would average 75%.
	aimdCut = 0.9
	// aimdStep is the additive increase per second, as a share of the pace
	// at the last cut: from a cut back to where it was in about a second.
	aimdStep = 0.1
	// settle: a 429 to a request sent sooner than this after a cut is still
	// the old pace's.
	settle = 50 * time.Millisecond
	// aimdFloor is the slowest pace a run is cut to, in requests per second.
	aimdFloor = 0.1
	// aimdStart is the pace cut from when a 429 comes before any rate
	// could be measured.
	aimdStart = 10.0
	// boundFor is how long a request held back by the limit keeps it "binding".
	boundFor = 250 * time.Millisecond
)

func newAIMD(ceiling float64, now time.Time) aimd {
	return aimd{Limit: ceiling, Ceiling: ceiling, Step: math.Max(1, aimdStep*ceiling), Since: now}
}

// Advance accrues the additive increase up to now: the pace rises by Step
// each second during which the limit held requests back.
func (c aimd) Advance(now time.Time) aimd {
	dt := now.Sub(c.Since)
	if dt <= 0 {
		return c
	}
	c.Since = now
	if c.Limit == 0 || (c.Ceiling > 0 && c.Limit >= c.Ceiling) {
		return c
	}
	if c.Bound.IsZero() || now.Sub(c.Bound) > boundFor {
		return c
	}
	c.Limit += c.Step * dt.Seconds()
	if c.Ceiling > 0 && c.Limit > c.Ceiling {
		c.Limit = c.Ceiling
	}
	return c
}

// Held records that the limit held a request back at now.
func (c aimd) Held(now time.Time) aimd {
	c = c.Advance(now)
	c.Bound = now
	return c
}

// Answer takes in one answer that arrived at now to a request sent at sent:
// throttled when it was a 429, with the server's Retry-After (0: none).
func (c aimd) Answer(now, sent time.Time, throttled bool, retryAfter time.Duration) aimd {
	c = c.Advance(now)
	c.Answers = c.Answers.Add(now, !throttled)
	if !sent.Before(c.LastCut) {
		if c.SinceCut == 0 {
			c.FirstSinceCut = now
		}
		c.SinceCut++
		if !throttled {
			c.SinceCutOK++
		}
	}
	farAbove := !c.LastCut.IsZero() && c.SinceCut >= 10 && 2*c.SinceCutOK < c.SinceCut
	if !throttled || (!c.LastCut.IsZero() && sent.Sub(c.LastCut) < settle && !farAbove) {
		// Within settle of a cut only when most answers since are 429 (far
		// above the limit) is a 429 news.
		return c
	}
	// A 429 to a request sent at the pace in force: too fast.
	base := c.Limit
	achieved, _ := c.Answers.Rates(now)
	if base == 0 || (now.Sub(c.Bound) > boundFor && achieved > 0 && achieved < base) {
		// The limit did not bind (or there is none): cut from the pace achieved.
		base = achieved
	}
	if base == 0 {
		base = aimdStart
	}
	next := base * aimdCut
	if farAbove {
		// Far above the limit (most answers 429): what got through since the
		// last cut is the limit's measure; go there rather than a tenth at a
		// time (halve when nothing got through).
		// Counted from the first answer after the cut, not the cut: the round
		// trip before it would read as a slower limit. Never more than halved
		// at once: a measure of a few milliseconds can be wrong.
		good := float64(c.SinceCutOK) / max(now.Sub(c.FirstSinceCut), 5*time.Millisecond).Seconds()
		next = min(next, max(good, base/2))
	}
	if c.Limit > 0 && !farAbove {
		// One 429 never more than halves the pace in force, whatever pace was
		// achieved: a stall of this machine (or a pause of the server) makes
		// that read far below what the platform allows, and a cut to it would
		// leave the run crawling back for minutes. (Far above the limit, many
		// answers measured it: there the cut goes all the way.)
		next = max(next, c.Limit/2)
	}
	c.SinceCut, c.SinceCutOK = 0, 0
	c.Limit = math.Max(next, c.floor())
	// The climb back is a tenth a second of the larger of the new pace and
	// what got through over the last second: after a deep cut it does not
	// crawl back from the bottom.
	_, okRate := c.Answers.Rates(now)
	c.Step = math.Max(aimdFloor, aimdStep*math.Max(c.Limit, okRate))
	c.LastCut = now
	if retryAfter > 0 {
		c.Hold = later(c.Hold, now.Add(min(retryAfter, maxRetryAfter)))
	}
	return c
}

// floor is the slowest the run is cut to: aimdFloor, or --rate when lower.
func (c aimd) floor() float64 {
	if c.Ceiling > 0 {
		return math.Min(aimdFloor, c.Ceiling)
	}
	return aimdFloor
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// window counts answers in the last second, in tenths of a second.
type window struct {
	Start         time.Time // start of the newest slot
	First         time.Time // the first answer ever: the window is shorter before a second has passed
	All, OK       [10]int
	newest        int
	initialised   bool
	sumAll, sumOK int
}

const slot = 100 * time.Millisecond

// Add counts one answer at now.
func (w window) Add(now time.Time, ok bool) window {
	if !w.initialised {
		w.initialised, w.Start, w.First = true, now.Truncate(slot), now
	}
	w = w.roll(now)
	w.All[w.newest]++
	w.sumAll++
	if ok {
		w.OK[w.newest]++
		w.sumOK++
	}
	return w
}

func (w window) roll(now time.Time) window {
	for n := 0; now.Sub(w.Start) >= slot && n < len(w.All); n++ {
		w.Start = w.Start.Add(slot)
		w.newest = (w.newest + 1) % len(w.All)
		w.sumAll -= w.All[w.newest]
		w.sumOK -= w.OK[w.newest]
		w.All[w.newest], w.OK[w.newest] = 0, 0
	}
	if now.Sub(w.Start) >= slot {
		w.Start = now.Truncate(slot)
	}
	return w
}

// Rates are the answers per second over the last second (or since the
// first answer, when that is more recent): all of them, and those not 429.
func (w window) Rates(now time.Time) (all, ok float64) {
	if !w.initialised {
		return 0, 0
	}
	w = w.roll(now)
	// Right after the first answers a span is too short to divide by: count
	// it as 10 ms at least.
	// The window is its full older slots and the newest one so far.
	full := time.Duration(len(w.All)-1)*slot + now.Sub(w.Start)
	span := max(10*time.Millisecond, min(full, now.Sub(w.First)))
	return float64(w.sumAll) / span.Seconds(), float64(w.sumOK) / span.Seconds()
}
