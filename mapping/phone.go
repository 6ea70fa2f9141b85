package mapping

import (
	"regexp"
	"strconv"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// The phone fast path. phonenumbers.Parse costs tens of allocations a number, nearly all of
// it in regular expressions built for every shape a number can take (extensions, RFC 3966, letters,
// full-width digits). A CSV column of phones almost always holds one shape: ASCII digits split by
// spaces, dashes, dots or parentheses, maybe after a "+". For those, fastPhone replays the steps of
// phonenumbers.Parse + IsPossibleNumber that can apply, driven by the library's own metadata (IDD
// and national prefixes, national number patterns, possible lengths), and gives the same answer;
// anything else it declines, and the full parser decides. TestFastPhoneMatchesLibrary and
// FuzzFastPhone hold it to that.

// Limits of the library that the fast path must honour (phonenumbers.MIN_LENGTH_FOR_NSN etc.).
const (
	phoneMinNSN  = phonenumbers.MIN_LENGTH_FOR_NSN
	phoneMaxNSN  = phonenumbers.MAX_LENGTH_FOR_NSN
	phoneMaxCC   = phonenumbers.MAX_LENGTH_COUNTRY_CODE
	phoneMaxFast = 64 // longer cells are left to the full parser
)

// Results of the library's testNumberLength.
type lengthResult uint8

const (
	lengthPossible lengthResult = iota
	lengthLocalOnly
	lengthTooShort
	lengthTooLong
	lengthInvalid
)

// phoneRegion is what the fast path needs of one region's metadata.
type phoneRegion struct {
	cc     int
	ccText string
	md     *phonenumbers.PhoneMetadata

	possible, localOnly []int32 // of the general description
	noPattern           bool    // no national number pattern: any length from 2 to 17 is possible
	unusable            bool    // metadata the fast path does not handle

	once sync.Once
	idd  *regexp.Regexp // the international prefix, anchored at the start; nil: never matches
	// iddText is set instead of idd when the prefix is plain digits.
	iddText string
	// national prefix for parsing: npText when plain digits without a transform rule, else np.
	npText    string
	np        *regexp.Regexp
	transform string
	nnp       *regexp.Regexp // the national number pattern, whole-string
	// nnpLengths: the lengths nnp can match (see patternLengths), when known.
	nnpLengths      uint64
	nnpLengthsKnown bool
}

type phoneTables struct {
	regions map[string]*phoneRegion
	// byLetters holds the regions of regions by their two letters, A-Z each: a lookup for every
	// number without hashing its region.
	byLetters [26 * 26]*phoneRegion
	byCode    [1000]*phoneRegion // main region of each country calling code; nil for none or non-geographic
	known     [1000]bool         // country calling codes the library knows, non-geographic ones included
}

var loadPhoneTables = sync.OnceValue(func() *phoneTables {
	t := &phoneTables{regions: map[string]*phoneRegion{}}
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return t // no fast path; the library reports its own trouble
	}
	for _, md := range coll.GetMetadata() {
		id := md.GetId()
		if len(id) != 2 {
			continue // "001": the non-geographic entities
		}
		gd := md.GetGeneralDesc()
		r := &phoneRegion{
			cc: int(md.GetCountryCode()), md: md,
			possible: gd.GetPossibleLength(), localOnly: gd.GetPossibleLengthLocalOnly(),
			noPattern: gd.GetNationalNumberPattern() == "",
		}
		r.ccText = strconv.Itoa(r.cc)
		r.unusable = len(r.possible) == 0
		t.regions[id] = r
		if i, ok := lettersIndex(id); ok {
			t.byLetters[i] = r
		}
	}
	for cc := 1; cc < len(t.byCode); cc++ {
		regions := phonenumbers.GetRegionCodesForCountryCode(cc)
		if len(regions) == 0 {
			continue
		}
		t.known[cc] = true
		t.byCode[cc] = t.regions[regions[0]]
	}
	return t
})

// lettersIndex is the index in phoneTables.byLetters of a region of two letters A-Z.
func lettersIndex(region string) (int, bool) {
	if len(region) != 2 || region[0] < 'A' || region[0] > 'Z' || region[1] < 'A' || region[1] > 'Z' {
		return 0, false
	}
	return int(region[0]-'A')*26 + int(region[1]-'A'), true
}

// region is regions[id], without a map lookup when id is two letters A-Z.
func (t *phoneTables) region(id string) *phoneRegion {
	if i, ok := lettersIndex(id); ok {
		return t.byLetters[i]
	}
	return t.regions[id]
}

// compile builds the region's expressions on first use, from the same pattern text the library uses.
func (r *phoneRegion) compile() {
	r.once.Do(func() {
		if idd := r.md.GetInternationalPrefix(); idd != "" {
			if allDigits(idd) {
				r.iddText = idd
			} else {
				r.idd = regexp.MustCompile("^(?:" + idd + ")")
			}
		}
		r.transform = r.md.GetNationalPrefixTransformRule()
		if np := r.md.GetNationalPrefixForParsing(); np != "" {
			if allDigits(np) && r.transform == "" {
				r.npText = np
			} else {
				r.np = regexp.MustCompile("^(?:" + np + ")")
			}
		}
		nnp := r.md.GetGeneralDesc().GetNationalNumberPattern()
		r.nnp = regexp.MustCompile("^(?:" + nnp + ")$")
		r.nnpLengths, r.nnpLengthsKnown = patternLengths(nnp)
	})
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// testLength is the library's testNumberLength for the general description.
func (r *phoneRegion) testLength(n int) lengthResult {
	if r.possible[0] == -1 {
		return lengthInvalid
	}
	l := int32(n)
	for _, x := range r.localOnly {
		if x == l {
			return lengthLocalOnly
		}
	}
	switch {
	case r.possible[0] == l:
		return lengthPossible
	case r.possible[0] > l:
		return lengthTooShort
	case r.possible[len(r.possible)-1] < l:
		return lengthTooLong
	}
	for _, x := range r.possible[1:] {
		if x == l {
			return lengthPossible
		}
	}
	return lengthInvalid
}

// stripNationalPrefix is the library's maybeStripNationalPrefixAndCarrierCode (the carrier code is
// not kept). It returns digits, a slice of it, or (with a transform rule) new bytes.
func (r *phoneRegion) stripNationalPrefix(digits []byte) []byte {
	if len(digits) == 0 || (r.npText == "" && r.np == nil) {
		return digits
	}
	if r.np == nil {
		if !hasPrefix(digits, r.npText) {
			return digits
		}
		rest := digits[len(r.npText):]
		if r.matchNNP(digits) && !r.matchNNP(rest) {
			return digits
		}
		return rest
	}
	groups := r.np.FindSubmatchIndex(digits)
	if groups == nil {
		return digits
	}
	viable := r.matchNNP(digits)
	last := len(groups)/2 - 1
	if r.transform == "" || groups[last*2] < 0 {
		rest := digits[groups[1]:]
		if viable && !r.matchNNP(rest) {
			return digits
		}
		return rest
	}
	transformed := []byte(r.np.ReplaceAllString(string(digits), r.transform))
	if viable && !r.matchNNP(transformed) {
		return digits
	}
	return transformed
}

// matchNNP is nnp.Match, answered from the length when no string of that
// length can match.
func (r *phoneRegion) matchNNP(b []byte) bool {
	if r.nnpLengthsKnown && (len(b) > 63 || r.nnpLengths&(1<<len(b)) == 0) {
		return false
	}
	return r.nnp.Match(b)
}

func hasPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix
}

// countryCode is the library's extractCountryCode: the country calling code that full starts with
// and the rest; 0 when there is none.
func (t *phoneTables) countryCode(full []byte) (int, []byte) {
	if len(full) == 0 || full[0] == '0' {
		return 0, full
	}
	cc := 0
	for i := 0; i < phoneMaxCC && i < len(full); i++ {
		cc = cc*10 + int(full[i]-'0')
		if t.known[cc] {
			return cc, full[i+1:]
		}
	}
	return 0, full
}

// phoneMaxE164 is the longest E.164 number: "+", a country calling code, a national significant
// number.
const phoneMaxE164 = 1 + phoneMaxCC + phoneMaxNSN

// phoneScratch holds the digits fastPhone gathers. They reach the regular expressions of the
// metadata, which the compiler cannot prove do not keep them: on the stack they would be moved to
// the heap, an allocation a phone.
var phoneScratch = sync.Pool{New: func() any { return new([phoneMaxFast]byte) }}

// appendFastPhone appends to dst s (already trimmed) normalised the way normalisePhoneSlow does it,
// in E.164 form, when ok. decided is false when s is not of a shape it handles; then dst comes back
// unchanged and ok means nothing.
func appendFastPhone(dst []byte, s, region string) (out []byte, ok, decided bool) {
	if len(s) == 0 || len(s) > phoneMaxFast {
		return dst, false, false
	}
	buf := phoneScratch.Get().(*[phoneMaxFast]byte)
	defer phoneScratch.Put(buf)
	// Gather the digits. The shape accepted here is what makes the library's extraction, viability
	// and extension steps no-ops: a leading "+" at most, then digits and " -().", no letters.
	digits := buf[:0]
	plus := s[0] == '+'
	i := 0
	if plus {
		i = 1
	}
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c == ' ' || c == '-' || c == '(' || c == ')' || c == '.':
		default:
			return dst, false, false
		}
	}
	if len(digits) < 3 {
		return dst, false, false // the library's two-digit and too-short rules
	}
	t := loadPhoneTables()
	var def *phoneRegion // the default region
	if region != "" {
		if def = t.region(region); def == nil || def.unusable {
			return dst, false, false
		}
		def.compile()
	} else if !plus {
		return dst, false, false
	}

	// maybeExtractCountryCode.
	cc := 0
	nat := digits
	fromIDD := plus
	full := digits
	if !plus {
		if end := def.stripIDD(digits); end >= 0 {
			full, fromIDD = digits[end:], true
		}
	}
	switch {
	case fromIDD:
		if len(full) <= phoneMinNSN {
			return dst, false, false
		}
		if cc, nat = t.countryCode(full); cc == 0 {
			return dst, false, false
		}
	case hasPrefix(digits, def.ccText):
		potential := def.stripNationalPrefix(digits[len(def.ccText):])
		fullValid := def.matchNNP(digits)
		nationalValid := def.matchNNP(potential)
		if (!fullValid && nationalValid) || def.testLength(len(digits)) == lengthTooLong {
			cc, nat = def.cc, potential
		}
	}

	// The region whose national prefix applies: the number's own when it has a country code.
	strip := def
	if cc != 0 {
		strip = t.byCode[cc]
		if strip == nil || strip.unusable {
			return dst, false, false // a non-geographic entity
		}
		strip.compile()
	} else {
		cc = def.cc
	}
	if len(nat) < phoneMinNSN {
		return dst, false, false
	}
	// The prefix is stripped only when what is left is of a possible length.
	potential := strip.stripNationalPrefix(nat)
	switch strip.testLength(len(potential)) {
	case lengthTooShort, lengthLocalOnly, lengthInvalid:
	default:
		nat = potential
	}
	if len(nat) < phoneMinNSN || len(nat) > phoneMaxNSN {
		return dst, false, false
	}

	// IsPossibleNumber, with the metadata of the main region of the country code.
	main := t.byCode[cc]
	if main == nil || main.unusable {
		return dst, false, false
	}
	if main.noPattern {
		ok = true // any length from 2 to 17, checked above
	} else {
		r := main.testLength(len(nat))
		ok = r == lengthPossible || r == lengthLocalOnly
	}
	if !ok {
		return dst, false, true
	}
	dst = append(dst, '+')
	dst = append(dst, main.ccText...)
	return append(dst, nat...), true, true
}

// stripIDD is where the number starts after the region's international prefix, as the library's
// parsePrefixAsIdd finds it; -1 when it does not start with one.
func (r *phoneRegion) stripIDD(digits []byte) int {
	end := -1
	switch {
	case r.iddText != "":
		if hasPrefix(digits, r.iddText) {
			end = len(r.iddText)
		}
	case r.idd != nil:
		if loc := r.idd.FindIndex(digits); loc != nil {
			end = loc[1]
		}
	}
	// A country calling code never starts with 0: then the prefix was not one.
	if end >= 0 && end < len(digits) && digits[end] == '0' {
		return -1
	}
	return end
}
