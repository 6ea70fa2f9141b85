package mapping

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/acimport/acimport/internal/csvio"
)

// subStatuses converts record with b and returns each subscription's status ("" when none).
func subStatuses(t *testing.T, b *Binder, record ...string) ([]string, error) {
	t.Helper()
	body, _, err := b.Convert(nil, record)
	if err != nil {
		return nil, err
	}
	var req struct {
		Data struct {
			Subscriptions []struct {
				Status string `json:"status"`
			} `json:"subscriptions"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	var out []string
	for _, s := range req.Data.Subscriptions {
		out = append(out, s.Status)
	}
	return out, nil
}

// TestStatusFromColumn: issue 19 item 1 — a UniSender export's status column feeds each
// contact's subscription status, like an enum.
func TestStatusFromColumn(t *testing.T) {
	m := mustParse(t, `db_id: 1
fields:
  email: Email
subscriptions:
  - channel: email
    resource_id: 3
    email: { column: Email }
    status: { column: Статус, values: { активен: subscribed, отписан: unsubscribed, недоступен: 3, "не подтверждён": unconfirmed } }
`)
	b := mustBind(t, m, "Email", "Статус")
	for _, c := range []struct{ cell, want string }{
		{"активен", "subscribed"}, {"отписан", "unsubscribed"}, {"Отписан", "unsubscribed"},
		{"недоступен", "hardbounced"}, {"не подтверждён", "unconfirmed"},
	} {
		got, err := subStatuses(t, b, "a@example.com", c.cell)
		if err != nil || len(got) != 1 || got[0] != c.want {
			t.Errorf("%q: statuses %q, error %v; want [%s]", c.cell, got, err, c.want)
		}
	}
	for _, cell := range []string{"удалён", ""} {
		_, err := subStatuses(t, b, "a@example.com", cell)
		var re *RowError
		if !errors.As(err, &re) || !strings.Contains(re.Error(), "Статус") {
			t.Errorf("%q: error %v; want the row rejected naming the column", cell, err)
		}
	}
}

// TestStatusChecked: issue 19 item 2 — a misspelt status stops the run with the mapping's line
// and the nearest valid word; numbers are the platform's statuses too.
func TestStatusChecked(t *testing.T) {
	for _, c := range []struct{ name, status, want string }{
		{"constant typo", "unsubcribed", `m.yaml:7: subscriptions[0].status: unknown subscription status "unsubcribed"; did you mean "unsubscribed"?`},
		{"values typo", "{ column: S, values: { a: subscribed, b: unsubscibed } }", `m.yaml:7: subscriptions[0].status.values.b: unknown subscription status "unsubscibed"; did you mean "unsubscribed"?`},
		{"number out of range", "9", `unknown subscription status "9"`},
		{"a value constant", "{ value: optout }", `unknown subscription status "optout"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader("db_id: 1\nfields:\n  email: E\nsubscriptions:\n  - channel: email\n    resource_id: 1\n    status: "+c.status+"\n    email: { column: E }\n"), "m.yaml")
			if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v; want %q", err, c.want)
			}
		})
	}
	for status, want := range map[string]string{"unsubscribed": "unsubscribed", "1": "unsubscribed", "Hardbounced": "hardbounced", "{ value: 5 }": "suspended"} {
		m := mustParse(t, "db_id: 1\nfields:\n  email: E\nsubscriptions:\n  - { channel: email, resource_id: 1, email: { column: E }, status: "+status+" }\n")
		got, err := subStatuses(t, mustBind(t, m, "E"), "a@example.com")
		if err != nil || len(got) != 1 || got[0] != want {
			t.Errorf("status %s: got %q, %v; want %s", status, got, err, want)
		}
	}
}

// TestQuotedListItems: issue 19 item 9 — Mailchimp's TAGS quote their items: the quotes go, and
// a quoted item keeps its separator.
func TestQuotedListItems(t *testing.T) {
	for cell, want := range map[string]string{
		`"Customer","VIP"`:           `["Customer","VIP"]`,
		`"Webinar: Q3, 2024"`:        `["Webinar: Q3, 2024"]`,
		`"Webinar: Q3, 2024", "VIP"`: `["Webinar: Q3, 2024","VIP"]`,
		`plain, list`:                `["plain","list"]`,
		`say "hi", there`:            `["say \"hi\"","there"]`,
	} {
		got, re := convertField(t, `{ column: c, separator: "," }`, cell)
		if re != nil || got != want {
			t.Errorf("%s: got %s (%v), want %s", cell, got, re, want)
		}
	}
}

// TestTwoDigitYearsAndLostPlus: issue 19 item 7 — 02-03-59 read as MM-DD-YY is 2059: a birth date
// in the future is refused with the likely cause; 380501781460 (region RU) is a Ukrainian number
// that lost its +, and the reason says so.
func TestTwoDigitYearsAndLostPlus(t *testing.T) {
	m := mustParse(t, "db_id: 1\nmatching: profile_id\nmatch: { column: id }\nfields:\n  _bdate: { column: c, type: date, format: MM-DD-YY }\n  phones: { column: p, type: phone, region: RU }\n")
	b := mustBind(t, m, "id", "c", "p")
	_, _, err := b.Convert(nil, []string{"1", "02-03-59", ""})
	if err == nil || !strings.Contains(err.Error(), "a birth date in the future: 2059-02-03; is the year written with two digits?") {
		t.Errorf("02-03-59: %v", err)
	}
	if _, _, err := b.Convert(nil, []string{"1", "02-03-99", ""}); err != nil {
		t.Errorf("02-03-99: %v", err)
	}
	_, _, err = b.Convert(nil, []string{"1", "", "380501781460"})
	if err == nil || !strings.Contains(err.Error(), "+380501781460 is a valid number of UA") {
		t.Errorf("380501781460: %v", err)
	}
}

// TestWrongEncodingNamed: issue 19 item 10 — a file converted to UTF-8 while the mapping still says
// windows-1251: "no column Имя" showed mojibake without naming the encoding as the cause.
func TestWrongEncodingNamed(t *testing.T) {
	m := mustParse(t, "db_id: 1\ncsv: { encoding: windows-1251, delimiter: \";\" }\nfields:\n  email: Email\n  _fname: Имя\n")
	rd, err := csvio.NewReader(strings.NewReader("Email;Имя\na@b.cd;Анна\n"), "in.csv", m.CSV)
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Bind(rd.Header())
	if err == nil || !errors.Is(err, ErrUnknownColumn) || !strings.Contains(err.Error(), "the file is UTF-8") ||
		!strings.Contains(err.Error(), "encoding: utf-8") {
		t.Errorf("error %v; want it to name the encoding", err)
	}
}

// TestOnInvalidRefused: on_invalid: skip cannot leave out the matching key nor a status.
func TestOnInvalidRefused(t *testing.T) {
	for _, c := range []struct{ name, text, want string }{
		{"key", "db_id: 1\nfields:\n  email: { column: E, on_invalid: skip }\n", "on_invalid: skip cannot be used on the matching key"},
		{"status", "db_id: 1\nfields:\n  email: E\nsubscriptions:\n  - { channel: email, resource_id: 1, email: { column: E }, status: { column: S, values: { a: subscribed }, on_invalid: skip } }\n", "a subscription's status cannot be skipped"},
		{"unknown", "db_id: 1\nfields:\n  email: E\n  phones: { column: P, on_invalid: drop }\n", `unknown on_invalid "drop"`},
	} {
		if _, err := Parse(strings.NewReader(c.text), "m.yaml"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", c.name, err, c.want)
		}
	}
}
