package importer

import (
	"bufio"
	"errors"
	"fmt"
	"os"

	"github.com/gocarina/gocsv"
)

// resultRow is one line of the --results log: what became of one input row.
type resultRow struct {
	File      string `csv:"file"`
	Line      int    `csv:"line"`
	Status    string `csv:"status"`
	ProfileID string `csv:"profile_id"`
	Code      string `csv:"code"`
	Attempts  int    `csv:"attempts"`
}

// resultsLog owns the --results file: one goroutine marshals what the output
// goroutine hands it.
type resultsLog struct {
	rows chan any
	done chan error
}

func openResults(path string) (*resultsLog, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%w: create results file: %w", ErrInput, err)
	}
	l := &resultsLog{rows: make(chan any, 256), done: make(chan error, 1)}
	go func() {
		bw := bufio.NewWriterSize(f, 64<<10)
		err := gocsv.MarshalChan(l.rows, gocsv.DefaultCSVWriter(bw))
		if errors.Is(err, gocsv.ErrChannelIsClosed) {
			// No row finished: still a well-formed log, header only.
			err = gocsv.Marshal([]resultRow{}, bw)
		}
		for range l.rows { // keep the sender unblocked after a write error
		}
		if ferr := bw.Flush(); err == nil {
			err = ferr
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			err = fmt.Errorf("write results file %s: %w", path, err)
		}
		l.done <- err
	}()
	return l, nil
}

func (l *resultsLog) add(r resultRow) { l.rows <- r }

// close waits until every row is on disk.
func (l *resultsLog) close() error {
	close(l.rows)
	return <-l.done
}
