package mapping

import "strings"

// dateCandidates are the formats GuessDateFormat tries, in order of preference when several fit
// every value: day first before month first (a "05.06.1990" is more often the 5th of June in the
// files this tool reads), four-digit years before two.
var dateCandidates = func() []string {
	var dates []string
	for _, sep := range []string{".", "/", "-"} {
		dates = append(dates,
			"DD"+sep+"MM"+sep+"YYYY", "MM"+sep+"DD"+sep+"YYYY", "YYYY"+sep+"MM"+sep+"DD",
			"DD"+sep+"MM"+sep+"YY", "MM"+sep+"DD"+sep+"YY")
	}
	out := append([]string(nil), dates...)
	for _, t := range []string{" hh:mm", " hh:mm:ss", "Thh:mm:ss", "Thh:mm"} {
		for _, d := range dates {
			out = append(out, d+t)
		}
	}
	return out
}()

var parsedCandidates = func() []*dateFormat {
	out := make([]*dateFormat, len(dateCandidates))
	for i, c := range dateCandidates {
		f, err := parseDateFormat(c)
		if err != nil {
			panic("mapping: bad date candidate " + c + ": " + err.Error())
		}
		out[i] = f
	}
	return out
}()

// DateGuess is the date or datetime format that fits a sample of cell values.
type DateGuess struct {
	Format   string // e.g. "DD.MM.YYYY" or "YYYY-MM-DD hh:mm"
	DateTime bool   // the format has a time of day: type datetime, not date
	Fits     int    // how many of the non-blank values it reads
	Values   int    // how many non-blank values there were
	// Ambiguous names the other format that reads every value Format reads, when the sample
	// cannot tell them apart ("MM.DD.YYYY" for a sample whose days are all 12 or less).
	Ambiguous string
}

// GuessDateFormat returns the format, among the usual ways of writing a date or a date and
// time, that reads the most of values (blank values are passed over); false when none reads at
// least one of them. Day-first and month-first formats are told apart by the values: a day above
// 12 settles it.
func GuessDateFormat(values []string) (DateGuess, bool) {
	best := DateGuess{}
	n := 0
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			n++
		}
	}
	if n == 0 {
		return best, false
	}
	fits := make([]int, len(parsedCandidates))
	for i, f := range parsedCandidates {
		for _, v := range values {
			if v = strings.TrimSpace(v); v != "" {
				if _, ok := f.parse(v); ok {
					fits[i]++
				}
			}
		}
	}
	bi := -1
	for i, c := range fits {
		if c > 0 && (bi < 0 || c > fits[bi]) {
			bi = i
		}
	}
	if bi < 0 {
		return best, false
	}
	f := parsedCandidates[bi]
	best = DateGuess{Format: f.text, DateTime: strings.Contains(f.text, "hh"), Fits: fits[bi], Values: n}
	if swapped := swapDayMonth(f.text); swapped != f.text {
		for i, g := range parsedCandidates {
			if g.text == swapped && fits[i] == fits[bi] {
				best.Ambiguous = swapped
			}
		}
	}
	return best, true
}

// swapDayMonth turns DD.MM into MM.DD and back.
func swapDayMonth(format string) string {
	return strings.NewReplacer("DD", "MM", "MM", "DD").Replace(format)
}

// dateHint is what a cell that does not fit its date format looks like instead, as the end of a
// reason: "; it looks like DD.MM.YYYY". "" when it fits none of the usual formats or fits the
// format it was given.
func dateHint(value, given string) string {
	g, ok := GuessDateFormat([]string{value})
	if !ok || g.Format == given {
		return ""
	}
	if g.Ambiguous != "" {
		return "; it looks like " + g.Format + " or " + g.Ambiguous
	}
	return "; it looks like " + g.Format
}
