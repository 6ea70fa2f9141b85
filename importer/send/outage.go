package send

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/acimport/acimport/internal/altcraft"
)

// When does the run stop because the API is not there? This file answers it.
//
// Before the API ever answered the run, an answer that says the URL (or the
// proxy) is wrong stops it at once (altcraft.Result.WrongURL), and so does a
// streak of MaxFailStreak transient failures in a row (*APIDownError): every
// row would fail alike, and rejecting them all would only make the user send
// them again.
//
// Outage handling. Once the API has answered a run, a time during which no
// request gets an answer from it (every one fails transiently: 5xx, refused or
// dropped connections, timeouts) is an outage, not a property of the rows:
// sending pauses, one probe request goes at growing intervals, and when the API
// answers again the run carries on. The rows keep their retry budgets — the
// failures of a run-wide streak are not counted against them — so no row is
// rejected because of an outage. The run gives up only after --outage-wait,
// with an *OutageError (exit 1), its unsent rows kept for --resume.

// Outage timings; Tuning can shorten them for tests.
const (
	// defaultOutageAfter: a streak of failures this long, with no answer, is an outage.
	defaultOutageAfter = 2 * time.Second
	// defaultOutageWait is --outage-wait's default.
	defaultOutageWait = 5 * time.Minute
	// defaultProbeFirst is the first interval between probes; it doubles up to defaultProbeMax.
	defaultProbeFirst = time.Second
	defaultProbeMax   = 15 * time.Second
	// blipMin: a streak of failures of several rows lasting this long is
	// run-wide (a blip), even when it ends before it becomes an outage: rows
	// do not pay for it out of their retries.
	blipMin = 300 * time.Millisecond
)

// OutageError stops a run whose API stopped answering for longer than --outage-wait.
type OutageError struct {
	Since time.Time
	Wait  time.Duration
	Last  string // the last failure's reason
}

func (e *OutageError) Error() string {
	return fmt.Sprintf("the API has not answered since %s (waited --outage-wait %s; last: %s); run the same command with --resume once it is back",
		e.Since.Format("15:04:05"), e.Wait, e.Last)
}

// APIDownError stops a run whose requests keep failing transiently: the API
// (or the network to it) is down, and rejecting every remaining row as
// "network" would only make the user re-run them all.
type APIDownError struct {
	Failures int64
	Last     string
}

func (e *APIDownError) Error() string {
	return fmt.Sprintf("the API looks down: %d requests in a row failed (last: %s); check --url and the network, then run again", e.Failures, e.Last)
}

// ThrottledError stops a run whose requests the API still answers 429 (slow down) at the slowest
// pace the run falls to: every row would meet it, and rejecting them would only make the user
// send them again.
type ThrottledError struct {
	Limit    float64 // the pace in force, requests per second
	Attempts int     // the attempts of the request that gave up
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("the API still answers HTTP 429 (slow down) at %.2g requests/s, the slowest pace (%d attempts of one request): its limit may be used up by other clients or for the day; run the same command with --resume later",
		e.Limit, e.Attempts)
}

// shortWhy is a failure's reason without the page a proxy sent with it:
// "HTTP 502 Bad Gateway", not its HTML. A failure that came with a success
// status (an answer that is not the API's) or with none (the network) is told
// by its reason.
func shortWhy(a altcraft.Result) string {
	if a.Status != 0 && (a.Status < 200 || a.Status >= 300) {
		return altcraft.StatusLine(a.Status)
	}
	return a.Reason
}

// health is what the run knows of the API: whether it ever answered, the
// current streak of failures, and whether an outage is on. Its methods take the
// time they happen at, so that it can be tested with made-up times.
type health struct {
	answered bool // the API answered at least once: outages are told from a wrong URL

	streak   uint64 // id of the current streak of failures (no answer since it began); 0: none
	start    time.Time
	last     time.Time // the latest failure of the streak
	failures int
	rows     int    // distinct rows that failed in the streak
	lastWhy  string // the latest failure's shortWhy

	down       bool
	downSince  time.Time
	nextProbe  time.Time
	probeEvery time.Duration
	probing    bool // a probe is in flight

	globals map[uint64]bool // ended streaks that were run-wide
	nextID  uint64

	workers                                    int
	outageAfter, probeFirst, probeMax, blipMin time.Duration // blipMin zero: the const
}

// answer records an answer of the API at now (anything but a transient
// failure; a 429 is an answer): a streak ends, and an outage with it.
func (h *health) answer(now time.Time) {
	if h.streak != 0 && h.streakGlobal() {
		if h.globals == nil {
			h.globals = map[uint64]bool{}
		}
		h.globals[h.streak] = true
	}
	h.answered = true
	h.streak, h.failures, h.rows, h.down, h.probing = 0, 0, 0, false, false
}

// failure records a transient failure at now of the row whose last failure
// was in streak prev, and returns the streak it belongs to.
func (h *health) failure(now time.Time, why string, prev uint64) uint64 {
	if h.streak == 0 {
		h.nextID++
		h.streak, h.start = h.nextID, now
	}
	h.failures++
	h.last = now
	if prev != h.streak {
		h.rows++
	}
	h.lastWhy = why
	h.tick(now)
	return h.streak
}

// tick declares an outage once a streak has gone on for outageAfter: failures
// of several rows (of the one row when there is one worker), and no answer since.
func (h *health) tick(now time.Time) {
	if !h.answered || h.down || h.streak == 0 || h.failures < 2 || now.Sub(h.start) < h.outageAfter {
		return
	}
	if h.rows < 2 && h.workers != 1 {
		return
	}
	h.down, h.downSince = true, now
	h.probeEvery = h.probeFirst
	h.nextProbe = now.Add(h.probeEvery)
}

// probeFailed records that the probe got no answer: the next waits twice as long.
func (h *health) probeFailed(now time.Time) {
	h.probing = false
	h.probeEvery = min(2*h.probeEvery, h.probeMax)
	h.nextProbe = now.Add(h.probeEvery)
}

// streakGlobal: the current streak is run-wide: an outage, or several rows
// failing, again and again for blipMin, with no answer in between. (Its
// failures must span blipMin: a quiet time in which nothing was sent proves
// nothing about the API.)
func (h *health) streakGlobal() bool {
	return h.answered && (h.down || (h.rows >= 2 && h.failures >= 3 && h.last.Sub(h.start) >= h.blip()))
}

func (h *health) blip() time.Duration {
	if h.blipMin > 0 {
		return h.blipMin
	}
	return blipMin
}

// global reports whether the streak id was run-wide: its failures are not the rows'.
func (h *health) global(id uint64) bool {
	if id == 0 {
		return false
	}
	if id == h.streak {
		return h.streakGlobal()
	}
	return h.globals[id]
}

// gate is health shared by the workers, and the pause during an outage.
type gate struct {
	mu   sync.Mutex
	h    health
	now  func() time.Time
	wait time.Duration // --outage-wait
	wake chan struct{} // closed and replaced when an outage ends or a probe slot opens
	log  func(string)  // a line for stderr
	// calm: the API has answered, and no failure has come since. The usual
	// state of a run: admit and answered then need not take the lock.
	calm atomic.Bool

	retries int // a row's retries: past them a transient failure is its fate
	// failStreak counts the transient failures in a row before the API ever
	// answered; maxFailStreak of them stop the run (0 or less: never).
	failStreak    atomic.Int64
	maxFailStreak int
}

// updateCalm records whether the gate is calm; under the lock.
func (g *gate) updateCalm() {
	g.calm.Store(g.h.answered && g.h.streak == 0 && !g.h.down)
}

func newGate(workers int, wait time.Duration, retries int, t Tuning, log func(string)) *gate {
	after, probeFirst, probeMax, blip := t.OutageAfter, t.ProbeFirst, t.ProbeMax, t.BlipMin
	streak := t.MaxFailStreak
	if streak == 0 {
		// Enough that bad luck with a flaky API never trips it, few enough that a
		// dead one is noticed within a couple of minutes of backoff.
		streak = max(50, 4*workers)
	}
	if wait <= 0 {
		wait = defaultOutageWait
	}
	if after <= 0 {
		after = defaultOutageAfter
	}
	if probeFirst <= 0 {
		probeFirst = defaultProbeFirst
	}
	if probeMax <= 0 {
		probeMax = defaultProbeMax
	}
	if log == nil {
		log = func(string) {}
	}
	return &gate{
		h:    health{workers: workers, outageAfter: after, probeFirst: probeFirst, probeMax: probeMax, blipMin: blip},
		now:  time.Now,
		wait: wait,
		wake: make(chan struct{}),
		log:  log,

		retries:       retries,
		maxFailStreak: streak,
	}
}

// verdict is what follows an answer, for its row and for the run.
type verdict uint8

const (
	rowDone   verdict = iota // OK or Rejected: the answer is the row's fate
	rowRetry                 // a transient failure: the row goes again after the backoff
	rowGiveUp                // a transient failure past the row's retries: it is the row's fate
	runStop                  // the run stops, with the error observe returns
)

// observe takes in the answer a to a request (probe: the outage's probe) for
// the row whose budget is b, and says what follows; used is the failures
// charged to the row so far, for its backoff, and stop is the run's error when
// the verdict is runStop: a wrong URL or a dead API before any answer, or a
// run-wide refusal (altcraft.Fatal).
func (g *gate) observe(probe bool, a altcraft.Result, b *budget) (v verdict, used int, stop error) {
	if a.WrongURL != nil && !g.everAnswered() {
		// Nothing has answered this run yet, and this says the URL (or
		// the proxy) is wrong: every row would fail alike.
		return runStop, 0, a.WrongURL
	}
	if (a.Kind != altcraft.Transient || a.RateLimited) && a.WrongURL == nil {
		g.answered()
	}
	switch a.Kind {
	case altcraft.OK, altcraft.Rejected:
		g.failStreak.Store(0)
		return rowDone, 0, nil
	case altcraft.Fatal:
		return runStop, 0, a.Err
	}
	// Transient. A 429 is the API pacing us, not the API failing.
	if !a.RateLimited {
		g.failed(probe, shortWhy(a), b)
		if !g.everAnswered() {
			// Before the API ever answered, a long run of failures is a
			// wrong address or a dead API: stop rather than reject every row.
			if n := g.failStreak.Add(1); g.maxFailStreak > 0 && n >= int64(g.maxFailStreak) {
				return runStop, 0, &APIDownError{Failures: n, Last: a.Reason}
			}
		}
	} else {
		g.charge(b)
	}
	used = g.used(b)
	if used > g.retries && !g.isDown() {
		return rowGiveUp, used, nil
	}
	return rowRetry, used, nil
}

// admit returns when a request may go: at once when the API is up; during an
// outage only as the one probe (probe true), or an *OutageError once the
// outage has lasted --outage-wait.
func (g *gate) admit(ctx context.Context) (probe bool, err error) {
	for {
		if g.calm.Load() {
			return false, nil
		}
		g.mu.Lock()
		h := &g.h
		now := g.now()
		g.tick(now)
		if !h.down {
			g.updateCalm()
			g.mu.Unlock()
			return false, nil
		}
		giveUp := h.downSince.Add(g.wait)
		if !now.Before(giveUp) {
			err := &OutageError{Since: h.start, Wait: g.wait, Last: h.lastWhy}
			g.mu.Unlock()
			return false, err
		}
		if !h.probing && !now.Before(h.nextProbe) {
			h.probing = true
			g.mu.Unlock()
			return true, nil
		}
		until := giveUp
		if !h.probing && h.nextProbe.Before(until) {
			until = h.nextProbe
		}
		wake := g.wake
		g.mu.Unlock()
		t := time.NewTimer(until.Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return false, ctx.Err()
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// rateLimited records a 429 that costs the row nothing (the pace can still fall): an answer of the
// API, and the end of the probe when it was one.
func (g *gate) rateLimited(probe bool) {
	g.failStreak.Store(0)
	g.answered()
	g.abandon(probe)
}

// abandon gives the probe slot back when the probe was never sent.
func (g *gate) abandon(probe bool) {
	if !probe {
		return
	}
	g.mu.Lock()
	g.h.probing = false
	g.broadcast()
	g.mu.Unlock()
}

// answered records an answer of the API (probe: it answered the probe).
func (g *gate) answered() {
	if g.calm.Load() {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	defer g.updateCalm()
	if g.h.down {
		g.log("the API answers again: sending resumes")
	}
	wasDown := g.h.down
	g.h.answer(g.now())
	if wasDown {
		g.broadcast()
	}
}

// failed records a transient failure of the row whose budget is b; why is its shortWhy.
func (g *gate) failed(probe bool, why string, b *budget) {
	g.mu.Lock()
	defer g.mu.Unlock()
	defer g.updateCalm()
	now := g.now()
	wasDown := g.h.down
	id := g.h.failure(now, why, b.sid)
	b.fail(id, g.h.global(b.sid))
	if probe {
		g.h.probeFailed(now)
		g.broadcast()
	}
	if g.h.down && !wasDown {
		g.tellDown(now)
	}
}

// tick lets health declare an outage by time alone, and says so.
func (g *gate) tick(now time.Time) {
	wasDown := g.h.down
	g.h.tick(now)
	if g.h.down && !wasDown {
		g.tellDown(now)
	}
}

func (g *gate) tellDown(now time.Time) {
	// No clock time in the line: Options.Log's writer puts the time on each line (one time, not two).
	g.log(fmt.Sprintf("the API does not answer (%s): sending paused; probing, for up to --outage-wait %s", g.h.lastWhy, g.wait))
}

// charge records a failure that is the row's own (a 429: the API answered).
func (g *gate) charge(b *budget) {
	g.mu.Lock()
	defer g.mu.Unlock()
	b.fail(0, g.h.global(b.sid))
}

// used is the failures charged to the row of budget b so far.
func (g *gate) used(b *budget) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.h.global(b.sid) {
		return b.counted
	}
	return b.counted + b.pending
}

// everAnswered reports whether the API answered the run at least once: before
// that, failures say the URL is wrong or the API is dead, not that it is down.
func (g *gate) everAnswered() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.h.answered
}

// isDown reports whether sending is paused for an outage, after noticing one
// that has just begun or ended: a row's spent retries do not reject it then.
func (g *gate) isDown() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.tick(g.now())
	return g.h.down
}

func (g *gate) broadcast() {
	close(g.wake)
	g.wake = make(chan struct{})
}

// budget is one row's account of its transient failures: those of a run-wide
// streak (a blip or an outage) are not charged to it.
type budget struct {
	counted int    // failures charged
	pending int    // failures in streak sid, charged unless it turns out run-wide
	sid     uint64 // the streak of the pending failures
}

// fail charges the pending failures when the row's streak changes (unless
// that streak was run-wide: prevGlobal) and adds one in streak sid.
func (b *budget) fail(sid uint64, prevGlobal bool) {
	if sid != b.sid || sid == 0 {
		if !prevGlobal {
			b.counted += b.pending
		}
		b.pending, b.sid = 0, sid
	}
	b.pending++
}
