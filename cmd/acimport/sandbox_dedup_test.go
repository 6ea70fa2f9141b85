package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/acimport/acimport/internal/altcraft"
)

// startSandbox runs "acimport sandbox ARGS --listen 127.0.0.1:0" and returns
// its URL and a stop function that ends it and returns its exit code and
// stderr.
func startSandbox(t *testing.T, args ...string) (url string, stop func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	codec := make(chan int, 1)
	go func() {
		code := run(ctx, append([]string{"sandbox", "--listen", "127.0.0.1:0"}, args...), strings.NewReader(""), io.Discard, pw)
		pw.Close()
		codec <- code
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		cancel()
		t.Fatalf("no startup line: %v", lines.Err())
	}
	first := lines.Text()
	var stderr strings.Builder
	done := make(chan struct{})
	go func() {
		for lines.Scan() {
			stderr.WriteString(lines.Text() + "\n")
		}
		close(done)
	}()
	url = regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(first)
	if url == "" {
		cancel()
		t.Fatalf("startup line %q", first)
	}
	return url, func() (int, string) {
		cancel()
		code := <-codec
		<-done
		return code, stderr.String()
	}
}

// postOnce sends body with Request-ID id on a connection of its own; ok is
// false when no answer came.
func postOnce(t *testing.T, url, id, body string) (resp *http.Response, ok bool) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+altcraft.MethodImport.Path(), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Request-ID", id)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err = client.Do(req)
	if err != nil {
		return nil, false
	}
	io.Copy(io.Discard, resp.Body) //nolint:errcheck // only the status and headers matter
	resp.Body.Close()
	return resp, true
}

func TestSandboxDedupAndLoseFlags(t *testing.T) {
	const body = `{"token":"t","db_id":1,"email":"a@example.io","data":{"Points":{"action":"incr","value":5}}}`
	t.Run("default: on", func(t *testing.T) {
		url, stop := startSandbox(t, "--lose-rate", "1")
		if _, ok := postOnce(t, url, "r1", body); ok {
			t.Error("answered at --lose-rate 1")
		}
		resp, ok := postOnce(t, url, "r1", body)
		if !ok || resp.StatusCode != 200 || resp.Header.Get("Duplicate-Request") != "true" {
			t.Errorf("the retry: %v %v", ok, resp)
		}
		code, stderr := stop()
		if code != exitOK || !strings.Contains(stderr, "sandbox: 2 requests, 1 created, 0 updated, 0 rejected, 0 faults, 1 replayed, 1 lost") {
			t.Errorf("exit %d, stderr:\n%s", code, stderr)
		}
	})
	t.Run("--dedup-window 0: off", func(t *testing.T) {
		url, stop := startSandbox(t, "--dedup-window", "0", "--lose-rate", "0.5", "--seed", "1")
		answered := 0
		for range 6 {
			if resp, ok := postOnce(t, url, "r1", body); ok {
				answered++
				if resp.Header.Get("Duplicate-Request") != "" {
					t.Errorf("a replay with deduplication off: %v", resp.Header)
				}
			}
		}
		code, stderr := stop()
		// Every request is applied; the one key is lost at most once.
		if code != exitOK || answered < 5 || !strings.Contains(stderr, "sandbox: 6 requests, 1 created, 5 updated, 0 rejected, 0 faults, 0 replayed, ") {
			t.Errorf("exit %d, %d answered, stderr:\n%s", code, answered, stderr)
		}
	})
	for _, bad := range []struct{ args, want string }{
		{"--lose-rate 2", "--lose-rate must be between 0 and 1, got 2"},
		{"--lose-rate -0.1", "--lose-rate must be between 0 and 1"},
		{"--dedup-window -1s", "--dedup-window must not be negative"},
		{"--dedup-window soon", "--dedup-window"},
	} {
		t.Run(bad.args, func(t *testing.T) {
			code, _, stderr := runCmd(t, "", append([]string{"sandbox", "--listen", "127.0.0.1:0"}, strings.Fields(bad.args)...)...)
			if code != exitUsage || !strings.Contains(stderr, bad.want) {
				t.Errorf("exit %d, stderr %q, want %d and %q", code, stderr, exitUsage, bad.want)
			}
		})
	}
}

func TestSandboxHelpListsDedup(t *testing.T) {
	code, stdout, _ := runCmd(t, "", "sandbox", "--help")
	for _, want := range []string{"--dedup-window", "--lose-rate", "Duplicate-Request: true", "256 bytes"} {
		if code != exitOK || !strings.Contains(stdout, want) {
			t.Errorf("exit %d, help without %q:\n%s", code, want, stdout)
		}
	}
}
