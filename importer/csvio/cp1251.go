package csvio

import (
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// undefined1251 is the one byte windows-1251 leaves undefined. charmap
// decodes it to U+FFFD, which could not be written back; like the WHATWG
// encoding standard we take it as U+0098, so every byte survives the round
// trip to the reject file.
const undefined1251 = 0x98

var cp1251Runes = func() (t [256]rune) {
	for i := range t {
		t[i] = charmap.Windows1251.DecodeByte(byte(i))
	}
	t[undefined1251] = undefined1251
	return t
}()

// cp1251Decoder decodes windows-1251 to UTF-8; it cannot fail.
type cp1251Decoder struct{ transform.NopResetter }

func (cp1251Decoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		c := src[nSrc]
		if c < utf8.RuneSelf {
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = c
			nDst++
			nSrc++
			continue
		}
		r := cp1251Runes[c]
		if nDst+utf8.RuneLen(r) > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += utf8.EncodeRune(dst[nDst:], r)
		nSrc++
	}
	return nDst, nSrc, nil
}

// appendCP1251 appends the UTF-8 text b encoded to windows-1251. Text read
// from a windows-1251 file always has a windows-1251 form; a reason may hold
// characters that have none, and each becomes "?" (not the encoder's
// control character 0x1A) rather than failing the row.
func appendCP1251(dst, b []byte) []byte {
	for len(b) > 0 {
		if c := b[0]; c < utf8.RuneSelf {
			dst = append(dst, c)
			b = b[1:]
			continue
		}
		r, size := utf8.DecodeRune(b)
		c, ok := charmap.Windows1251.EncodeRune(r)
		switch {
		case r == undefined1251:
			c = undefined1251
		case !ok || r == utf8.RuneError && size == 1:
			c = '?'
		}
		dst = append(dst, c)
		b = b[size:]
	}
	return dst
}
