package importer

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/mapping"
	"github.com/acimport/acimport/sandbox"
)

// benchMapping is bench/customers.yaml: 8 columns, with email, phone, date, enum and int fields.
const benchMapping = `db_id: 1
matching: email
csv: { delimiter: ",", encoding: utf-8 }
options: { skip_triggers: true }
fields:
  email:   { column: email, type: email }
  _fname:  first_name
  _lname:  last_name
  _bdate:  { column: birthday, type: date, format: "DD.MM.YYYY" }
  _sex:    { column: gender, type: enum, values: { M: male, F: female } }
  phones:  { column: phone, type: phone, region: RU }
  CRM_ID:  { column: crm_id, type: int }
  city:    city
subscriptions:
  - { channel: email, resource_id: 1, email: { column: email } }
`

// writeBenchCSV writes rows customers like bench/gen's and returns the file's path.
func writeBenchCSV(b *testing.B, rows int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "customers.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("email,first_name,last_name,birthday,gender,phone,crm_id,city\n")
	phones := []string{"+7 9%02d %03d-%02d-%02d", "8 (9%02d) %03d-%02d-%02d", "79%02d%03d%02d%02d", "89%02d%03d%02d%02d"}
	for i := range rows {
		phone := fmt.Sprintf(phones[i%len(phones)], i%100, i%1000, i%97, i%89)
		fmt.Fprintf(w, "customer%d@example.com,Иван,Петров,%02d.%02d.19%02d,%s,%s,%d,Москва\n",
			i, 1+i%28, 1+i%12, 50+i%50, [...]string{"M", "F", "f"}[i%3], phone, 100000+i)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// perRow reports rows/s and the allocations per row of n rows per op. Allocations are counted
// for the whole process: with an in-process sandbox, its own are in the figure.
func perRow(b *testing.B, n int, run func()) {
	b.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	ops := 0
	for b.Loop() {
		run()
		ops++
	}
	runtime.ReadMemStats(&after)
	rows := float64(ops * n)
	b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/rows, "allocs/row")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/rows, "B/row")
}

// BenchmarkCheck is `acimport check` over a file: reading, converting on every core, the report.
func BenchmarkCheck(b *testing.B) {
	const rows = 100_000
	path := writeBenchCSV(b, rows)
	m, err := mapping.Parse(strings.NewReader(benchMapping), "m.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("converters=%d", workers), func(b *testing.B) {
			perRow(b, rows, func() {
				rep, err := check(context.Background(), CheckConfig{Mapping: m, Files: []string{path}, Report: io.Discard, Stderr: io.Discard, Workers: workers})
				if err != nil || rep.Valid != rows {
					b.Fatalf("%+v %v", rep, err)
				}
			})
		})
	}
}

// BenchmarkPipeline is Import end to end: read, convert, pace (no limit), send, journal.
// "sandbox" sends over loopback to an in-process sandbox (its work and allocations are in the
// figures); "stub" answers every request in the client's transport, leaving only acimport's own work.
func BenchmarkPipeline(b *testing.B) {
	const rows = 20_000
	path := writeBenchCSV(b, rows)
	m, err := mapping.Parse(strings.NewReader(benchMapping), "m.yaml")
	if err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, url string, sender altcraft.Sender, noPrefixHash bool) {
		dir := b.TempDir()
		perRow(b, rows, func() {
			sum, err := Import(context.Background(), Config{
				Mapping: m, Files: []string{path}, URL: url, Token: "t", Workers: 32,
				RejectPath: filepath.Join(dir, "rejects.csv"), Sender: sender,
				noPrefixHash: noPrefixHash,
			})
			if err != nil || sum.Imported != rows {
				b.Fatalf("%+v %v", sum, err)
			}
		})
	}
	b.Run("sandbox", func(b *testing.B) {
		sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{})
		if err != nil {
			b.Fatal(err)
		}
		defer sb.Close()
		run(b, sb.URL, nil, false)
	})
	b.Run("stub", func(b *testing.B) {
		run(b, "http://127.0.0.1:1", stubSender{}, false)
	})
	// What hashing each input as it is read (resume.Prefix) costs: the
	// same run without it.
	b.Run("stub-no-prefix-hash", func(b *testing.B) {
		run(b, "http://127.0.0.1:1", stubSender{}, true)
	})
}

// stubSender answers every request with success, without a network.
type stubSender struct{}

func (stubSender) Send(context.Context, altcraft.Request) altcraft.Result {
	return altcraft.Result{Kind: altcraft.OK, ProfileID: "p1"}
}
