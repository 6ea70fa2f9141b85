package mapping

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/acimport/acimport/internal/altcraft"
)

// TestReferenceIsComplete: every key, type, matching mode, channel and date format letter the
// parser knows is in the reference `acimport help mapping` prints.
func TestReferenceIsComplete(t *testing.T) {
	lists := map[string][]string{
		"top-level key": topKeys, "match key": matchKeys, "csv key": csvKeys, "options key": optionKeys,
		"field key": sourceKeys, "subscription key": subscriptionKeys, "type": kindNames[:], "matching mode": matchingModes,
	}
	for _, c := range altcraft.Channels {
		lists["channel"] = append(lists["channel"], c.Name)
	}
	for _, a := range altcraft.Actions {
		lists["action"] = append(lists["action"], string(a))
	}
	for _, op := range altcraft.Operations {
		lists["mode"] = append(lists["mode"], string(op))
	}
	lists["on_empty value"] = []string{"skip", "unset"}
	for _, st := range altcraft.Statuses {
		lists["status"] = append(lists["status"], st.Name, fmt.Sprint(st.Number))
	}
	for _, d := range dateTokens {
		lists["date format letter"] = append(lists["date format letter"], d.text)
	}
	for what, names := range lists {
		for _, name := range names {
			if !regexp.MustCompile(`(^|[\s,(])` + regexp.QuoteMeta(name) + `($|[\s,:)])`).MatchString(Reference) {
				t.Errorf("the reference does not mention the %s %s", what, name)
			}
		}
	}
}
