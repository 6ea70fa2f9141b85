// Command pace measures the pacing of `acimport import --rate N`: it serves an in-process sandbox
// with an added latency on 127.0.0.1, runs the acimport binary against it, and counts the requests
// as the sandbox receives them. It prints the achieved rate (requests after the first, over the
// time from the first to the last) and the most requests in any one-second window.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"sync"
	"time"

	"github.com/acimport/acimport/sandbox"
)

func main() {
	bin := flag.String("bin", "./acimport", "the acimport binary")
	mappingPath := flag.String("mapping", "bench/customers.yaml", "the mapping")
	csv := flag.String("csv", "", "the input; it should have at least rate × seconds rows")
	rate := flag.Float64("rate", 500, "--rate of the import")
	latency := flag.Duration("latency", 5*time.Millisecond, "latency the sandbox adds to each answer")
	flag.Parse()
	if err := run(*bin, *mappingPath, *csv, *rate, *latency); err != nil {
		fmt.Fprintln(os.Stderr, "pace:", err)
		os.Exit(1)
	}
}

func run(bin, mappingPath, csv string, rate float64, latency time.Duration) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sb := sandbox.New(sandbox.Config{Latency: latency})
	var mu sync.Mutex
	var arrivals []time.Time
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			now := time.Now()
			mu.Lock()
			arrivals = append(arrivals, now)
			mu.Unlock()
		}
		sb.ServeHTTP(w, r)
	})}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())

	dir, err := os.MkdirTemp("", "pace")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command(bin, "import", "--url", "http://"+ln.Addr().String(), "--rate", fmt.Sprint(rate),
		"--no-progress", "--reject", dir+"/rejects.csv", "-m", mappingPath, csv)
	cmd.Env = append(os.Environ(), "ALTCRAFT_TOKEN=pace")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("acimport: %w", err)
	}
	mu.Lock()
	defer mu.Unlock()
	sort.Slice(arrivals, func(i, j int) bool { return arrivals[i].Before(arrivals[j]) })
	n := len(arrivals)
	if n < 2 {
		return fmt.Errorf("only %d requests arrived", n)
	}
	span := arrivals[n-1].Sub(arrivals[0])
	achieved := float64(n-1) / span.Seconds()
	// The busiest window [t, t+1s) starts at some arrival.
	most := 0
	for i, j := 0, 0; i < n; i++ {
		for j < n && arrivals[j].Sub(arrivals[i]) < time.Second {
			j++
		}
		most = max(most, j-i)
	}
	fmt.Printf("requests=%d span=%.3fs rate=%.2f max_per_second=%d\n", n, span.Seconds(), achieved, most)
	return nil
}
