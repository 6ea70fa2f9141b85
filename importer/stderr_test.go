package importer

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acimport/acimport/importer/send"
	"github.com/acimport/acimport/mapping"
)

// A library caller may pass any io.Writer as Stderr, such as a plain bytes.Buffer: the run's
// goroutines (the outage gate in the workers, the progress goroutine) must not write to it at
// once. Under -race this fails if they do: the gate tells of the outage from a worker while the
// progress bar goes on drawing frames, with nothing ordering the two (no row is settled during
// an outage, so the bar's reads of the counters order nothing after the gate's line).
func TestStderrPlainBufferIsSafe(t *testing.T) {
	srv, down, during := newOutageServer(t)
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
		// The gate says "sending paused" within OutageAfter and BlipMin of the first
		// failures; give it ample time, then interrupt.
		for during.Load() < 12 {
			time.Sleep(2 * time.Millisecond)
		}
		time.Sleep(800 * time.Millisecond) // a few of the bar's frames
		cancel()
	}()
	var stderr bytes.Buffer // deliberately not safe for concurrent writes
	cfg := Config{
		Mapping: m, Files: []string{in}, Stderr: &stderr, Progress: ProgressBar,
		URL: srv.URL, Token: testToken, Workers: 4, Retries: 1000, Rate: 200, Timeout: 5 * time.Second,
		OutageWait: time.Minute,
	}
	cfg.tuning.Backoff = send.Backoff{Base: time.Millisecond, Max: 2 * time.Millisecond, RetryAfterMax: 5 * time.Millisecond}
	cfg.tuning.OutageAfter, cfg.tuning.ProbeFirst, cfg.tuning.ProbeMax = 100*time.Millisecond, 20*time.Millisecond, 40*time.Millisecond
	cfg.tuning.BlipMin = 50 * time.Millisecond
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
