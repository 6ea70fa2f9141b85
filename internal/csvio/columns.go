package csvio

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/acimport/acimport/internal/altcraft"
)

// RejectColumns are the three columns the reject writer appends to every
// row. On input they are dropped from the header and from every record, so a
// reject file read back has the columns of the original input.
var RejectColumns = []string{"reject_line", "reject_code", "reject_reason"}

// rejectLayout is where the reject columns sit in an input's header.
type rejectLayout struct {
	width    int   // columns in the input's header, reject columns included
	drop     []int // indexes of the reject columns, ascending
	trailing int   // len(drop) when the reject columns are the last ones, else 0
	lineCol  int   // among the trailing columns, the index of reject_line; -1 if none
	codeCol  int   // among the trailing columns, the index of reject_code; -1 if none
}

func newRejectLayout(header []string) rejectLayout {
	l := rejectLayout{width: len(header), lineCol: -1, codeCol: -1}
	for i, name := range header {
		if slices.Contains(RejectColumns, name) {
			l.drop = append(l.drop, i)
		}
	}
	if n := len(l.drop); n > 0 && l.drop[0] == l.width-n {
		l.trailing = n
		l.lineCol = slices.Index(header[l.width-n:], RejectColumns[0])
		l.codeCol = slices.Index(header[l.width-n:], RejectColumns[1])
	}
	return l
}

// keep returns fields without the reject columns; fields may be shorter or
// longer than the header.
func (l *rejectLayout) keep(fields []string) []string {
	if len(l.drop) == 0 {
		return fields
	}
	kept := make([]string, 0, len(fields))
	d := 0
	for i, f := range fields {
		if d < len(l.drop) && l.drop[d] == i {
			d++
			continue
		}
		kept = append(kept, f)
	}
	return kept
}

// appendKept appends fields without the reject columns to dst.
func (l *rejectLayout) appendKept(dst, fields []string) []string {
	if len(l.drop) == 0 {
		return append(dst, fields...)
	}
	dst = slices.Grow(dst, len(fields))
	d := 0
	for i, f := range fields {
		if d < len(l.drop) && l.drop[d] == i {
			d++
			continue
		}
		dst = append(dst, f)
	}
	return dst
}

// stripTail cuts the trailing reject columns off the text of a row that
// could not be parsed, so feeding a reject file back in cannot duplicate
// them even for its broken rows, and returns the line its reject_line names
// (0 if none). It parses the last fields backwards and gives up, returning b
// unchanged, unless they are well formed, reject_line holds a number and
// reject_code a known code.
func (l *rejectLayout) stripTail(b []byte, comma rune) ([]byte, int) {
	if l.trailing == 0 {
		return b, 0
	}
	sep := utf8.AppendRune(nil, comma)
	end, line := len(b), 0
	for i := l.trailing - 1; i >= 0; i-- {
		start, value, ok := lastField(b[:end], sep)
		if !ok || start < len(sep) || !bytes.Equal(b[start-len(sep):start], sep) {
			return b, 0
		}
		if i == l.lineCol {
			_, v := splitLine(value) // a workbook's reject file: Клиенты!5
			if !isDigits(v) {
				return b, 0
			}
			line = atoiSmall(v)
		}
		if i == l.codeCol && !altcraft.RejectCode(value).Known() {
			return b, 0
		}
		end = start - len(sep)
	}
	return b[:end], line
}

// locate finds the trailing reject columns in a parsed row of a reject
// file: the row's first data fields are its data, its reject columns (if
// any) start at field rej (-1 when the row has none). A row is recognised by
// what it holds, not by its field count alone, so that a reject code is
// never taken for data:
//   - a row of the header's width has them where the header has them;
//   - else a row whose last fields have the reject columns' shape (a line
//     number in reject_line and a code of altcraft.RejectCode's table in
//     reject_code) has them there: the reject row of a row with too few or
//     too many fields, or with empty cells beyond the header's width;
//   - else a row padded with empty cells after the header's width (a
//     spreadsheet's) has them where the header has them;
//   - else the row has none: a user deleted them while fixing it, and every
//     field is data.
func (l *rejectLayout) locate(fields []string) (data, rej int) {
	n, t := len(fields), l.trailing
	switch {
	case n == l.width:
		return n - t, n - t
	case n > t && l.shaped(fields[n-t:]):
		return n - t, n - t
	case n > l.width && allEmpty(fields[l.width:]):
		return l.width - t, l.width - t
	}
	return n, -1
}

// shaped reports whether rej, the trailing reject columns of a row, hold
// what the reject writer puts there: a line number and a known code. A
// header with neither column gives nothing to tell them by.
func (l *rejectLayout) shaped(rej []string) bool {
	if l.lineCol < 0 && l.codeCol < 0 {
		return false
	}
	if l.lineCol >= 0 {
		if _, line := splitLine(rej[l.lineCol]); !isDigits(line) {
			return false
		}
	}
	return l.codeCol < 0 || altcraft.RejectCode(rej[l.codeCol]).Known()
}

// lineOf is the line the reject_line of rej, a row's trailing reject
// columns, names; 0 when it holds no number.
func (l *rejectLayout) lineOf(rej []string) int {
	if l.lineCol < 0 || l.lineCol >= len(rej) {
		return 0
	}
	if _, line := splitLine(rej[l.lineCol]); isDigits(line) {
		return atoiSmall(line)
	}
	return 0
}

// sheetOf is the workbook sheet the reject_line of rej names (Клиенты!5); "" for a line.
func (l *rejectLayout) sheetOf(rej []string) string {
	if l.lineCol < 0 || l.lineCol >= len(rej) {
		return ""
	}
	if sheet, line := splitLine(rej[l.lineCol]); isDigits(line) {
		return sheet
	}
	return ""
}

// splitLine splits a reject_line value: "Клиенты!5" is a workbook's sheet and row, "5" a line.
func splitLine(v string) (sheet, line string) {
	if i := strings.LastIndexByte(v, '!'); i > 0 {
		return v[:i], v[i+1:]
	}
	return "", v
}

// sourceLine is the line a reject_line among a workbook row's last fields names (the reject
// columns taken to be the row's last fields), 0 when there is no such number there.
func (l *rejectLayout) sourceLine(fields []string) int {
	if len(fields) < l.trailing {
		return 0
	}
	return l.lineOf(fields[len(fields)-l.trailing:])
}

// atoiSmall reads a string of digits; 0 when it does not fit a line number.
func atoiSmall(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// lastField finds the field that ends b: its start offset and its value.
func lastField(b []byte, sep []byte) (start int, value string, ok bool) {
	if len(b) == 0 || b[len(b)-1] != '"' {
		start = bytes.LastIndex(b, sep) + len(sep)
		if start < len(sep) {
			return 0, "", false
		}
		field := b[start:]
		if bytes.IndexByte(field, '"') >= 0 {
			return 0, "", false
		}
		return start, string(field), true
	}
	// A quoted field: an opening quote is never preceded by a quote, so
	// walking back, a quote after a quote is an escaped one.
	for j := len(b) - 2; j >= 0; j-- {
		if b[j] != '"' {
			continue
		}
		if j > 0 && b[j-1] == '"' {
			j--
			continue
		}
		inner := b[j+1 : len(b)-1]
		return j, strings.ReplaceAll(string(inner), `""`, `"`), true
	}
	return 0, "", false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// sourceSheet is the sheet a reject file row's reject_line names (Клиенты!5),
// else def.
func (l *rejectLayout) sourceSheet(fields []string, def string) string {
	if l.lineCol < 0 || len(fields) < l.trailing {
		return def
	}
	v := fields[len(fields)-l.trailing+l.lineCol]
	if i := strings.LastIndexByte(v, '!'); i > 0 && isDigits(v[i+1:]) {
		return v[:i]
	}
	return def
}
