package importer

import (
	"math/rand/v2"
	"time"
)

// backoff is the wait before retry number attempt (1-based) of a transient failure:
// exponential from base, capped, with equal jitter (half of it fixed, half random)
// so that workers which failed together do not retry together, yet none retries
// at once; a server's Retry-After is a floor.
type backoff struct {
	base, max time.Duration
	// retryAfterMax bounds a server's Retry-After; zero means maxRetryAfter.
	retryAfterMax time.Duration
	rand          func() float64 // in [0,1); nil means math/rand/v2
}

// maxRetryAfter bounds what a server may ask for: a bogus "Retry-After: 86400"
// must not park a nightly load for a day.
const maxRetryAfter = 5 * time.Minute

var defaultBackoff = backoff{base: 250 * time.Millisecond, max: 30 * time.Second}

func (b backoff) delay(attempt int, retryAfter time.Duration) time.Duration {
	ceiling := b.max
	if attempt < 32 {
		if d := b.base << (attempt - 1); d > 0 && d < ceiling {
			ceiling = d
		}
	}
	r := rand.Float64
	if b.rand != nil {
		r = b.rand
	}
	// Half fixed, half random: never zero, still spread.
	d := ceiling/2 + time.Duration(r()*float64(ceiling/2))
	limit := b.retryAfterMax
	if limit == 0 {
		limit = maxRetryAfter
	}
	retryAfter = min(retryAfter, limit)
	if retryAfter > d {
		d = retryAfter
	}
	return d
}
