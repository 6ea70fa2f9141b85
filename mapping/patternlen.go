package mapping

import "regexp/syntax"

// patternLengths returns the lengths, in bytes, of the strings a regular
// expression can match, as a bit set (bit n: length n), for expressions built
// of ASCII literals and classes, concatenation, alternation and bounded
// repetition — the national number patterns of the phone metadata. ok is false
// when it cannot tell (an unbounded repeat, a non-ASCII character, a length
// past 63): the caller then has to run the expression.
//
// It lets the phone fast path skip a regexp whose answer the length already
// gives: "8 999 123-45-67" is 11 digits, and no Russian national number is.
func patternLengths(pattern string) (set uint64, ok bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return 0, false
	}
	return lengthsOf(re)
}

func lengthsOf(re *syntax.Regexp) (uint64, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return 1, true // zero width
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if r >= 0x80 || re.Flags&syntax.FoldCase != 0 && r >= 'A' {
				return 0, false // a multi-byte character, or a fold that might be one (K and the Kelvin sign)
			}
		}
		return shift(1, len(re.Rune))
	case syntax.OpCharClass:
		for _, r := range re.Rune {
			if r >= 0x80 {
				return 0, false
			}
		}
		return 1 << 1, true
	case syntax.OpCapture:
		return lengthsOf(re.Sub[0])
	case syntax.OpQuest:
		sub, ok := lengthsOf(re.Sub[0])
		return sub | 1, ok
	case syntax.OpConcat:
		set := uint64(1)
		for _, s := range re.Sub {
			sub, ok := lengthsOf(s)
			if !ok {
				return 0, false
			}
			if set, ok = sum(set, sub); !ok {
				return 0, false
			}
		}
		return set, true
	case syntax.OpAlternate:
		var set uint64
		for _, s := range re.Sub {
			sub, ok := lengthsOf(s)
			if !ok {
				return 0, false
			}
			set |= sub
		}
		return set, true
	case syntax.OpRepeat:
		if re.Max < 0 || re.Max > 63 {
			return 0, false
		}
		sub, ok := lengthsOf(re.Sub[0])
		if !ok {
			return 0, false
		}
		var set uint64
		times := uint64(1) // the lengths of i repetitions
		for i := 0; i <= re.Max; i++ {
			if i >= re.Min {
				set |= times
			}
			if times, ok = sum(times, sub); !ok {
				return 0, false
			}
		}
		return set, true
	}
	return 0, false // star, plus, any character: unbounded or not byte-sized
}

// shift is the set {n + k : n in set}, or false past length 63.
func shift(set uint64, k int) (uint64, bool) {
	if k > 63 || k > 0 && set>>(64-k) != 0 {
		return 0, false
	}
	return set << k, true
}

// sum is {a + b : a in x, b in y}, or false past length 63.
func sum(x, y uint64) (uint64, bool) {
	var set uint64
	for k := 0; k < 64; k++ {
		if y&(1<<k) == 0 {
			continue
		}
		s, ok := shift(x, k)
		if !ok {
			return 0, false
		}
		set |= s
	}
	return set, true
}
