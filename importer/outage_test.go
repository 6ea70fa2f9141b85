package importer

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acimport/acimport/importer/send"
)

// syncBuffer is a stderr that the workers may write to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newOutageServer is an API that answers every row until down is set, then
// answers 502 to every request, counting them in during.
func newOutageServer(t *testing.T) (srv *apiServer, down *atomic.Bool, during *atomic.Int64) {
	down, during = new(atomic.Bool), new(atomic.Int64)
	srv = newAPIServer(t, func(w http.ResponseWriter, email string, n int) {
		if down.Load() {
			during.Add(1)
			w.WriteHeader(502)
			return
		}
		ok(w, email)
	})
	return srv, down, during
}

// An API that answers, goes down for a while (every request 502), and comes
// back: the run pauses, probes, resumes, and no row is rejected — with fewer
// retries allowed than the outage lasts.
func TestOutageMidRun(t *testing.T) {
	srv, down, during := newOutageServer(t)
	const rows = 300
	var stderr syncBuffer
	go func() {
		for len(srv.got()) < 50 {
			time.Sleep(5 * time.Millisecond)
		}
		down.Store(true)
		time.Sleep(1500 * time.Millisecond)
		down.Store(false)
	}()
	sum, dir, err := runImport(t, srv.URL, manyRows(rows), func(c *Config) {
		c.Workers, c.Retries, c.Rate = 8, 2, 200
		c.tuning.Backoff = send.DefaultBackoff // two retries: gone in under a second without the outage handling
		c.tuning.OutageAfter, c.tuning.ProbeFirst, c.tuning.ProbeMax = 300*time.Millisecond, 100*time.Millisecond, 200*time.Millisecond
		c.Stderr = &stderr
	})
	if err != nil || sum.Imported != rows || sum.Rejected != 0 {
		t.Fatalf("err %v, summary %+v; want every row imported\n%s\n%s", err, sum, stderr.String(), readFile(t, filepath.Join(dir, "in.rejects.csv")))
	}
	log := stderr.String()
	if !strings.Contains(log, "sending paused") || !strings.Contains(log, "answers again") {
		t.Errorf("stderr does not tell of the outage:\n%s", log)
	}
	// Paused: a probe at a time, not every worker retrying every row.
	if n := during.Load(); n > 60 {
		t.Errorf("%d requests during a 1.5 s outage; a paused run sends only probes", n)
	}
}

// An outage longer than --outage-wait stops the run: exit 1, nothing rejected,
// the rows not sent kept for --resume.
func TestOutageLongerThanOutageWait(t *testing.T) {
	var n atomic.Int64
	srv := newAPIServer(t, func(w http.ResponseWriter, email string, _ int) {
		if n.Add(1) > 20 {
			w.WriteHeader(503)
			return
		}
		ok(w, email)
	})
	sum, dir, err := runImport(t, srv.URL, manyRows(200), func(c *Config) {
		c.Workers, c.Retries, c.Rate = 4, 2, 100
		c.tuning.Backoff = send.DefaultBackoff
		c.OutageWait = 500 * time.Millisecond
		c.tuning.OutageAfter, c.tuning.ProbeFirst, c.tuning.ProbeMax = 200*time.Millisecond, 50*time.Millisecond, 100*time.Millisecond
	})
	var oe *send.OutageError
	if !errors.As(err, &oe) {
		t.Fatalf("err = %v, want *send.OutageError", err)
	}
	if sum.Rejected != 0 || sum.Imported < 20 || sum.NotSent == 0 {
		t.Errorf("summary %+v: want the 20 rows imported, none rejected, the rest not sent", sum)
	}
	if _, err := os.Stat(filepath.Join(dir, "in.rejects.state")); err != nil {
		t.Errorf("no state file for --resume: %v", err)
	}
	if !strings.Contains(oe.Error(), "--resume") {
		t.Errorf("the message does not say how to continue: %v", oe)
	}
}
