package mapping

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/acimport/acimport/internal/altcraft"
)

// kind is a field type of the mapping file.
type kind uint8

const (
	kindString kind = iota
	kindEmail
	kindPhone
	kindInt
	kindFloat
	kindBool
	kindDate
	kindDateTime
	kindEnum
)

// kindNames are the type names of the mapping file, indexed by kind.
var kindNames = [...]string{"string", "email", "phone", "int", "float", "bool", "date", "datetime", "enum"}

func (k kind) String() string { return kindNames[k] }

func lookupKind(name string) (kind, bool) {
	for i, n := range kindNames {
		if n == name {
			return kind(i), true
		}
	}
	return 0, false
}

// converter turns one non-empty cell value into a JSON value of its type.
type converter struct {
	kind   kind
	format *dateFormat    // date, datetime
	loc    *time.Location // datetime
	region string         // phone; "" means the number must be international
	enum   []enumValue    // enum, in file order
	// birth (date, datetime of _bdate): a date after this one, today's when the mapping was
	// parsed as YYYYMMDD, is refused: a birth date in the future is a two-digit year read wrong.
	birth int
}

type enumValue struct {
	from string
	json []byte
}

var (
	boolTrue  = []string{"true", "1", "yes", "да"}
	boolFalse = []string{"false", "0", "no", "нет"}
)

// dateForm is the form a date or datetime cell must be in, for
// CellError.Format; "" for the other types.
func (c *converter) dateForm() string {
	if c.kind == kindDate || c.kind == kindDateTime {
		return c.format.text
	}
	return ""
}

// appendValue appends the JSON of the cell value s, which is not blank. On failure it returns dst
// unchanged and the reason, which completes `"<value>" is ...`.
func (c *converter) appendValue(dst []byte, s string, memo *rowMemo) ([]byte, string) {
	if c.kind != kindString {
		s = strings.TrimSpace(s)
	}
	switch c.kind {
	case kindString:
		return appendString(dst, s), ""
	case kindEmail:
		if !memo.plausibleEmail(s) {
			return dst, "not a valid email address"
		}
		return appendString(dst, s), ""
	case kindPhone:
		e164, ok := memo.normalise(s, c.region)
		if !ok {
			if hint := plusHint(s); hint != "" {
				return dst, hint
			}
			if c.region == "" {
				return dst, "not a valid phone number in international form (+ and country code; no region is set)"
			}
			return dst, "not a valid phone number (region " + c.region + ")"
		}
		// "+" and digits: nothing to escape.
		dst = append(dst, '"')
		dst = append(dst, e164...)
		return append(dst, '"'), ""
	case kindInt:
		if !isInteger(s) {
			return dst, "not an integer"
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return dst, "not an integer in the range of 64 bits"
		}
		return strconv.AppendInt(dst, n, 10), ""
	case kindFloat:
		f, reason := parseFloat(s)
		if reason != "" {
			return dst, reason
		}
		return appendFloat(dst, f), ""
	case kindBool:
		for _, t := range boolTrue {
			if strings.EqualFold(s, t) {
				return append(dst, "true"...), ""
			}
		}
		for _, f := range boolFalse {
			if strings.EqualFold(s, f) {
				return append(dst, "false"...), ""
			}
		}
		return dst, "not a boolean (true/false, 1/0, yes/no, да/нет)"
	case kindDate, kindDateTime:
		p, ok := c.parseCellDate(s) // isodate.go
		if !ok {
			return dst, "not a " + c.kind.String() + " in the form " + c.format.text + dateHint(s, c.format.text)
		}
		if c.birth != 0 && p.year*10000+p.month*100+p.day > c.birth {
			return dst, fmt.Sprintf("a birth date in the future: %04d-%02d-%02d; is the year written with two digits?", p.year, p.month, p.day)
		}
		if c.kind == kindDate {
			return appendDate(dst, p), ""
		}
		return appendDateTime(dst, p, c.loc), ""
	case kindEnum:
		for _, v := range c.enum {
			if v.from == s {
				return append(dst, v.json...), ""
			}
		}
		for _, v := range c.enum {
			if strings.EqualFold(v.from, s) {
				return append(dst, v.json...), ""
			}
		}
		return dst, "not one of the allowed values: " + c.allowed()
	}
	panic("mapping: unknown kind " + strconv.Itoa(int(c.kind)))
}

func (c *converter) allowed() string {
	names := make([]string, len(c.enum))
	for i, v := range c.enum {
		names[i] = strconv.Quote(v.from)
	}
	return strings.Join(names, ", ")
}

// plausibleEmail is the platform's own check (altcraft.ValidEmail): check finds every address the
// platform would refuse.
func plausibleEmail(s string) bool { return altcraft.ValidEmail(s) }

// rowMemo remembers the last email checked and the last phone number normalised while converting
// one row: the same cell often feeds the matching key, a field and a subscription, and a phone is
// the dearest conversion there is.
type rowMemo struct {
	phoneIn, phoneRegion string
	// The number in E.164 form is phoneOut[:phoneLen]: held here, it costs no allocation.
	phoneOut          [phoneMaxE164]byte
	phoneLen          int
	phoneOK, phoneSet bool

	email             string
	emailOK, emailSet bool
}

// normalise returns s in E.164 form, through the memo; a nil memo remembers nothing. The bytes are
// valid until the memo normalises another number.
func (m *rowMemo) normalise(s, region string) ([]byte, bool) {
	if m == nil {
		return appendPhone(nil, s, region)
	}
	if !m.phoneSet || m.phoneIn != s || m.phoneRegion != region {
		e164, ok := appendPhone(m.phoneOut[:0], s, region)
		if len(e164) > len(m.phoneOut) {
			// Longer than E.164 allows: not remembered (the library never gives one).
			m.phoneSet = false
			return e164, ok
		}
		m.phoneLen, m.phoneOK = len(e164), ok
		m.phoneIn, m.phoneRegion, m.phoneSet = s, region, true
	}
	return m.phoneOut[:m.phoneLen], m.phoneOK
}

// plausibleEmail is plausibleEmail through the memo; a nil memo remembers nothing.
func (m *rowMemo) plausibleEmail(s string) bool {
	if m == nil {
		return plausibleEmail(s)
	}
	if !m.emailSet || m.email != s {
		m.email, m.emailOK, m.emailSet = s, plausibleEmail(s), true
	}
	return m.emailOK
}

// appendPhone appends the number in E.164 form to dst, when ok: through the fast path for the
// common shapes, through the full parser for the rest.
func appendPhone(dst []byte, s, region string) ([]byte, bool) {
	if out, ok, decided := appendFastPhone(dst, s, region); decided {
		return out, ok
	}
	e164, ok := normalisePhoneSlow(s, region)
	return append(dst, e164...), ok
}

// normalisePhoneSlow is normalisePhone through phonenumbers.Parse alone.
func normalisePhoneSlow(s, region string) (string, bool) {
	num, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsPossibleNumber(num) {
		return "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), true
}

// validRegion reports whether region is a two-letter region the phone library knows.
func validRegion(region string) bool {
	return len(region) == 2 && phonenumbers.GetCountryCodeForRegion(region) != 0
}

func isInteger(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
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

// parseFloat reads a decimal number with '.' or ',' as the decimal separator and an optional exponent.
func parseFloat(s string) (float64, string) {
	const notNumber = "not a number"
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits, comma := 0, -1
	sep := false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case (c == '.' || c == ',') && !sep:
			sep = true
			if c == ',' {
				comma = i
			}
		default:
			goto exponent
		}
	}
exponent:
	if digits == 0 {
		return 0, notNumber
	}
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return 0, notNumber
		}
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i == len(s) {
			return 0, notNumber
		}
		for ; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, notNumber
			}
		}
	}
	if comma >= 0 {
		s = s[:comma] + "." + s[comma+1:]
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, "a number out of range"
		}
		return 0, notNumber
	}
	return f, ""
}

// errReason makes a parse-time error out of a conversion reason for a constant value.
func errReason(value, reason string) error {
	return fmt.Errorf("%q is %s", value, reason)
}

// plusHint is the reason for a number that is a valid international number once a + is put in
// front of it, as Excel drops it from 380501781460: "" for any other.
func plusHint(s string) string {
	if s == "" || s[0] < '1' || s[0] > '9' || len(s) < 8 {
		return ""
	}
	num, err := phonenumbers.Parse("+"+s, "")
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return ""
	}
	return fmt.Sprintf("not a valid phone number as written, but +%s is a valid number of %s: the + was probably lost (Excel drops it); add it, or read the column as international numbers", s, phonenumbers.GetRegionCodeForNumber(num))
}
