package importer

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
)

// TestInterruptThenResumeGzip: a gzipped input cannot seek, so a resumed
// run reads it from the start and passes over the rows the interrupted one
// finished; the state still proves its finished part unchanged.
func TestInterruptThenResumeGzip(t *testing.T) {
	f := newResumeFixture(t, 400)
	plain, err := os.ReadFile(f.csv)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	os.Remove(f.csv)
	f.csv += ".gz"
	os.WriteFile(f.csv, gz.Bytes(), 0o600)

	var sent atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	perEmail := map[string]*atomic.Int64{}
	for i := range f.rows {
		perEmail[fmt.Sprintf("u%d@example.com", i)] = new(atomic.Int64)
	}
	srv := newAPIServer(t, func(w http.ResponseWriter, email string, n int) {
		if sent.Add(1) == 120 {
			cancel()
		}
		perEmail[email].Add(1)
		ok(w, email)
	})
	if _, err := Import(ctx, f.config(srv.URL, false)); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("first run: err = %v, want ErrInterrupted", err)
	}
	sum, err := Import(context.Background(), f.config(srv.URL, true))
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if sum.RowsRead != int64(f.rows) || sum.Imported != int64(f.rows-f.invalid) || sum.Rejected != int64(f.invalid) {
		t.Errorf("summary of the whole run: %+v; want %d rows, %d rejected", sum, f.rows, f.invalid)
	}
	twice := 0
	for email, n := range perEmail {
		switch {
		case n.Load() == 0 && !strings.HasSuffix(email, "3@example.com"):
			t.Errorf("%s never sent", email)
		case n.Load() > 1:
			twice++
		}
	}
	if twice > 4 {
		t.Errorf("%d rows sent twice, more than were in flight", twice)
	}
	lines := f.rejectLines(t) // in.rejects.csv: plain CSV beside in.csv.gz
	for line, n := range lines {
		if n != 1 {
			t.Errorf("line %s rejected %d times", line, n)
		}
	}
	if len(lines) != f.invalid {
		t.Errorf("%d rows in the reject file, want %d", len(lines), f.invalid)
	}
}
