package guess

import (
	"fmt"
	"maps"
	"slices"
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

// phoneRegion returns the region the sample proves for its numbers written the national way:
// the country of its numbers written with a country code when they are all of one, and it reads
// the national ones too; else the one region among the candidates that reads nearly all the
// national numbers when no other reads even half of them (a Russian header settles RU against
// another). Otherwise region is "": the numbers must then be written with +, and why says what
// the user must decide. ok is false when the column holds numbers of no region at all.
func phoneRegion(s sample, russian bool) (region, why string, ok bool) {
	var national []string
	dialled := map[string]int{}
	for _, v := range s.values {
		if strings.HasPrefix(strings.TrimSpace(v), "+") {
			if num, err := phonenumbers.Parse(v, ""); err == nil && phonenumbers.IsValidNumber(num) {
				dialled[phonenumbers.GetRegionCodeForNumber(num)]++
			}
			continue
		}
		national = append(national, v)
	}
	of := s.of
	validIn := func(r string) int {
		n := 0
		for _, v := range national {
			if num, err := phonenumbers.Parse(v, r); err == nil && phonenumbers.IsValidNumber(num) {
				n++
			}
		}
		return n
	}
	if len(national) == 0 {
		return "", of(len(s.values)) + " are written with + and a country code, so no region is needed", len(dialled) > 0
	}
	countries := slices.Sorted(maps.Keys(dialled))
	enough := func(n int) bool { return float64(n) >= mostly*float64(len(national)) }
	switch {
	case len(countries) == 1:
		r := countries[0]
		if n := validIn(r); enough(n) {
			return r, fmt.Sprintf("the numbers written with a country code are all of %s, and %s reads %d of the %d others", r, r, n, len(national)), true
		}
		return "", fmt.Sprintf("the numbers written with a country code are of %s, but %s does not read the others (%s): set region to their country, or leave it out to accept only numbers written with +", r, r, national[0]), true
	case len(countries) > 1:
		return "", fmt.Sprintf("the numbers written with a country code are of several countries (%s), so the numbers written without one (%s) cannot be told apart: set region only if they are all of one country", strings.Join(countries, ", "), national[0]), true
	}
	candidates := regionsOther
	if russian {
		candidates = regionsRU
	}
	var explain, plausible []string
	best, bestN := "", 0
	for _, r := range candidates {
		n := validIn(r)
		if enough(n) {
			explain = append(explain, r)
		}
		if 2*n >= len(national) {
			plausible = append(plausible, r)
		}
		if n > bestN {
			best, bestN = r, n
		}
	}
	switch {
	case len(explain) == 1 && len(plausible) == 1:
		return explain[0], fmt.Sprintf("%s reads %d of the %d numbers, and no other region reads half of them", explain[0], bestN, len(national)), true
	case len(explain) > 0 && russian && explain[0] == "RU":
		return "RU", fmt.Sprintf("RU reads %d of the %d numbers (so do %s, but the file is in Russian)", validIn("RU"), len(national), strings.Join(plausible[1:], ", ")), true
	}
	if plus := countPlusLess(national); enough(plus) {
		return "", fmt.Sprintf("%d of the %d numbers without + are valid international numbers once a + is put in front (Excel drops it, e.g. %s): add the + in the file; no region is set", plus, len(national), national[0]), true
	}
	if bestN == 0 {
		return "", "no region reads these numbers", false
	}
	return "", fmt.Sprintf("no region is proven: the numbers are written without a country code, and %s each read some of them (%s reads %d of %d): set region to their country, or leave it out to accept only numbers written with +",
		strings.Join(plausible, ", "), best, bestN, len(national)), true
}

// countPlusLess counts the values that are valid international numbers once a + is added.
func countPlusLess(values []string) int {
	n := 0
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" || v[0] < '1' || v[0] > '9' {
			continue
		}
		if num, err := phonenumbers.Parse("+"+v, ""); err == nil && phonenumbers.IsValidNumber(num) {
			n++
		}
	}
	return n
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
	case s.all(formattedPhone) && !datesOrTimes(s):
		region, why, ok := phoneRegion(s, russian)
		if ok {
			col.Type, col.Region, col.Why = "phone", region, of(n)+" look like phone numbers: "+why
			break
		}
		col.Type, col.Why = "string", "the values look like phone numbers, but no region reads them"
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
	if strings.Contains(g.Format, "YY") && !strings.Contains(g.Format, "YYYY") {
		return " (a two-digit year: 69-99 read as 19xx, 00-68 as 20xx, so 02-03-59 is 2059; a birth date in the future is refused: check it)" + ambiguityDays(g)
	}
	return ambiguityDays(g)
}

func ambiguityDays(g mapping.DateGuess) string {
	if g.Ambiguous == "" {
		if strings.HasPrefix(g.Format, "DD") || strings.HasPrefix(g.Format, "MM") {
			return " (a day above 12 shows which comes first)"
		}
		return ""
	}
	return fmt.Sprintf(" or as %s: no day above 12 in the sample tells them apart; check it", g.Ambiguous)
}

// datesOrTimes: most of the sample reads as dates or times (2024-11-30, 10:15:00), which a phone
// column never holds, however many digits and dashes they have.
func datesOrTimes(s sample) bool {
	g, ok := mapping.GuessDateFormat(s.values)
	return ok && float64(g.Fits) >= mostly*float64(len(s.values))
}
