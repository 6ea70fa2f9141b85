package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/acimport/acimport/internal/altcraft"
)

func TestSandboxHelpListsDiscard(t *testing.T) {
	code, stdout, _ := runCmd(t, "", "sandbox", "--help")
	if code != exitOK || !strings.Contains(stdout, "--discard") || !strings.Contains(stdout, "Profile not found") {
		t.Errorf("exit %d, help:\n%s", code, stdout)
	}
}

// acimport sandbox --discard answers imports but keeps nothing.
func TestSandboxDiscard(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	codec := make(chan int, 1)
	go func() {
		code := run(ctx, []string{"sandbox", "--discard", "--listen", "127.0.0.1:0", "--token", "tok"}, strings.NewReader(""), io.Discard, pw)
		pw.Close()
		codec <- code
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatalf("no startup line: %v", lines.Err())
	}
	url := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(lines.Text())
	if url == "" {
		t.Fatalf("startup line %q", lines.Text())
	}
	var stderr strings.Builder
	done := make(chan struct{})
	go func() {
		for lines.Scan() {
			stderr.WriteString(lines.Text() + "\n")
		}
		close(done)
	}()

	// Two requests that differ (identical ones would be one request, replayed).
	for _, name := range []string{"Ann", "Anna"} {
		resp, err := http.Post(url+altcraft.MethodImport.Path(), "application/json",
			strings.NewReader(`{"token":"tok","db_id":1,"email":"a@example.io","data":{"_fname":"`+name+`"}}`))
		if err != nil {
			t.Fatal(err)
		}
		var a struct {
			Error     int    `json:"error"`
			ProfileID string `json:"profile_id"`
		}
		err = json.NewDecoder(resp.Body).Decode(&a)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || a.Error != 0 || a.ProfileID == "" {
			t.Fatalf("import: %s %+v %v", resp.Status, a, err)
		}
	}
	resp, err := http.Get(url + "/sandbox/profiles")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /sandbox/profiles without the token: %s, want 401", resp.Status)
	}
	req, _ := http.NewRequest(http.MethodGet, url+"/sandbox/profiles", nil)
	req.Header.Set("Authorization", "Bearer tok")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.TrimSpace(string(body)) != `{"profiles":[]}` {
		t.Errorf("profiles: %s", body)
	}

	cancel()
	if code := <-codec; code != exitOK {
		t.Errorf("exit %d", code)
	}
	<-done
	out := stderr.String()
	if !strings.Contains(out, "--discard") || !strings.Contains(out, "sandbox: 2 requests, 2 created, 0 updated") {
		t.Errorf("stderr:\n%s", out)
	}
}
