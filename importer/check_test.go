package importer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acimport/acimport/mapping"
)

// TestCheckReportDeterministic: the report is the same byte for byte whatever the number of
// converters, with problems, examples and sample bodies in file order across many chunks and files.
func TestCheckReportDeterministic(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for f := range 2 {
		var in bytes.Buffer
		in.WriteString("Email;Name;Id\n")
		for i := range 3*chunkRows + 17 {
			switch {
			case i%97 == 0:
				fmt.Fprintf(&in, ";Имя %d;%d\n", i, i) // missing key
			case i%89 == 0:
				fmt.Fprintf(&in, "user%d@example;Имя %d;x%d\n", i, i, i) // bad email and int
			case i == 3*chunkRows+16:
				fmt.Fprintf(&in, "user%d@example.com;\"Имя %d\n", i, i) // broken quote, to the end of the file
			case i%79 == 0:
				fmt.Fprintf(&in, "user%d@example.com;Имя %d\n", i, i) // too few fields
			default:
				fmt.Fprintf(&in, "user%d.%d@example.com;Имя %d;%d\n", f, i, i, i)
			}
		}
		path := filepath.Join(dir, fmt.Sprintf("in%d.csv", f))
		if err := os.WriteFile(path, in.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	m, err := mapping.Parse(strings.NewReader(testMapping), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var want string
	for _, workers := range []int{1, 2, 3, 8} {
		var out bytes.Buffer
		rep, err := check(context.Background(), CheckConfig{Mapping: m, Files: files, Report: &out, Stderr: io.Discard, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != int64(2*(3*chunkRows+17)) || rep.Valid+rep.Invalid != rep.Rows || rep.Invalid == 0 {
			t.Fatalf("workers %d: report %+v", workers, rep)
		}
		if workers == 1 {
			want = out.String()
			for _, s := range []string{"rows without a matching key", `column "Email"`, `column "Id"`, "rows that cannot be parsed", "request 3:"} {
				if !strings.Contains(want, s) {
					t.Fatalf("the report lacks %q:\n%s", s, want)
				}
			}
			continue
		}
		if out.String() != want {
			t.Errorf("workers %d: the report differs from the serial one:\n%s\nwant:\n%s", workers, out.String(), want)
		}
	}
}

// TestCheckInterrupted: a cancelled check stops with ErrInterrupted and writes no report.
func TestCheckInterrupted(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "in.csv")
	var in bytes.Buffer
	in.WriteString("Email;Name;Id\n")
	for i := range 5000 {
		fmt.Fprintf(&in, "user%d@example.com;Имя;%d\n", i, i)
	}
	if err := os.WriteFile(path, in.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := mapping.Parse(strings.NewReader(testMapping), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	if _, err := check(ctx, CheckConfig{Mapping: m, Files: []string{path}, Report: &out, Stderr: io.Discard, Workers: 2}); err != ErrInterrupted {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	if strings.Contains(out.String(), "rows:") {
		t.Errorf("an interrupted check wrote a report:\n%s", out.String())
	}
}

// While one converter waits (the OS has other work for its core), the other may run
// ahead only within a fixed window of chunks: finished chunks waiting for the late
// one would otherwise pile up, and memory would grow with the wait and the file.
func TestCheckBoundsChunksInFlight(t *testing.T) {
	const workers, chunks = 2, 40
	var in bytes.Buffer
	in.WriteString("Email;Name;Id\n")
	for i := range chunks * chunkRows {
		fmt.Fprintf(&in, "user%d@example.com;Имя;%d\n", i, i)
	}
	path := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(path, in.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := mapping.Parse(strings.NewReader(testMapping), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var ahead, most atomic.Int64
	hook := func(seq int64) {
		if seq != 0 {
			ahead.Add(1)
			return
		}
		// Hold the first chunk until the others stop moving (or clearly overrun).
		for last := int64(-1); ; {
			time.Sleep(50 * time.Millisecond)
			n := ahead.Load()
			if n == last || n > 4*workers {
				most.Store(n)
				return
			}
			last = n
		}
	}
	rep, err := check(context.Background(), CheckConfig{Mapping: m, Files: []string{path}, Report: io.Discard, Stderr: io.Discard, Workers: workers, convertHook: hook})
	if err != nil || rep.Valid != chunks*chunkRows {
		t.Fatalf("report %+v, err %v", rep, err)
	}
	if most.Load() > 4*workers {
		t.Errorf("%d chunks converted while the first waited; the window is %d", most.Load(), 4*workers)
	}
}
