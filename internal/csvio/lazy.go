package csvio

import (
	"strings"
	"unicode/utf8"
)

// lazyFields splits body, the text of one record without its terminator,
// the way Python's csv module and spreadsheets read it (Python's excel
// dialect, strict off): a quote inside an unquoted field is text; text after
// a quoted field's closing quote is more of the field, the quote dropped
// ("x" y is `x y`); "" inside quotes is one quote; line breaks inside quotes
// are kept as written. It returns the fields and the offset in body where
// each starts. open reports a quote still open at the end of body, and
// early that a line break outside quotes ended the record before the end
// of body: either way body is not one record read lazily.
func lazyFields(body []byte, comma rune) (fields []string, starts []int, open, early bool) {
	const (
		startField = iota
		inField
		inQuoted
		quoteInQuoted
	)
	state := startField
	var f strings.Builder
	starts = append(starts, 0)
	end := func(next int) {
		fields = append(fields, f.String())
		f.Reset()
		starts = append(starts, next)
		state = startField
	}
	for i := 0; i < len(body); {
		r, size := rune(body[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(body[i:])
		}
		next := i + size
		switch {
		case state == inQuoted && r == '"':
			state = quoteInQuoted
		case state == inQuoted:
			f.Write(body[i:next])
		case state == quoteInQuoted && r == '"':
			f.WriteByte('"')
			state = inQuoted
		case r == comma:
			end(next)
		case r == '\n' || r == '\r':
			return nil, nil, false, true
		case state == startField && r == '"':
			state = inQuoted
		default: // startField, inField, or text after a closing quote
			f.Write(body[i:next])
			state = inField
		}
		i = next
	}
	if state == inQuoted {
		return nil, nil, true, false
	}
	fields = append(fields, f.String())
	return fields, starts[:len(fields)], false, false
}
