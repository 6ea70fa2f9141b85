package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acimport/acimport/sandbox"
)

// Issue 18, item 3: kill -9 three times, then --resume=auto, in batch mode,
// with answers lost on the way back (lose-rate 0.2) and an incr mapping:
// every member is credited exactly once. A batch is recorded before it is
// sent and re-sent after the crash as it was, with its id, so the platform
// replays instead of applying it again.
func TestKillAndResumeBatchExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	const rows, kills = 8000, 3
	bin := buildBinary(t)
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{Token: "tok", LoseRate: 0.2, Latency: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	dir := t.TempDir()
	input := filepath.Join(dir, "points.csv")
	var b strings.Builder
	b.WriteString("Email,Points\n")
	want := map[string]int{}
	for i := range rows {
		email := fmt.Sprintf("m%d@example.com", i)
		want[email] = 1 + i%9
		fmt.Fprintf(&b, "%s,%d\n", email, want[email])
	}
	os.WriteFile(input, []byte(b.String()), 0o600)
	mappingPath := filepath.Join(dir, "m.yaml")
	os.WriteFile(mappingPath, []byte("db_id: 1\nfields:\n  email: { column: Email, type: email }\n  Points: { column: Points, type: int, action: incr }\n"), 0o600)
	summary := filepath.Join(dir, "summary.json")

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 3))
	t.Logf("kill moments seeded with %d", seed)
	start := func() (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(bin, "import", "--url", sb.URL, "--rate", "0", "--workers", "8", "--batch", "50", "--retries", "8",
			"--no-progress", "--resume=auto", "--summary", summary, "-m", mappingPath, input)
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
		cmd, stderr := start()
		target := sb.Server.Stats().Requests + int64(5+rng.IntN(30))
		deadline := time.Now().Add(20 * time.Second)
		for sb.Server.Stats().Requests < target && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		t.Logf("run %d: kill at %d requests (%s)", i, sb.Server.Stats().Requests, time.Now().Format("15:04:05.000"))
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
	cmd, stderr := start()
	t.Logf("final run %s", time.Now().Format("15:04:05.000"))
	defer func() { t.Logf("final run's stderr:\n%s", stderr) }()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("final --resume=auto: %v\n%s", err, stderr)
	}
	got := map[string]int{}
	for _, p := range sb.Server.Profiles() {
		v, _ := strconv.Atoi(fmt.Sprint(p.Data["Points"]))
		got[fmt.Sprint(p.Data["email"])] = v
	}
	wrong := 0
	for email, w := range want {
		if got[email] != w {
			wrong++
		}
	}
	st := sb.Server.Stats()
	t.Logf("%d kills; %d requests, %d lost", killed, st.Requests, st.Lost)
	if wrong > 0 || len(got) != rows {
		t.Errorf("%d of %d balances wrong, %d profiles", wrong, rows, len(got))
	}
	var sum struct {
		Status   string `json:"status"`
		Imported int64  `json:"imported"`
		Replayed int64  `json:"replayed"`
	}
	raw, _ := os.ReadFile(summary)
	if err := json.Unmarshal(raw, &sum); err != nil || sum.Status != "imported" || sum.Imported != rows || sum.Replayed == 0 {
		t.Errorf("summary %+v (%v): want imported %d, replayed > 0\n%s", sum, err, rows, raw)
	}
}
