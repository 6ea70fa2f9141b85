package importer

import (
	"fmt"
	"os"

	"github.com/gocarina/gocsv"

	"github.com/acimport/acimport/importer/resume"
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

// resultsFile is the --results log. The journal owns it and writes it in
// batches, so that its length can be recorded at each checkpoint.
type resultsFile struct {
	path  string
	f     *os.File
	w     *gocsv.SafeCSVWriter
	batch []resultRow
	empty bool  // no header yet
	size  int64 // length at the last checkpoint
}

// openResults creates the log, or for a resumed run cuts it back to the length
// recorded at the last checkpoint (size < 0: start afresh).
func openResults(path string, size int64) (*resultsFile, error) {
	f, err := resume.OpenOutput(path, size)
	if err != nil {
		return nil, fmt.Errorf("results file: %w", err)
	}
	return &resultsFile{path: path, f: f, w: gocsv.DefaultCSVWriter(f), empty: size <= 0, size: max(size, 0)}, nil
}

func (r *resultsFile) add(row resultRow) { r.batch = append(r.batch, row) }

// flush writes the batch (with the header first, once).
func (r *resultsFile) flush() error {
	if len(r.batch) == 0 && !r.empty {
		return nil
	}
	var err error
	if r.empty {
		err = gocsv.MarshalCSV(r.batch, r.w)
		r.empty = false
	} else {
		err = gocsv.MarshalCSVWithoutHeaders(r.batch, r.w)
	}
	clear(r.batch)
	r.batch = r.batch[:0]
	if err != nil {
		return fmt.Errorf("write results file %s: %w", r.path, err)
	}
	return nil
}
