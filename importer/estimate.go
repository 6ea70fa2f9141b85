package importer

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// The start estimate and the --batch advice: how long the run takes at --rate, said before the
// first request, for every input size. A run paced at --rate reads rows only as fast as it sends
// them, so an estimate that waits for the rows read (the log form's) comes minutes late, or never
// on a terminal; this one counts the lines of the inputs' first bytes instead.

const (
	// estimateSample is how much of each input is read to count its lines.
	estimateSample = 1 << 20
	// adviseOver is how long a run at --batch 1 may take before the start says what --batch would do.
	adviseOver = 10 * time.Minute
	// adviseBatch is the --batch size the advice reckons with.
	adviseBatch = 1000
)

// startEstimate gives the start estimate and, when a run at --batch 1 would take longer than
// adviseOver, what --batch 1000 would take (or why batching does not apply to this mapping). It
// says false when the inputs' rows cannot be told at the start (standard input, a compressed
// file): the progress log then gives its estimate from the rows read.
func startEstimate(cfg Config, ins []*input, resumed bool) bool {
	if cfg.Rate <= 0 {
		return true // nothing bounds the run's time
	}
	var total int64
	for _, in := range ins {
		n, ok := countRows(in)
		if !ok {
			return false
		}
		total += n
	}
	if resumed {
		return false // part of the rows are finished: the log form estimates what is left
	}
	batch := max(cfg.Batch, 1)
	d := sayEstimate(cfg.Stderr, cfg.Log, total, 0, false, cfg.Rate, batch)
	if batch > 1 || d <= adviseOver {
		return true
	}
	rate := strconv.FormatFloat(cfg.Rate, 'f', -1, 64)
	if err := cfg.Mapping.CheckBatch(); err != nil {
		if cfg.Log != nil {
			cfg.Log.Warn("--batch does not apply to this mapping; one request a row at --rate is the pace", "why", err.Error(), "rate", cfg.Rate)
		} else {
			fmt.Fprintf(cfg.Stderr, "advice: --batch would send many rows a request, but it does not apply to this mapping (%v): one request a row at --rate %s is the pace; ask the platform for a higher --rate if it allows one\n", err, rate)
		}
		return true
	}
	fast := sendingTime(total, cfg.Rate, adviseBatch)
	if cfg.Log != nil {
		cfg.Log.Warn("advice: --batch 1000 sends 1000 rows a request", "batch", adviseBatch, "rate", cfg.Rate,
			"seconds_at_least", math.Round(fast.Seconds()), "seconds_at_batch_1", math.Round(d.Seconds()))
		return true
	}
	fmt.Fprintf(cfg.Stderr, "advice: one request a row at --rate %s takes at least %s; --batch %d sends %d rows a request and takes at least %s at the same --rate\n",
		rate, roughDuration(d), adviseBatch, adviseBatch, roughDuration(fast))
	return true
}

// countRows is the rows of an input, counted from the line breaks of its first
// estimateSample bytes (a quoted field may hold line breaks: it is an estimate)
// and scaled by its size: "about", as a quoted field may hold line breaks and a
// blank line is no row. False when it cannot be told: standard input, a pipe, a
// compressed or zipped input.
func countRows(in *input) (rows int64, ok bool) {
	if in.file == nil || in.size < 0 || in.reader.Compressed() {
		return 0, false
	}
	buf := make([]byte, min(in.size, estimateSample))
	n, err := in.file.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		return 0, false
	}
	buf = buf[:n]
	if bytes.HasPrefix(buf, []byte("PK\x03\x04")) || n == 0 {
		return 0, false // a workbook, or nothing
	}
	lines := int64(bytes.Count(buf, []byte{'\n'}))
	if buf[n-1] != '\n' {
		lines++
	}
	if int64(n) >= in.size {
		return max(lines-1, 0), true // less the header
	}
	return max(int64(float64(lines)*float64(in.size)/float64(n))-1, 0), true
}
