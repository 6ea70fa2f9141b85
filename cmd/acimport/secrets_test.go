package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// A run with every kind of failure, against a server that echoes the token
// back in its answers: the token must appear in no output of the run.
func TestTokenNeverInOutputs(t *testing.T) {
	const token = "tok-9f8e7d6c5b4a"
	var answered atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if answered.Add(1) <= 2 {
			// Some rows imported first, so that the run keeps its state.
			fmt.Fprint(w, `{"error":0,"error_text":"Successful operation","profile_id":"p1"}`)
			return
		}
		switch n := r.ContentLength % 3; n {
		case 0:
			fmt.Fprintf(w, `{"error":400,"error_text":"invalid request with %s"}`, auth)
		case 1:
			w.WriteHeader(502)
			fmt.Fprintf(w, "<html>upstream said %s</html>", auth)
		default:
			w.WriteHeader(403)
			fmt.Fprintf(w, `{"error":403,"error_text":"token %s has no rights"}`, auth)
		}
	}))
	defer srv.Close()
	dir := copyExamples(t)
	tokenFile := filepath.Join(dir, "token")
	os.WriteFile(tokenFile, []byte(token+"\n"), 0o600)
	code, stdout, stderr := runCmd(t, "", "import", "--url", srv.URL, "--token-file", tokenFile, "--retries", "1",
		"--rate", "0", "--no-progress", "--results", filepath.Join(dir, "results.csv"), "--summary", filepath.Join(dir, "summary.json"),
		"-m", filepath.Join(dir, "mapping.yaml"), filepath.Join(dir, "customers.csv"))
	if code == exitOK {
		t.Fatalf("exit 0 from a failing server\n%s", stderr)
	}
	outputs := map[string]string{"stdout": stdout, "stderr": stderr}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() == "token" {
			continue
		}
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		outputs[e.Name()] = string(b)
	}
	for name, out := range outputs {
		if strings.Contains(out, token) {
			t.Errorf("the token is in %s:\n%s", name, out)
		}
	}
	if _, ok := outputs["customers.rejects.state"]; !ok && code != exitRejected {
		t.Errorf("expected the state file among the outputs checked; have %v", entries)
	}
}

func TestTokenFilePermissionsWarning(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		Name string
		Mode os.FileMode
		Warn bool
	}{
		{Name: "private", Mode: 0o600},
		{Name: "readable by others", Mode: 0o644, Warn: true},
		{Name: "readable by the group", Mode: 0o640, Warn: true},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			p := filepath.Join(dir, tc.Name)
			os.WriteFile(p, []byte("secret-token\n"), tc.Mode)
			os.Chmod(p, tc.Mode)
			var stderr strings.Builder
			tok, err := readToken(p, &stderr)
			if err != nil || tok != "secret-token" {
				t.Fatalf("readToken = %q, %v", tok, err)
			}
			if warned := strings.Contains(stderr.String(), "chmod 600"); warned != tc.Warn {
				t.Errorf("warning %v, want %v: %q", warned, tc.Warn, stderr.String())
			}
			if strings.Contains(stderr.String(), "secret-token") {
				t.Error("the warning shows the token")
			}
		})
	}
}

func TestPlainHTTPRefused(t *testing.T) {
	dir := copyExamples(t)
	t.Setenv("ALTCRAFT_TOKEN", "x")
	code, _, stderr := runCmd(t, "", "import", "--url", "http://altcraft.example.com", "-m", filepath.Join(dir, "mapping.yaml"), filepath.Join(dir, "customers.csv"))
	if code != exitUsage || !strings.Contains(stderr, "--insecure-http") {
		t.Fatalf("exit %d, want 2 naming --insecure-http\n%s", code, stderr)
	}
}
