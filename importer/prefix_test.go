package importer

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
)

// An input edited inside its finished part, its size kept, must not be
// resumed: the edited rows would never be sent.
func TestResumeRefusesEditedFinishedPart(t *testing.T) {
	f := newResumeFixture(t, 12000)
	var sent atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	srv := newAPIServer(t, func(w http.ResponseWriter, email string, n int) {
		if sent.Add(1) == 6000 {
			cancel()
		}
		ok(w, email)
	})
	if _, err := Import(ctx, f.config(srv.URL, false)); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("first run: %v", err)
	}
	// Rows at lines 3,000–4,000 (past the first 64 KiB), same size: U → V.
	b, _ := os.ReadFile(f.csv)
	lines := bytes.SplitAfter(b, []byte("\n"))
	for i := 2999; i < 4000; i++ {
		lines[i] = bytes.Replace(lines[i], []byte(";U;"), []byte(";V;"), 1)
	}
	edited := bytes.Join(lines, nil)
	if len(edited) != len(b) || bytes.Equal(edited, b) {
		t.Fatal("the edit should change bytes and keep the size")
	}
	os.WriteFile(f.csv, edited, 0o600)
	sent.Store(0)
	_, err := Import(context.Background(), f.config(srv.URL, true))
	if !errors.Is(err, ErrResumeMismatch) || !strings.Contains(err.Error(), f.csv) || !strings.Contains(err.Error(), "finished part") {
		t.Fatalf("resume of an input edited in its finished part: err = %v, want a refusal naming %s", err, f.csv)
	}
	if n := sent.Load(); n != 0 {
		t.Errorf("%d rows sent before the refusal", n)
	}
}

// With --resume=auto, an input edited inside its finished part is not
// resumed either: the old state is moved aside and the run starts over.
func TestResumeAutoStartsOverAnEditedInput(t *testing.T) {
	f := newResumeFixture(t, 6000)
	var sent atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	srv := newAPIServer(t, func(w http.ResponseWriter, email string, n int) {
		if sent.Add(1) == 5000 {
			cancel()
		}
		ok(w, email)
	})
	if _, err := Import(ctx, f.config(srv.URL, false)); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("first run: %v", err)
	}
	b, _ := os.ReadFile(f.csv)
	i := bytes.Index(b, []byte("u3500@example.com;U;"))
	b[i+len("u3500@example.com;")] = 'V' // past the first 64 KiB, same size
	os.WriteFile(f.csv, b, 0o600)
	var stderr bytes.Buffer
	cfg := f.config(srv.URL, false)
	cfg.AutoResume, cfg.Stderr = true, &stderr
	sum, err := Import(context.Background(), cfg)
	if err != nil || sum.Resumed || sum.RowsRead != int64(f.rows) {
		t.Fatalf("auto over an edited input: %+v, %v\n%s", sum, err, &stderr)
	}
	if !strings.Contains(stderr.String(), "finished part") || !strings.Contains(stderr.String(), "moved the old state aside") {
		t.Errorf("stderr does not say why it started over:\n%s", &stderr)
	}
}
