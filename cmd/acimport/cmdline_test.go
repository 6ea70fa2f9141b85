package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The command that re-sends the transient rejects drops the flags naming the run's
// own output files, in both spellings (--x v, --x=v), and keeps every other flag's
// value whole, even one holding "=" or spelled like a dropped flag: cmd knows from
// pflag which flag takes a value, it does not guess it from the words. The
// advised command is then run, and works.
func TestResendCommandDropsOutputFlags(t *testing.T) {
	tests := []struct {
		Name      string
		TokenFile string // relative to the run's folder, its working directory
	}{
		{Name: "a value holding =", TokenFile: "tok=1.txt"},
		// The old guess from the words read this value as --summary=…, dropped it, and
		// took the next flag for --token-file's value.
		{Name: "a value spelled like a dropped flag", TokenFile: "--summary=tok.txt"},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			api := newFakeAPI(t, func(email string, n int64) (int, string) {
				switch {
				case n > 60:
					return 403, badTok
				case strings.HasSuffix(email, "5@example.com") && !strings.HasSuffix(email, "55@example.com"):
					return 502, badGate
				}
				return 200, okBody
			})
			dir, in, m := stateDir(t, 200)
			t.Chdir(dir)
			os.WriteFile(tc.TokenFile, []byte("tok\n"), 0o600)
			in, m = filepath.Base(in), filepath.Base(m)
			args := []string{"import", "--url", api.URL, "--reject", "r.csv", "--rate", "0", "--results=res.csv", "--workers", "1",
				"--summary", "s.json", "--retries", "0", "--summary=s2.json", "--no-progress", "--token-file", tc.TokenFile,
				"-m", m, "--reject=r.csv", "--outage-wait", "2s", in}
			if code, _, stderr := runCmd(t, "", args...); code != exitFailed {
				t.Fatalf("first run: exit %d, want 1 (a run-wide stop)\n%s", code, stderr)
			}
			api.set(allOK)
			code, _, stderr := runCmd(t, "", append(args[:len(args)-1], "--resume", in)...)
			if code != exitRejected {
				t.Fatalf("resume: exit %d\n%s", code, stderr)
			}
			want := "acimport import --url " + api.URL + " --rate 0 --workers 1 --retries 0 --no-progress --token-file " + tc.TokenFile +
				" -m m.yaml --outage-wait 2s r.csv"
			advice := adviceRe.FindStringSubmatch(stderr)
			if advice == nil || advice[1] != want {
				t.Fatalf("re-send command\n got %q\nwant %q\n%s", advice, want, stderr)
			}
			api.sent = map[string]int{}
			if code, out := runAdvised(t, advice[1]); code != exitRejected { // the invalid rows are rejected again
				t.Fatalf("the advised %q: exit %d\n%s", advice[1], code, out)
			}
			if api.sent["user15@example.com"] == 0 {
				t.Error("the advised command did not send the http_502 row user15 again")
			}
		})
	}
}
