package csvio

import (
	"bytes"
	"unicode/utf8"
)

// sepPrefix starts Excel's delimiter line, "sep=;", which Excel writes
// before the header and honours when it opens the file.
const sepPrefix = "sep="

// sepLine recognises Excel's delimiter line at the start of b, the file's
// first bytes after any BOM: "sep=" (any case) and one character, perhaps in
// double quotes, perhaps padded with more of that character, then a line
// break or the end of the file (whole says b is all of it). It returns the
// delimiter and the line's length without its terminator, and that
// terminator; ok is false when b does not start with such a line. cs is the
// encoding of b, to decode the delimiter.
func sepLine(b []byte, cs *charset, whole bool) (comma rune, n int, ending string, ok bool, err error) {
	rest := b
	quoted := len(rest) > 0 && rest[0] == '"'
	if quoted {
		rest = rest[1:]
	}
	if len(rest) <= len(sepPrefix) || !bytes.EqualFold(rest[:len(sepPrefix)], []byte(sepPrefix)) {
		return 0, 0, "", false, nil
	}
	rest = rest[len(sepPrefix):]
	size := 1
	if cs.runes != nil {
		comma = cs.runes[rest[0]]
	} else {
		comma, size = utf8.DecodeRune(rest)
	}
	if comma == '\r' || comma == '\n' {
		return 0, 0, "", false, nil // "sep=" with nothing after it: a header
	}
	char := rest[:size]
	rest = rest[size:]
	if quoted {
		if len(rest) == 0 || rest[0] != '"' {
			return 0, 0, "", false, nil
		}
		rest = rest[1:]
	}
	for bytes.HasPrefix(rest, char) {
		rest = rest[size:]
	}
	n = len(b) - len(rest)
	switch {
	case bytes.HasPrefix(rest, []byte("\r\n")):
		ending = "\r\n"
	case bytes.HasPrefix(rest, []byte("\n")):
		ending = "\n"
	case len(rest) > 1 && rest[0] == '\r':
		ending = "\r"
	case whole && (len(rest) == 0 || string(rest) == "\r"):
		ending = string(rest)
	default:
		return 0, 0, "", false, nil
	}
	if !validDelim(comma) {
		return 0, 0, "", false, optionErrorf("the first line %q sets a delimiter that cannot be used: want one character other than a quote or a line break", b[:n])
	}
	return comma, n, ending, true, nil
}
