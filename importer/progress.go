package importer

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// ProgressMode chooses how a run shows its progress on stderr.
type ProgressMode int

const (
	// ProgressOff shows nothing until the summary.
	ProgressOff ProgressMode = iota
	// ProgressBar draws a bar of the rows settled (for a terminal).
	ProgressBar
	// ProgressLog writes one plain line every logEvery (for cron logs and pipes).
	ProgressLog
)

const (
	logEvery = 10 * time.Second
	barEvery = 250 * time.Millisecond
	// rateWindow is how far back the rate, and so the time left, is measured: long enough to
	// smooth the pace of a paced run, short enough to follow a change of it.
	rateWindow = 30 * time.Second
)

// progressCounts is a snapshot of a run's rows.
type progressCounts struct {
	read    int64 // rows read from the inputs (settled or not)
	ok, bad int64 // settled rows: imported and rejected, or valid and invalid
	// replayed answers and rows in doubt (README, "Exactly once"), shown when not 0
	replayed, inDoubt int64
}

// progressSource is what a progress display reads.
type progressSource struct {
	ins     []*input
	counts  func() progressCounts
	okWord  string         // "imported", "valid"
	badWord string         // "rejected", "invalid"
	limit   func() float64 // the pace the run keeps to, requests a second; nil or 0 for none
	rate    float64        // --rate, the ceiling of the pace; 0 for none
	batch   int            // rows a request carries (--batch); 0 means 1
	// before is the rows the interrupted runs of a resumed import settled: not to be sent again.
	before int64

	// interrupted is closed when a signal stops the run: the display says what happens next,
	// waiting up to timeout for the requests in flight. nil for a run that cannot be interrupted.
	interrupted <-chan struct{}
	timeout     time.Duration

	// log, when not nil, takes the log lines as structured events (see Config.Log).
	log *slog.Logger
	// estimated says the start estimate was given already (startEstimate): the log
	// form then does not give one of its own.
	estimated bool
}

// estimateTotal is the number of rows of the inputs: exact once every input has been read to
// its end, else the rows read so far scaled by the bytes they came from. False when it cannot be
// told (an input of unknown size, nothing read yet).
func estimateTotal(read int64, ins []*input) (total int64, exact, ok bool) {
	var size, pos int64
	for _, in := range ins {
		if in.size < 0 {
			return 0, false, false
		}
		size += in.size
		pos += in.pos.Load()
	}
	switch {
	case pos >= size:
		return read, true, true
	case pos <= 0 || read == 0:
		return 0, false, false
	}
	return max(read, int64(float64(read)*float64(size)/float64(pos))), false, true
}

// rateMeter measures the rate of settled rows over the last rateWindow.
type rateMeter struct {
	samples []rateSample
}

type rateSample struct {
	at   time.Time
	done int64
}

func (m *rateMeter) add(at time.Time, done int64) float64 {
	m.samples = append(m.samples, rateSample{at, done})
	for len(m.samples) > 2 && at.Sub(m.samples[1].at) >= rateWindow {
		m.samples = m.samples[1:]
	}
	first := m.samples[0]
	if el := at.Sub(first.at).Seconds(); el > 0 {
		return float64(done-first.done) / el
	}
	return 0
}

// progressFrame is what one frame of the display says.
type progressFrame struct {
	c                progressCounts
	total            int64
	exact, totalKnow bool
	rate             float64 // settled rows a second, recently
	limit            float64 // requests a second; 0 for none
	before           int64   // rows settled by the interrupted runs (progressSource.before)
}

func (f progressFrame) settled() int64 { return f.c.ok + f.c.bad }

// left is the time the rows not yet settled take at the recent rate; false when unknown.
func (f progressFrame) left() (time.Duration, bool) {
	if !f.totalKnow || f.rate <= 0 {
		return 0, false
	}
	return time.Duration(float64(f.total-f.settled()) / f.rate * float64(time.Second)), true
}

// counts is "9,000 of about 20,000 rows: 8,950 imported, 50 rejected".
func (f progressFrame) counts(okWord, badWord string) string {
	var b strings.Builder
	b.WriteString(thousands(f.settled()))
	switch {
	case f.totalKnow && f.exact:
		b.WriteString(" of " + thousands(f.total))
	case f.totalKnow:
		b.WriteString(" of about " + thousands(f.total))
	}
	fmt.Fprintf(&b, " rows: %s %s, %s %s", thousands(f.c.ok), okWord, thousands(f.c.bad), badWord)
	if f.c.replayed > 0 {
		fmt.Fprintf(&b, " (%s answers replayed)", thousands(f.c.replayed))
	}
	if f.c.inDoubt > 0 {
		fmt.Fprintf(&b, ", %s in doubt", thousands(f.c.inDoubt))
	}
	return b.String()
}

// pace is "10 rows/s, about 18m20s left".
func (f progressFrame) pace() string {
	s := perSecond(f.rate) + " rows/s"
	if f.limit > 0 {
		s += " (pacing " + perSecond(f.limit) + " req/s)"
	}
	if d, ok := f.left(); ok && f.settled() < f.total {
		s += ", about " + roughDuration(d) + " left"
	}
	return s
}

// perSecond writes a rate so that a slow one is not shown as 0: "1250", "12",
// "2.5", "0.33".
func perSecond(r float64) string {
	if r >= 9.95 || r == 0 {
		return fmt.Sprintf("%.0f", r)
	}
	return strconv.FormatFloat(r, 'g', 2, 64)
}

// roughDuration rounds a duration to what a person plans with: "56 h", "5h33m", "18m20s", "7s".
func roughDuration(d time.Duration) string {
	switch {
	case d >= 10*time.Hour:
		return strconv.FormatInt(int64(d.Round(time.Hour)/time.Hour), 10) + " h"
	case d >= time.Hour:
		return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
	case d >= time.Minute:
		return d.Round(10 * time.Second).String()
	}
	return d.Round(time.Second).String()
}

// thousands writes n with commas: 2,000,000.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

type progress struct {
	done chan struct{}
	wg   sync.WaitGroup
}

// startProgress shows progress until stop. Both forms follow the rows settled, not the bytes
// read ahead: at --rate 10 a bar moves as rows are answered, and its time left is theirs.
func startProgress(mode ProgressMode, w io.Writer, src progressSource) *progress {
	p := &progress{done: make(chan struct{})}
	var meter rateMeter
	start, first := time.Now(), src.counts()
	meter.add(start, first.ok+first.bad)
	frame := func(now time.Time) progressFrame {
		c := src.counts()
		f := progressFrame{c: c, rate: meter.add(now, c.ok+c.bad), before: src.before}
		f.total, f.exact, f.totalKnow = estimateTotal(c.read, src.ins)
		if src.limit != nil {
			f.limit = src.limit()
		}
		return f
	}
	interrupted := src.interrupted
	// stopping says, once, what a signal does: on a terminal, that a second Ctrl-C quits at
	// once; under cron (a SIGTERM), nothing about keys nobody can press.
	stopping := func() {
		interrupted = nil
		if src.log != nil {
			src.log.Warn("stopping (interrupted): no new requests; waiting for those in flight; then the state is saved for --resume", "wait_seconds", src.timeout.Seconds())
			return
		}
		if mode == ProgressBar {
			fmt.Fprintf(w, "\nstopping: no new requests; waiting for those in flight (at most %s). Press Ctrl-C again to quit at once: the state stays consistent and --resume continues.\n", src.timeout)
			return
		}
		fmt.Fprintf(w, "stopping (interrupted): no new requests; waiting for those in flight (at most %s); then the state is saved for --resume\n", src.timeout)
	}
	p.wg.Add(1)
	switch mode {
	case ProgressOff:
		go func() {
			defer p.wg.Done()
			select {
			case <-interrupted:
				stopping()
			case <-p.done:
			}
		}()
	case ProgressBar:
		bar := progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(0),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionSetElapsedTime(false),
			progressbar.OptionSetRenderBlankState(true),
		)
		draw := func(f progressFrame) {
			length := int64(-1)
			if f.totalKnow {
				length = max(f.total, 1)
			}
			if bar.GetMax64() != length {
				bar.ChangeMax64(length)
			}
			bar.Describe(f.counts(src.okWord, src.badWord) + "; " + f.pace())
			_ = bar.Set64(f.settled())
		}
		go func() {
			defer p.wg.Done()
			t := time.NewTicker(barEvery)
			defer t.Stop()
			for {
				select {
				case now := <-t.C:
					draw(frame(now))
				case <-interrupted:
					stopping()
				case <-p.done:
					// The last frame is the summary's counts: every row read is settled
					// or never will be, and the total is what was read.
					now := time.Now()
					f := frame(now)
					f.total, f.exact, f.totalKnow = f.settled(), true, true
					if el := now.Sub(start).Seconds(); el > 0 {
						f.rate = float64(f.settled()-first.ok-first.bad) / el // the whole run's, as the summary's
					}
					draw(f)
					_ = bar.Exit()
					fmt.Fprintln(w)
					return
				}
			}
		}()
	case ProgressLog:
		go func() {
			defer p.wg.Done()
			t := time.NewTicker(logEvery)
			defer t.Stop()
			// The first look is sooner: how long the run takes is worth knowing early.
			first := time.NewTimer(time.Second)
			defer first.Stop()
			if src.estimated {
				first.Stop()
			}
			looks := 0
			for {
				select {
				case <-first.C:
					looks++
					if !estimateLine(w, src.log, frame(time.Now()), src.rate, src.batch, looks) {
						first.Reset(time.Second)
					}
				case <-interrupted:
					stopping()
				case now := <-t.C:
					f := frame(now)
					if src.log != nil {
						f.logProgress(src.log, src.okWord, src.badWord)
						continue
					}
					pct := ""
					if f.totalKnow && f.total > 0 {
						pct = fmt.Sprintf("%.0f%%, ", 100*float64(f.settled())/float64(f.total))
					}
					fmt.Fprintf(w, "progress: %s%s; %s\n", pct, f.counts(src.okWord, src.badWord), f.pace())
				case <-p.done:
					return
				}
			}
		}()
	}
	return p
}

// logProgress is the progress line as an event.
func (f progressFrame) logProgress(log *slog.Logger, okWord, badWord string) {
	attrs := []any{"settled", f.settled(), okWord, f.c.ok, badWord, f.c.bad, "read", f.c.read,
		"rows_per_second", math.Round(f.rate*100) / 100}
	if f.totalKnow {
		attrs = append(attrs, "total", f.total, "total_exact", f.exact)
	}
	if f.limit > 0 {
		attrs = append(attrs, "pacing_requests_per_second", math.Round(f.limit*100)/100)
	}
	if d, ok := f.left(); ok && f.settled() < f.total {
		attrs = append(attrs, "seconds_left", math.Round(d.Seconds()))
	}
	log.Info("progress", attrs...)
}

// estimateLine says how long the run takes at --rate, once the number of rows can be
// estimated; false when it cannot be yet. At a rate that bounds the run, a nightly load of
// 2,000,000 rows at --rate 10 is two days, and the operator had better know at the start.
// looks is how many times it has been asked: a paced run reads rows only as fast as it
// sends them (10 a second at --rate 10), so after a few seconds the rows read so far
// are what the estimate gets, rather than waiting minutes for a thousand.
func estimateLine(w io.Writer, log *slog.Logger, f progressFrame, rate float64, batch, looks int) bool {
	if !f.totalKnow || rate <= 0 {
		return !(rate > 0) // nothing to say without a rate; with one, wait for the estimate
	}
	if !f.exact && f.c.read < 1000 && looks < 3 {
		return false
	}
	sayEstimate(w, log, f.total, f.before, f.exact, rate, batch)
	return true
}

// sayEstimate is the estimate line: "at --rate 10, about 2,000,000 rows take at least 56 h".
// before is the rows an interrupted run finished: a resumed run sends only the rest.
func sayEstimate(w io.Writer, log *slog.Logger, total, before int64, exact bool, rate float64, batch int) time.Duration {
	batch = max(batch, 1)
	rows := max(total-before, 0)
	d := sendingTime(rows, rate, batch)
	if log != nil {
		log.Info("estimate", "rows", total, "rows_left", rows, "rows_exact", exact, "rate", rate, "batch", batch, "seconds_at_least", math.Round(d.Seconds()))
		return d
	}
	about := "about "
	if exact {
		about = ""
	}
	pace := "--rate " + strconv.FormatFloat(rate, 'f', -1, 64)
	if batch > 1 {
		pace += fmt.Sprintf(" and --batch %d", batch)
	}
	what := about + thousands(total) + " rows"
	if before > 0 {
		what = fmt.Sprintf("%s%s rows left (of %s%s)", about, thousands(rows), about, thousands(total))
	}
	fmt.Fprintf(w, "at %s, %s take at least %s\n", pace, what, roughDuration(d))
	return d
}

// sendingTime is the least time rows take at rate requests a second, batch rows a request.
func sendingTime(rows int64, rate float64, batch int) time.Duration {
	requests := (rows + int64(batch) - 1) / int64(batch)
	return time.Duration(float64(requests) / rate * float64(time.Second))
}

func (p *progress) stop() {
	close(p.done)
	p.wg.Wait()
}

// startLine says what the run is about to do, so that a log shows it before anything else:
// the files, where they go, and the pace.
func startLine(w io.Writer, cfg Config, ins []*input, method string) {
	names := make([]string, len(ins))
	for i, in := range ins {
		names[i] = in.display
	}
	host := cfg.URL
	if u, err := url.Parse(cfg.URL); err == nil && u.Host != "" {
		host = u.Scheme + "://" + u.Host
	}
	if cfg.Log != nil {
		cfg.Log.Info("importing", "files", names, "url", host, "db_id", cfg.Mapping.DBID, "mode", string(cfg.Mapping.Mode),
			"method", method, "matching", fmt.Sprint(cfg.Mapping.Matching), "rate", cfg.Rate, "workers", cfg.Workers, "batch", max(cfg.Batch, 1))
		return
	}
	rate := "no limit"
	if cfg.Rate > 0 {
		rate = strconv.FormatFloat(cfg.Rate, 'f', -1, 64) + " requests/s"
	}
	fmt.Fprintf(w, "importing %s into %s: database %d, mode %s (%s), matching %s; --rate %s, --workers %d, --batch %d\n",
		strings.Join(names, ", "), host, cfg.Mapping.DBID, cfg.Mapping.Mode, method, cfg.Mapping.Matching, rate, cfg.Workers, max(cfg.Batch, 1))
}

// logTime is the clock time a line of the run's own (an outage, its end) starts with; "" when
// the writer w stamps every line with the date and time already (cmd's log writer, under cron):
// one time on a line, not two.
func logTime(w io.Writer) string {
	if s, ok := w.(interface{ StampsLines() bool }); ok && s.StampsLines() {
		return ""
	}
	return time.Now().Format("15:04:05") + " "
}
