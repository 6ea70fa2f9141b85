// Command nginxpace measures how acimport paces itself behind a real rate limit: it starts a
// sandbox and, in front of it, nginx (TLS, limit_req at -limit requests a second, burst -burst,
// nodelay, answering 429), both on 127.0.0.1, runs `acimport import --rate R --workers W` through
// it, and prints the time against the ideal rows/limit and the share of answers that were 429.
// With -outage D it switches the upstream off (nginx -s reload: nginx answers 502) -outage-at
// into the run for D, and on again, and also prints the exit code, the rows the sandbox stored and
// the rows rejected: the "15 s outage mid-run" with the real timings.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/acimport/acimport/internal/nginxtest"
	"github.com/acimport/acimport/sandbox"
)

func main() {
	bin := flag.String("bin", "./acimport", "the acimport binary")
	mappingPath := flag.String("mapping", "bench/customers.yaml", "the mapping")
	csv := flag.String("csv", "", "the input")
	rows := flag.Int("rows", 0, "rows in the input")
	limit := flag.Int("limit", 300, "nginx limit_req rate, requests a second")
	burst := flag.Int("burst", 30, "nginx limit_req burst")
	rate := flag.Float64("rate", 0, "--rate of the import")
	workers := flag.Int("workers", 32, "--workers of the import")
	outage := flag.Duration("outage", 0, "switch the upstream off for this long mid-run (0: no outage)")
	outageAt := flag.Duration("outage-at", 5*time.Second, "when the outage begins, from the start of the import")
	flag.Parse()
	if err := run(*bin, *mappingPath, *csv, *rows, *limit, *burst, *rate, *workers, *outage, *outageAt); err != nil {
		fmt.Fprintln(os.Stderr, "nginxpace:", err)
		os.Exit(1)
	}
}

func run(bin, mappingPath, csv string, rows, limit, burst int, rate float64, workers int, outage, outageAt time.Duration) error {
	if rows <= 0 {
		return fmt.Errorf("-rows must be the input's row count")
	}
	nginx, err := nginxtest.Binary()
	if err != nil {
		return err
	}
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{})
	if err != nil {
		return err
	}
	defer sb.Close()
	dir, err := os.MkdirTemp("", "nginxpace")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ng, err := nginxtest.Start(nginx, filepath.Join(dir, "nginx"), nginxtest.Config{
		Upstream: strings.TrimPrefix(sb.URL, "http://"), LimitRPS: limit, Burst: burst,
	})
	if err != nil {
		return err
	}
	defer ng.Stop()
	summary := filepath.Join(dir, "summary.json")
	cmd := exec.Command(bin, "import", "--url", ng.URL, "--ca-file", ng.CAFile, "--rate", fmt.Sprint(rate),
		"--workers", fmt.Sprint(workers), "--no-progress", "--reject", filepath.Join(dir, "rejects.csv"),
		"--summary", summary, "-m", mappingPath, csv)
	cmd.Env = append(os.Environ(), "ALTCRAFT_TOKEN=bench")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	outageErr := make(chan error, 1)
	if outage > 0 {
		go func() {
			time.Sleep(outageAt)
			if err := ng.SetUpstream(false); err != nil {
				outageErr <- err
				return
			}
			time.Sleep(outage)
			outageErr <- ng.SetUpstream(true)
		}()
	} else {
		outageErr <- nil
	}
	err = cmd.Wait()
	secs := time.Since(start).Seconds()
	if oerr := <-outageErr; oerr != nil {
		return oerr
	}
	exit := 0
	if err != nil {
		var ee *exec.ExitError
		if outage == 0 || !errors.As(err, &ee) {
			return fmt.Errorf("acimport: %v\n%s", err, stderr.String())
		}
		exit = ee.ExitCode()
	}
	b, err := os.ReadFile(summary)
	if err != nil {
		return err
	}
	var sum struct {
		ThisRun struct {
			Imported, Rejected, Retries, Throttled int64
			RejectedByCode                         map[string]int64 `json:"rejected_by_code"`
		} `json:"this_run"`
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		return err
	}
	s := sum.ThisRun
	answers := s.Imported + s.Rejected + s.Retries
	share := 0.0
	if answers > 0 {
		share = float64(s.Throttled) / float64(answers)
	}
	ideal := float64(rows) / float64(limit)
	fmt.Printf("secs=%.3f ratio=%.4f share429=%.4f throttled=%d imported=%d rejected_429=%d",
		secs, secs/ideal, share, s.Throttled, s.Imported, s.RejectedByCode["http_429"])
	if outage > 0 {
		fmt.Printf(" exit=%d rejected=%d stored=%d", exit, s.Rejected, sb.Server.Stats().Created)
		for _, line := range strings.Split(stderr.String(), "\n") {
			if strings.Contains(line, "sending paused") || strings.Contains(line, "answers again") {
				fmt.Fprintln(os.Stderr, line)
			}
		}
	}
	fmt.Println()
	return nil
}
