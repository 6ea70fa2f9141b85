package sandbox_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/acimport/acimport/sandbox"

	"github.com/acimport/acimport/internal/altcraft"
)

func okRow(i int) obj {
	return obj{"token": "t", "db_id": 1, "email": "user" + strings.Repeat("x", i%7) + "@example.io"}
}

// statuses sends n requests one after another and returns each one's HTTP
// status, or 0 when the client got no answer.
func statuses(t *testing.T, cfg sandbox.Config, n int) ([]int, *sandbox.Server) {
	t.Helper()
	ts, s := newServer(t, cfg)
	c := ts.Client()
	out := make([]int, n)
	for i := range out {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+altcraft.MethodImport.Path(), strings.NewReader(shortJSONOf(okRow(i))))
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			continue
		}
		resp.Body.Close()
		out[i] = resp.StatusCode
	}
	return out, s
}

func TestFailRate(t *testing.T) {
	// The rows repeat (okRow has 7 shapes): with deduplication on, most
	// of them would be replays.
	cfg := sandbox.Config{FailRate: 0.5, Seed: 42, DedupWindow: -1}
	first, s := statuses(t, cfg, 200)
	second, _ := statuses(t, cfg, 200)

	failed := 0
	for i, st := range first {
		switch st {
		case 500, 502, 503:
			failed++
		case 200:
		default:
			t.Fatalf("request %d: status %d", i, st)
		}
		if second[i] != st {
			t.Errorf("request %d: %d, then %d with the same seed", i, st, second[i])
		}
	}
	if failed < 60 || failed > 140 {
		t.Errorf("%d of 200 failed at rate 0.5", failed)
	}
	if st := s.Stats(); st.Faults != int64(failed) || st.Requests != 200 || st.Created+st.Updated != int64(200-failed) {
		t.Errorf("stats %+v with %d failures", st, failed)
	}

	other, _ := statuses(t, sandbox.Config{FailRate: 0.5, Seed: 43, DedupWindow: -1}, 200)
	if strings.Trim(shortJSONOf(other), "[]") == strings.Trim(shortJSONOf(first), "[]") {
		t.Error("another seed gave the very same faults")
	}
}

func TestFailureAnswers(t *testing.T) {
	ts, _ := newServer(t, sandbox.Config{FailRate: 1, Seed: 1})
	shapes := map[string]bool{}
	for i := range 40 {
		a := post(t, ts.Client(), ts.URL, okRow(i))
		if a.Status < 500 || a.Status > 503 {
			t.Fatalf("status %d at fail rate 1", a.Status)
		}
		json := a.Header.Get("Content-Type") == "application/json"
		if json && a.Error != a.Status {
			t.Errorf("JSON failure body %s", a.Body)
		}
		shapes[shortJSONOf([]any{a.Status, json})] = true
	}
	if len(shapes) < 3 {
		t.Errorf("only %d kinds of failure in 40 requests: %v", len(shapes), shapes)
	}
}

func TestDropRate(t *testing.T) {
	tests := []struct {
		Name     string
		Cfg      sandbox.Config
		Min, Max int
	}{
		{Name: "every request", Cfg: sandbox.Config{DropRate: 1}, Min: 50, Max: 50},
		{Name: "half", Cfg: sandbox.Config{DropRate: 0.5, Seed: 7}, Min: 10, Max: 40},
		{Name: "drop wins over fail", Cfg: sandbox.Config{DropRate: 1, FailRate: 1}, Min: 50, Max: 50},
		{Name: "none", Cfg: sandbox.Config{}, Min: 0, Max: 0},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			got, s := statuses(t, tt.Cfg, 50)
			dropped := 0
			for _, st := range got {
				if st == 0 {
					dropped++
				}
			}
			if dropped < tt.Min || dropped > tt.Max {
				t.Errorf("%d of 50 dropped, want %d to %d", dropped, tt.Min, tt.Max)
			}
			if st := s.Stats(); st.Faults != int64(dropped) {
				t.Errorf("stats %+v with %d drops", st, dropped)
			}
		})
	}
}

func TestDropIsAnError(t *testing.T) {
	ts, _ := newServer(t, sandbox.Config{DropRate: 1})
	resp, err := ts.Client().Post(ts.URL+altcraft.MethodImport.Path(), "application/json", strings.NewReader(`{}`))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got %s, want no answer", resp.Status)
	}
	if !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
		t.Errorf("error %v, want EOF or a reset", err)
	}
}

func TestDropWithoutHijacker(t *testing.T) {
	s := sandbox.New(sandbox.Config{DropRate: 1})
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	req := httptest.NewRequest(http.MethodPost, altcraft.MethodImport.Path(), strings.NewReader(`{}`))
	s.ServeHTTP(httptest.NewRecorder(), req)
}

func TestLimitRPS(t *testing.T) {
	got, s := statuses(t, sandbox.Config{LimitRPS: 5}, 20)
	ok, limited := 0, 0
	for _, st := range got {
		switch st {
		case 200:
			ok++
		case 429:
			limited++
		default:
			t.Fatalf("status %d", st)
		}
	}
	// The bucket starts with 5 tokens; 20 quick requests must run dry
	// however slow the machine is.
	if ok < 5 || limited == 0 {
		t.Errorf("%d answered, %d limited", ok, limited)
	}
	if st := s.Stats(); st.Faults != int64(limited) {
		t.Errorf("stats %+v with %d limited", st, limited)
	}

	ts, _ := newServer(t, sandbox.Config{LimitRPS: 1})
	post(t, ts.Client(), ts.URL, okRow(0))
	a := post(t, ts.Client(), ts.URL, okRow(0))
	if a.Status != 429 || a.Error != 429 || a.Header.Get("Retry-After") != "1" {
		t.Errorf("second request at 1 rps: %d %v %s", a.Status, a.Header, a.Body)
	}
}

func TestFailBeforeLimit(t *testing.T) {
	got, _ := statuses(t, sandbox.Config{FailRate: 1, LimitRPS: 1}, 10)
	for i, st := range got {
		if st < 500 {
			t.Errorf("request %d: %d, want a 5xx", i, st)
		}
	}
}

func TestLatency(t *testing.T) {
	ts, s := newServer(t, sandbox.Config{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+altcraft.MethodImport.Path(), strings.NewReader(shortJSONOf(okRow(0))))
	req.Header.Set("Content-Type", "application/json")
	resp, err := ts.Client().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got %s before the latency passed", resp.Status)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want the deadline", err)
	}
	// ts.Close in Cleanup returns only because the handler gave up its
	// sleep when the client went away.
	if st := s.Stats(); st.Requests != 1 || st.Created != 0 {
		t.Errorf("stats %+v", st)
	}

	ts2, _ := newServer(t, sandbox.Config{Latency: time.Millisecond})
	if a := post(t, ts2.Client(), ts2.URL, okRow(0)); a.Status != 200 {
		t.Errorf("with a short latency: %d %s", a.Status, a.Body)
	}
}
