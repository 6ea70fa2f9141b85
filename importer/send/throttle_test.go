package send

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acimport/acimport/internal/altcraft"
)

// senderFunc is an altcraft.Sender from a function.
type senderFunc func(altcraft.Request) altcraft.Result

func (f senderFunc) Send(_ context.Context, r altcraft.Request) altcraft.Result { return f(r) }

// run sends n jobs through a pool made with opt and returns the outcomes and Run's error.
func runJobs(t *testing.T, opt Options, n int) ([]Outcome[int], error) {
	t.Helper()
	p := New[int](opt)
	rows := make(chan *Job[int])
	out := make(chan Outcome[int], n)
	go func() {
		defer close(rows)
		for i := range n {
			select {
			case rows <- &Job[int]{Row: i, Body: []byte(`{"i":1}`), Key: string(rune('a' + i))}:
			case <-time.After(10 * time.Second):
				return
			}
		}
	}()
	err := p.Run(context.Background(), rows, out)
	close(out)
	var outs []Outcome[int]
	for o := range out {
		outs = append(outs, o)
	}
	return outs, err
}

// A 429 at the slowest pace is not a row's fate: the run stops (resumable), and no row is
// rejected http_429 — batch or not.
func TestThrottledAtFloorStopsTheRun(t *testing.T) {
	for _, batch := range []int{1, 5} {
		var sent atomic.Int64
		always429 := senderFunc(func(altcraft.Request) altcraft.Result {
			sent.Add(1)
			return altcraft.Result{Kind: altcraft.Transient, Code: "http_429", Reason: "HTTP 429 Too Many Requests", Status: 429, RateLimited: true}
		})
		outs, err := runJobs(t, Options{Client: always429, Batch: batch, Rate: 0.05, Retries: 0,
			Tuning: Tuning{Backoff: Backoff{Base: time.Millisecond, Max: time.Millisecond}}}, 5)
		var te *ThrottledError
		if !errors.As(err, &te) {
			t.Fatalf("--batch %d: Run's error %v, want a *ThrottledError", batch, err)
		}
		for _, o := range outs {
			if o.Status == Rejected {
				t.Errorf("--batch %d: row %d rejected %s: %s", batch, o.Row, o.Code, o.Reason)
			}
		}
	}
}

// Above the floor, a batch's 429s cost it no retries: with --retries 0 a batch answered 429
// twice, then OK, is imported.
func TestThrottledAboveFloorCostsNoRetries(t *testing.T) {
	var n atomic.Int64
	c := senderFunc(func(r altcraft.Request) altcraft.Result {
		if n.Add(1) <= 2 {
			return altcraft.Result{Kind: altcraft.Transient, Code: "http_429", Status: 429, RateLimited: true}
		}
		items := make([]altcraft.ItemResult, r.Items)
		for i := range items {
			items[i] = altcraft.ItemResult{Kind: altcraft.OK, ProfileID: "p"}
		}
		return altcraft.Result{Kind: altcraft.OK, Status: 200, Items: items}
	})
	outs, err := runJobs(t, Options{Client: c, Batch: 5, Retries: 0,
		Tuning: Tuning{Backoff: Backoff{Base: time.Millisecond, Max: time.Millisecond}}}, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		if o.Status != Imported {
			t.Errorf("row %d: %s %s %s", o.Row, o.Status, o.Code, o.Reason)
		}
	}
}

// The gate's lines carry no clock time: the writer puts one on each line (issue 23, item 6).
func TestOutageLinesWithoutTime(t *testing.T) {
	var lines []string
	g := newGate(2, time.Minute, 3, Tuning{OutageAfter: time.Second}, func(s string) { lines = append(lines, s) })
	clock := &fakeClock{t: time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC)}
	g.now = clock.now
	g.answered()
	var b1, b2 budget
	fail := altcraft.Result{Kind: altcraft.Transient, Code: "network", Reason: "connection refused"}
	g.observe(false, fail, &b1)
	clock.advance(2 * time.Second)
	g.observe(false, fail, &b2)
	g.answered()
	if len(lines) != 2 {
		t.Fatalf("lines %q: want the outage and its end", lines)
	}
	for _, l := range lines {
		if strings.Contains(l, "14:00") || (l[0] >= '0' && l[0] <= '9') {
			t.Errorf("%q starts with a time", l)
		}
	}
}
