package main

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acimport/acimport/internal/testutil"
	"github.com/acimport/acimport/sandbox"
)

// buildBinary builds acimport once for the tests that run it as a process.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "acimport")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// crashMapping and crashInput are the customers of testutil, comma-separated.
var crashMapping = testutil.Mapping(',')

// crashInput writes n rows, every 20th with an invalid id; it returns the
// lines (1-based, header = 1) of the invalid ones.
func crashInput(t *testing.T, dir string, n int) (path string, invalid map[int]bool) {
	t.Helper()
	path = filepath.Join(dir, "big.csv")
	return path, testutil.Customers{Rows: n}.Write(t, path)
}

// TestKillAndResume imports 20,000 rows, killing the process with SIGKILL at
// random moments and resuming until done, then checks that the result is what
// an uninterrupted run gives: every valid row stored with its values, every
// invalid row rejected exactly once, no reject line torn.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	const rows, workers, kills = 20000, 16, 4
	bin := buildBinary(t)
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	dir := t.TempDir()
	input, invalid := crashInput(t, dir, rows)
	mappingPath := filepath.Join(dir, "m.yaml")
	os.WriteFile(mappingPath, []byte(crashMapping), 0o600)

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("kill moments seeded with %d", seed)
	args := func(resume bool) []string {
		a := []string{"import", "--url", sb.URL, "--rate", "0", "--workers", strconv.Itoa(workers), "--no-progress", "-m", mappingPath, input}
		if resume {
			a = append(a, "--resume")
		}
		return a
	}
	start := func(resume bool) (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(bin, args(resume)...)
		cmd.Env = append(os.Environ(), "ALTCRAFT_TOKEN=tok")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &stderr
	}

	killed := 0
	for i := range kills {
		cmd, stderr := start(i > 0)
		// Kill once the run is under way: after a random number of requests.
		target := sb.Server.Stats().Requests + int64(200+rng.IntN(3000))
		deadline := time.Now().Add(20 * time.Second)
		for sb.Server.Stats().Requests < target && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Logf("run %d ended before the kill (%v): %s", i, err, stderr)
			break
		}
		killed++
	}
	if killed == 0 {
		t.Fatal("no run was killed: the test proves nothing")
	}

	// A SIGINT: the run finishes what is in flight, saves its state and exits 130.
	cmd, stderr := start(true)
	target := sb.Server.Stats().Requests + 500
	for sb.Server.Stats().Requests < target && cmd.ProcessState == nil {
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted && code != exitRejected {
		t.Fatalf("after SIGINT: exit %d (%v), want 130\n%s", code, err, stderr)
	}
	interrupted := cmd.ProcessState.ExitCode() == exitInterrupted
	if interrupted && !strings.Contains(stderr.String(), "--resume") {
		t.Errorf("after SIGINT the run does not say how to resume:\n%s", stderr)
	}

	// Resume to the end.
	if interrupted {
		cmd, stderr = start(true)
		cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != exitRejected {
			t.Fatalf("final resume: exit %d, want 3\n%s", code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "big.rejects.state")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the finished run left its state file (%v)", err)
	}

	// Every valid row stored once, with its values; every invalid row in the
	// reject file exactly once; nothing torn.
	stored := map[string]map[string]any{}
	profiles := sb.Server.Profiles()
	for _, p := range profiles {
		stored[p.Data["email"].(string)] = p.Data
	}
	gen := testutil.Customers{Rows: rows}
	gen.CheckStored(t, stored, len(profiles), invalid)
	gen.CheckRejectedOnce(t, filepath.Join(dir, "big.rejects.csv"), invalid, "invalid_value")

	// Rows sent twice: only those not yet checkpointed at a kill — in flight,
	// answered but waiting for the journal, or in the journal's open batch.
	st := sb.Server.Stats()
	bound := int64((killed + 1) * (workers + 4*workers + 256))
	t.Logf("%d kills; %d requests, %d created, %d updated (sent twice), bound %d", killed, st.Requests, st.Created, st.Updated, bound)
	if st.Updated > bound {
		t.Errorf("%d rows sent twice, more than could have been unsettled (%d)", st.Updated, bound)
	}
}
