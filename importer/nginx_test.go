package importer

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/acimport/acimport/importer/send"
	"github.com/acimport/acimport/internal/nginxtest"
	"github.com/acimport/acimport/sandbox"
)

// behindNginx starts a sandbox and a real nginx in front of it (TLS, and
// limit_req when limit > 0).
func behindNginx(t *testing.T, cfg nginxtest.Config) (*nginxtest.Server, *sandbox.Instance) {
	t.Helper()
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{Token: testToken, DBs: []int{5}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	cfg.Upstream = strings.TrimPrefix(sb.URL, "http://")
	return nginxtest.New(t, cfg), sb
}

// manyRows is a CSV of n distinct rows for testMapping.
func manyRows(n int) string {
	var b strings.Builder
	b.WriteString("Email;Name;Id\n")
	for i := range n {
		fmt.Fprintf(&b, "u%d@example.com;U %d;%d\n", i, i, i)
	}
	return b.String()
}

// throttleShare is the share of a run's answers that were 429.
func throttleShare(s *Summary) float64 {
	answers := s.Imported + s.Rejected + s.Retries
	if answers == 0 {
		return 0
	}
	return float64(s.Throttled) / float64(answers)
}

// Behind nginx's limit_req at 300 r/s, --rate 0 with 32 workers converges on
// the limit: every row imported, none rejected http_429, and once the pace has
// come down from what 32 workers can do (the first 2 s, by nginx's log), few
// answers 429 — the pace does not keep climbing into the limit. (The time the
// run takes against rows/limit is measured by bench/compare.sh, not here.)
func TestPacingBehindNginxLimit(t *testing.T) {
	ng, sb := behindNginx(t, nginxtest.Config{LimitRPS: 300, Burst: 30, AccessLog: true})
	const rows = 1500
	sum, _, err := runImport(t, ng.URL, manyRows(rows), func(c *Config) {
		c.Rate, c.Workers, c.Retries, c.RootCAs = 0, 32, 5, ng.Roots
		c.tuning.Backoff = send.DefaultBackoff
	})
	if err != nil {
		t.Fatalf("Import: %v\n%s", err, ng.ErrorLog())
	}
	if sum.Imported != rows || sum.RejectedByCode["http_429"] != 0 {
		t.Fatalf("summary %+v: every row should be imported, none rejected http_429", sum)
	}
	if got := sb.Server.Stats().Created; got != rows {
		t.Errorf("the sandbox stored %d profiles, want %d", got, rows)
	}
	reqs, err := ng.Requests()
	if err != nil || len(reqs) == 0 {
		t.Fatalf("nginx's access log: %v", err)
	}
	settled := reqs[0].At.Add(2 * time.Second)
	var after, throttled int
	for _, r := range reqs {
		if r.At.Before(settled) {
			continue
		}
		after++
		if r.Status == 429 {
			throttled++
		}
	}
	share := float64(throttled) / float64(max(after, 1))
	t.Logf("%d answers, %d of them 429 (%.1f%%); after the first 2 s: %d of %d (%.1f%%)",
		len(reqs), sum.Throttled, 100*throttleShare(sum), throttled, after, 100*share)
	// Loose, for a shared machine: the benchmark holds the 5% target over a
	// 6,000-row run. (The pacer before AIMD: 9–12% here, and 1.2–1.9× the time.)
	if whole := throttleShare(sum); whole > 0.07 {
		t.Errorf("%.1f%% of all answers were 429", 100*whole)
	}
	if share > 0.05 {
		t.Errorf("%.1f%% of the answers after the first 2 s were 429: the pace keeps running into the limit", 100*share)
	}
}

// At a fixed --rate under the limit, no 429 at all.
func TestFixedRateUnderNginxLimit(t *testing.T) {
	ng, _ := behindNginx(t, nginxtest.Config{LimitRPS: 300, Burst: 30})
	const rows = 500
	sum, _, err := runImport(t, ng.URL, manyRows(rows), func(c *Config) {
		c.Rate, c.Workers, c.RootCAs = 250, 32, ng.Roots
	})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if sum.Imported != rows || sum.Throttled != 0 {
		t.Fatalf("summary %+v: want every row imported and no 429", sum)
	}
}

// The upstream behind nginx goes away mid-run (nginx -s reload to a dead
// upstream: 502s) and comes back with another reload: the run pauses, probes,
// resumes, and ends with every row stored and none rejected. The outage lasts
// 3 s, not the 15 s of the field report, with detection and probing shortened
// in proportion (0.5 s, probes every 0.2–1 s): the same path through a real
// reload, in a test that takes seconds. bench/compare.sh needs no outage row;
// TestOutageMidRun covers the same logic without nginx.
func TestOutageBehindNginx(t *testing.T) {
	ng, sb := behindNginx(t, nginxtest.Config{})
	const rows = 500
	var stderr syncBuffer
	errc := make(chan error, 1)
	go func() {
		for sb.Server.Stats().Created < 100 {
			time.Sleep(5 * time.Millisecond)
		}
		if err := ng.SetUpstream(false); err != nil {
			errc <- err
			return
		}
		time.Sleep(3 * time.Second)
		errc <- ng.SetUpstream(true)
	}()
	sum, _, err := runImport(t, ng.URL, manyRows(rows), func(c *Config) {
		c.Rate, c.Workers, c.Retries, c.RootCAs = 200, 16, 3, ng.Roots
		c.tuning.Backoff = send.DefaultBackoff
		c.tuning.OutageAfter, c.tuning.ProbeFirst, c.tuning.ProbeMax = 500*time.Millisecond, 200*time.Millisecond, time.Second
		c.Stderr = &stderr
	})
	if rerr := <-errc; rerr != nil {
		t.Fatal(rerr)
	}
	if err != nil || sum.Imported != rows || sum.Rejected != 0 {
		t.Fatalf("err %v, summary %+v: want every row imported, none rejected\n%s", err, sum, stderr.String())
	}
	if got := sb.Server.Stats().Created; got != rows {
		t.Errorf("the sandbox stored %d profiles, want %d", got, rows)
	}
	if log := stderr.String(); !strings.Contains(log, "sending paused") || !strings.Contains(log, "answers again") {
		t.Errorf("stderr does not tell of the outage:\n%s", log)
	}
}

// nginx reloaded again and again mid-run (each graceful reload closes the
// old workers' idle kept-alive connections): no row fails, with no retries
// allowed — a request that met a dead connection goes again on a fresh one.
func TestNginxReloadsMidRun(t *testing.T) {
	ng, sb := behindNginx(t, nginxtest.Config{})
	const rows = 400
	done := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		defer close(errc)
		for sb.Server.Stats().Created < 20 {
			time.Sleep(5 * time.Millisecond)
		}
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-time.After(150 * time.Millisecond):
			}
			if err := ng.Reload(); err != nil {
				errc <- err
				return
			}
		}
	}()
	sum, _, err := runImport(t, ng.URL, manyRows(rows), func(c *Config) {
		c.Rate, c.Workers, c.Retries, c.RootCAs = 200, 8, 0, ng.Roots
	})
	close(done)
	if rerr := <-errc; rerr != nil {
		t.Fatal(rerr)
	}
	if err != nil || sum.Imported != rows || sum.Rejected != 0 {
		t.Fatalf("err %v, summary %+v: every row should be imported with --retries 0", err, sum)
	}
}
