package main

import (
	"encoding/json"
	"io"
	"net/http"
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
	url, stop := startSandbox(t, "--discard", "--token", "tok")

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

	code, out := stop()
	if code != exitOK {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(out, "--discard") || !strings.Contains(out, "sandbox: 2 requests, 2 created, 0 updated") {
		t.Errorf("stderr:\n%s", out)
	}
}
