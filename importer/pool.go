package importer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/internal/csvio"
)

// job is one converted row on its way to the API.
type job struct {
	in   *input
	rec  *csvio.Record
	ord  int64 // the row's position among its input's rows, 0-based
	body []byte
	key  string
}

// Row statuses in the results log and the outcome stream.
const (
	statusImported = "imported"
	statusRejected = "rejected"
	statusUnsent   = "not_sent" // the run stopped before this row's fate was known
)

// outcome is what became of one row; it flows to the output goroutine.
type outcome struct {
	in        *input
	rec       *csvio.Record
	ord       int64
	eof       bool // not a row: in has been read to the end, and has ord rows
	status    string
	profileID string
	code      altcraft.RejectCode
	reason    string
	attempts  int
}

// pool sends jobs through workers paced by one limiter. Rows that share a
// matching key are never in flight together: the later one waits for the earlier,
// so the last row of the file wins, as in a serial load.
type pool struct {
	client altcraft.Sender
	method altcraft.Method
	// batch > 1 sends up to batch rows a request through batchMethod (batch.go).
	batch       int
	batchMethod altcraft.Method
	pacer       *pacer
	workers     int
	retries     int
	backoff     backoff
	downRun     int // consecutive transient failures, before the API ever answered, that stop the run
	gate        *gate
	stop        func(error)
	bodyPool    *sync.Pool

	// send is the context of requests already started: it outlives a stop
	// (the answer to a request in flight is worth waiting for, bounded by
	// --timeout) and ends only with the process.
	send context.Context

	transientRun atomic.Int64
	retriesDone  atomic.Int64
}

// maxWaiting bounds the rows held back because an earlier row with the same
// key is in flight; past it, reading pauses (memory must not grow with input).
const maxWaiting = 4096

// keys serialises rows that share a matching key. A worker that takes a row
// whose key is in flight queues it behind that key; the worker that owns the
// key sends its queue in order before taking new rows. Taking a row and
// claiming or queueing its key happen under one lock (take), so rows of one
// key are claimed in file order.
type keys struct {
	take sync.Mutex // held while receiving a row and claiming its key
	mu   sync.Mutex // guards queues and held
	// queues holds, for each key in flight, the rows waiting behind it.
	queues map[string][]*job
	held   int
	room   *sync.Cond // signalled when held drops
}

// run sends rows until rows is closed, with p.workers workers, and returns
// once every worker has finished. Every row becomes an outcome: after a stop,
// rows still coming are answered "not sent" at once.
func (p *pool) run(stopCtx context.Context, rows <-chan *job, out chan<- outcome) {
	k := &keys{queues: map[string][]*job{}}
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
					out <- p.process(stopCtx, j)
					j = k.done(j.key)
				}
			}
		}()
	}
	wg.Wait()
}

// next returns a row whose key this worker now owns; false when rows is closed.
func (k *keys) next(rows <-chan *job) (*job, bool) {
	k.take.Lock()
	defer k.take.Unlock()
	for {
		j, ok := <-rows
		if !ok {
			return nil, false
		}
		k.mu.Lock()
		if q, busy := k.queues[j.key]; busy {
			k.queues[j.key] = append(q, j)
			k.held++
			// Hold take while the queues are full: nobody reads more rows.
			for k.held >= maxWaiting {
				k.room.Wait()
			}
			k.mu.Unlock()
			continue
		}
		k.queues[j.key] = nil
		k.mu.Unlock()
		return j, true
	}
}

// done releases key after its row is settled and returns the next row queued
// behind it, which the caller now owns; nil when none is.
func (k *keys) done(key string) *job {
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
func (p *pool) process(stopCtx context.Context, j *job) outcome {
	o := outcome{in: j.in, rec: j.rec, ord: j.ord, status: statusUnsent}
	defer p.recycle(j)
	a, attempts, settled := p.sendRetrying(stopCtx, altcraft.Request{Method: p.method, Body: j.body})
	o.attempts = attempts
	if !settled {
		return o
	}
	switch a.Kind {
	case altcraft.OK:
		o.status, o.profileID = statusImported, a.ProfileID
	default: // Rejected, or Transient past its retries
		o.status, o.code, o.reason = statusRejected, a.Code, a.Reason
	}
	return o
}

// sendRetrying sends req, retrying transient failures, until an answer settles it: OK, Rejected,
// or a Transient one past the retries (its Reason then says so). It returns that answer and the
// attempts made; settled is false when the run stopped first (a run-wide answer, an outage, a
// stop), and the request's rows stay unsent. A batch goes through it as one request.
func (p *pool) sendRetrying(stopCtx context.Context, req altcraft.Request) (a altcraft.Result, attempts int, settled bool) {
	var b budget
	for {
		probe, err := p.gate.admit(stopCtx)
		if err != nil {
			var oe *OutageError
			if errors.As(err, &oe) {
				p.stop(err)
			}
			return a, attempts, false
		}
		sent, err := p.pacer.Wait(stopCtx)
		if err != nil {
			p.gate.abandon(probe)
			return a, attempts, false
		}
		attempts++
		a = p.client.Send(p.send, req)
		p.pacer.Observe(sent, a.RateLimited, a.RetryAfter)
		if a.WrongURL != nil && !p.gate.everAnswered() {
			// Nothing has answered this run yet, and this says the URL (or
			// the proxy) is wrong: every row would fail alike.
			p.stop(a.WrongURL)
			return a, attempts, false
		}
		if (a.Kind != altcraft.Transient || a.RateLimited) && a.WrongURL == nil {
			p.gate.answered()
		}
		switch a.Kind {
		case altcraft.OK, altcraft.Rejected:
			p.transientRun.Store(0)
			return a, attempts, true
		case altcraft.Fatal:
			p.stop(a.Err)
			return a, attempts, false
		}
		// Transient. A 429 is the API pacing us, not the API failing.
		if !a.RateLimited {
			p.gate.failed(probe, a.Reason, &b)
			if !p.gate.everAnswered() {
				// Before the API ever answered, a long run of failures is a
				// wrong address or a dead API: stop rather than reject every row.
				if n := p.transientRun.Add(1); p.downRun > 0 && n >= int64(p.downRun) {
					p.stop(&APIDownError{Failures: n, Last: a.Reason})
					return a, attempts, false
				}
			}
		} else {
			p.gate.charge(&b)
		}
		used := p.gate.used(&b)
		if used > p.retries && !p.gate.isDown() {
			a.Reason = fmt.Sprintf("%s (gave up after %s)", a.Reason, plural(attempts, "attempt"))
			return a, attempts, true
		}
		// The backoff grows with the failures charged to the row: after an
		// outage the rows go again at once, not after the backoff of every
		// failure the outage caused.
		if !sleepCtx(stopCtx, p.backoff.delay(max(1, used), a.RetryAfter)) {
			return a, attempts, false
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

func (p *pool) recycle(j *job) {
	if p.bodyPool != nil && cap(j.body) <= 64<<10 {
		b := j.body[:0]
		p.bodyPool.Put(&b)
	}
	j.body = nil
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
