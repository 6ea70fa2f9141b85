package guess

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/acimport/acimport/mapping"
)

// mostly is the share of a sample's values a typed system field (email, phones, _bdate) needs to
// take that type: a few bad cells must not make a whole email column a string, and they will be
// rejected one by one, with their reason, as they should be.
const mostly = 0.9

// sample is a column's non-blank values among the rows read.
type sample struct {
	values []string
}

func (s sample) count(pred func(string) bool) int {
	n := 0
	for _, v := range s.values {
		if pred(v) {
			n++
		}
	}
	return n
}

// of says how many of the sample's values something is true of: "all 5 values in the sample".
func (s sample) of(k int) string {
	switch n := len(s.values); {
	case n == 1 && k == 1:
		return "the one value in the sample"
	case k == n:
		return fmt.Sprintf("all %d values in the sample", n)
	default:
		return fmt.Sprintf("%d of %d values in the sample", k, n)
	}
}

func (s sample) all(pred func(string) bool) bool { return s.count(pred) == len(s.values) }

func (s sample) most(pred func(string) bool) (bool, int) {
	n := s.count(pred)
	return len(s.values) > 0 && float64(n) >= mostly*float64(len(s.values)), n
}

// looksEmail is a plausible address: one @, a dot in the domain, no spaces. The mapping's own
// check decides each row; this only tells the column's type.
func looksEmail(v string) bool {
	at := strings.IndexByte(v, '@')
	if at <= 0 || strings.Count(v, "@") != 1 || strings.ContainsAny(v, " \t,;<>") {
		return false
	}
	d := v[at+1:]
	dot := strings.LastIndexByte(d, '.')
	return dot > 0 && dot < len(d)-1
}

// phoneShape: digits with the marks people write phones with, and 7 to 15 digits.
func phoneShape(v string) bool {
	digits := 0
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-() .", r):
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 15
}

// formattedPhone is a phone as people write it, not a plain number: a +, or marks between digits.
func formattedPhone(v string) bool {
	return phoneShape(v) && strings.ContainsAny(v, "+-() ")
}

// regionsRU and regionsOther are the regions tried for phones written the national way, in
// order: the first that reads the most numbers wins.
var (
	regionsRU    = []string{"RU", "KZ", "BY", "UA", "UZ", "US", "GB", "DE"}
	regionsOther = []string{"US", "GB", "DE", "FR", "ES", "IT", "RU", "IN", "BR"}
)

// phoneRegion picks the region that makes the most of the sample valid numbers; ok is false when
// it makes few of them valid.
func phoneRegion(s sample, russian bool) (region string, valid int, ok bool) {
	regions := regionsOther
	if russian {
		regions = regionsRU
	}
	if hint := dialledRegion(s); hint != "" {
		// Tried first, so that it wins a tie: a national number such as
		// "8 (900) 123-45-67" is valid in Russia and in Germany alike.
		regions = append([]string{hint}, regions...)
	}
	for _, r := range regions {
		n := s.count(func(v string) bool {
			num, err := phonenumbers.Parse(v, r)
			return err == nil && phonenumbers.IsValidNumber(num)
		})
		if n > valid {
			region, valid = r, n
		}
	}
	if region == "" {
		return regions[0], 0, false
	}
	return region, valid, float64(valid) >= mostly*float64(len(s.values))
}

// dialledRegion is the region most of the sample's numbers written with a
// country code ("+7 912 ...") belong to, "" when none is.
func dialledRegion(s sample) string {
	counts := map[string]int{}
	best := ""
	for _, v := range s.values {
		if !strings.HasPrefix(strings.TrimSpace(v), "+") {
			continue
		}
		num, err := phonenumbers.Parse(v, "")
		if err != nil || !phonenumbers.IsValidNumber(num) {
			continue
		}
		r := phonenumbers.GetRegionCodeForNumber(num)
		counts[r]++
		if counts[r] > counts[best] || (counts[r] == counts[best] && r < best) {
			best = r
		}
	}
	return best
}

// intLike is an integer the mapping reads as one, and not a code whose leading zeros matter.
func intLike(v string) bool {
	d := strings.TrimLeft(v, "+-")
	if d == "" || len(d) > 18 || len(d) < len(v)-1 || (len(d) > 1 && d[0] == '0') {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

// floatLike is a decimal number with a point or a comma.
func floatLike(v string) bool {
	d := strings.TrimLeft(v, "+-")
	seps, digits := 0, 0
	for i := 0; i < len(d); i++ {
		switch c := d[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' || c == ',':
			seps++
		default:
			return false
		}
	}
	// "01234" is a code, not a number: its zero would be lost.
	zeroLed := len(d) > 1 && d[0] == '0' && d[1] != '.' && d[1] != ','
	return digits > 0 && seps <= 1 && len(d) >= len(v)-1 && !zeroLed
}

var boolWords = []string{"true", "false", "1", "0", "yes", "no", "да", "нет"}

func boolLike(v string) bool {
	for _, w := range boolWords {
		if strings.EqualFold(v, w) {
			return true
		}
	}
	return false
}

// genders are the spellings of a gender column, each family with the profile's values.
var genders = []struct {
	from []string
	to   string
}{
	{[]string{"М", "муж", "мужской", "мужчина"}, "male"},
	{[]string{"Ж", "жен", "женский", "женщина"}, "female"},
	{[]string{"M", "male", "man"}, "male"},
	{[]string{"F", "female", "woman", "W"}, "female"},
}

// genderOf returns the profile value of a gender spelling (any case, a trailing dot allowed).
func genderOf(v string) (string, bool) {
	v = strings.TrimSuffix(v, ".")
	for _, g := range genders {
		for _, f := range g.from {
			if strings.EqualFold(v, f) {
				return g.to, true
			}
		}
	}
	return "", false
}

// genderValues returns the enum values for a gender column: every distinct spelling of the
// sample, and the other spellings of the same words, so that a value the sample missed
// (Ж in a sample of men) is still read.
func genderValues(s sample) []enumValue {
	seen := map[string]bool{}
	var out []enumValue
	add := func(from, to string) {
		if !seen[strings.ToLower(from)] {
			seen[strings.ToLower(from)] = true
			out = append(out, enumValue{From: from, To: to})
		}
	}
	cyrillic := false
	for _, v := range s.values {
		to, _ := genderOf(v)
		add(v, to)
		r, _ := utf8.DecodeRuneInString(v)
		cyrillic = cyrillic || r >= 0x400 && r < 0x500
	}
	for i, g := range genders {
		if (i < 2) == cyrillic {
			add(g.from[0], g.to)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].To > out[j].To }) // male first
	return out
}

// inferType says what a column's sample holds, for a column that no name ties to a system field.
func inferType(s sample, russian bool) (col Column) {
	n := len(s.values)
	of := s.of
	switch {
	case n == 0:
		col.Type, col.Why = "string", "the column is empty in the sample"
	case s.all(looksEmail):
		col.Type, col.Why = "email", of(n)+" are email addresses"
	case s.all(formattedPhone):
		region, valid, ok := phoneRegion(s, russian)
		if ok {
			col.Type, col.Region, col.Why = "phone", region, of(valid)+" are phone numbers of region "+region
			break
		}
		col.Type, col.Why = "string", "the values look like phone numbers, but not of one region"
	case s.all(func(v string) bool { _, ok := genderOf(v); return ok }):
		col.Type, col.Enum, col.Why = "enum", genderValues(s), of(n)+" spell a gender"
	default:
		if g, ok := mapping.GuessDateFormat(s.values); ok && g.Fits == n {
			col.Type, col.Format, col.Why = dateType(g), g.Format, of(n)+" read as "+g.Format+ambiguity(g)
			break
		}
		switch {
		case s.all(boolLike) && !s.all(intLike):
			col.Type, col.Why = "bool", of(n)+" are yes/no words"
		case s.all(func(v string) bool { return v == "0" || v == "1" }):
			col.Type, col.Why = "bool", of(n)+" are 0 or 1 (make it int if it counts something)"
		case s.all(intLike):
			col.Type, col.Why = "int", of(n)+" are integers"
		case s.all(floatLike):
			col.Type, col.Why = "float", of(n)+" are numbers"
		default:
			col.Type, col.Why = "string", "text"
		}
	}
	return col
}

func dateType(g mapping.DateGuess) string {
	if g.DateTime {
		return "datetime"
	}
	return "date"
}

func ambiguity(g mapping.DateGuess) string {
	if g.Ambiguous == "" {
		if strings.HasPrefix(g.Format, "DD") || strings.HasPrefix(g.Format, "MM") {
			return " (a day above 12 shows which comes first)"
		}
		return ""
	}
	return fmt.Sprintf(" or as %s: no day above 12 in the sample tells them apart; check it", g.Ambiguous)
}
