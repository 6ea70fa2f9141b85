package mapping

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/acimport/acimport/internal/csvio"
)

// TestReferenceListsEveryEncoding: `acimport help mapping` names every
// encoding csvio reads, and every one README's mapping example lists.
func TestReferenceListsEveryEncoding(t *testing.T) {
	names := csvio.Encodings()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	// The example's encoding: line and the comment lines that continue it.
	lines := strings.Split(string(readme), "\n")
	var listed []string
	for i, l := range lines {
		if !strings.HasPrefix(l, "  encoding:") {
			continue
		}
		_, comment, _ := strings.Cut(l, "#")
		for j := i + 1; j < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[j]), "#"); j++ {
			comment += " | " + strings.TrimPrefix(strings.TrimSpace(lines[j]), "#")
		}
		for _, alt := range strings.Split(comment, "|") {
			if f := strings.Fields(alt); len(f) > 0 {
				listed = append(listed, f[0])
			}
		}
		break
	}
	if len(listed) < 5 {
		t.Fatalf("README's encoding list not found: %q", listed)
	}
	for _, name := range append(names, listed...) {
		if !regexp.MustCompile(`(^|[\s,(])` + regexp.QuoteMeta(name) + `($|[\s,:)])`).MatchString(Reference) {
			t.Errorf("help mapping does not name the encoding %s", name)
		}
	}
}
