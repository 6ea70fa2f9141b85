package send

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/acimport/acimport/internal/altcraft"
)

// Batch mode (--batch N): each worker gathers up to N rows, of N different keys none of which is
// in flight elsewhere, into one *_batch request, and turns the answer's result array into one
// outcome per row. The rows a worker holds are its own until it has sent them: in flight at once
// are at most workers × N rows, plus those waiting behind a key (MaxWaiting).

// batchLinger is how long a worker waits for more rows before it sends a batch that is not full:
// long enough that a file read at full speed fills every batch, short enough that a slow pipe
// into standard input is not held back.
const batchLinger = 100 * time.Millisecond

// maxBatchBody keeps a batch request under the vendor's 10 MB, with room for what the client
// adds to the body (the token).
const maxBatchBody = altcraft.MaxBatchBytes - 64<<10

// takeState is what tryNext found.
type takeState uint8

const (
	takeGot    takeState = iota // a row whose key the caller now owns
	takeClosed                  // rows is closed and drained
	takeFull                    // the rows waiting behind keys fill MaxWaiting: send what you hold
	takeIdle                    // no row came before the deadline
)

// tryNext is next for a batch worker, which owns the keys of the rows it has gathered but not
// yet sent: it never waits for room while holding take (that could wait on its own keys), and it
// gives up at deadline (zero: wait for a row).
func (k *keys[R]) tryNext(rows <-chan *Job[R], deadline time.Time) (*Job[R], takeState) {
	k.take.Lock()
	defer k.take.Unlock()
	var timeout <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		timeout = t.C
	}
	for {
		k.mu.Lock()
		full := k.held >= MaxWaiting
		k.mu.Unlock()
		if full {
			return nil, takeFull
		}
		var j *Job[R]
		var ok bool
		select {
		case j, ok = <-rows:
		case <-timeout:
			return nil, takeIdle
		}
		if !ok {
			return nil, takeClosed
		}
		if k.claim(j) {
			continue // unlike next, no wait for room: the check above sends what the worker holds
		}
		return j, takeGot
	}
}

// runBatches is run in batch mode.
func (p *Pool[R]) runBatches(stopCtx context.Context, k *keys[R], rows <-chan *Job[R], out chan<- Outcome[R]) {
	var wg sync.WaitGroup
	for range p.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.batchWorker(stopCtx, k, rows, out)
		}()
	}
	wg.Wait()
}

func (p *Pool[R]) batchWorker(stopCtx context.Context, k *keys[R], rows <-chan *Job[R], out chan<- Outcome[R]) {
	var (
		carry  []*Job[R] // rows this worker owns and has not sent: handed on by done, or one too many bytes
		batch  = make([]*Job[R], 0, p.batch)
		body   []byte
		closed bool
	)
	for {
		if len(carry) > 0 && carry[0].Batch != nil {
			// A batch an interrupted run recorded: sent alone, as it was.
			g := carry[0]
			carry = append(carry[:0], carry[1:]...)
			body = p.sendRecorded(stopCtx, g, body, out)
			if next := k.done(g.Key); next != nil {
				carry = append(carry, next)
			}
			continue
		}
		batch = batch[:0]
		size := 0
		limit := p.bodyCap.limit()
		fits := func(j *Job[R]) bool {
			if size == 0 {
				size = len(p.batchHead) + len(p.batchTail)
			}
			// A row alone over the limit still goes, alone: the API says what it makes of it.
			return len(batch) == 0 || size+len(j.Body)+1 <= limit
		}
		take := func(j *Job[R]) {
			size += len(j.Body) + 1
			batch = append(batch, j)
		}
		n := 0
		for ; n < len(carry) && len(batch) < p.batch && carry[n].Batch == nil && fits(carry[n]); n++ {
			take(carry[n])
		}
		carry = append(carry[:0], carry[n:]...)
		var start time.Time
	gather:
		for len(batch) < p.batch && len(carry) == 0 && !closed {
			var deadline time.Time
			if len(batch) > 0 {
				if start.IsZero() {
					start = time.Now()
				}
				deadline = start.Add(p.linger)
			}
			j, st := k.tryNext(rows, deadline)
			switch st {
			case takeGot:
				if j.Batch != nil || !fits(j) {
					carry = append(carry, j)
					break gather
				}
				take(j)
			case takeClosed:
				closed = true
			case takeFull, takeIdle:
				break gather
			}
		}
		if len(batch) == 0 {
			if closed && len(carry) == 0 {
				return
			}
			k.waitRoom()
			continue
		}
		var outs []Outcome[R]
		outs, body = p.processBatch(stopCtx, batch, body, "")
		for i, j := range batch {
			out <- outs[i]
			if next := k.done(j.Key); next != nil {
				carry = append(carry, next)
			}
			batch[i] = nil
		}
		if cap(body) > 1<<20 {
			body = nil // one large batch must not pin its buffer for the run
		}
	}
}

// sendRecorded sends g, a batch an interrupted run recorded (Job.Batch), with its id, puts its
// rows' outcomes out and calls g.Sent. buf is reused for the body and returned.
func (p *Pool[R]) sendRecorded(stopCtx context.Context, g *Job[R], buf []byte, out chan<- Outcome[R]) []byte {
	outs, body := p.processBatch(stopCtx, g.Batch, buf, g.ID)
	for _, o := range outs {
		out <- o
	}
	if g.Sent != nil {
		g.Sent()
	}
	return body
}

// processBatch sends one batch as one request (sendRetrying: retries, pacing and outages as for a
// single row) and says what became of each row, in order. A batch refused for its size is split
// (sendPart). buf is reused for the body and returned. id is the batch's request id when it was
// recorded before (a re-send after --resume); "" has it recorded first (RecordBatches).
func (p *Pool[R]) processBatch(stopCtx context.Context, batch []*Job[R], buf []byte, id string) ([]Outcome[R], []byte) {
	outs := make([]Outcome[R], len(batch))
	for i, j := range batch {
		outs[i] = Outcome[R]{Row: j.Row, Status: NotSent, BatchRows: len(batch), Left: len(batch) - 1 - i}
	}
	if id == "" && p.record != nil {
		var err error
		if stopCtx.Err() == nil {
			rows := make([]R, len(batch))
			for i, j := range batch {
				rows[i] = j.Row
			}
			id, err = p.record(rows)
			if err != nil {
				p.stop(err)
			}
		}
		if stopCtx.Err() != nil || err != nil {
			for _, j := range batch {
				p.recycle(j)
			}
			return outs, buf
		}
	}
	buf = p.sendPart(stopCtx, batch, outs, buf, id)
	for _, j := range batch {
		p.recycle(j)
	}
	return outs, buf
}

// sendPart sends the rows of part as one request and fills their outcomes; a part refused for
// its size (HTTP 413, or cut off while being sent) goes again as two halves, a row alone so
// refused is rejected saying why.
func (p *Pool[R]) sendPart(stopCtx context.Context, part []*Job[R], outs []Outcome[R], buf []byte, id string) []byte {
	body := append(buf[:0], p.batchHead...)
	for i, j := range part {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, j.Body...)
	}
	body = append(body, p.batchTail...)
	a, attempts, settled, doubt := p.sendRetrying(stopCtx, altcraft.Request{Method: p.batchMethod, Body: body, Items: len(part), ID: id})
	for i := range outs {
		outs[i].Attempts += attempts
	}
	if !settled {
		return body
	}
	if p.bodyCap.tooLarge(a, len(body)) {
		p.bodyCap.refuse(len(body), a)
		if len(part) > 1 {
			// Nothing of it reached the platform: its halves are new requests, not retries.
			// The halves' ids derive from the batch's: a --resume that re-sends the recorded
			// batch meets the same limit and splits it the same way, so a half applied before
			// the crash is answered as a replay.
			h := len(part) / 2
			body = p.sendPart(stopCtx, part[:h], outs[:h], body, halfID(id, 1))
			return p.sendPart(stopCtx, part[h:], outs[h:], body, halfID(id, 2))
		}
		a.Kind, a.Code, a.Reason = altcraft.Rejected, altcraft.RejectHTTP(http.StatusRequestEntityTooLarge), p.bodyCap.tooLargeReason(len(body), a)
	} else if a.Status != 0 {
		p.bodyCap.pass(len(body))
	}
	for i := range outs {
		outs[i].Replayed, outs[i].Doubt = a.Replayed, doubt
	}
	if a.Kind != altcraft.OK {
		// The whole batch refused, or failing past its retries: each row with the answer.
		for i := range outs {
			outs[i].Status, outs[i].Code, outs[i].Reason = Rejected, a.Code, a.Reason
		}
		return body
	}
	for i, it := range a.Items {
		o := &outs[i]
		switch it.Kind {
		case altcraft.OK:
			o.Status, o.ProfileID = Imported, it.ProfileID
		case altcraft.Fatal:
			// The row stays unsent (resumable); the run stops as for a single row.
			p.stop(it.Err)
		default:
			o.Status, o.Code, o.Reason = Rejected, it.Code, it.Reason
		}
	}
	return body
}

// halfID is the request id of half n (1 or 2) of a batch split for its size; "" stays "".
func halfID(id string, n int) string {
	if id == "" {
		return ""
	}
	return id + "/" + strconv.Itoa(n)
}
