package importer

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/acimport/acimport/importer/csvio"
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
	code      string
	reason    string
	attempts  int
}

// sender is what the pool needs of the API client.
type sender interface {
	Send(ctx context.Context, body []byte) Answer
}

// pool sends jobs through workers paced by one limiter. Rows that share a
// matching key are never in flight together: the later one waits for the earlier,
// so the last row of the file wins, as in a serial load.
type pool struct {
	client   sender
	pacer    *pacer
	workers  int
	retries  int
	backoff  backoff
	downRun  int // consecutive transient failures that mean the API is down
	stop     func(error)
	bodyPool *sync.Pool

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

// run dispatches rows until rows is closed or stopCtx ends, sending outcomes to
// out. It returns once every worker has finished; rows it never dispatched are
// counted in unsent.
func (p *pool) run(stopCtx context.Context, rows <-chan *job, out chan<- outcome) (unsent int64) {
	jobs := make(chan *job)
	done := make(chan *job, p.workers)
	var wg sync.WaitGroup
	for range p.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				out <- p.process(stopCtx, j)
				done <- j
			}
		}()
	}

	inFlight := map[string][]*job{} // key → rows waiting behind the one in flight
	var ready []*job
	waiting, active := 0, 0
	for rows != nil || active > 0 || len(ready)+waiting > 0 {
		var sendCh chan *job
		var next *job
		if len(ready) > 0 && stopCtx.Err() == nil {
			sendCh, next = jobs, ready[0]
		}
		in := rows
		if waiting+len(ready) >= maxWaiting {
			in = nil
		}
		var stopped <-chan struct{}
		if len(ready)+waiting > 0 {
			stopped = stopCtx.Done()
		}
		select {
		case j, ok := <-in:
			if !ok {
				rows = nil
				continue
			}
			if stopCtx.Err() != nil {
				unsent++
				continue
			}
			if q, busy := inFlight[j.key]; busy {
				inFlight[j.key] = append(q, j)
				waiting++
				continue
			}
			inFlight[j.key] = nil
			ready = append(ready, j)
		case sendCh <- next:
			ready[0] = nil
			ready = ready[1:]
			active++
		case j := <-done:
			active--
			if q := inFlight[j.key]; len(q) > 0 {
				ready = append(ready, q[0])
				inFlight[j.key] = q[1:]
				waiting--
			} else {
				delete(inFlight, j.key)
			}
		case <-stopped:
			unsent += int64(len(ready) + waiting)
			ready, waiting = nil, 0
			clear(inFlight)
		}
	}
	close(jobs)
	wg.Wait()
	return unsent
}

// process sends one row, retrying transient failures, and says what became of it.
func (p *pool) process(stopCtx context.Context, j *job) outcome {
	o := outcome{in: j.in, rec: j.rec, ord: j.ord, status: statusUnsent}
	defer p.recycle(j)
	for {
		if err := p.pacer.Wait(stopCtx); err != nil {
			return o
		}
		o.attempts++
		a := p.client.Send(p.send, j.body)
		p.pacer.Observe(a.Kind == Transient && a.Code == "http_429")
		switch a.Kind {
		case OK:
			p.transientRun.Store(0)
			o.status, o.profileID = statusImported, a.ProfileID
			return o
		case Rejected:
			p.transientRun.Store(0)
			o.status, o.code, o.reason = statusRejected, a.Code, a.Reason
			return o
		case Fatal:
			p.stop(a.Err)
			return o
		}
		// Transient. A 429 is the API pacing us, not the API failing.
		if a.Code != "http_429" {
			if n := p.transientRun.Add(1); p.downRun > 0 && n >= int64(p.downRun) {
				p.stop(&APIDownError{Failures: n, Last: a.Reason})
				return o
			}
		}
		if o.attempts > p.retries {
			o.status, o.code = statusRejected, a.Code
			o.reason = fmt.Sprintf("%s (gave up after %d attempts)", a.Reason, o.attempts)
			return o
		}
		if !sleepCtx(stopCtx, p.backoff.delay(o.attempts, a.RetryAfter)) {
			return o
		}
		p.retriesDone.Add(1)
	}
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
