package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acimport/acimport/sandbox"
)

func TestLogWriterStampsEveryLine(t *testing.T) {
	var b bytes.Buffer
	at := time.Date(2026, 12, 1, 9, 5, 0, 0, time.FixedZone("MSK", 3*3600))
	w := newLogWriter(&b, func() time.Time { return at })
	fmt.Fprint(w, "one\ntwo ")
	fmt.Fprint(w, "halves\n\nthree\n")
	want := "2026-12-01T09:05:00+03:00 one\n2026-12-01T09:05:00+03:00 two halves\n2026-12-01T09:05:00+03:00 \n2026-12-01T09:05:00+03:00 three\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

// Under cron (stderr a file): every line stamped, no word of Ctrl-C on SIGTERM; a second
// signal ends the run at once with one line, and --resume finishes it.
func TestCronLogAndSecondSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and signals the binary")
	}
	bin := buildBinary(t)
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{Token: "tok", Latency: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	dir := t.TempDir()
	input, _ := crashInput(t, dir, 400)
	mappingPath := filepath.Join(dir, "m.yaml")
	os.WriteFile(mappingPath, []byte(crashMapping), 0o600)
	logPath := filepath.Join(dir, "cron.log")
	start := func(resume bool) *exec.Cmd {
		args := []string{"import", "--url", sb.URL, "--rate", "50", "--workers", "2", "-m", mappingPath, input}
		if resume {
			args = append(args, "--resume", "--rate", "0", "--workers", "32")
		}
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "ALTCRAFT_TOKEN=tok")
		log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { log.Close() })
		cmd.Stderr = log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	cmd := start(false)
	for sb.Server.Stats().Requests < 5 {
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(20 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Fatalf("exit %d, want %d", code, exitInterrupted)
	}
	text, _ := os.ReadFile(logPath)
	lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d) `)
	for _, l := range lines {
		if !stamp.MatchString(l) {
			t.Errorf("a log line without its date and time: %q", l)
		}
	}
	if strings.Contains(string(text), "Ctrl-C") {
		t.Errorf("under cron the log speaks of Ctrl-C:\n%s", text)
	}
	last := stamp.ReplaceAllString(lines[len(lines)-1], "")
	if want := "acimport: stopped at once; the state file is consistent: run the same command with --resume to continue"; last != want {
		t.Errorf("last line %q, want %q\n%s", last, want, text)
	}
	if !strings.Contains(lines[0], "importing "+input+" into "+sb.URL) {
		t.Errorf("the first line is not the start line: %q", lines[0])
	}
	cmd = start(true)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitRejected {
		text, _ := os.ReadFile(logPath)
		t.Fatalf("--resume: exit %d, want %d (the invalid rows rejected)\n%s", code, exitRejected, text)
	}
}
