package csvio

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// exactNumber writes a number cell's stored text as the plain decimal a
// person reads: 79774400755 (not 7.9774400755E10), 100 (not 100.0), 250.5,
// 0.1. Stored text with more than the 15 significant digits Excel keeps
// (0.30000000000000004, a sum's binary noise) is rounded to 15, as Excel
// shows it. Text that is not a number is returned as it is.
func exactNumber(v string) string {
	neg, digits, point, ok := splitNumber(v)
	if !ok {
		return v
	}
	sig := strings.TrimLeft(digits, "0")
	if len(strings.TrimRight(sig, "0")) > 15 {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return v
		}
		neg, digits, point, _ = splitNumber(strconv.FormatFloat(f, 'e', 14, 64))
	}
	return plainDecimal(neg, digits, point)
}

// splitNumber reads [-+]digits[.digits][e[-+]digits]: its sign, its digits
// without the point, and where the point falls among them after the exponent.
func splitNumber(v string) (neg bool, digits string, point int, ok bool) {
	s := v
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return false, "", 0, false
	}
	e := 0
	if hasExp {
		n, err := strconv.Atoi(exp)
		if err != nil || n > 400 || n < -400 {
			return false, "", 0, false
		}
		e = n
	}
	return neg, intPart + frac, len(intPart) + e, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// plainDecimal writes digits with the point after the first point of them
// (which may be before the first or past the last), without needless zeros.
func plainDecimal(neg bool, digits string, point int) string {
	switch {
	case point <= 0:
		digits, point = strings.Repeat("0", 1-point)+digits, 1
	case point > len(digits):
		digits += strings.Repeat("0", point-len(digits))
	}
	intPart := strings.TrimLeft(digits[:point], "0")
	if intPart == "" {
		intPart = "0"
	}
	frac := strings.TrimRight(digits[point:], "0")
	s := intPart
	if frac != "" {
		s += "." + frac
	}
	if neg && s != "0" {
		s = "-" + s
	}
	return s
}

// builtinStyle is what one of Excel's built-in number formats says.
func builtinStyle(id int) cellStyle {
	switch {
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id >= 34 && id <= 36, id >= 50 && id <= 58:
		return styleDate
	case id == 22:
		return styleDateTime
	case id >= 18 && id <= 21, id >= 32 && id <= 33, id >= 45 && id <= 47:
		return styleTime
	}
	return styleNumber
}

// formatStyle is what a custom number format code says: a date when it
// holds d, m or y, a time when it holds h or s, outside quoted text,
// escapes and [brackets] (colours, locales, conditions).
func formatStyle(code string) cellStyle {
	if i := strings.IndexByte(code, ';'); i >= 0 {
		code = code[:i] // the format of positive numbers decides
	}
	var date, tm bool
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				i = len(code)
			}
		case '\\', '_', '*':
			i++
		case '[':
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				i = len(code)
				continue
			}
			inner := strings.ToLower(code[i+1 : i+j])
			if inner == "h" || inner == "hh" || inner == "m" || inner == "mm" || inner == "s" || inner == "ss" {
				tm = true // elapsed time
			}
			i += j
		case 'd', 'D', 'y', 'Y':
			date = true
		case 'm', 'M':
			date = true // minutes go with h or s, and then tm is set too
		case 'h', 'H', 's', 'S':
			tm = true
		case 'e', 'E':
			if strings.HasPrefix(strings.ToLower(code[i:]), "e+") || strings.HasPrefix(strings.ToLower(code[i:]), "e-") {
				return styleNumber // scientific
			}
			date = true // the era year of some locales
		case 'G', 'g':
			if strings.HasPrefix(strings.ToLower(code[i:]), "general") {
				i += len("general") - 1
			}
		}
	}
	switch {
	case date && tm:
		if onlyMinutes(code) {
			return styleTime
		}
		return styleDateTime
	case date:
		return styleDate
	case tm:
		return styleTime
	}
	return styleNumber
}

// onlyMinutes reports whether the m of a code with a time are minutes (h:mm,
// mm:ss) with no day, month or year.
func onlyMinutes(code string) bool {
	lower := strings.ToLower(code)
	return !strings.ContainsAny(lower, "dy")
}

// serialDate turns a date cell's serial number into the text of a date
// (YYYY-MM-DD), a date and time (YYYY-MM-DD hh:mm:ss) or a time (hh:mm:ss),
// rounded to the second.
func serialDate(v string, st cellStyle, d1904 bool) (string, bool) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 2958466 {
		return "", false
	}
	t, err := excelize.ExcelDateToTime(f, d1904)
	if err != nil {
		return "", false
	}
	t = t.Round(time.Second)
	switch st {
	case styleDate:
		if t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0 {
			return t.Format("2006-01-02 15:04:05"), true
		}
		return t.Format("2006-01-02"), true
	case styleTime:
		if f >= 1 {
			return t.Format("2006-01-02 15:04:05"), true
		}
		return t.Format("15:04:05"), true
	}
	return t.Format("2006-01-02 15:04:05"), true
}

// isoCellDate writes a date cell stored as ISO 8601 text (t="d") as
// serialDate writes dates.
func isoCellDate(v string) string {
	for _, layout := range []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05Z", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			t = t.Round(time.Second)
			if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
				return t.Format("2006-01-02")
			}
			return t.Format("2006-01-02 15:04:05")
		}
	}
	return v
}
