package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acimport/acimport/sandbox"
)

// Mailchimp exports one file per status; the unsubscribed and cleaned files add their own columns.
const (
	mcHeader     = `"Email Address","First Name","Last Name","Phone Number","MEMBER_RATING","OPTIN_TIME","CC","TAGS"`
	mcSubscribed = mcHeader + "\r\n" +
		`"ann@example.com","Ann","Lee","(521) 950-0029","2","2023-01-05 10:00:00","US","""Customer"",""VIP"""` + "\r\n" +
		`"bob@example.com","Bob","Ray","+7 912 345-67-89","3","2023-02-06 11:00:00","RU","""Webinar: Q3, 2024"""` + "\r\n" +
		`"cid@example.com","Cid","Moe","n/a","1","2023-03-07 12:00:00","US",""` + "\r\n"
	mcUnsubscribed = mcHeader + `,"UNSUB_TIME","UNSUB_CAMPAIGN_TITLE","UNSUB_REASON"` + "\r\n" +
		`"dan@example.com","Dan","Poe","(646) 555-0199","1","2022-01-05 10:00:00","US","","2024-05-01 09:00:00","Spring sale","NORMAL"` + "\r\n" +
		`"eve@example.com","Eve","Kay","12","2","2022-02-05 10:00:00","US","","2024-06-01 09:00:00","Spring sale","SPAM"` + "\r\n"
	mcCleaned = mcHeader + `,"CLEAN_TIME","CLEAN_CAMPAIGN_TITLE"` + "\r\n" +
		`"fay@example.com","Fay","Orr","","1","2021-01-05 10:00:00","US","","2024-07-01 09:00:00","Summer"` + "\r\n"
)

// writeFiles writes name → text into a new temp dir and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestOptOutGuard: issue 19 item 3 — one mapping with status: subscribed over Mailchimp's
// unsubscribed and cleaned files stops before the first request, naming the evidence and the fix;
// opt_out_evidence: ignore lets a user who has checked go on.
func TestOptOutGuard(t *testing.T) {
	t.Setenv("ALTCRAFT_TOKEN", "tok")
	const mapping = "db_id: 1\nfields:\n  email: { column: Email Address, type: email }\nsubscriptions:\n" +
		"  - { channel: email, resource_id: 1, email: { column: Email Address }%s }\n"
	dir := writeFiles(t, map[string]string{
		"unsubscribed_members_export.csv": mcUnsubscribed, "cleaned_members_export.csv": mcCleaned,
		"subscribed_members_export.csv": mcSubscribed, "copy.csv": mcUnsubscribed,
		"unisender.csv": "Email;Статус\nann@example.ru;отписан\n",
		"status.yaml":   "db_id: 1\ncsv: { delimiter: \";\" }\nfields:\n  email: Email\nsubscriptions:\n  - { channel: email, resource_id: 1, email: { column: Email }, status: subscribed }\n",
		"constant.yaml": strings.ReplaceAll(mapping, "%s", ", status: subscribed"), "none.yaml": strings.ReplaceAll(mapping, "%s", ""),
		"ignore.yaml": "opt_out_evidence: ignore\n" + strings.ReplaceAll(mapping, "%s", ", status: subscribed"),
	})
	at := func(name string) string { return filepath.Join(dir, name) }
	for _, c := range []struct {
		name, mapping, file string
		want                []string
	}{
		{"constant over unsubscribed", "constant.yaml", "unsubscribed_members_export.csv", []string{`the file name "unsubscribed_members_export.csv" says "unsub"`, `"UNSUB_TIME"`, `"UNSUB_REASON"`, "status: unsubscribed", "opt_out_evidence: ignore", "constant.yaml:5"}},
		{"no status over cleaned", "none.yaml", "cleaned_members_export.csv", []string{`"CLEAN_TIME"`, "hardbounced", "has no status"}},
		{"columns alone", "constant.yaml", "copy.csv", []string{`"UNSUB_TIME"`}},
		{"a status column not read", "status.yaml", "unisender.csv", []string{`"Статус"`, "status: { column: ..., values:"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			api := newFakeAPI(t, allOK)
			for _, cmd := range []string{"import", "check"} {
				args := []string{cmd, "--no-progress", "-m", at(c.mapping), at(c.file)}
				if cmd == "import" {
					args = append(args, "--url", api.URL)
				}
				code, _, stderr := runCmd(t, "", args...)
				if code != exitFailed {
					t.Fatalf("%s: exit %d, want %d\n%s", cmd, code, exitFailed, stderr)
				}
				for _, w := range c.want {
					if !strings.Contains(stderr, w) {
						t.Errorf("%s: stderr does not say %s:\n%s", cmd, w, stderr)
					}
				}
			}
			if n := api.n.Load(); n != 0 {
				t.Errorf("%d requests sent; want none", n)
			}
		})
	}
	api := newFakeAPI(t, allOK)
	for _, c := range [][2]string{{"constant.yaml", "subscribed_members_export.csv"}, {"ignore.yaml", "unsubscribed_members_export.csv"}} {
		if code, _, stderr := runCmd(t, "", "import", "--no-progress", "--url", api.URL, "-m", at(c[0]), at(c[1])); code != exitOK {
			t.Errorf("%s over %s: exit %d\n%s", c[0], c[1], code, stderr)
		}
	}
}

// startMigSandbox starts a sandbox for the test, with ALTCRAFT_TOKEN set.
func startMigSandbox(t *testing.T) *sandbox.Instance {
	t.Helper()
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	t.Setenv("ALTCRAFT_TOKEN", "t")
	return sb
}

// byEmail returns the sandbox's profiles by email.
func byEmail(sb *sandbox.Instance) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, p := range sb.Server.Profiles() {
		e, _ := p.Data["email"].(string)
		out[e] = p.Data
	}
	return out
}

// subStatus is the status of a profile's subscription on channel ("" when there is none,
// "none" when it has no status).
func subStatus(data map[string]any, channel string) string {
	subs, _ := data["subscriptions"].([]any)
	for _, s := range subs {
		m, _ := s.(map[string]any)
		if m["channel"] == channel {
			if st, ok := m["status"].(string); ok {
				return st
			}
			return "none"
		}
	}
	return ""
}

// TestOnInvalidSkip: issue 19 item 5 — a bad phone no longer rejects the contact and its opt-out:
// with on_invalid: skip the phone (and its sms subscription) is left out, the row imported; the
// summary counts skipped_values by column, --results marks the row, check lists it apart.
func TestOnInvalidSkip(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"unsubscribed_members_export.csv": mcUnsubscribed,
		"m.yaml": `db_id: 1
fields:
  email: { column: Email Address, type: email }
  phones: { column: Phone Number, type: phone, region: US, on_invalid: skip }
subscriptions:
  - { channel: email, resource_id: 1, email: { column: Email Address }, status: unsubscribed }
  - { channel: sms, resource_id: 1, phone: { column: Phone Number, on_invalid: skip }, status: unsubscribed }
`})
	at := func(name string) string { return filepath.Join(dir, name) }
	code, stdout, stderr := runCmd(t, "", "check", "--no-progress", "-m", at("m.yaml"), at("unsubscribed_members_export.csv"))
	if code != exitOK || !strings.Contains(stdout, "2 rows: 2 valid, 0 invalid; 1 values left out (on_invalid: skip)") ||
		!strings.Contains(stdout, `column "Phone Number": 1`) || !strings.Contains(stdout, `"12"`) {
		t.Errorf("check: exit %d\n%s\n%s", code, stdout, stderr)
	}
	sb := startMigSandbox(t)
	code, _, stderr = runCmd(t, "", "import", "--no-progress", "--url", sb.URL, "--summary", at("sum.json"), "--results", at("res.csv"),
		"-m", at("m.yaml"), at("unsubscribed_members_export.csv"))
	if code != exitOK {
		t.Fatalf("import: exit %d\n%s", code, stderr)
	}
	got := byEmail(sb)
	if eve := got["eve@example.com"]; eve == nil || eve["phones"] != nil || subStatus(eve, "email") != "unsubscribed" || subStatus(eve, "sms") != "" {
		t.Errorf("eve (phone 12): %v; want imported unsubscribed, without phones or sms", eve)
	}
	if dan := got["dan@example.com"]; dan == nil || subStatus(dan, "sms") != "unsubscribed" {
		t.Errorf("dan: %v", dan)
	}
	var sum struct {
		Skipped map[string]int64 `json:"skipped_values"`
	}
	b, _ := os.ReadFile(at("sum.json"))
	if err := json.Unmarshal(b, &sum); err != nil || sum.Skipped["Phone Number"] != 1 || len(sum.Skipped) != 1 {
		t.Errorf("summary skipped_values %v (%v):\n%s", sum.Skipped, err, b)
	}
	if res, _ := os.ReadFile(at("res.csv")); !strings.Contains(string(res), ",3,imported,") || !strings.Contains(string(res), ",1,Phone Number,\n") {
		t.Errorf("results do not mark line 3:\n%s", res)
	}
	if !strings.Contains(stderr, "Phone Number 1") {
		t.Errorf("the summary does not say what was left out:\n%s", stderr)
	}
}
