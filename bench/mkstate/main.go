// Command mkstate leaves the state file of an import interrupted after its first -rows rows, as
// `acimport import --resume` finds it, without sending anything: it runs the import of a file made
// by bench/gen with a sender that answers success to the rows before row -rows (it reads
// the row's number from its email, customerN@) and 401 to the others, which stops the run. Rows are
// sent in file order and those in flight at the stop still finish, so exactly the first -rows rows
// are finished: the transport holds back the 401s until then.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/acimport/acimport/importer"
	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/mapping"
)

func main() {
	mappingPath := flag.String("mapping", "bench/customers.yaml", "the mapping")
	rows := flag.Int64("rows", 1_000_000, "rows to leave finished")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: mkstate [-mapping M] [-rows N] FILE")
		os.Exit(2)
	}
	if err := run(*mappingPath, *rows, flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "mkstate:", err)
		os.Exit(1)
	}
}

func run(mappingPath string, rows int64, file string) error {
	data, err := os.ReadFile(mappingPath)
	if err != nil {
		return err
	}
	m, err := mapping.Parse(bytes.NewReader(data), mappingPath)
	if err != nil {
		return err
	}
	tr := &answerer{okFor: rows, all: make(chan struct{})}
	sum, err := importer.Import(context.Background(), importer.Config{
		Mapping: m, Files: []string{file}, URL: "http://127.0.0.1:1", Token: "mkstate",
		Workers: 32, Rate: 0, Retries: 0, Sender: tr,
	})
	var apiErr *altcraft.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("the run should stop at row %d with the 401, it ended with %v", rows+1, err)
	}
	if sum.Imported != rows {
		return fmt.Errorf("%d rows finished, want %d", sum.Imported, rows)
	}
	fmt.Printf("state of %s: %d rows finished; the state file is %s\n", file, sum.Imported, sum.StateFile)
	return nil
}

// answerer answers success to the rows before okFor, and 401 to the others once every row before
// okFor has its answer: the stop must not strand any of them.
type answerer struct {
	okFor int64
	ok    atomic.Int64
	all   chan struct{} // closed once okFor rows are answered
}

func (a *answerer) Send(_ context.Context, req altcraft.Request) altcraft.Result {
	var row int64 = -1
	if _, rest, ok := bytes.Cut(req.Body, []byte(`"email":"customer`)); ok {
		end := bytes.IndexByte(rest, '@')
		if n, err := strconv.ParseInt(string(rest[:max(end, 0)]), 10, 64); err == nil {
			row = n
		}
	}
	if row >= 0 && row < a.okFor {
		if a.ok.Add(1) == a.okFor {
			close(a.all)
		}
		return altcraft.Result{Kind: altcraft.OK, ProfileID: "p"}
	}
	select {
	case <-a.all:
	case <-time.After(time.Minute):
	}
	return altcraft.Result{Kind: altcraft.Fatal, Err: &altcraft.APIError{Code: int(altcraft.CodeTokenRequired), Text: "Invalid token"}}
}
