package importer

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acimport/acimport/mapping"
)

// A library caller may pass any io.Writer as Stderr, such as a plain bytes.Buffer: the run's
// goroutines (the outage gate in the workers, the progress goroutine) must not write to it at
// once. Under -race this fails if they do: the gate tells of the outage from a worker, then the
// interrupt makes the progress goroutine say it is stopping, with nothing ordering the two.
func TestStderrPlainBufferIsSafe(t *testing.T) {
	var down atomic.Bool
	var during atomic.Int64
	srv := newAPIServer(t, func(w http.ResponseWriter, email string, n int) {
		if down.Load() {
			during.Add(1)
			w.WriteHeader(502)
			return
		}
		ok(w, email)
	})
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte(manyRows(400)), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := mapping.Parse(strings.NewReader(testMapping), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for len(srv.got()) < 20 {
			time.Sleep(2 * time.Millisecond)
		}
		down.Store(true)
		// The gate has said "sending paused" once probes come; then interrupt.
		for during.Load() < 12 {
			time.Sleep(2 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()
	var stderr bytes.Buffer // deliberately not safe for concurrent writes
	cfg := Config{
		Mapping: m, Files: []string{in}, Stderr: &stderr,
		URL: srv.URL, Token: testToken, Workers: 4, Retries: 2, Rate: 200, Timeout: 5 * time.Second,
		OutageWait: time.Minute,
		backoff:    backoff{base: time.Millisecond, max: 2 * time.Millisecond, retryAfterMax: 5 * time.Millisecond},
	}
	cfg.outageAfter, cfg.probeFirst, cfg.probeMax = 100*time.Millisecond, 20*time.Millisecond, 40*time.Millisecond
	_, err = Import(ctx, cfg)
	if err == nil {
		t.Fatalf("the run was interrupted mid-outage but returned no error")
	}
	log := stderr.String()
	for _, want := range []string{"sending paused", "stopping"} {
		if !strings.Contains(log, want) {
			t.Errorf("stderr lacks %q:\n%s", want, log)
		}
	}
}
