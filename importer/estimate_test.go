package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acimport/acimport/mapping"
)

// stopOn is stderr that cancels the run once a line holding word is written.
type stopOn struct {
	syncBuffer
	word   string
	cancel context.CancelFunc
	once   sync.Once
}

func (s *stopOn) Write(p []byte) (int, error) {
	n, err := s.syncBuffer.Write(p)
	if strings.Contains(s.String(), s.word) {
		s.once.Do(s.cancel)
	}
	return n, err
}

// Issue 21, item 6: a file of 30,000 rows (more than the 1 MiB sample) at --batch 1 and --rate 10
// says at the start, on a terminal too (the bar's mode), how long it takes, and what --batch
// 1000 would take; the estimate no longer waits for 1000 rows read at the pace of sending.
func TestStartEstimateAndBatchAdvice(t *testing.T) {
	srv := newAPIServer(t, nil)
	var csv strings.Builder
	csv.WriteString("Email;Name;Id\n")
	for i := range 30000 {
		fmt.Fprintf(&csv, "customer%05d@example.com;Customer number %05d;%d\n", i, i, i)
	}
	for _, tc := range []struct {
		name, mapping, advice string
	}{
		{"batchable", testMapping, "advice: one request a row at --rate 10 takes at least "},
		{"matching profile_id", "db_id: 5\ncsv: { delimiter: \";\" }\nmatching: profile_id\nmatch: { column: Id }\nfields:\n  email: Email\n",
			"advice: --batch would send many rows a request, but it does not apply to this mapping (matching profile_id cannot be used with --batch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stderr := &stopOn{word: "advice:", cancel: cancel}
			dir := t.TempDir()
			in := filepath.Join(dir, "in.csv")
			if err := os.WriteFile(in, []byte(csv.String()), 0o600); err != nil {
				t.Fatal(err)
			}
			m, err := mapping.Parse(strings.NewReader(tc.mapping), "m.yaml")
			if err != nil {
				t.Fatal(err)
			}
			_, err = Import(ctx, Config{Mapping: m, Files: []string{in}, Stderr: stderr, URL: srv.URL, Token: testToken,
				Rate: 10, Workers: 2, Timeout: 5 * time.Second, Progress: ProgressBar})
			if !errors.Is(err, ErrInterrupted) {
				t.Fatalf("err %v, want interrupted once the advice is given", err)
			}
			lines := strings.Split(stderr.String(), "\n")
			if len(lines) < 3 || !strings.HasPrefix(lines[0], "importing ") {
				t.Fatalf("stderr:\n%s", stderr.String())
			}
			// Counted from the first MiB: about, within a percent.
			if want := regexp.MustCompile(`^at --rate 10, about (29,[7-9]|30,[0-3])\d\d rows take at least (49m[3-5]|50m[0-3])\ds$`); !want.MatchString(lines[1]) {
				t.Errorf("second line %q, want %s", lines[1], want)
			}
			if !strings.HasPrefix(lines[2], tc.advice) || (tc.name == "batchable" && !strings.HasSuffix(lines[2], "; --batch 1000 sends 1000 rows a request and takes at least 3s at the same --rate")) {
				t.Errorf("third line %q, want %q", lines[2], tc.advice)
			}
		})
	}
}

// No advice when the run is short, or already batched.
func TestNoBatchAdviceWhenShort(t *testing.T) {
	srv := newAPIServer(t, nil)
	var buf syncBuffer
	_, _, err := runImport(t, srv.URL, "Email;Name;Id\na@example.com;A;1\nb@example.com;B;2\n", func(c *Config) { c.Rate = 10; c.Stderr = &buf })
	if err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); strings.Contains(s, "advice") || !strings.Contains(s, "at --rate 10, about 2 rows take at least 0s") {
		t.Errorf("stderr:\n%s", s)
	}
}

// With --log-format json (Config.Log) a progress line is one event with its counts as fields.
func TestProgressEvent(t *testing.T) {
	var b bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&b, nil))
	f := progressFrame{c: progressCounts{read: 9100, ok: 8950, bad: 50}, total: 20000, totalKnow: true, rate: 10, limit: 10}
	f.logProgress(log, "imported", "rejected")
	var e map[string]any
	if err := json.Unmarshal(b.Bytes(), &e); err != nil {
		t.Fatalf("%v: %s", err, b.String())
	}
	want := map[string]any{"msg": "progress", "level": "INFO", "settled": 9000.0, "imported": 8950.0, "rejected": 50.0, "read": 9100.0,
		"total": 20000.0, "total_exact": false, "rows_per_second": 10.0, "pacing_requests_per_second": 10.0, "seconds_left": 1100.0}
	for k, v := range want {
		if e[k] != v {
			t.Errorf("%s = %v, want %v (%s)", k, e[k], v, b.String())
		}
	}
	if _, ok := e["time"]; !ok {
		t.Errorf("no time: %s", b.String())
	}
}
