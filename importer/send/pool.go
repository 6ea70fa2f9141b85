package send

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/acimport/acimport/internal/altcraft"
)

// MaxWaiting bounds the rows held back because an earlier row with the same
// key is in flight; past it, Run takes no more rows until one is sent, and the
// caller's reading pauses (memory must not grow with input).
const MaxWaiting = 4096

// keys serialises rows that share a matching key. A worker that takes a row
// whose key is in flight queues it behind that key; the worker that owns the
// key sends its queue in order before taking new rows. Taking a row and
// claiming or queueing its key happen under one lock (take), so rows of one
// key are claimed in file order.
type keys[R any] struct {
	take sync.Mutex // held while receiving a row and claiming its key
	mu   sync.Mutex // guards queues and held
	// queues holds, for each key in flight, the rows waiting behind it.
	queues map[string][]*Job[R]
	held   int
	room   *sync.Cond // signalled when held drops
}

// run sends rows until rows is closed, with p.workers workers, and returns
// once every worker has finished. Every row becomes an outcome: after a stop,
// rows still coming are answered "not sent" at once.
func (p *Pool[R]) run(stopCtx context.Context, rows <-chan *Job[R], out chan<- Outcome[R]) {
	k := &keys[R]{queues: map[string][]*Job[R]{}}
	k.room = sync.NewCond(&k.mu)
	if p.batch > 1 {
		p.runBatches(stopCtx, k, rows, out)
		return
	}
	var wg sync.WaitGroup
	for range p.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				j, ok := k.next(rows)
				if !ok {
					return
				}
				for j != nil {
					if j.Batch != nil {
						p.sendRecorded(stopCtx, j, nil, out)
					} else {
						out <- p.process(stopCtx, j)
					}
					j = k.done(j.Key)
				}
			}
		}()
	}
	wg.Wait()
}

// next returns a row whose key this worker now owns; false when rows is closed.
// While the rows waiting behind keys fill MaxWaiting it waits for room, holding
// take: nobody reads more rows.
func (k *keys[R]) next(rows <-chan *Job[R]) (*Job[R], bool) {
	k.take.Lock()
	defer k.take.Unlock()
	for {
		j, ok := <-rows
		if !ok {
			return nil, false
		}
		if k.claim(j) {
			k.waitRoom()
			continue
		}
		return j, true
	}
}

// claim gives the caller j's key, or, when the key is in flight, queues j
// behind it (queued: the row is no longer the caller's). Called holding take,
// so that the rows of one key are claimed in the order they were read.
func (k *keys[R]) claim(j *Job[R]) (queued bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if q, busy := k.queues[j.Key]; busy {
		k.queues[j.Key] = append(q, j)
		k.held++
		return true
	}
	k.queues[j.Key] = nil
	return false
}

// waitRoom waits until the rows waiting behind keys no longer fill MaxWaiting.
func (k *keys[R]) waitRoom() {
	k.mu.Lock()
	for k.held >= MaxWaiting {
		k.room.Wait()
	}
	k.mu.Unlock()
}

// done releases key after its row is settled and returns the next row queued
// behind it, which the caller now owns; nil when none is.
func (k *keys[R]) done(key string) *Job[R] {
	k.mu.Lock()
	defer k.mu.Unlock()
	q := k.queues[key]
	if len(q) == 0 {
		delete(k.queues, key)
		return nil
	}
	next := q[0]
	q[0] = nil
	k.queues[key] = q[1:]
	k.held--
	k.room.Broadcast() // batch workers wait for room too (batch.go)
	return next
}

// process sends one row, retrying transient failures, and says what became of it.
func (p *Pool[R]) process(stopCtx context.Context, j *Job[R]) Outcome[R] {
	o := Outcome[R]{Row: j.Row, Status: NotSent}
	defer p.recycle(j)
	a, attempts, settled, doubt := p.sendRetrying(stopCtx, altcraft.Request{Method: p.method, Body: j.Body, ID: j.ID})
	o.Attempts = attempts
	if !settled {
		return o
	}
	o.Replayed, o.Doubt = a.Replayed, doubt
	switch a.Kind {
	case altcraft.OK:
		o.Status, o.ProfileID = Imported, a.ProfileID
	default: // Rejected, or Transient past its retries
		o.Status, o.Code, o.Reason = Rejected, a.Code, a.Reason
		if a.Status == http.StatusRequestEntityTooLarge {
			o.Reason = p.bodyCap.tooLargeReason(len(j.Body), a)
		}
	}
	return o
}

// sendRetrying sends req, retrying transient failures, until an answer settles it: OK, Rejected,
// or a Transient one past the retries (its Reason then says so). It returns that answer and the
// attempts made; settled is false when the run stopped first (a run-wide answer, an outage, a
// stop), and the request's rows stay unsent. A batch goes through it as one request. doubt says
// that an attempt failed ambiguously (maybe applied) and was retried, and the settling answer was
// not a replay (see Outcome.Doubt).
func (p *Pool[R]) sendRetrying(stopCtx context.Context, req altcraft.Request) (a altcraft.Result, attempts int, settled, doubt bool) {
	var b budget
	maybeApplied := false
	cutOff := 0 // attempts whose connection closed, after the body was written, before an answer
	defer func() { doubt = settled && maybeApplied && !a.Replayed }()
	for {
		probe, err := p.gate.admit(stopCtx)
		if err != nil {
			var oe *OutageError
			if errors.As(err, &oe) {
				p.stop(err)
			}
			return a, attempts, false, false
		}
		sent, err := p.pacer.Wait(stopCtx)
		if err != nil {
			p.gate.abandon(probe)
			return a, attempts, false, false
		}
		attempts++
		a = p.client.Send(p.send, req)
		// The client's own resends after dead kept-alive connections are retries too.
		attempts += a.Resends
		p.retriesDone.Add(int64(a.Resends))
		// An ambiguous attempt may have been applied (a resend after the request was written
		// whole is marked so by the client).
		maybeApplied = maybeApplied || a.Ambiguous
		if a.Replayed {
			p.replayed.Add(1)
		}
		if a.Ambiguous {
			p.ambiguous.Add(1)
		}
		if a.BodyCutOff && a.Ambiguous {
			cutOff++
		}
		// A batch cut off while its body was sent: a proxy's body limit, split by the caller. A
		// connection closed after the body was written whole may instead be a lost answer of a
		// request the platform applied: its halves would carry new ids and be applied again, so it
		// is first retried as it was (a platform that had applied it answers with a replay), and
		// split only when the same request is cut off again.
		if req.Items > 1 && p.bodyCap.tooLarge(a, len(req.Body)) && (!a.Ambiguous || cutOff > 1) {
			p.gate.abandon(probe)
			return a, attempts, true, false
		}
		p.pacer.Observe(sent, a.RateLimited, a.RetryAfter)
		if a.RateLimited && !p.pacer.AtFloor() {
			// The pace can still fall, and this 429 has just slowed the whole run: it is the run's
			// pace, not the row's fate, and costs the row none of its retries.
			p.gate.rateLimited(probe)
			if !sleepCtx(stopCtx, p.backoff.delay(1, a.RetryAfter)) {
				return a, attempts, false, false
			}
			p.retriesDone.Add(1)
			continue
		}
		v, used, stop := p.gate.observe(probe, a, &b)
		switch v {
		case rowDone:
			return a, attempts, true, false
		case runStop:
			p.stop(stop)
			return a, attempts, false, false
		case rowGiveUp:
			if a.RateLimited {
				// Still 429 at the slowest pace: not the row's fault, and every row would meet it.
				p.stop(&ThrottledError{Limit: p.pacer.Limit(), Attempts: attempts})
				return a, attempts, false, false
			}
			a.Reason = fmt.Sprintf("%s (gave up after %s)", a.Reason, plural(attempts, "attempt"))
			return a, attempts, true, false
		}
		// The backoff grows with the failures charged to the row: after an
		// outage the rows go again at once, not after the backoff of every
		// failure the outage caused.
		if !sleepCtx(stopCtx, p.backoff.delay(max(1, used), a.RetryAfter)) {
			return a, attempts, false, false
		}
		p.retriesDone.Add(1)
	}
}

// plural is "1 attempt", "2 attempts".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// recycle keeps a sent job's body for another row's (Buffer); not a large one, which would pin
// its memory for the run.
func (p *Pool[R]) recycle(j *Job[R]) {
	if cap(j.Body) <= 64<<10 {
		b := j.Body[:0]
		p.bodies.Put(&b)
	}
	j.Body = nil
}
