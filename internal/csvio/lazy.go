package csvio

import (
	"bytes"
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

// closedByChance reports whether body, a record lazyFields read whole over
// several lines, is rather a quote left open on its first line that a quote
// lines later closed by chance: strict reading's guard, kept for lazy
// quotes. It is when the lines after the first parse as rows of their own,
// width fields each: every line wholly inside the quoted cell when there
// are such lines; else the line the quote closes on, when its quote starts
// a field there (`3;"r" s;t`) rather than ending one or standing inside one
// (`lines";x`, `flat 7" more;x`: the end of a cell that spans two lines).
func closedByChance(body []byte, comma rune, width int) bool {
	i, size := nextBreak(body)
	if i < 0 || width <= 0 {
		return false
	}
	rest := body[i+size:]
	interior := 0
	for {
		j, size := nextBreak(rest)
		if j < 0 {
			break
		}
		if !rowOfItsOwn(rest[:j], comma, width) {
			return false
		}
		interior++
		rest = rest[j+size:]
	}
	if interior > 0 {
		return true
	}
	// The quote that closes the cell: the first one on the line not doubled.
	q := -1
	for k := 0; k < len(rest); k++ {
		if rest[k] != '"' {
			continue
		}
		if k+1 < len(rest) && rest[k+1] == '"' {
			k++
			continue
		}
		q = k
		break
	}
	if q < 0 || !rowOfItsOwn(rest, comma, width) {
		return false
	}
	return q == 0 || bytes.HasSuffix(rest[:q], utf8.AppendRune(nil, comma))
}

// rowOfItsOwn reports whether line, read lazily on its own, is a whole row
// of width fields.
func rowOfItsOwn(line []byte, comma rune, width int) bool {
	f, _, open, early := lazyFields(line, comma)
	return !open && !early && len(f) == width
}
