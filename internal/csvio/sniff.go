package csvio

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// delimCandidates are the delimiters "auto" chooses among.
const delimCandidates = ",;\t|"

// looksUTF8 reports whether window, the start of the file, is valid UTF-8.
// Unless the window is the whole file, a rune cut in two by its end is fine.
func looksUTF8(window []byte, whole bool) bool {
	if !whole {
		for i := 1; i < utf8.UTFMax && i <= len(window); i++ {
			tail := window[len(window)-i:]
			if utf8.RuneStart(tail[0]) {
				if !utf8.FullRune(tail) {
					window = window[:len(window)-i]
				}
				break
			}
		}
	}
	return utf8.Valid(window)
}

// sniffDelimiter picks the delimiter of the header line at the start of b
// (blank lines and lines of spaces and tabs before it skipped): the candidate
// seen most often outside quotes, "," on a tie or when there is none. Every
// candidate is ASCII, so b may be UTF-8 or windows-1251 bytes alike.
func sniffDelimiter(b []byte) rune {
	for {
		i, size := nextBreak(b)
		if i < 0 || len(bytes.Trim(b[:i], " \t")) > 0 {
			break
		}
		b = b[i+size:]
	}
	var counts [len(delimCandidates)]int
	quoted := false
scan:
	for _, c := range b {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n' || c == '\r':
			break scan
		default:
			if i := strings.IndexByte(delimCandidates, c); i >= 0 {
				counts[i]++
			}
		}
	}
	best, bestN, tie := 0, 0, false
	for i, n := range counts {
		switch {
		case n > bestN:
			best, bestN, tie = i, n, false
		case n == bestN && n > 0:
			tie = true
		}
	}
	if bestN == 0 || tie {
		return ','
	}
	return rune(delimCandidates[best])
}
