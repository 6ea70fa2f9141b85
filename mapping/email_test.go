package mapping

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// plausibleEmailRef is plausibleEmail as first written, rune by rune: the reference for the table-driven one.
func plausibleEmailRef(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return false
	}
	domain := s[at+1:]
	if dot := strings.IndexByte(domain, '.'); dot <= 0 || domain[len(domain)-1] == '.' || strings.Contains(domain, "..") {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == ',' || r == '<' || r == '>' || r == ';' || r == utf8.RuneError || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

func FuzzPlausibleEmail(f *testing.F) {
	for _, s := range []string{"a@b.c", "иван@почта.рф", "a b@c.d", "a\u00a0b@c.d", "a\u2028@c.d", "a@b\xff.c", "a@b\ufffd.c", "a,b@c.d", "a\x7f@b.c", "a\u0085@b.c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := plausibleEmail(s), plausibleEmailRef(s); got != want {
			t.Errorf("plausibleEmail(%q) = %v, want %v", s, got, want)
		}
	})
}
