package importer

import (
	"strings"
	"testing"
	"time"
)

// The display follows settled rows: at 10 rows a second, with a tenth of the file's rows read
// ahead but only a few settled, it says what is settled and the time the rest take at that pace.
func TestProgressFrameFollowsSettledRows(t *testing.T) {
	in := &input{size: 1_000_000}
	in.pos.Store(100_000) // rows read ahead: a tenth of the file
	var m rateMeter
	t0 := time.Unix(0, 0)
	m.add(t0, 0)
	rate := m.add(t0.Add(30*time.Second), 300)
	total, exact, ok := estimateTotal(20_000, []*input{in})
	if !ok || exact || total != 200_000 {
		t.Fatalf("estimate %d exact %v ok %v, want about 200,000", total, exact, ok)
	}
	f := progressFrame{c: progressCounts{read: 20_000, ok: 290, bad: 10}, total: total, totalKnow: ok, rate: rate, limit: 10}
	if got, want := f.counts("imported", "rejected"), "300 of about 200,000 rows: 290 imported, 10 rejected"; got != want {
		t.Errorf("counts %q, want %q", got, want)
	}
	if got, want := f.pace(), "10 rows/s (pacing 10 req/s), about 5h33m left"; got != want {
		t.Errorf("pace %q, want %q", got, want)
	}
}

func TestEstimateTotal(t *testing.T) {
	a, b := &input{size: 100}, &input{size: 300}
	a.pos.Store(100)
	b.pos.Store(100)
	if total, exact, ok := estimateTotal(20, []*input{a, b}); !ok || exact || total != 40 {
		t.Errorf("half read: %d %v %v, want 40 estimated", total, exact, ok)
	}
	b.pos.Store(300)
	if total, exact, ok := estimateTotal(41, []*input{a, b}); !ok || !exact || total != 41 {
		t.Errorf("all read: %d %v %v, want exactly 41", total, exact, ok)
	}
	if _, _, ok := estimateTotal(41, []*input{a, {size: -1}}); ok {
		t.Error("an input of unknown size: the total cannot be estimated")
	}
}

func TestRateMeterForgetsOldPace(t *testing.T) {
	var m rateMeter
	t0 := time.Unix(0, 0)
	m.add(t0, 0)
	m.add(t0.Add(time.Minute), 6000) // 100 rows/s for a minute
	var rate float64
	for s := 1; s <= 40; s++ {
		rate = m.add(t0.Add(time.Minute+time.Duration(s)*time.Second), 6000+int64(10*s)) // then 10 rows/s
	}
	if rate < 9 || rate > 11 {
		t.Errorf("rate %.1f, want the recent 10 rows/s", rate)
	}
}

func TestRoughDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		55*time.Hour + 33*time.Minute: "56 h", 90 * time.Minute: "1h30m", 18*time.Minute + 22*time.Second: "18m20s", 7 * time.Second: "7s",
	} {
		if got := roughDuration(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}

// A slow run is not shown as "0 rows/s" or "pacing 0 req/s".
func TestPerSecond(t *testing.T) {
	tests := []struct {
		Rate float64
		Want string
	}{{0, "0"}, {0.333, "0.33"}, {0.5, "0.5"}, {2.5, "2.5"}, {9.96, "10"}, {12.4, "12"}, {1250, "1250"}}
	for _, tc := range tests {
		if got := perSecond(tc.Rate); got != tc.Want {
			t.Errorf("perSecond(%v) = %q, want %q", tc.Rate, got, tc.Want)
		}
	}
	f := progressFrame{rate: 0.2, limit: 0.5}
	if got := f.pace(); !strings.HasPrefix(got, "0.2 rows/s (pacing 0.5 req/s)") {
		t.Errorf("pace() = %q", got)
	}
}
