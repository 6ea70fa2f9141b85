package importer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
)

// TestResumedCountersAddUp: the retries and the 429s of an interrupted run and of its resumption
// add up in the resumed run's summary, and its this_run part has the second run's alone.
func TestResumedCountersAddUp(t *testing.T) {
	f := newResumeFixture(t, 300)
	var requests, throttled atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	var first atomic.Bool
	first.Store(true)
	srv := newAPIServer(t, func(w http.ResponseWriter, email string, n int) {
		if requests.Add(1) == 100 && first.Load() {
			cancel()
		}
		var i int
		fmt.Sscanf(email, "u%d@", &i)
		switch {
		case n == 0 && i%25 == 0:
			throttled.Add(1)
			apiError(w, http.StatusTooManyRequests, 429, "Too many requests")
		case n == 0 && i%7 == 1:
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			ok(w, email)
		}
	})
	one, err := Import(ctx, f.config(srv.URL, false))
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("first run: err = %v, want ErrInterrupted", err)
	}
	if one.Throttled != throttled.Load() || one.Throttled == 0 || one.Retries == 0 {
		t.Fatalf("first run: %d throttled, %d retries; the server sent %d 429s", one.Throttled, one.Retries, throttled.Load())
	}
	first.Store(false)
	throttled.Store(0)
	two, err := Import(context.Background(), f.config(srv.URL, true))
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	this := two.ThisRun
	if this.Throttled != throttled.Load() {
		t.Errorf("this run: %d throttled; the server sent %d 429s", this.Throttled, throttled.Load())
	}
	if two.Throttled != one.Throttled+this.Throttled || two.Retries != one.Retries+this.Retries {
		t.Errorf("whole import: %d throttled, %d retries; want %d+%d and %d+%d",
			two.Throttled, two.Retries, one.Throttled, this.Throttled, one.Retries, this.Retries)
	}
	if this.Retries == 0 || two.RowsRead != int64(f.rows) || this.RowsRead != two.RowsRead-one.Imported-one.Rejected {
		t.Errorf("resumed run: %+v after %+v", two, one)
	}
}
