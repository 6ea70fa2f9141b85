// Package send paces and sends an import's requests: a pool of workers behind one limiter (pacer,
// AIMD), batching, retries with backoff, and the outage gate that decides when the run stops
// because the API is not there. Rows go in as Jobs, what became of each comes out as an Outcome,
// and a stop of the whole run is Run's error.
//
// The row is a type parameter: send carries it from Job to Outcome untouched, so that the caller
// keeps whatever it needs to record a row and send never sees it.
package send

import (
	"cmp"
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/acimport/acimport/internal/altcraft"
)

// Job is one converted row on its way to the API.
type Job[R any] struct {
	Row  R      // the caller's handle of the row, handed back in its Outcome
	Body []byte // the request body (with Options.Batch > 1: the row's batch item); see Pool.Buffer
	// Key is the row's matching key: rows that share one are never in flight together, and are
	// sent in the order they came, so that the last row of a file wins as in a serial load.
	Key string
	// ID is the request's id (altcraft.Request.ID) when the row goes alone: the same on every
	// retry, and on its re-send after --resume. In batch mode a batch's id comes from
	// Options.Record.
	ID string
	// Batch, when not nil, makes this job a batch recorded by an interrupted run, re-sent as it
	// was: these rows, in this order, as one request with ID, whatever Options.Batch is. Its own
	// Row and Body are unused; its Key serialises such batches, in the order they come; Sent is
	// called once their outcomes are out.
	Batch []*Job[R]
	Sent  func()
}

// Status is what became of a row, as the results log spells it.
type Status string

// The statuses of a row that went to the pool.
const (
	Imported Status = "imported"
	Rejected Status = "rejected"
	NotSent  Status = "not_sent" // the run stopped before the row's fate was known
)

// Outcome is what became of one row.
type Outcome[R any] struct {
	Row       R
	Status    Status
	ProfileID string              // Imported: the profile the API imported the row into
	Code      altcraft.RejectCode // Rejected: the reject code
	Reason    string              // Rejected: why, in words
	Attempts  int                 // requests sent for the row (a batch's count for each of its rows)
	// Replayed: the answer that settled the row said the platform had already applied its
	// request (altcraft.Result.Replayed).
	Replayed bool
	// Doubt: an attempt failed ambiguously (it may have been applied: altcraft.Result.Ambiguous)
	// and was retried, and the answer that settled the row was not a replay. Applied twice when
	// the platform does not deduplicate — which matters only for a non-idempotent change.
	Doubt bool
	// BatchRows is the rows of the batch request the row went in (0: alone), and Left how many
	// of their outcomes come after this one: a batch's outcomes come out one after the other,
	// and a caller that records them can tell when it has them all.
	BatchRows, Left int
}

// Options configure a Pool. Zero values are noted.
type Options struct {
	// Client sends the requests.
	Client altcraft.Sender
	// Method is the API method of a one-row request, BatchMethod that of a batch.
	Method, BatchMethod altcraft.Method
	// BatchHead and BatchTail enclose a batch request's items, which a comma separates
	// (mapping.Binder.BatchHead, mapping.BatchTail); used when Batch > 1.
	BatchHead, BatchTail []byte
	// Batch is the most rows a request carries; 0 or 1: one request per row.
	Batch int
	// Workers is the number of requests in flight; 0: 1.
	Workers int
	// Retries is the retries of a transient failure charged to a row; negative: 0.
	Retries int
	// Rate is the requests per second of the whole run; 0: no limit (until a 429 sets one).
	Rate float64
	// OutageWait is how long the run waits for an API that stopped answering mid-run; 0: 5 minutes.
	OutageWait time.Duration
	// Log receives the lines the run tells its user (an outage, its end, a byte cap), without a
	// time: the writer puts it on each line. nil discards them. Workers call it concurrently.
	Log func(line string)
	// OnStop, when not nil, hears the run-wide stop the moment it happens, before Run returns it,
	// so that the caller stops handing over rows (those it still hands over come out NotSent).
	OnStop func(error)
	// Tuning holds the timings tests shorten; the zero value is the production one.
	Tuning Tuning
}

// Tuning holds the timings of retries and outages that tests shorten. The zero value of each
// field is the production default.
type Tuning struct {
	// Backoff is the wait before a retry; zero Base: DefaultBackoff.
	Backoff Backoff
	// OutageAfter: a streak of failures this long, with no answer, is an outage; 0: 2 s.
	OutageAfter time.Duration
	// ProbeFirst is the first interval between the probes of an outage, doubling up to ProbeMax;
	// 0: 1 s and 15 s.
	ProbeFirst, ProbeMax time.Duration
	// BlipMin: a streak of failures of several rows this long is run-wide; 0: 300 ms.
	BlipMin time.Duration
	// BatchLinger is how long a batch worker waits for more rows before it sends a batch that is
	// not full; 0: 100 ms. Tests lengthen it to fill every batch on a slow machine.
	BatchLinger time.Duration
	// MaxFailStreak is how many transient failures in a row, before the API ever answered,
	// stop the run with an *APIDownError; 0: 50, or 4 a worker when more.
	MaxFailStreak int
}

// Pool sends jobs through workers paced by one limiter. Make one with New; Run it once.
type Pool[R any] struct {
	client    altcraft.Sender
	method    altcraft.Method
	batch     int // > 1: up to batch rows a request, through batchMethod (batch.go)
	batchHead []byte
	batchTail []byte
	// batchMethod is the method of a batch request.
	batchMethod altcraft.Method
	pacer       *pacer
	workers     int
	backoff     Backoff
	gate        *gate
	onStop      func(error)
	record      func(rows []R) (string, error)
	bodies      sync.Pool
	bodyCap     bodyCap // the proxy's body limit, learnt (split.go)
	linger      time.Duration

	// send is the context of requests already started: it outlives a stop
	// (the answer to a request in flight is worth waiting for, bounded by
	// --timeout) and ends only with the process.
	send context.Context

	stopOnce sync.Once
	stopErr  error
	cancel   context.CancelCauseFunc

	retriesDone atomic.Int64
	replayed    atomic.Int64
	ambiguous   atomic.Int64
}

// New makes a pool with opt.
func New[R any](opt Options) *Pool[R] {
	workers := max(opt.Workers, 1)
	t := opt.Tuning
	if t.Backoff.Base == 0 {
		t.Backoff = DefaultBackoff
	}
	p := &Pool[R]{
		client:      opt.Client,
		method:      opt.Method,
		batch:       opt.Batch,
		batchHead:   opt.BatchHead,
		batchTail:   opt.BatchTail,
		batchMethod: opt.BatchMethod,
		pacer:       newPacer(opt.Rate, nil),
		workers:     workers,
		backoff:     t.Backoff,
		gate:        newGate(workers, opt.OutageWait, max(opt.Retries, 0), t, opt.Log),
		onStop:      opt.OnStop,
		bodyCap:     bodyCap{log: opt.Log},
		linger:      cmp.Or(t.BatchLinger, batchLinger),
	}
	p.bodies.New = func() any { b := make([]byte, 0, 1024); return &b }
	return p
}

// Buffer is an empty buffer for a Job's Body, from those the pool recycles once their job is
// sent: a run converts its rows without allocating a body for each.
func (p *Pool[R]) Buffer() *[]byte { return p.bodies.Get().(*[]byte) }

// PutBuffer gives back a buffer from Buffer that never became a Job's Body.
func (p *Pool[R]) PutBuffer(b *[]byte) { p.bodies.Put(b) }

// Run sends the jobs of rows until rows is closed, and returns once every job has its outcome on
// out. When ctx ends, or the run must stop, the jobs still coming are answered NotSent at once.
//
// Its error is the run-wide stop, nil when there was none: an *altcraft.APIError (the API refused
// the run: a bad token, no rights), an *OutageError, an *APIDownError, a *ThrottledError, or the error of a wrong URL
// (altcraft.Result.WrongURL).
func (p *Pool[R]) Run(ctx context.Context, rows <-chan *Job[R], out chan<- Outcome[R]) error {
	p.send = context.WithoutCancel(ctx)
	ctx, p.cancel = context.WithCancelCause(ctx)
	defer p.cancel(nil)
	p.run(ctx, rows, out)
	return p.stopErr
}

// stop stops the run with err; the first stop is the one that counts.
func (p *Pool[R]) stop(err error) {
	p.stopOnce.Do(func() {
		p.stopErr = err
		if p.onStop != nil {
			p.onStop(err)
		}
		p.cancel(err)
	})
}

// Retries is the retries this run has made so far.
func (p *Pool[R]) Retries() int64 { return p.retriesDone.Load() }

// RecordBatches has record called with each batch's rows, in request order, before the batch is
// first sent: it makes the batch durable (so that --resume re-sends these rows as one request) and
// returns the batch's request id. Its error stops the run; the rows stay unsent. Call it before
// Run; without it batches carry no id.
func (p *Pool[R]) RecordBatches(record func(rows []R) (id string, err error)) { p.record = record }

// Replayed is the answers this run that the platform gave from its deduplication store: it had
// already applied the request.
func (p *Pool[R]) Replayed() int64 { return p.replayed.Load() }

// Ambiguous is the attempts this run that failed after the request was written, without an
// answer: the platform may have applied them.
func (p *Pool[R]) Ambiguous() int64 { return p.ambiguous.Load() }

// Throttled is the answers this run that said slow down (HTTP 429).
func (p *Pool[R]) Throttled() int64 { return p.pacer.Throttled() }

// Limit is the pace in force, in requests per second (0: none), for the progress line.
func (p *Pool[R]) Limit() float64 { return p.pacer.Limit() }

// ByteCap is the most bytes a batch request carries since a body larger was refused for its size
// (HTTP 413): the largest that passed. 0: none was refused.
func (p *Pool[R]) ByteCap() int64 { return int64(p.bodyCap.ByteCap()) }
