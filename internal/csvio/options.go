package csvio

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/acimport/acimport/internal/errs"
)

// Options say how to read a CSV file. The zero value reads comma-separated
// UTF-8 with records of up to 1 MiB.
type Options struct {
	// Delimiter separates fields: "" means ","; otherwise one character
	// ("\t", the two characters `\t` and "tab" all mean a tab), or "auto" to
	// pick among , ; TAB and | the one that occurs most often outside quotes
	// in the header line (a tie or none at all picks ","). A first line such
	// as Excel's "sep=;" overrides it: it sets the delimiter and is not the
	// header.
	Delimiter string
	// Encoding is the file's character encoding: "" or "utf-8" (a leading
	// byte order mark is skipped); "utf-16" (the file must start with a
	// byte order mark, as Excel's "Unicode text" does), "utf-16le" or
	// "utf-16be"; the single-byte code pages "windows-1251",
	// "windows-1252", "iso-8859-1" and "koi8-r"; or "auto": a byte order
	// mark says UTF-8 or UTF-16; else UTF-16 by its zero bytes; else valid
	// UTF-8 in the first 64 KiB is UTF-8; else the code page whose reading
	// of them gives real words, or that every possible code page reads the
	// same (see judgeCodePage and Reader.EncodingReason). First 64 KiB all
	// ASCII are judged again at the first byte beyond ASCII. When no code
	// page stands out, NewReader fails with ErrEncodingUnsure, naming those
	// that fit.
	Encoding string
	// LazyQuotes reads a quote inside an unquoted cell (STAZIONE "IP" Nord)
	// as text, and text after a quoted cell's closing quote ("x" y) as more
	// of the cell, as spreadsheets and Python's csv module do. false, the
	// default, rejects such a row, saying where the quote is.
	LazyQuotes bool
	// SkipLines is how many physical lines above the header to pass over
	// unparsed (a title, a group row of an Excel export), 0 to MaxSkipLines;
	// after Excel's "sep=" line when there is one. A reject file starts with
	// the same lines, so that the same options read it back. For a workbook:
	// rows 1 to SkipLines of the sheet, written to its reject file as CSV.
	SkipLines int
	// MaxRecordBytes is the longest a record may be, in bytes of its text
	// decoded to UTF-8, line breaks included; 0 means
	// DefaultMaxRecordBytes. A longer record, most often an unclosed quote
	// that would swallow the rest of the file, is rejected, and reading goes
	// on at the line after its first. Memory use follows this limit, not the
	// longest line of the file.
	MaxRecordBytes int
	// Sheet is, for an Excel workbook input, the sheet to read: its name or
	// its 1-based number; "" reads the first sheet that has a row (after
	// SkipLines). A CSV input has no sheets: it is ignored.
	Sheet string
}

// DefaultMaxRecordBytes is the limit when Options.MaxRecordBytes is 0.
const DefaultMaxRecordBytes = 1 << 20

// The encodings, as Reader.Encoding reports them, and "auto".
const (
	encUTF8    = "utf-8"
	encUTF16   = "utf-16" // either byte order, from the BOM
	encUTF16LE = "utf-16le"
	encUTF16BE = "utf-16be"
	encCP1251  = "windows-1251"
	encCP1252  = "windows-1252"
	encLatin1  = "iso-8859-1"
	encKOI8R   = "koi8-r"
	encAuto    = "auto"
	delimAuto  = "auto"
)

// sniffLimit is how much of the file's start "auto" looks at.
const sniffLimit = 64 << 10

// ErrInvalidOption is wrapped by NewReader's errors about a bad Delimiter or
// Encoding.
var ErrInvalidOption = errors.New("invalid option")

// optionErrorf is a bad option's error: it reads as its message, which says what to set, and
// matches ErrInvalidOption without the sentinel's words in front of it.
func optionErrorf(format string, args ...any) error {
	return errs.Errorf(ErrInvalidOption, format, args...)
}

// ParseDelimiter checks a delimiter as a user writes it (in a mapping
// file's csv section) and returns it in the one spelling Options.Delimiter
// is compared by: "" stays "" (a comma), "tab" and `\t` become "\t", any
// case of "auto" becomes "auto". The error wraps ErrInvalidOption.
func ParseDelimiter(s string) (string, error) {
	r, err := parseDelimiter(s)
	switch {
	case err != nil:
		return "", err
	case s == "":
		return "", nil
	case r == 0:
		return delimAuto, nil
	}
	return string(r), nil
}

// ParseEncoding checks an encoding as a user writes it and returns its
// canonical name, as Options.Encoding is compared by ("" stays "", UTF-8).
// The error wraps ErrInvalidOption and lists the known encodings.
func ParseEncoding(s string) (string, error) {
	enc, err := parseEncoding(s)
	if err != nil || s == "" {
		return "", err
	}
	return enc, nil
}

// Detects reports whether reading detects the encoding or the delimiter
// ("auto"), so that what it found is worth telling the user.
func (o Options) Detects() bool {
	return strings.EqualFold(o.Encoding, encAuto) || strings.EqualFold(o.Delimiter, delimAuto)
}

// parseDelimiter returns the delimiter rune, or 0 for "auto".
func parseDelimiter(s string) (rune, error) {
	switch {
	case s == "":
		return ',', nil
	case strings.EqualFold(s, delimAuto):
		return 0, nil
	case s == `\t`, strings.EqualFold(s, "tab"):
		return '\t', nil
	}
	r, size := utf8.DecodeRuneInString(s)
	if size != len(s) || !validDelim(r) {
		return 0, optionErrorf("delimiter %q: want one character other than a quote or a line break, \"tab\" or \"auto\"", s)
	}
	return r, nil
}

// validDelim mirrors encoding/csv's rule so a bad delimiter fails here, with
// the option named, rather than on every row.
func validDelim(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && utf8.ValidRune(r) && r != utf8.RuneError
}

// encodingNames maps each spelling of an encoding users write (lower case,
// "_" read as "-") to its canonical name.
var encodingNames = map[string]string{
	"utf-8": encUTF8, "utf8": encUTF8,
	"utf-16": encUTF16, "utf16": encUTF16, "unicode": encUTF16,
	"utf-16le": encUTF16LE, "utf16le": encUTF16LE, "utf-16be": encUTF16BE, "utf16be": encUTF16BE,
	"windows-1251": encCP1251, "windows1251": encCP1251, "cp1251": encCP1251, "cp-1251": encCP1251,
	"windows-1252": encCP1252, "windows1252": encCP1252, "cp1252": encCP1252, "cp-1252": encCP1252,
	"iso-8859-1": encLatin1, "iso8859-1": encLatin1, "latin1": encLatin1, "latin-1": encLatin1,
	"koi8-r": encKOI8R, "koi8r": encKOI8R,
	"auto": encAuto,
}

// knownEncodings lists the canonical names for messages.
const knownEncodings = "utf-8, utf-16, utf-16le, utf-16be, windows-1251, windows-1252, iso-8859-1, koi8-r, auto"

// parseEncoding returns the canonical name of encoding s ("" is utf-8).
func parseEncoding(s string) (string, error) {
	if s == "" {
		return encUTF8, nil
	}
	if enc, ok := encodingNames[strings.ToLower(strings.ReplaceAll(s, "_", "-"))]; ok {
		return enc, nil
	}
	return "", optionErrorf("unknown encoding %q (known: %s)", s, knownEncodings)
}

// parseMaxRecord returns the record size limit.
func parseMaxRecord(n int) (int, error) {
	switch {
	case n == 0:
		return DefaultMaxRecordBytes, nil
	case n < 0:
		return 0, optionErrorf("MaxRecordBytes %d: want 0 (for %s) or more", n, sizeText(DefaultMaxRecordBytes))
	}
	return n, nil
}

// sizeText writes a byte count the way people read it: "1 MiB", "64 KiB", "100 bytes".
func sizeText(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
