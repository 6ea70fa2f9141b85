package mapping

import (
	"regexp"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

func lengthSet(ns ...int) uint64 {
	var s uint64
	for _, n := range ns {
		s |= 1 << n
	}
	return s
}

func TestPatternLengths(t *testing.T) {
	tests := []struct {
		Pattern string
		Want    uint64
		Known   bool
	}{
		{Pattern: `\d{3}|\d{5,6}`, Want: lengthSet(3, 5, 6), Known: true},
		{Pattern: `8\d{13}|[347-9]\d{9}`, Want: lengthSet(10, 14), Known: true},
		{Pattern: `(?:1|23)4?`, Want: lengthSet(1, 2, 3), Known: true},
		{Pattern: `(?:[2-9]\d{2}){2}\d{0,2}`, Want: lengthSet(6, 7, 8), Known: true},
		{Pattern: ``, Want: lengthSet(0), Known: true},
		{Pattern: `\d+`},
		{Pattern: `1\d*`},
		{Pattern: `.`},       // any character: one to four bytes
		{Pattern: `ж\d`},     // not ASCII
		{Pattern: `(?i)k\d`}, // k folds to the Kelvin sign, three bytes
		{Pattern: `\d{70}`},  // past 63
		{Pattern: `(\d{40}){2}`},
	}
	for _, tc := range tests {
		got, known := patternLengths(tc.Pattern)
		if known != tc.Known || known && got != tc.Want {
			t.Errorf("patternLengths(%q) = %b, %v; want %b, %v", tc.Pattern, got, known, tc.Want, tc.Known)
		}
	}
}

// Every national number pattern of the metadata is one patternLengths reads, and
// every example number it matches has a length in the set: a length the set lacks
// would make the fast path answer "no match" where the expression says yes.
func TestPatternLengthsOfMetadata(t *testing.T) {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, md := range coll.GetMetadata() {
		pattern := md.GetGeneralDesc().GetNationalNumberPattern()
		set, known := patternLengths(pattern)
		if !known {
			t.Errorf("%s: cannot read the lengths of %q", md.GetId(), pattern)
			continue
		}
		re := regexp.MustCompile("^(?:" + pattern + ")$")
		for _, d := range []*phonenumbers.PhoneNumberDesc{md.GetFixedLine(), md.GetMobile(), md.GetTollFree(),
			md.GetPremiumRate(), md.GetSharedCost(), md.GetPersonalNumber(), md.GetVoip(), md.GetPager(),
			md.GetUan(), md.GetVoicemail(), md.GetNoInternationalDialling()} {
			ex := d.GetExampleNumber()
			if ex == "" || !re.MatchString(ex) {
				continue
			}
			checked++
			if set&(1<<len(ex)) == 0 {
				t.Errorf("%s: %q matches %q but its length %d is not in %b", md.GetId(), ex, pattern, len(ex), set)
			}
		}
		for _, n := range md.GetGeneralDesc().GetPossibleLength() {
			if set&(1<<n) == 0 {
				t.Logf("%s: possible length %d cannot match %q", md.GetId(), n, pattern)
			}
		}
	}
	if checked < 500 {
		t.Fatalf("only %d example numbers checked", checked)
	}
}
