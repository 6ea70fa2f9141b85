package csvio

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// appendField appends field to dst, quoted when encoding/csv's Writer would
// quote it, so what we write reads back the same.
func appendField(dst []byte, field string, comma rune) []byte {
	if !needsQuotes(field, comma) {
		return append(dst, field...)
	}
	dst = append(dst, '"')
	for {
		i := strings.IndexByte(field, '"')
		if i < 0 {
			break
		}
		dst = append(dst, field[:i+1]...)
		dst = append(dst, '"')
		field = field[i+1:]
	}
	dst = append(dst, field...)
	return append(dst, '"')
}

// appendRecord appends fields joined by comma, each quoted as needed.
func appendRecord(dst []byte, fields []string, comma rune) []byte {
	for i, f := range fields {
		if i > 0 {
			dst = utf8.AppendRune(dst, comma)
		}
		dst = appendField(dst, f, comma)
	}
	return dst
}

// needsQuotes is encoding/csv's Writer.fieldNeedsQuotes.
func needsQuotes(field string, comma rune) bool {
	if field == "" {
		return false
	}
	if field == `\.` {
		return true
	}
	if comma < utf8.RuneSelf {
		for i := 0; i < len(field); i++ {
			c := field[i]
			if c == '\n' || c == '\r' || c == '"' || c == byte(comma) {
				return true
			}
		}
	} else if strings.ContainsRune(field, comma) || strings.ContainsAny(field, "\"\r\n") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(field)
	return unicode.IsSpace(r)
}
