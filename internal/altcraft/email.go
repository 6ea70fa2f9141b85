package altcraft

import "strings"

// ValidEmail is the platform's check of an email address, the one rule both
// `acimport check` and the sandbox apply: a dot-atom local part of ASCII
// letters, digits and !#$%&'*+/=?^_`{|}~- (at most 64 bytes, no leading,
// trailing or double dot), "@", and a domain of at least two labels (each 1
// to 63 bytes, not starting or ending with "-"; bytes above ASCII allowed for
// internationalised names) whose last label has two or more bytes; 254 bytes
// in all at most. It allocates nothing.
func ValidEmail(s string) bool {
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
	for i := 0; i < len(local); i++ {
		if !localByte[local[i]] {
			return false
		}
	}
	labels, last := 0, 0
	for rest := domain; ; {
		l, tail, more := strings.Cut(rest, ".")
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; c < 0x80 && !isAlnum(c) && c != '-' {
				return false
			}
		}
		labels, last = labels+1, len(l)
		if !more {
			break
		}
		rest = tail
	}
	return labels >= 2 && last >= 2
}

// localByte are the bytes a local part may hold.
var localByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = isAlnum(byte(c)) || c < 0x80 && strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", byte(c)) >= 0
	}
	return t
}()

func isAlnum(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' || c >= '0' && c <= '9' }
