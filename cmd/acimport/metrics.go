package main

import (
	"bytes"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"google.golang.org/protobuf/proto"

	"github.com/acimport/acimport/importer"
	"github.com/acimport/acimport/importer/resume"
)

// metricsEvery is how often --metrics-file is rewritten during a run.
const metricsEvery = 10 * time.Second

// metricsFile is --metrics-file: the Prometheus text exposition format for node_exporter's
// textfile collector, rewritten atomically (temp + rename) as the run starts, every
// metricsEvery during it and at its end. The counters are read from a snapshot of the
// importer's (importer.Config.Watch) on a timer: nothing is done per row.
type metricsFile struct {
	path   string
	dbID   int
	before previousRun // what the file said before this run

	mu   sync.Mutex // one write at a time: the timer's and the final one
	snap func() *importer.Summary
	wake chan struct{}
	done chan struct{}
	wg   sync.WaitGroup
}

// previousRun is what an earlier run left in the metrics file: the last run's figures, kept
// while this one runs, and the time of the last success, kept when this one does not succeed.
type previousRun struct {
	families map[string]*dto.MetricFamily // the acimport_last_* families, as read
}

func newMetricsFile(path string, dbID int) *metricsFile {
	return &metricsFile{path: path, dbID: dbID, before: readPreviousRun(path)}
}

// readPreviousRun reads the last_* families of the file an earlier run wrote; none when it
// is missing or cannot be parsed (then this run's file starts afresh).
func readPreviousRun(path string) previousRun {
	prev := previousRun{families: map[string]*dto.MetricFamily{}}
	f, err := os.Open(path)
	if err != nil {
		return prev
	}
	defer f.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(f)
	if err != nil {
		return prev
	}
	for name, help := range lastHelp {
		if mf, ok := fams[name]; ok {
			mf.Help = proto.String(help) // as this version words it
			prev.families[name] = mf
		}
	}
	return prev
}

// start writes the file as sending starts (Watch calls it with the snapshot), then every
// metricsEvery, until stop.
func (m *metricsFile) start() {
	m.wake, m.done = make(chan struct{}, 1), make(chan struct{})
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		t := time.NewTicker(metricsEvery)
		defer t.Stop()
		for {
			select {
			case <-m.wake:
			case <-t.C:
			case <-m.done:
				return
			}
			m.mu.Lock()
			snap := m.snap
			m.mu.Unlock()
			if snap != nil {
				_ = m.write(snap(), nil) // the next tick tries again; the final write reports its error
			}
		}
	}()
}

// watch is importer.Config.Watch.
func (m *metricsFile) watch(snapshot func() *importer.Summary) {
	m.mu.Lock()
	m.snap = snapshot
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// stop ends the timer's writes and waits for the one under way.
func (m *metricsFile) stop() {
	if m.done != nil {
		close(m.done)
		m.wg.Wait()
		m.done = nil
	}
}

// final writes the file of the finished run: its counters, exit code and times.
func (m *metricsFile) final(sum *importer.Summary) error {
	m.stop()
	return m.write(sum, sum)
}

// Metric names, as the README lists them.
const (
	mBuildInfo    = "acimport_build_info"
	mRunning      = "acimport_running"
	mStarted      = "acimport_run_start_timestamp_seconds"
	mRowsRead     = "acimport_rows_read_total"
	mRows         = "acimport_rows_total"
	mRejects      = "acimport_rejects_total"
	mRetries      = "acimport_retries_total"
	mThrottled    = "acimport_throttled_total"
	mReplayed     = "acimport_replayed_total"
	mInDoubt      = "acimport_in_doubt_total"
	mAbandoned    = "acimport_abandoned_total"
	mLastExit     = "acimport_last_run_exit_code"
	mLastStatus   = "acimport_last_run_status"
	mLastTime     = "acimport_last_run_timestamp_seconds"
	mLastDuration = "acimport_last_run_duration_seconds"
	mLastSuccess  = "acimport_last_success_timestamp_seconds"
)

// lastHelp is the HELP of the families that describe the last run, kept from the previous file while a run goes on.
var lastHelp = map[string]string{
	mLastExit:     "The exit code of the last run (0 all imported, 1 stopped, 2 usage, 3 some rows rejected, 4 refused, 130 interrupted).",
	mLastStatus:   "The last run's status and stop_code, as its summary gives them (stop_code empty when it finished).",
	mLastTime:     "When the last run ended, Unix time.",
	mLastDuration: "How long the last run took, in seconds.",
	mLastSuccess:  "When a run last finished (exit 0, or 3: every row settled, some rejected), Unix time.",
}

// write writes the file for the counters of sum; end is the finished run's summary, nil
// while it runs (the last_* families are then the previous run's).
func (m *metricsFile) write(sum, end *importer.Summary) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var fams []*dto.MetricFamily
	add := func(name, help string, typ dto.MetricType, ms ...*dto.Metric) {
		fams = append(fams, &dto.MetricFamily{Name: proto.String(name), Help: proto.String(help), Type: typ.Enum(), Metric: ms})
	}
	run := m.labels() // the run's labels: db_id when known
	bi := readBuildInfo()
	add(mBuildInfo, "The running acimport's build: version (as `acimport version` says it), VCS revision, Go version.", dto.MetricType_GAUGE,
		gauge(1, "version", bi.String(), "revision", bi.Revision, "goversion", bi.Go))
	running := 1.0
	if end != nil {
		running = 0
	}
	add(mRunning, "1 while an import runs, 0 once it has ended.", dto.MetricType_GAUGE, gauge(running, run...))
	add(mStarted, "When the current (or last) run started, Unix time.", dto.MetricType_GAUGE, gauge(float64(sum.StartedAt.Unix()), run...))
	add(mRowsRead, "Rows read from the inputs by the import (a resumed import: its earlier runs included).", dto.MetricType_COUNTER, counter(sum.RowsRead, run...))
	add(mRows, "Rows of the import by outcome: imported, rejected (in the reject file), not_sent (the run stopped before them).", dto.MetricType_COUNTER,
		counter(sum.Imported, append([]string{"outcome", "imported"}, run...)...),
		counter(sum.Rejected, append([]string{"outcome", "rejected"}, run...)...),
		counter(sum.NotSent, append([]string{"outcome", "not_sent"}, run...)...))
	codes := make([]string, 0, len(sum.RejectedByCode))
	for c := range sum.RejectedByCode {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	if len(codes) > 0 {
		var ms []*dto.Metric
		for _, c := range codes {
			ms = append(ms, counter(sum.RejectedByCode[c], append([]string{"code", c}, run...)...))
		}
		add(mRejects, "Rejected rows by reject code (the reject file's reject_code).", dto.MetricType_COUNTER, ms...)
	}
	add(mRetries, "Retries of transient failures.", dto.MetricType_COUNTER, counter(sum.Retries, run...))
	add(mThrottled, "Answers that said slow down (HTTP 429).", dto.MetricType_COUNTER, counter(sum.Throttled, run...))
	add(mReplayed, "Answers that said the platform had already applied the request (Duplicate-Request): rows imported once.", dto.MetricType_COUNTER, counter(sum.Replayed, run...))
	add(mInDoubt, "Non-idempotent rows retried after an ambiguous failure whose retry was not answered as a replay.", dto.MetricType_COUNTER, counter(sum.InDoubt, run...))
	add(mAbandoned, "Rows of an earlier unfinished run that --resume=auto set aside unsent.", dto.MetricType_COUNTER, counter(sum.Abandoned, run...))

	if end == nil {
		for _, name := range []string{mLastExit, mLastStatus, mLastTime, mLastDuration, mLastSuccess} {
			if mf, ok := m.before.families[name]; ok {
				fams = append(fams, mf)
			}
		}
	} else {
		finished := float64(end.FinishedAt.Unix())
		add(mLastExit, lastHelp[mLastExit], dto.MetricType_GAUGE,
			gauge(float64(end.ExitCode), run...))
		add(mLastStatus, lastHelp[mLastStatus], dto.MetricType_GAUGE,
			gauge(1, append([]string{"status", end.Status, "stop_code", end.StopCode}, run...)...))
		add(mLastTime, lastHelp[mLastTime], dto.MetricType_GAUGE, gauge(finished, run...))
		add(mLastDuration, lastHelp[mLastDuration], dto.MetricType_GAUGE, gauge(end.FinishedAt.Sub(end.StartedAt).Seconds(), run...))
		if end.ExitCode == exitOK || end.ExitCode == exitRejected {
			add(mLastSuccess, lastHelp[mLastSuccess], dto.MetricType_GAUGE, gauge(finished, run...))
		} else if mf, ok := m.before.families[mLastSuccess]; ok {
			fams = append(fams, mf)
		}
	}
	var buf bytes.Buffer
	for _, mf := range fams {
		if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
			return err
		}
	}
	return resume.WriteFileAtomic(m.path, buf.Bytes())
}

func (m *metricsFile) labels() []string {
	if m.dbID == 0 {
		return nil
	}
	return []string{"db_id", strconv.Itoa(m.dbID)}
}

func labelPairs(kv []string) []*dto.LabelPair {
	var ls []*dto.LabelPair
	for i := 0; i+1 < len(kv); i += 2 {
		ls = append(ls, &dto.LabelPair{Name: proto.String(kv[i]), Value: proto.String(kv[i+1])})
	}
	return ls
}

func gauge(v float64, labels ...string) *dto.Metric {
	return &dto.Metric{Label: labelPairs(labels), Gauge: &dto.Gauge{Value: proto.Float64(v)}}
}

func counter(v int64, labels ...string) *dto.Metric {
	return &dto.Metric{Label: labelPairs(labels), Counter: &dto.Counter{Value: proto.Float64(float64(v))}}
}
