package csvio

import (
	"errors"
	"fmt"
	"strconv"
)

// Record is one CSV record (one row, which may span several lines when a
// quoted field holds line breaks).
type Record struct {
	// Line is the physical line number, 1-based, where the record starts; the
	// header is line 1 unless blank lines or Excel's "sep=" line come before
	// it.
	Line int
	// Fields are the record's values in the order of the reader's Header,
	// without the reject columns. Nil when Err is set.
	Fields []string
	// Raw is the record's text exactly as read, decoded to UTF-8, without its
	// line terminator and without the reject columns if the input had them;
	// empty fields beyond the header's last column are kept, so that a reject
	// row is the input's row byte for byte.
	// For a record longer than Options.MaxRecordBytes it is the record's
	// first line only, cut to MaxRecordBytes.
	Raw []byte
	// SourceLine is, for a row of a reject file read back, the line its
	// reject_line column names: the row's line in the original input. 0 when
	// the input is not a reject file or the column is empty.
	SourceLine int
	// Sheet names, for a row of an Excel workbook, the sheet Line is a row
	// of (positions read Sheet!Line, as Excel shows them); for a row of a
	// reject file read back, the sheet its reject_line names. "" for CSV.
	Sheet string
	// Ending is the record's line terminator as read: "\r\n", "\n", or "" for
	// a last line with none.
	Ending string
	// Err is why the row could not be parsed, a *RowError; nil for a good row.
	Err error
	// End is the offset in the input just past the record (and its line
	// terminator), and NextLine the number of the line there: Reader.Seek
	// takes them to continue after this record. For a gzip-compressed input,
	// which cannot seek, End is instead how much of the file has been read
	// so far: it only grows, and the bytes before it are the file's own.
	End      int64
	NextLine int
}

// RowError is a row that could not be parsed. The run goes on with the next
// row; the row itself goes to the reject file.
type RowError struct {
	Line  int    // where the record starts, as Record.Line
	Sheet string // as Record.Sheet
	Err   error  // wraps csv.ErrFieldCount, csv.ErrBareQuote, csv.ErrQuote, ErrInvalidUTF8, ErrNUL or ErrRecordTooLong
}

// Error says where and what, as in
// "line 7: wrong number of fields: 9, the header has 8" or
// "line 7: field 3 \"Phone\": bare \" in non-quoted-field".
func (e *RowError) Error() string {
	if e.Sheet != "" {
		return fmt.Sprintf("%s!%d: %v", e.Sheet, e.Line, e.Err)
	}
	return fmt.Sprintf("line %d: %v", e.Line, e.Err)
}

// Position is where the record is, as messages and reject_line name it: its
// line, or for a workbook row Sheet!row (Клиенты!5).
func (r *Record) Position() string {
	n := r.Line
	if r.SourceLine > 0 {
		n = r.SourceLine
	}
	if r.Sheet != "" {
		return r.Sheet + "!" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// Unwrap returns the cause, so errors.Is(err, csv.ErrFieldCount) and the like work.
func (e *RowError) Unwrap() error { return e.Err }

var (
	// ErrNoHeader is wrapped by NewReader's error for an input without a
	// header line: an empty file or one of blank lines only.
	ErrNoHeader = errors.New("no header line (the file is empty or blank)")
	// ErrInvalidUTF8 is wrapped by the RowError of a row, or NewReader's error
	// for a header, that is not valid UTF-8 in a file read as UTF-8.
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
	// ErrNotSeekable: Reader.SeekRecord on an input that cannot seek, such as a pipe.
	ErrNotSeekable = errors.New("the input cannot seek")
	// ErrNUL is wrapped by the RowError of a row, or NewReader's error for a
	// header, that holds a NUL byte: no CSV text does, but UTF-16 and binary
	// files are full of them.
	ErrNUL = errors.New("NUL byte")
	// ErrRecordTooLong is wrapped by the RowError of a record longer than
	// Options.MaxRecordBytes, or NewReader's error for such a header.
	ErrRecordTooLong = errors.New("record too long")
	// ErrNotCSV is wrapped by NewReader's error for a file that is not text:
	// a zip or Excel workbook, another archive, a binary. The message says
	// what it is and how to export CSV.
	ErrNotCSV = errors.New("not a CSV file")
	// ErrEncodingUnsure is wrapped by NewReader's error when the encoding is
	// "auto" and the file's first bytes fit several encodings, or none: the
	// message names them, with words as each reads them.
	ErrEncodingUnsure = errors.New("cannot tell the file's encoding with confidence")
)

// utf8Hint is what to do about ErrInvalidUTF8.
const utf8Hint = "if the file is in another encoding, such as windows-1251 or windows-1252, set it in the mapping, or set auto"
