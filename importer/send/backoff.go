package send

import (
	"math/rand/v2"
	"time"
)

// Backoff is the wait before each retry of a transient failure: exponential from Base, capped at
// Max, with equal jitter (half of it fixed, half random) so that workers which failed together do
// not retry together, yet none retries at once; a server's Retry-After is a floor.
type Backoff struct {
	Base, Max time.Duration
	// RetryAfterMax bounds a server's Retry-After; zero means 5 minutes.
	RetryAfterMax time.Duration
	// Rand draws the jitter, in [0,1); nil means math/rand/v2.
	Rand func() float64
}

// maxRetryAfter bounds what a server may ask for: a bogus "Retry-After: 86400"
// must not park a nightly load for a day.
const maxRetryAfter = 5 * time.Minute

// DefaultBackoff is the backoff of a run whose Tuning leaves it zero.
var DefaultBackoff = Backoff{Base: 250 * time.Millisecond, Max: 30 * time.Second}

// delay is the wait before retry number attempt (1-based).
func (b Backoff) delay(attempt int, retryAfter time.Duration) time.Duration {
	ceiling := b.Max
	if attempt < 32 {
		if d := b.Base << (attempt - 1); d > 0 && d < ceiling {
			ceiling = d
		}
	}
	r := rand.Float64
	if b.Rand != nil {
		r = b.Rand
	}
	// Half fixed, half random: never zero, still spread.
	d := ceiling/2 + time.Duration(r()*float64(ceiling/2))
	limit := b.RetryAfterMax
	if limit == 0 {
		limit = maxRetryAfter
	}
	retryAfter = min(retryAfter, limit)
	if retryAfter > d {
		d = retryAfter
	}
	return d
}
