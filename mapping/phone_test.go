package mapping

import (
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// checkFastPhone fails t when the fast path decides s differently from the full parser. It reports
// whether the fast path decided.
func checkFastPhone(t *testing.T, s, region string) bool {
	t.Helper()
	b, gotOK, decided := appendFastPhone(nil, s, region)
	got := string(b)
	if !decided {
		return false
	}
	want, wantOK := normalisePhoneSlow(s, region)
	if got != want || gotOK != wantOK {
		t.Errorf("appendFastPhone(%q, %q) = %q, %v; phonenumbers says %q, %v", s, region, got, gotOK, want, wantOK)
	}
	return true
}

func TestFastPhone(t *testing.T) {
	tests := []struct {
		name, in, region string
		want             string // "" for an invalid number
		fast             bool   // the fast path must decide it
	}{
		{name: "RU national prefix", in: "8 (900) 123-45-67", region: "RU", want: "+79001234567", fast: true},
		{name: "RU plus", in: "+7 900 123 45 67", region: "RU", want: "+79001234567", fast: true},
		{name: "RU plus no region", in: "+7 (900) 123-45-67", want: "+79001234567", fast: true},
		{name: "RU country code without plus", in: "79001234567", region: "RU", want: "+79001234567", fast: true},
		{name: "RU ten digits", in: "9001234567", region: "RU", want: "+79001234567", fast: true},
		{name: "RU toll free 8 800", in: "8 800 555-35-35", region: "RU", want: "+78005553535", fast: true},
		{name: "RU plus 7 800", in: "+7 800 555 35 35", region: "RU", want: "+78005553535", fast: true},
		{name: "RU IDD", in: "810 49 30 1234567", region: "RU", want: "+49301234567", fast: true},
		{name: "RU too short", in: "8 900", region: "RU", fast: true},
		{name: "RU dots", in: "8.900.123.45.67", region: "RU", want: "+79001234567", fast: true},
		{name: "KZ mobile", in: "8 701 123 45 67", region: "KZ", want: "+77011234567", fast: true},
		{name: "US", in: "(201) 555-0123", region: "US", want: "+12015550123", fast: true},
		{name: "US with 1", in: "1-201-555-0123", region: "US", want: "+12015550123", fast: true},
		{name: "US IDD", in: "011 44 20 7946 0958", region: "US", want: "+442079460958", fast: true},
		{name: "DE", in: "030 1234567", region: "DE", want: "+49301234567", fast: true},
		{name: "GB", in: "020 7946 0958", region: "GB", want: "+442079460958", fast: true},
		{name: "BR transform rule", in: "0 21 2345 6789", region: "BR", want: "+552123456789", fast: true},
		{name: "IT leading zero kept", in: "06 1234 5678", region: "IT", want: "+390612345678", fast: true},
		{name: "plus then zero declined", in: "+0 900 123 45 67", region: "RU"},
		{name: "national no region declined", in: "8 900 123 45 67"},
		{name: "letters declined", in: "8 900 CALL-NOW", region: "RU", want: "+79002255669"},
		{name: "extension declined", in: "8 900 123-45-67 ext. 12", region: "RU", want: "+79001234567"},
		{name: "full-width digits declined", in: "８９００１２３４５６７", region: "RU", want: "+79001234567"},
		{name: "two digits declined", in: "12", region: "RU"},
		{name: "non-geographic declined", in: "+800 1234 5678", want: "+80012345678"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, ok := appendPhone(nil, tc.in, tc.region)
			got := string(b)
			if !ok {
				got = ""
			}
			if got != tc.want {
				t.Errorf("appendPhone(%q, %q) = %q, want %q", tc.in, tc.region, got, tc.want)
			}
			if decided := checkFastPhone(t, tc.in, tc.region); decided != tc.fast {
				t.Errorf("fast path decided: %v, want %v", decided, tc.fast)
			}
		})
	}
}

// TestFastPhoneMatchesLibrary compares the fast path with the full parser for numbers of every shape
// it handles, in every region the library knows.
func TestFastPhoneMatchesLibrary(t *testing.T) {
	regions := make([]string, 0, 256)
	for r := range phonenumbers.GetSupportedRegions() {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	regions = append(regions, "") // no region: international form only
	perRegion := 200
	if testing.Short() {
		perRegion = 40
	}
	rng := rand.New(rand.NewPCG(1, 2))
	decided, total := 0, 0
	for _, region := range regions {
		for range perRegion {
			s := randomPhone(rng, region, regions)
			total++
			if checkFastPhone(t, s, region) {
				decided++
			}
			if t.Failed() {
				return
			}
		}
	}
	// The point of the fast path is that it decides nearly every number of these shapes.
	if decided < total*3/4 {
		t.Errorf("the fast path decided only %d of %d numbers", decided, total)
	}
	t.Logf("the fast path decided %d of %d numbers", decided, total)
}

// randomPhone writes a number the way people write them: with or without "+" and the country code,
// the region's national or international prefix, separators anywhere.
func randomPhone(rng *rand.Rand, region string, regions []string) string {
	other := regions[rng.IntN(len(regions)-1)]
	national := func(r string) string {
		n := 3 + rng.IntN(12)
		if md := loadPhoneTables().regions[r]; md != nil && len(md.possible) > 0 && md.possible[0] > 0 && rng.IntN(4) > 0 {
			n = int(md.possible[rng.IntN(len(md.possible))]) + rng.IntN(3) - 1
		}
		var b strings.Builder
		for range max(n, 1) {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		return b.String()
	}
	var s string
	switch rng.IntN(6) {
	case 0: // international
		s = "+" + strconv.Itoa(phonenumbers.GetCountryCodeForRegion(other)) + national(other)
	case 1: // international, own country
		s = "+" + strconv.Itoa(phonenumbers.GetCountryCodeForRegion(region)) + national(region)
	case 2: // national prefix
		s = phonenumbers.GetNddPrefixForRegion(region, true) + national(region)
	case 3: // country code without "+"
		s = strconv.Itoa(phonenumbers.GetCountryCodeForRegion(region)) + national(region)
	case 4: // international prefix
		idd := "00"
		if md := loadPhoneTables().regions[region]; md != nil && allDigits(md.md.GetInternationalPrefix()) {
			idd = md.md.GetInternationalPrefix()
		}
		s = idd + strconv.Itoa(phonenumbers.GetCountryCodeForRegion(other)) + national(other)
	default:
		s = national(region)
	}
	// Separators.
	var b strings.Builder
	const seps = " -(). "
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if rng.IntN(4) == 0 {
			b.WriteByte(seps[rng.IntN(len(seps))])
		}
	}
	out := b.String()
	if rng.IntN(8) == 0 {
		out = "(" + out
	}
	return strings.TrimSpace(out)
}

// FuzzFastPhone: whenever the fast path decides, it agrees with the full parser.
func FuzzFastPhone(f *testing.F) {
	for _, s := range []string{"8 (900) 123-45-67", "+7 900 123 45 67", "79001234567", "810 49 30 1234567",
		"(201) 555-0123", "0 21 2345 6789", "06 1234 5678", "+800 1234 5678", "8.800.555.35.35", "+0 12", "12"} {
		f.Add(s, uint8(0))
	}
	regions := []string{"", "RU", "KZ", "US", "DE", "GB", "BR", "IT", "AR", "MX", "FR", "CN", "IN", "BY", "UA"}
	f.Fuzz(func(t *testing.T, s string, r uint8) {
		checkFastPhone(t, s, regions[int(r)%len(regions)])
	})
}
