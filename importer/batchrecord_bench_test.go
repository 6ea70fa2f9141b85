//go:build unix

package importer

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/mapping"
)

// batchStub answers every batch with a success for each of its profiles, without a network.
type batchStub struct{}

func (batchStub) Send(_ context.Context, r altcraft.Request) altcraft.Result {
	items := make([]altcraft.ItemResult, r.Items)
	for i := range items {
		items[i] = altcraft.ItemResult{Kind: altcraft.OK, ProfileID: "p1"}
	}
	return altcraft.Result{Kind: altcraft.OK, Items: items}
}

// BenchmarkBatchRecord is Import with --batch 1000 against a stub, with each batch recorded in
// the state file (and fsynced) before it is sent, as every run does, and without: the difference
// is what recording costs. cpu-µs/row is the process's user + system CPU over the rows; on this
// path nothing else runs in the process.
func BenchmarkBatchRecord(b *testing.B) {
	const rows = 100_000
	path := writeBenchCSV(b, rows)
	m, err := mapping.Parse(strings.NewReader(benchMapping), "m.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for _, record := range []bool{true, false} {
		name := "record"
		if !record {
			name = "no-record"
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			var cpu time.Duration
			runs := 0
			perRow(b, rows, func() {
				runs++
				before := cpuTime()
				sum, err := Import(context.Background(), Config{
					Mapping: m, Files: []string{path}, URL: "http://127.0.0.1:1", Token: "t", Workers: 8, Batch: 1000,
					RejectPath: filepath.Join(dir, "rejects.csv"), Sender: batchStub{}, noBatchRecord: !record,
				})
				cpu += cpuTime() - before
				if err != nil || sum.Imported != rows {
					b.Fatalf("%+v %v", sum, err)
				}
			})
			b.ReportMetric(float64(cpu.Nanoseconds())/1e3/float64(runs*rows), "cpu-µs/row")
		})
	}
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
