package csvio

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/acimport/acimport/internal/errs"
)

// pickEncoding resolves the encoding option against the file's first bytes:
// a byte order mark, then for "auto" UTF-8, UTF-16 without a mark, and the
// single-byte code pages. It returns the charset, the length of the byte
// order mark to skip, and for "auto" why it chose. comma is the delimiter
// as far as it is known before decoding (sniffed from the window's bytes
// when "auto"), for judging single letters.
func pickEncoding(enc string, window []byte, whole bool, comma rune) (cs *charset, bomLen int, why string, err error) {
	var bom *charset
	switch {
	case bytes.HasPrefix(window, utf8BOM):
		bom = csUTF8
	case bytes.HasPrefix(window, utf16LEBOM):
		bom = csUTF16LE
	case bytes.HasPrefix(window, utf16BEBOM):
		bom = csUTF16BE
	}
	if bom != nil {
		utf16 := bom.units == unitsUTF16
		if enc == encAuto || enc == bom.name || enc == encUTF16 && utf16 {
			if enc == encAuto {
				why = fmt.Sprintf("a %s byte order mark", strings.ToUpper(bom.name))
			}
			return bom, len(bom.bom), why, nil
		}
		if utf16 {
			return nil, 0, "", optionErrorf("the file starts with a %s byte order mark (Excel's \"Unicode text\" export) but the encoding is %s; set it to utf-16 or auto", strings.ToUpper(bom.name), enc)
		}
		return nil, 0, "", optionErrorf("the file starts with a UTF-8 byte order mark but the encoding is %s; set it to utf-8 or auto", enc)
	}
	switch enc {
	case encAuto:
	case encUTF16:
		if cs := utf16NoBOM(window); cs != nil {
			return nil, 0, "", optionErrorf("encoding utf-16 needs a byte order mark at the start of the file, and this one has none; it looks like %s: set the encoding to %s", cs.name, cs.name)
		}
		return nil, 0, "", optionErrorf("encoding utf-16 needs a byte order mark at the start of the file, and this one has none: is it really UTF-16? Set utf-16le or utf-16be if it is")
	default:
		return charsets[enc], 0, "", nil
	}
	// UTF-16 first: its ASCII text is valid UTF-8 too, NULs and all.
	if cs := utf16NoBOM(window); cs != nil {
		return cs, 0, "no byte order mark, but every other byte is 0, as in UTF-16 text", nil
	}
	if looksUTF8(window, whole) {
		return csUTF8, 0, "valid UTF-8", nil
	}
	cs, why, err = judgeCodePage(window, comma)
	return cs, 0, why, err
}

// utf16NoBOM recognises UTF-16 text without a byte order mark by its zero
// bytes: the high byte of every ASCII character. It returns nil unless at
// least half the pairs have one zero byte, always on the same side, and no
// pair has it on the other.
func utf16NoBOM(window []byte) *charset {
	var le, be, pairs int
	for i := 0; i+1 < len(window); i += 2 {
		pairs++
		switch a, b := window[i], window[i+1]; {
		case a != 0 && b == 0:
			le++
		case a == 0 && b != 0:
			be++
		}
	}
	switch {
	case pairs < 2:
		return nil
	case le*2 >= pairs && be == 0:
		return csUTF16LE
	case be*2 >= pairs && le == 0:
		return csUTF16BE
	}
	return nil
}

// The code pages "auto" chooses among when the file is not UTF-8.
var codePages = []*charset{csCP1251, csKOI8R, csCP1252, csLatin1}

// reading is how well one code page reads the start of a file.
type reading struct {
	cs       *charset
	control  bool     // a C1 control character: no text holds one
	pseudo   bool     // a box-drawing or mathematical sign: koi8-r's pseudographics, no export's text
	words    int      // words with a letter beyond ASCII
	long     bool     // of them, one of two letters or more
	capitals bool     // of them, every one is a single Cyrillic capital
	bad      int      // of them, ones no language writes
	freq     float64  // Cyrillic readings: mean log frequency of the letters in Russian
	letters  int      // the letters freq is over
	examples []string // a few words with letters beyond ASCII, as read
}

// fits reports whether the reading gives text: no control characters, and
// nearly every word is one a language could write.
func (r *reading) fits() bool { return r.possible() && r.words > 0 }

// possible reports whether the reading could be text, words or not.
func (r *reading) possible() bool { return !r.control && !r.pseudo && r.bad*10 <= r.words }

func (r *reading) cyrillic() bool { return r.cs == csCP1251 || r.cs == csKOI8R }

// judgeCodePage decides which single-byte code page window is in by which
// one reads it as real words. Each candidate decodes the window into words;
// a word is implausible when it mixes Latin and Cyrillic letters, mixes case
// other than as Name, name or NAME, holds a symbol between two letters, or
// (in a Latin reading) runs three letters beyond ASCII in a row, as
// Cyrillic read as Latin does ("Ïåòðîâ"). A reading with a C1 control
// character is out. Latin-1 and windows-1252 differ only where Latin-1 has
// C1 controls, so when both fit they read the same and windows-1252 is
// taken. When windows-1251 and koi8-r both fit (text all in one case), the
// letters' frequencies in Russian decide, by a clear margin only.
//
// When still no single code page stands out, evidence of two more kinds
// decides: when every code page that could be the file's reads its bytes
// beyond ASCII the same ("©", "«»" in all but koi8-r, whose reading is box
// drawing), there is nothing to choose, and the first of them is taken;
// when every word beyond ASCII is a single letter that windows-1251 reads as
// a Cyrillic capital (initials, grades) and comma is ';' or a tab, as
// Russian Excel exports are delimited, windows-1251 is taken, as auto did
// before it knew other code pages.
func judgeCodePage(window []byte, comma rune) (*charset, string, error) {
	readings := make([]*reading, len(codePages))
	for i, cs := range codePages {
		readings[i] = read(window, cs)
	}
	var fit []*reading
	for _, r := range readings {
		if r.fits() && !(r.cs == csLatin1 && slices.ContainsFunc(fit, func(f *reading) bool { return f.cs == csCP1252 })) {
			fit = append(fit, r)
		}
	}
	if len(fit) == 2 && fit[0].cyrillic() && fit[1].cyrillic() {
		const margin = 0.35 // nats a letter: real Russian text scores well above a permutation of it
		switch d := fit[0].freq - fit[1].freq; {
		case d > margin:
			fit = fit[:1]
		case d < -margin:
			fit = fit[1:]
		}
	}
	if len(fit) == 1 {
		best := fit[0]
		why := fmt.Sprintf("reads as words in %s, such as %s", best.cs.name, quoteList(best.examples))
		for _, r := range readings {
			if r.cs != best.cs && !(best.cs == csCP1252 && r.cs == csLatin1) && len(r.examples) > 0 {
				why += fmt.Sprintf("; %s would give %s", r.cs.name, quoteList(r.examples[:1]))
				break
			}
		}
		if best.cs == csCP1252 && readings[slices.IndexFunc(readings, func(r *reading) bool { return r.cs == csLatin1 })].fits() {
			why += " (iso-8859-1 reads it the same)"
		}
		return best.cs, why, nil
	}
	if cs, why := sameReading(window, readings); cs != nil {
		return cs, why, nil
	}
	if cp := readings[0]; len(fit) > 1 && slices.Contains(fit, cp) && cp.capitals && !cp.long && (comma == ';' || comma == '\t') {
		why := fmt.Sprintf("its only letters beyond ASCII are single letters, such as %s, read as Cyrillic capitals (initials, grades) in windows-1251 in a file delimited by %s, as Russian Excel writes it", quoteList(cp.examples), delimWord(comma))
		return cp.cs, why, nil
	}
	var b strings.Builder
	if len(fit) == 0 {
		b.WriteString("it is not UTF-8, and none of windows-1251, koi8-r, windows-1252 and iso-8859-1 reads its first bytes as words")
		words := false
		for _, r := range readings {
			if len(r.examples) > 0 {
				words = true
				fmt.Fprintf(&b, "; %s gives %s", r.cs.name, quoteList(r.examples))
			}
		}
		if !words {
			high := highBytes(window)
			high = high[:min(len(high), 12)]
			for _, r := range readings {
				fmt.Fprintf(&b, "; %s gives %q", r.cs.name, r.cs.decode(high))
			}
		}
	} else {
		b.WriteString("it is not UTF-8, and it reads as words in ")
		for i, r := range fit {
			if i > 0 {
				b.WriteString(" and in ")
			}
			fmt.Fprintf(&b, "%s (%s)", r.cs.name, quoteList(r.examples))
		}
	}
	return nil, "", errs.Errorf(ErrEncodingUnsure, "%s: %s; set csv: { encoding: ... } in the mapping to the one whose words look right", ErrEncodingUnsure.Error(), b.String())
}

// sameReading returns the first code page that could be the file's when
// every such code page reads window's bytes beyond ASCII the same, and says
// so; nil when they differ or none could be.
func sameReading(window []byte, readings []*reading) (*charset, string) {
	high := highBytes(window)
	var same []*reading
	for _, r := range readings {
		if !r.possible() {
			continue
		}
		if len(same) > 0 && !bytes.Equal(r.cs.decode(high), same[0].cs.decode(high)) {
			return nil, ""
		}
		same = append(same, r)
	}
	if len(same) == 0 || len(high) == 0 {
		return nil, ""
	}
	names := make([]string, len(same))
	for i, r := range same {
		names[i] = r.cs.name
	}
	list := strings.Join(names, " and ")
	if len(names) > 2 {
		list = strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	}
	return same[0].cs, fmt.Sprintf("its bytes beyond ASCII, %q, read the same in %s", same[0].cs.decode(high[:min(len(high), 12)]), list)
}

// highBytes returns each byte beyond ASCII of window once, in the order
// they first occur.
func highBytes(window []byte) []byte {
	var seen [256]bool
	var high []byte
	for _, c := range window {
		if c >= utf8.RuneSelf && !seen[c] {
			seen[c] = true
			high = append(high, c)
		}
	}
	return high
}

// delimWord names a delimiter in a sentence.
func delimWord(comma rune) string {
	if comma == '\t' {
		return "tabs"
	}
	return fmt.Sprintf("%q", comma)
}

func quoteList(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = fmt.Sprintf("%q", w)
	}
	return strings.Join(q, ", ")
}

// read decodes window with cs and judges its words.
func read(window []byte, cs *charset) *reading {
	r := &reading{cs: cs}
	text := []rune(string(cs.decode(window)))
	seen := map[string]bool{}
	for i := 0; i < len(text); {
		c := text[i]
		if c >= 0x80 && c < 0xA0 {
			r.control = true
		}
		if c >= 0x2200 && c <= 0x25FF {
			r.pseudo = true
		}
		if !unicode.IsLetter(c) {
			if c >= 0x80 && i > 0 && i+1 < len(text) && unicode.IsLetter(text[i-1]) && unicode.IsLetter(text[i+1]) && !strings.ContainsRune("’‘´·", c) {
				r.words++
				r.bad++ // a symbol inside a word
			}
			i++
			continue
		}
		j := i
		for j < len(text) && unicode.IsLetter(text[j]) {
			j++
		}
		r.word(text[i:j], seen)
		i = j
	}
	if r.letters > 0 {
		r.freq /= float64(r.letters)
	}
	return r
}

// word judges one word of a reading.
func (r *reading) word(w []rune, seen map[string]bool) {
	var ascii, latin, cyrillic, other, upper, run, longest int
	for _, c := range w {
		switch {
		case c < utf8.RuneSelf:
			ascii++
		case unicode.Is(unicode.Latin, c):
			latin++
		case unicode.Is(unicode.Cyrillic, c):
			cyrillic++
		default:
			other++
		}
		if c >= utf8.RuneSelf {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
		if unicode.IsUpper(c) {
			upper++
		}
	}
	if latin+cyrillic+other == 0 {
		return // ASCII: every candidate reads it the same
	}
	if r.cyrillic() {
		for _, c := range w {
			if f, ok := russianFreq[unicode.ToLower(c)]; ok {
				r.freq += math.Log(f)
				r.letters++
			}
		}
	}
	if r.words == 0 {
		r.capitals = true
	}
	r.words++
	if len(w) > 1 {
		r.long = true
	} else if !unicode.Is(unicode.Cyrillic, w[0]) || !unicode.IsUpper(w[0]) {
		r.capitals = false
	}
	caseOK := upper == 0 || upper == len(w) || upper == 1 && unicode.IsUpper(w[0])
	var ok bool
	if r.cyrillic() {
		ok = ascii == 0 && latin == 0 && other == 0 && caseOK
	} else {
		ok = cyrillic == 0 && other == 0 && caseOK && (longest < 3)
	}
	if !ok {
		r.bad++
	}
	if len(w) > 24 {
		w = append(w[:24:24], '…')
	}
	if s := string(w); len(r.examples) < 3 && !seen[s] {
		seen[s] = true
		r.examples = append(r.examples, s)
	}
}

// russianFreq is how often each letter occurs in Russian text, per
// thousand letters (ё as е), the usual table.
var russianFreq = map[rune]float64{
	'о': 109.7, 'е': 84.5, 'ё': 84.5, 'а': 80.1, 'и': 73.5, 'н': 67.0, 'т': 62.6, 'с': 54.7, 'р': 47.3,
	'в': 45.4, 'л': 44.0, 'к': 34.9, 'м': 32.1, 'д': 29.8, 'п': 28.1, 'у': 26.2, 'я': 20.1, 'ы': 19.0,
	'ь': 17.4, 'г': 17.0, 'з': 16.5, 'б': 15.9, 'ч': 14.4, 'й': 12.1, 'х': 9.7, 'ж': 9.4, 'ш': 7.3,
	'ю': 6.4, 'ц': 4.8, 'щ': 3.6, 'э': 3.2, 'ф': 2.6, 'ъ': 0.4,
}
