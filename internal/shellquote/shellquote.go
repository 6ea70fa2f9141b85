// Package shellquote writes the words of a command line that messages advise so
// that a POSIX shell reads them back as they were: the one quoter of acimport,
// so that every command it prints is quoted alike.
package shellquote

import "strings"

// Quote returns s as one shell word: as it is when every byte is one a shell
// leaves alone, else in single quotes (the empty word too).
func Quote(s string) string {
	if s != "" && strings.IndexFunc(s, unsafe) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Join quotes each word and joins them with spaces.
func Join(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = Quote(w)
	}
	return strings.Join(q, " ")
}

// unsafe reports a rune a shell might read as more than itself. The safe set is
// letters and digits of ASCII and _./:=@%+,- — none of them special to a shell
// in the middle of a word, so paths, URLs and --flag=value print unquoted.
func unsafe(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return false
	}
	return !strings.ContainsRune("_./:=@%+,-", r)
}
