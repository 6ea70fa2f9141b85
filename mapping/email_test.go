package mapping

import (
	"testing"
)

// TestEmailAsThePlatform: issue 19 item 10 — check refuses what the platform (and the sandbox)
// refuse: non-ASCII before the @, one-letter top-level domains; it keeps internationalised domains.
func TestEmailAsThePlatform(t *testing.T) {
	for cell, ok := range map[string]bool{
		"иван@example.com": false, "jos\u00e9@example.com": false, "a@b.c": false,
		"ivan@почта.рф": true, "a.b+c@example.com": true,
	} {
		_, re := convertField(t, "{ column: c, type: email }", cell)
		if (re == nil) != ok {
			t.Errorf("%q: error %v; want accepted %v", cell, re, ok)
		}
	}
}
