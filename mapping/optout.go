package mapping

// The opt-out guard: a mapping that would send every contact of a file as subscribed, for a file
// that shows some of its contacts unsubscribed, stops before the first request.

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/acimport/acimport/internal/errs"
)

// ErrOptOutEvidence: the input carries unsubscribe evidence (a column such as UNSUB_TIME, a file
// name with "unsub") while a subscription of the mapping sends no status or a constant subscribed.
// It also matches ErrInvalid.
var ErrOptOutEvidence = fmt.Errorf("%w: opt-outs would be lost", ErrInvalid)

// OptOutKey is the top-level key, with its one value, by which a mapping says that its inputs'
// unsubscribe evidence has been checked and the constant status is meant.
const OptOutKey = "opt_out_evidence: ignore"

// evidenceColumns are column names (as normName spells them) that carry opt-outs: Mailchimp's
// unsubscribed and cleaned files, and the like in other exports.
var evidenceColumns = []string{"unsub", "optout", "optedout", "cleantime", "cleancampaign", "cleanedat",
	"bouncedat", "bouncetime", "отпис", "датаотписки", "статусподписки", "subscriptionstatus"}

// evidenceNames are parts of a file name that say its contacts are not subscribed.
var evidenceNames = []string{"unsub", "opt-out", "optout", "opted_out", "cleaned", "bounced", "отпис", "отказ"}

// CheckOptOuts refuses an input whose name or header carries unsubscribe evidence when a
// subscription of the mapping would make its contacts subscribed: a constant status subscribed,
// or no status (a new subscription is subscribed). A status read from a column is not refused;
// nor is anything when the mapping says opt_out_evidence: ignore. The error is an *Error naming
// the evidence and the fix; it matches ErrOptOutEvidence.
func (m *Mapping) CheckOptOuts(file string, header []string) error {
	if m.ignoreOptOuts || len(m.subs) == 0 {
		return nil
	}
	var evidence []string
	base := strings.ToLower(filepath.Base(file))
	for _, n := range evidenceNames {
		if strings.Contains(base, n) {
			evidence = append(evidence, fmt.Sprintf("the file name %q says %q", filepath.Base(file), n))
			break
		}
	}
	var cols []string
	for _, h := range header {
		n := NormColumn(h)
		if n == "status" || n == "статус" {
			// A status column (UniSender's Статус) whose statuses the mapping does not read.
			cols = append(cols, fmt.Sprintf("%q", h))
			continue
		}
		for _, e := range evidenceColumns {
			if strings.Contains(n, e) {
				cols = append(cols, fmt.Sprintf("%q", h))
				break
			}
		}
	}
	if len(cols) > 0 {
		evidence = append(evidence, "its columns "+strings.Join(cols, ", "))
	}
	if len(evidence) == 0 {
		return nil
	}
	for i, s := range m.subs {
		var sends string
		switch {
		case s.status == statusNone:
			sends = "has no status, so every new subscription of it is subscribed"
		case s.status == statusConst && s.statusWord == "subscribed":
			sends = "sends every contact as subscribed"
		default:
			continue
		}
		return &Error{File: m.file, Line: s.line, Path: fmt.Sprintf("subscriptions[%d]", i), Err: errs.Errorf(ErrOptOutEvidence,
			"%s shows unsubscribed contacts (%s), but this %s subscription %s: opt-outs would arrive subscribed. "+
				"Set the status the file implies (status: unsubscribed for unsubscribes, hardbounced for cleaned addresses), "+
				"or read it from a column: status: { column: ..., values: { ...: unsubscribed } }. "+
				"If you have checked that every contact of the file is subscribed, add %s at the top of the mapping",
			file, strings.Join(evidence, "; "), s.channel, sends, OptOutKey)}
	}
	return nil
}

// NormColumn lowercases a column name and keeps only its letters and digits, ё read as е, so that
// the spellings of one name compare equal: "UNSUB_TIME" is "unsubtime", "E-mail" is "email",
// "Дата отписки" is "датаотписки". init matches column names by it too.
func NormColumn(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r == 'ё' {
			r = 'е'
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
