package sandbox

import (
	"math/rand/v2"
	"sync"
)

// loser decides which answered requests are lost: applied, then their
// connection closed with no answer, as when a platform's answer is cut on
// the way back. It draws from its own generator, seeded from Config.Seed, so
// that adding a lose rate leaves the drop and failure sequence as it was.
type loser struct {
	rate float64

	mu  sync.Mutex
	rng *rand.Rand
	// lost holds the key of every request lost so far: a request is lost at
	// most once, so that a client retrying it is answered in the end.
	lost map[dedupKey]struct{}
}

// newLoser returns nil when cfg loses nothing.
func newLoser(cfg Config) *loser {
	if cfg.LoseRate <= 0 {
		return nil
	}
	seed := uint64(cfg.Seed)
	return &loser{
		rate: cfg.LoseRate,
		rng:  rand.New(rand.NewPCG(seed^0x6c6f7365, seed^0x2545f4914f6cdd1d)),
		lost: make(map[dedupKey]struct{}),
	}
}

// lose draws the fate of the answered request with key. Every call draws
// once, so a request's fate depends only on its place in the sequence.
func (l *loser) lose(key dedupKey) bool {
	if l == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rng.Float64() >= l.rate {
		return false
	}
	if _, again := l.lost[key]; again {
		return false
	}
	l.lost[key] = struct{}{}
	return true
}
