package importer

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// ProgressMode chooses how a run shows its progress on stderr.
type ProgressMode int

const (
	// ProgressOff shows nothing until the summary.
	ProgressOff ProgressMode = iota
	// ProgressBar draws a bar driven by bytes read (for a terminal).
	ProgressBar
	// ProgressLog writes one plain line every logEvery (for cron logs and pipes).
	ProgressLog
)

const logEvery = 10 * time.Second

type progress struct {
	done chan struct{}
	wg   sync.WaitGroup
}

// startProgress shows progress until stop. The bar is driven by bytes read, so
// its percentage and ETA are true without counting rows first.
func startProgress(mode ProgressMode, w io.Writer, ins []*input, st *stats, pc *pacer) *progress {
	p := &progress{done: make(chan struct{})}
	if mode == ProgressOff {
		return p
	}
	total := int64(0)
	for _, in := range ins {
		if in.size < 0 {
			total = -1
			break
		}
		total += in.size
	}
	bytesRead := func() int64 {
		var n int64
		for _, in := range ins {
			n += in.reader.BytesRead()
		}
		return n
	}
	start := time.Now()
	line := func() string {
		el := time.Since(start).Seconds()
		done := st.imported.Load() + st.rejected.Load()
		rate := 0.0
		if el > 0 {
			rate = float64(done) / el
		}
		return fmt.Sprintf("%d imported, %d rejected, %.0f rows/s", st.imported.Load(), st.rejected.Load(), rate)
	}
	p.wg.Add(1)
	switch mode {
	case ProgressBar:
		bar := progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionSetRenderBlankState(true),
		)
		go func() {
			defer p.wg.Done()
			t := time.NewTicker(250 * time.Millisecond)
			defer t.Stop()
			for {
				bar.Describe(line())
				_ = bar.Set64(bytesRead())
				select {
				case <-t.C:
				case <-p.done:
					bar.Describe(line())
					_ = bar.Set64(bytesRead())
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
			for {
				select {
				case <-t.C:
					pct := ""
					if total > 0 {
						pct = fmt.Sprintf(" (%.0f%% of input)", 100*float64(bytesRead())/float64(total))
					}
					limit := ""
					if l := pc.Limit(); l > 0 {
						limit = fmt.Sprintf(", pacing %.0f req/s", l)
					}
					fmt.Fprintf(w, "%s progress: %d rows read%s, %s%s\n",
						time.Now().Format("15:04:05"), st.read.Load(), pct, line(), limit)
				case <-p.done:
					return
				}
			}
		}()
	}
	return p
}

func (p *progress) stop() {
	close(p.done)
	p.wg.Wait()
}
