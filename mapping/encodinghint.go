package mapping

import (
	"slices"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/acimport/acimport/internal/errs"
)

// codePages are the single-byte encodings a mapping may name, for wrongEncoding.
var codePages = map[string]*charmap.Charmap{
	"windows-1251": charmap.Windows1251, "windows-1252": charmap.Windows1252,
	"iso-8859-1": charmap.ISO8859_1, "koi8-r": charmap.KOI8R,
}

// wrongEncoding explains why mapped columns are missing from a header read in a code page when
// the header, turned back into its bytes, is UTF-8 that holds them: the file was converted to
// UTF-8 while the mapping still names its old encoding, and "Имя" reads as "РРјСЏ".
func (m *Mapping) wrongEncoding(header []string) *Error {
	cm := codePages[m.CSV.Encoding]
	if cm == nil {
		return nil
	}
	var redecoded []string
	for _, h := range header {
		b, ok := encodeCodePage(cm, h)
		if !ok || !utf8.Valid(b) {
			return nil
		}
		redecoded = append(redecoded, string(b))
	}
	for _, s := range m.allSources() {
		if !s.isConst && s.column != "" && !slices.Contains(header, s.column) && slices.Contains(redecoded, s.column) {
			return &Error{File: m.file, Err: errs.Errorf(ErrUnknownColumn,
				"no column %q in the header as read in %s, which gives %q: the file is UTF-8 (read so, that column is %q); set csv: { encoding: utf-8 } in the mapping (or encoding: auto)",
				s.column, m.CSV.Encoding, header[slices.Index(redecoded, s.column)], s.column)}
		}
	}
	return nil
}

// encodeCodePage turns text read in the code page back into its bytes: a byte the code page
// leaves undefined was read as the C1 control of its value (as csvio reads it).
func encodeCodePage(cm *charmap.Charmap, s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if b, ok := cm.EncodeRune(r); ok {
			out = append(out, b)
		} else if r >= 0x80 && r < 0xA0 {
			out = append(out, byte(r))
		} else {
			return nil, false
		}
	}
	return out, true
}
