package guess

// What init makes of an export from another platform: the lines above the header, the status of
// each contact's subscription (a status column, or the status a Mailchimp file implies), tags.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/acimport/acimport/internal/csvio"
)

// maxTitleLines is how many lines above the header init looks through for it.
const maxTitleLines = 10

// detectSkipLines finds the header within the first lines of head, the file's start, by its
// shape: two or more named columns, as many as the rows under it have, one of them a name this
// tool knows. 0 when the first line is such a header, or when no line is.
func detectSkipLines(head []byte, name string) (int, string) {
	fits := func(k int) (bool, bool) {
		rd, err := csvio.NewReader(bytes.NewReader(head), name, csvio.Options{Delimiter: "auto", Encoding: "auto", SkipLines: k})
		if err != nil {
			return false, false
		}
		h := rd.Header()
		if len(h) < 2 {
			return false, false
		}
		known := false
		for _, c := range h {
			if strings.TrimSpace(c) == "" {
				return false, false
			}
			known = known || fieldByName(c) != ""
		}
		for i := 0; i < 20; i++ {
			rec, err := rd.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil || rec.Err != nil || len(rec.Fields) != len(h) {
				return false, known
			}
		}
		return true, known
	}
	if ok, _ := fits(0); ok {
		return 0, ""
	}
	for k := 1; k <= maxTitleLines; k++ {
		if ok, known := fits(k); ok && known {
			return k, fmt.Sprintf("the header is line %d: the lines above it are not a header of the rows below (a title, a group row)", k+1)
		}
	}
	return 0, ""
}

// Subscription is the subscriptions block init writes for an export that says each contact's
// subscription status.
type Subscription struct {
	StatusColumn string      // the column the status is read from; "" for StatusConst
	StatusValues []enumValue // its cells → the platform's statuses
	Unmapped     []string    // cells of the sample this tool cannot map: the user must
	StatusConst  string      // the status every contact of the file has
	Why          string      // what the status rests on
}

// statusWords are the spellings of subscription statuses in exports (as normName spells them).
var statusWords = []struct {
	status string
	words  []string
}{
	{"subscribed", []string{"активен", "активна", "активный", "подписан", "подписана", "подписчик", "active", "subscribed", "confirmed", "подтвержден", "подтверждена"}},
	{"unsubscribed", []string{"отписан", "отписана", "отписался", "отписалась", "unsubscribed", "optout", "optedout"}},
	{"hardbounced", []string{"недоступен", "недоступна", "bounced", "hardbounce", "hardbounced", "cleaned", "несуществует"}},
	{"unconfirmed", []string{"неподтвержден", "неподтверждена", "unconfirmed", "pending", "ожидаетподтверждения"}},
	{"complained", []string{"жалоба", "спам", "complained", "spam"}},
	{"suspended", []string{"приостановлен", "приостановлена", "suspended", "paused"}},
}

// statusOf returns the platform's status a cell spells, or "".
func statusOf(v string) string {
	n := normName(v)
	for _, s := range statusWords {
		for _, w := range s.words {
			if n == w {
				return s.status
			}
		}
	}
	return ""
}

// The usual values of a status column, added to those of the sample.
var (
	usualStatusesRU = []enumValue{{"активен", "subscribed"}, {"отписан", "unsubscribed"}, {"недоступен", "hardbounced"},
		{"не подтверждён", "unconfirmed"}, {"не подтвержден", "unconfirmed"}}
	usualStatusesEN = []enumValue{{"subscribed", "subscribed"}, {"active", "subscribed"}, {"unsubscribed", "unsubscribed"},
		{"bounced", "hardbounced"}, {"cleaned", "hardbounced"}, {"unconfirmed", "unconfirmed"}, {"pending", "unconfirmed"}}
)

// statusColumnNames are the names of a status column.
var statusColumnNames = []string{"status", "статус", "статусподписки", "subscriptionstatus", "состояние", "emailstatus"}

// mailchimpColumns are columns only Mailchimp's audience exports have.
var mailchimpColumns = []string{"memberrating", "optintime", "confirmtime", "leid", "euid"}

// migration fills g.Subscription when the file says each contact's status: a status column with
// the usual values, or a Mailchimp export, whose status is the file's own.
func (g *Mapping) migration(header []string, samples []sample) {
	for i, h := range header {
		if !containsName(statusColumnNames, h) || g.Columns[i].Skip {
			continue
		}
		seen := map[string]bool{}
		sub := &Subscription{StatusColumn: h}
		known := 0
		for _, v := range samples[i].values {
			if seen[v] {
				continue
			}
			seen[v] = true
			if st := statusOf(v); st != "" {
				sub.StatusValues = append(sub.StatusValues, enumValue{From: v, To: st})
				known++
			} else {
				sub.Unmapped = append(sub.Unmapped, v)
			}
		}
		if known == 0 {
			continue
		}
		// The usual spellings the sample missed (отписан in a sample of активен) are read too.
		cyrillic := false
		for v := range seen {
			for _, r := range v {
				cyrillic = cyrillic || r >= 0x400 && r < 0x500
			}
		}
		usual := usualStatusesEN
		if cyrillic {
			usual = usualStatusesRU
		}
		for _, u := range usual {
			have := false
			for _, v := range sub.StatusValues {
				have = have || strings.EqualFold(v.From, u.From)
			}
			if !have {
				sub.StatusValues = append(sub.StatusValues, u)
			}
		}
		sub.Why = fmt.Sprintf("the column %q holds each contact's status: %d of its %d values in the sample are statuses this tool knows", h, known, len(seen))
		g.Subscription = sub
		c := &g.Columns[i]
		c.Skip, c.Why = true, "read as each subscription's status (see subscriptions below)"
		return
	}
	mailchimp := 0
	unsub, cleaned := "", ""
	for _, h := range header {
		n := normName(h)
		if containsName(mailchimpColumns, h) {
			mailchimp++
		}
		switch {
		case strings.HasPrefix(n, "unsub") && unsub == "":
			unsub = h
		case strings.HasPrefix(n, "clean") && cleaned == "":
			cleaned = h
		}
	}
	base := strings.ToLower(filepath.Base(g.File))
	switch {
	case mailchimp >= 2 && unsub != "" || strings.Contains(base, "unsub"):
		g.Subscription = &Subscription{StatusConst: "unsubscribed", Why: "the file is an export of unsubscribed contacts (" + evidence(unsub, base, "unsub") + ")"}
	case mailchimp >= 2 && cleaned != "" || strings.Contains(base, "cleaned"):
		g.Subscription = &Subscription{StatusConst: "hardbounced", Why: "the file is an export of cleaned (hard-bounced) addresses (" + evidence(cleaned, base, "cleaned") + ")"}
	case mailchimp >= 2:
		g.Subscription = &Subscription{StatusConst: "subscribed", Why: "the file is Mailchimp's export of subscribed contacts (its columns MEMBER_RATING, OPTIN_TIME, ... and no UNSUB_ or CLEAN_ columns): its unsubscribed and cleaned contacts are in the other two files of the export"}
	}
}

func evidence(column, base, word string) string {
	if column != "" {
		return fmt.Sprintf("its column %q", column)
	}
	return fmt.Sprintf("its name says %q", word)
}

func containsName(names []string, column string) bool {
	n := normName(column)
	for _, name := range names {
		if n == name {
			return true
		}
	}
	return false
}

// tagsColumn reads a column named tags as the list field tags.
func tagsColumn(c *Column) bool {
	if !containsName([]string{"tags", "tag", "теги", "тэги", "метки"}, c.Name) {
		return false
	}
	c.Field, c.Custom, c.Type, c.Separator = "tags", false, "string", ","
	c.Why = "the name means the list field tags; a cell is split at commas, an item in quotes (\"Webinar: Q3, 2024\") kept whole"
	return true
}

// writeSubscriptions writes the subscriptions block.
func (g *Mapping) writeSubscriptions(b *bytes.Buffer) {
	s := g.Subscription
	email, phone := g.column("email"), g.column("phones")
	if s == nil || email == "" && phone == "" {
		return
	}
	var status string
	if s.StatusColumn != "" {
		vals := make([]string, len(s.StatusValues))
		for i, v := range s.StatusValues {
			vals[i] = quote(v.From) + ": " + v.To
		}
		status = fmt.Sprintf("{ column: %s, values: { %s } }", quote(s.StatusColumn), strings.Join(vals, ", "))
	} else {
		status = s.StatusConst
	}
	b.WriteString("# Each contact's subscription, with the status the export gives it: opt-outs must arrive as opt-outs.\n")
	fmt.Fprintf(b, "# The status: %s.\n", oneLine(s.Why))
	if len(s.Unmapped) > 0 {
		quoted := make([]string, len(s.Unmapped))
		for i, u := range s.Unmapped {
			quoted[i] = quote(u)
		}
		fmt.Fprintf(b, "# Values this tool cannot map, whose rows are rejected until you add them to values: %s\n", oneLine(strings.Join(quoted, ", ")))
	}
	b.WriteString("# Statuses: subscribed, unsubscribed, complained, hardbounced, unconfirmed, suspended, invalid (acimport help mapping).\n")
	b.WriteString("subscriptions:\n")
	if email != "" {
		b.WriteString("  - channel: email\n")
		b.WriteString("    resource_id: 1 # the id of your email resource: replace 1 with it\n")
		fmt.Fprintf(b, "    email: { column: %s }\n", quote(email))
		fmt.Fprintf(b, "    status: %s\n", status)
	}
	if phone != "" {
		b.WriteString("  - channel: sms # the same status for the phone number; a number that is not valid leaves this subscription out\n")
		b.WriteString("    resource_id: 1 # the id of your sms resource: replace 1 with it\n")
		fmt.Fprintf(b, "    phone: { column: %s, on_invalid: skip }\n", quote(phone))
		fmt.Fprintf(b, "    status: %s\n", status)
	}
}
