package mapping

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// dateToken is one element of a date format as users write it (DD.MM.YYYY hh:mm).
type dateToken uint8

const (
	tokLiteral dateToken = iota
	tokYear4             // YYYY
	tokYear2             // YY
	tokMonth             // MM
	tokDay               // DD
	tokHour              // hh
	tokMinute            // mm
	tokSecond            // ss
)

// Longest first, so YYYY is not read as YY twice.
var dateTokens = []struct {
	text string
	tok  dateToken
}{
	{"YYYY", tokYear4}, {"YY", tokYear2}, {"MM", tokMonth}, {"DD", tokDay},
	{"hh", tokHour}, {"mm", tokMinute}, {"ss", tokSecond},
}

type dateItem struct {
	tok dateToken
	lit string // when tok is tokLiteral
}

// dateFormat is a parsed date or datetime format.
type dateFormat struct {
	text  string // as written, for messages
	items []dateItem
}

// parseDateFormat parses a format made of the letters YYYY YY MM DD hh mm ss; anything else is literal.
func parseDateFormat(text string) (*dateFormat, error) {
	f := &dateFormat{text: text}
	seen := map[dateToken]bool{}
	for i := 0; i < len(text); {
		matched := false
		for _, t := range dateTokens {
			if strings.HasPrefix(text[i:], t.text) {
				if seen[t.tok] || (t.tok == tokYear2 && seen[tokYear4]) || (t.tok == tokYear4 && seen[tokYear2]) {
					return nil, fmt.Errorf("%s appears twice in the format", t.text)
				}
				seen[t.tok] = true
				f.items = append(f.items, dateItem{tok: t.tok})
				i += len(t.text)
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		if n := len(f.items); n > 0 && f.items[n-1].tok == tokLiteral {
			f.items[n-1].lit += text[i : i+1]
		} else {
			f.items = append(f.items, dateItem{lit: text[i : i+1]})
		}
		i++
	}
	if !(seen[tokYear4] || seen[tokYear2]) || !seen[tokMonth] || !seen[tokDay] {
		return nil, errors.New("a format needs a year (YYYY or YY), a month (MM) and a day (DD), e.g. DD.MM.YYYY")
	}
	if (seen[tokMinute] || seen[tokSecond]) && !seen[tokHour] {
		return nil, errors.New("minutes (mm) or seconds (ss) without hours (hh); months are MM")
	}
	return f, nil
}

// dateParts is what a cell holds.
type dateParts struct {
	year, month, day, hour, minute, second int
}

// parse reads s (already trimmed) in the format and checks it is a real calendar date and time.
func (f *dateFormat) parse(s string) (dateParts, bool) {
	var p dateParts
	for _, it := range f.items {
		if it.tok == tokLiteral {
			if !strings.HasPrefix(s, it.lit) {
				return p, false
			}
			s = s[len(it.lit):]
			continue
		}
		minDigits, maxDigits := 1, 2
		switch it.tok {
		case tokYear4:
			minDigits, maxDigits = 4, 4
		case tokYear2:
			minDigits = 2
		}
		n, v := 0, 0
		for n < maxDigits && n < len(s) && s[n] >= '0' && s[n] <= '9' {
			v = v*10 + int(s[n]-'0')
			n++
		}
		if n < minDigits {
			return p, false
		}
		s = s[n:]
		switch it.tok {
		case tokYear4:
			p.year = v
		case tokYear2:
			p.year = 1900 + v
			if v < 69 {
				p.year = 2000 + v
			}
		case tokMonth:
			p.month = v
		case tokDay:
			p.day = v
		case tokHour:
			p.hour = v
		case tokMinute:
			p.minute = v
		case tokSecond:
			p.second = v
		}
	}
	if s != "" || p.year < 1 || p.month < 1 || p.month > 12 || p.day < 1 ||
		p.day > daysIn(p.month, p.year) || p.hour > 23 || p.minute > 59 || p.second > 59 {
		return p, false
	}
	return p, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// appendDate appends "YYYY-MM-DD" as a JSON string.
func appendDate(dst []byte, p dateParts) []byte {
	y := p.year
	dst = append(dst, '"', byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+p.month/10), byte('0'+p.month%10), '-', byte('0'+p.day/10), byte('0'+p.day%10), '"')
	return dst
}

// appendDateTime appends the time read in loc as an RFC 3339 JSON string in UTC.
func appendDateTime(dst []byte, p dateParts, loc *time.Location) []byte {
	t := time.Date(p.year, time.Month(p.month), p.day, p.hour, p.minute, p.second, 0, loc).UTC()
	return t.AppendFormat(dst, `"2006-01-02T15:04:05Z07:00"`)
}
