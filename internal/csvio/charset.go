package csvio

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// units says how many input bytes each decoded rune stood for, so that
// offsets in the decoded text map back to offsets in the file.
type units uint8

const (
	unitsBytes  units = iota // UTF-8: the decoded text is the input
	unitsSingle              // a single-byte code page: one byte a rune
	unitsUTF16               // UTF-16: two bytes a rune, four beyond U+FFFF
)

// charset is an encoding the reader decodes to UTF-8 and the reject writer
// encodes back, byte for byte.
type charset struct {
	name  string
	units units
	// Single-byte code pages: the rune of every byte, and the code page for
	// encoding. A byte the code page leaves undefined, which charmap
	// decodes to U+FFFD, is taken as the C1 control of the same value, as
	// the WHATWG encoding standard does, so every byte survives the round
	// trip to the reject file.
	runes *[256]rune
	cm    *charmap.Charmap
	// UTF-16: the byte order, and the byte order mark written back.
	bigEndian bool
	bom       []byte
}

var (
	utf8BOM    = []byte{0xEF, 0xBB, 0xBF}
	utf16LEBOM = []byte{0xFF, 0xFE}
	utf16BEBOM = []byte{0xFE, 0xFF}
)

func singleByte(name string, cm *charmap.Charmap) *charset {
	t := new([256]rune)
	for i := range t {
		if t[i] = cm.DecodeByte(byte(i)); t[i] == utf8.RuneError {
			t[i] = rune(i)
		}
	}
	return &charset{name: name, units: unitsSingle, runes: t, cm: cm}
}

var (
	csUTF8    = &charset{name: encUTF8, bom: utf8BOM}
	csUTF16LE = &charset{name: encUTF16LE, units: unitsUTF16, bom: utf16LEBOM}
	csUTF16BE = &charset{name: encUTF16BE, units: unitsUTF16, bigEndian: true, bom: utf16BEBOM}
	csCP1251  = singleByte(encCP1251, charmap.Windows1251)
	csCP1252  = singleByte(encCP1252, charmap.Windows1252)
	csLatin1  = singleByte(encLatin1, charmap.ISO8859_1)
	csKOI8R   = singleByte(encKOI8R, charmap.KOI8R)
)

// charsets are the encodings by canonical name.
var charsets = map[string]*charset{
	encUTF8: csUTF8, encUTF16LE: csUTF16LE, encUTF16BE: csUTF16BE,
	encCP1251: csCP1251, encCP1252: csCP1252, encLatin1: csLatin1, encKOI8R: csKOI8R,
}

// utf16 is x/text's UTF-16 in cs's byte order; the BOM is the reader's
// business, not the codec's.
func (cs *charset) utf16() encoding.Encoding {
	if cs.bigEndian {
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	}
	return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
}

// decoder returns r decoded to UTF-8.
func (cs *charset) decoder(r io.Reader) io.Reader {
	switch cs.units {
	case unitsSingle:
		return transform.NewReader(r, singleDecoder{cs.runes})
	case unitsUTF16:
		return transform.NewReader(r, cs.utf16().NewDecoder())
	}
	return r
}

// decode returns b, text in cs, as UTF-8.
func (cs *charset) decode(b []byte) []byte {
	switch cs.units {
	case unitsSingle:
		out := make([]byte, 0, len(b))
		for _, c := range b {
			out = utf8.AppendRune(out, cs.runes[c])
		}
		return out
	case unitsUTF16:
		out, _, _ := transform.Bytes(cs.utf16().NewDecoder(), b)
		return out
	}
	return bytes.Clone(b)
}

// encodable reports whether r can be written back in cs.
func (cs *charset) encodable(r rune) bool {
	if cs.cm == nil {
		return true
	}
	_, ok := cs.encodeRune(r)
	return ok
}

func (cs *charset) encodeRune(r rune) (byte, bool) {
	if c, ok := cs.cm.EncodeRune(r); ok {
		return c, true
	}
	if r < 0x100 && cs.runes[r] == r {
		return byte(r), true // an undefined byte, read as its C1 control
	}
	return 0, false
}

// appendEncoded appends the UTF-8 text b encoded to cs. Text read from the
// file always has a form in its encoding; a reason may hold characters that
// have none in a single-byte code page, and each becomes "?" (not the
// encoder's control character 0x1A) rather than failing the row.
func (cs *charset) appendEncoded(dst, b []byte) []byte {
	switch cs.units {
	case unitsBytes:
		return append(dst, b...)
	case unitsUTF16:
		for len(b) > 0 {
			r, size := utf8.DecodeRune(b)
			b = b[size:]
			if r >= 0x10000 {
				r1, r2 := utf16.EncodeRune(r)
				dst = cs.append16(cs.append16(dst, r1), r2)
				continue
			}
			dst = cs.append16(dst, r)
		}
		return dst
	}
	for len(b) > 0 {
		if c := b[0]; c < utf8.RuneSelf {
			dst = append(dst, c)
			b = b[1:]
			continue
		}
		r, size := utf8.DecodeRune(b)
		c, ok := cs.encodeRune(r)
		if !ok || r == utf8.RuneError && size == 1 {
			c = '?'
		}
		dst = append(dst, c)
		b = b[size:]
	}
	return dst
}

func (cs *charset) append16(dst []byte, r rune) []byte {
	if cs.bigEndian {
		return append(dst, byte(r>>8), byte(r))
	}
	return append(dst, byte(r), byte(r>>8))
}

// consumedBy is how many input bytes decoded text b stands for. The
// decoder's output is valid UTF-8, so counting the bytes that start a rune
// is right even where b cuts a rune in two.
func consumedBy(b []byte, u units) int64 {
	switch u {
	case unitsSingle:
		n := 0
		for _, c := range b {
			if c&0xC0 != 0x80 {
				n++
			}
		}
		return int64(n)
	case unitsUTF16:
		n := 0
		for _, c := range b {
			switch {
			case c >= 0xF0:
				n += 4 // beyond U+FFFF: a surrogate pair
			case c&0xC0 != 0x80:
				n += 2
			}
		}
		return int64(n)
	}
	return int64(len(b))
}

// singleDecoder decodes a single-byte code page to UTF-8; it cannot fail.
type singleDecoder struct{ runes *[256]rune }

func (singleDecoder) Reset() {}

func (d singleDecoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
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
		r := d.runes[c]
		if nDst+utf8.RuneLen(r) > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += utf8.EncodeRune(dst[nDst:], r)
		nSrc++
	}
	return nDst, nSrc, nil
}

// Encodings returns the names Options.Encoding takes, canonical spellings
// only, "auto" last: what a reference of the options must list.
func Encodings() []string { return strings.Split(knownEncodings, ", ") }
