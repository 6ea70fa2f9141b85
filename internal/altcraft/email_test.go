package altcraft

import (
	"strings"
	"testing"
)

// validEmailRef is the sandbox's rule as first written, with strings.Split: the reference ValidEmail keeps.
func validEmailRef(s string) bool {
	if len(s) > 254 {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at > 64 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	letter := func(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	for i := 0; i < len(local); i++ {
		c := local[i]
		if !letter(c) && !digit(c) && !strings.ContainsRune(".!#$%&'*+/=?^_`{|}~-", rune(c)) {
			return false
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 || len(labels[len(labels)-1]) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !letter(c) && !digit(c) && c != '-' && c < 0x80 {
				return false
			}
		}
	}
	return true
}

func TestValidEmail(t *testing.T) {
	for s, want := range map[string]bool{
		"a@example.com": true, "иван@example.com": false, "ivan@почта.рф": true, "a b@c.de": false,
		"a@b.c": false, ".a@b.cd": false, "a..b@c.de": false, "a@-b.cd": false, "a@b..cd": false, "@b.cd": false,
		"o'brien+tag@example.co.uk": true, "a@b@c.de": false,
	} {
		if got := ValidEmail(s); got != want {
			t.Errorf("ValidEmail(%q) = %v, want %v", s, got, want)
		}
	}
}

func FuzzValidEmail(f *testing.F) {
	for _, s := range []string{"a@b.cd", "иван@почта.рф", "a b@c.d", "a@b.c.", "a@.b", "x@y", "a@b\xff.cd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ValidEmail(s), validEmailRef(s); got != want {
			t.Errorf("ValidEmail(%q) = %v, want %v", s, got, want)
		}
	})
}
