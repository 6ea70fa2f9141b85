package sandbox

import (
	"math"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// faultKind is what the injector decided for one request.
type faultKind uint8

const (
	faultNone faultKind = iota
	faultDrop
	faultFail
)

// failure is one canned 5xx answer: the shapes a proxy or an overloaded
// platform really sends, some JSON and some not.
type failure struct {
	status int
	ctype  []string
	body   []byte
}

var failures = []failure{
	{http.StatusInternalServerError, jsonContentType, []byte(`{"error":500,"error_text":"Internal server error"}`)},
	{http.StatusBadGateway, htmlContentType, []byte("<html><body><h1>502 Bad Gateway</h1></body></html>\n")},
	{http.StatusServiceUnavailable, jsonContentType, []byte(`{"error":503,"error_text":"Service temporarily unavailable"}`)},
	{http.StatusServiceUnavailable, textContentType, []byte("upstream unavailable\n")},
}

// faults decides drops and failures from one seeded generator, so that the
// same requests in the same order meet the same faults, and paces requests
// with a token bucket when a rate limit is set.
type faults struct {
	dropRate, failRate float64

	mu  sync.Mutex
	rng *rand.Rand

	// The rate limit is a token bucket holding at most max(1, LimitRPS)
	// tokens, full at the start and refilled at LimitRPS tokens per second.
	// A request takes one token or is answered 429; a 429 takes none.
	limit  float64
	burst  float64
	tokens float64
	last   time.Time
	now    func() time.Time
}

func newFaults(cfg Config) *faults {
	seed := uint64(cfg.Seed)
	f := &faults{
		dropRate: cfg.DropRate,
		failRate: cfg.FailRate,
		rng:      rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d)),
		limit:    cfg.LimitRPS,
		burst:    math.Max(1, cfg.LimitRPS),
		now:      time.Now,
	}
	f.tokens = f.burst
	return f
}

// active reports whether any random fault is configured; without one the
// hot path never takes the lock.
func (f *faults) active() bool { return f.dropRate > 0 || f.failRate > 0 }

// decide draws the fate of one request: a drop first, then a failure, and
// which failure answer. It draws the same numbers for every request, so a
// request's fate depends only on its position in the sequence.
func (f *faults) decide() (faultKind, *failure) {
	f.mu.Lock()
	drop := f.rng.Float64()
	fail := f.rng.Float64()
	which := f.rng.IntN(len(failures))
	f.mu.Unlock()
	switch {
	case drop < f.dropRate:
		return faultDrop, nil
	case fail < f.failRate:
		return faultFail, &failures[which]
	}
	return faultNone, nil
}

// allow takes a token from the bucket. When there is none it reports how many
// whole seconds to wait for the next one (at least 1), for Retry-After.
func (f *faults) allow() (ok bool, retryAfter int) {
	if f.limit <= 0 {
		return true, 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	if !f.last.IsZero() {
		f.tokens = math.Min(f.burst, f.tokens+now.Sub(f.last).Seconds()*f.limit)
	}
	f.last = now
	if f.tokens >= 1 {
		f.tokens--
		return true, 0
	}
	wait := (1 - f.tokens) / f.limit
	return false, max(1, int(math.Ceil(wait)))
}
