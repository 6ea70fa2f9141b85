package csvio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/transform"
)

// Reader reads the records of one CSV file after its header line. Memory
// stays bounded by the longest record, whatever the file's size.
type Reader struct {
	name  string // for messages
	stdin bool
	count countingReader
	rec   recorder
	cr    *csv.Reader
	comma rune
	enc   string
	bom   bool

	inHeader     []string // as in the input, reject columns included
	header       []string
	headerRaw    []byte
	headerEnding string
	layout       rejectLayout

	err error // sticky: io.EOF or the stream's failure
}

// NewReader reads the header line of the CSV file r. name is the file's name
// for messages; "-" is standard input. The errors name the file: no header
// line (ErrNoHeader), a bad option (ErrInvalidOption), an unreadable header.
// An empty column name is allowed.
func NewReader(r io.Reader, name string, opt Options) (*Reader, error) {
	rd := &Reader{name: name, stdin: name == "-"}
	if rd.stdin {
		rd.name = "standard input"
	}
	if err := rd.open(r, opt); err != nil {
		return nil, fmt.Errorf("read %s: %w", rd.where(), err)
	}
	return rd, nil
}

// where names the file in errors: quoted, unless it is standard input.
func (rd *Reader) where() string {
	if rd.stdin {
		return rd.name
	}
	return fmt.Sprintf("%q", rd.name)
}

func (rd *Reader) open(r io.Reader, opt Options) error {
	comma, err := parseDelimiter(opt.Delimiter)
	if err != nil {
		return err
	}
	enc, err := parseEncoding(opt.Encoding)
	if err != nil {
		return err
	}
	rd.count.r = r
	br := bufio.NewReaderSize(&rd.count, sniffLimit)
	window, err := br.Peek(sniffLimit)
	whole := err == io.EOF
	if err != nil && !whole && !errors.Is(err, bufio.ErrBufferFull) {
		return err
	}
	hasBOM := bytes.HasPrefix(window, utf8BOM)
	switch {
	case enc == encAuto && (hasBOM || looksUTF8(window, whole)):
		enc = encUTF8
	case enc == encAuto:
		enc = encCP1251
	case enc == encCP1251 && hasBOM:
		return fmt.Errorf("%w: the file starts with a UTF-8 byte order mark but the encoding is windows-1251; set it to utf-8 or auto", ErrInvalidOption)
	}
	if hasBOM && enc == encUTF8 {
		rd.bom = true
		window = window[len(utf8BOM):]
		if _, err := br.Discard(len(utf8BOM)); err != nil {
			return err
		}
	}
	if comma == 0 {
		comma = sniffDelimiter(window)
	}
	if !encodable(comma, enc) {
		return fmt.Errorf("%w: delimiter %q has no windows-1251 form", ErrInvalidOption, comma)
	}
	rd.comma, rd.enc = comma, enc

	rd.rec.r = br
	if enc == encCP1251 {
		rd.rec.r = transform.NewReader(br, cp1251Decoder{})
	}
	rd.rec.buf = make([]byte, 0, recorderMin)
	rd.cr = csv.NewReader(&rd.rec)
	rd.cr.Comma = comma
	rd.cr.FieldsPerRecord = -1

	fields, err := rd.cr.Read()
	switch {
	case err == io.EOF:
		return ErrNoHeader
	case err != nil:
		return fmt.Errorf("the header: %w", err)
	}
	body, ending := splitEnding(trimBlankLines(rd.rec.take(rd.cr.InputOffset())))
	if enc == encUTF8 && !utf8.Valid(body) {
		return fmt.Errorf("the header: %w (%s)", ErrInvalidUTF8, utf8Hint)
	}
	line, _ := rd.cr.FieldPos(0)
	rd.inHeader = fields
	rd.layout = newRejectLayout(fields)
	rd.header = rd.layout.keep(fields)
	rd.headerRaw = rd.rawOf(body, fields, line)
	rd.headerEnding = ending
	return nil
}

// Header returns the column names, without the reject columns.
func (rd *Reader) Header() []string { return rd.header }

// Comma returns the delimiter in use, after sniffing.
func (rd *Reader) Comma() rune { return rd.comma }

// Encoding returns "utf-8" or "windows-1251", after "auto" was resolved.
func (rd *Reader) Encoding() string { return rd.enc }

// BOM reports whether the input started with a UTF-8 byte order mark.
func (rd *Reader) BOM() bool { return rd.bom }

// Name returns the file's name as messages show it: "standard input" for "-".
func (rd *Reader) Name() string { return rd.name }

// BytesRead returns how many bytes, undecoded, have been taken from the
// underlying reader so far, read-ahead included. It is safe to call from
// another goroutine.
func (rd *Reader) BytesRead() int64 { return rd.count.n.Load() }

// Read returns the next record, or io.EOF after the last one. Each call
// returns a new Record the caller may keep. A row that cannot be parsed is a
// Record with Err set, not an error: reading goes on with the next row. The
// errors are failures of the whole stream, and they stick.
func (rd *Reader) Read() (*Record, error) {
	if rd.err != nil {
		return nil, rd.err
	}
	fields, err := rd.cr.Read()
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		rd.err = io.EOF
		return nil, rd.err
	case err != nil:
		if pe = asParseError(err); pe == nil {
			rd.err = fmt.Errorf("read %s: %w", rd.where(), err)
			return nil, rd.err
		}
	}
	body, ending := splitEnding(trimBlankLines(rd.rec.take(rd.cr.InputOffset())))
	rec := &Record{Ending: ending}
	if pe != nil {
		// fields holds the fields before the bad one.
		rec.Line = pe.StartLine
		rec.Err = &RowError{Line: rec.Line, Err: fmt.Errorf("%s: %w", rd.fieldName(len(fields)), pe.Err)}
		rec.Raw = bytes.Clone(rd.layout.stripTail(body, rd.comma))
		return rec, nil
	}
	rec.Line, _ = rd.cr.FieldPos(0)
	rec.Raw = rd.rawOf(body, fields, rec.Line)
	switch {
	case rd.enc == encUTF8 && !utf8.Valid(body):
		i := 0
		for i < len(fields) && utf8.ValidString(fields[i]) {
			i++
		}
		rec.Err = &RowError{Line: rec.Line, Err: fmt.Errorf("%s: %w (%s)", rd.fieldName(i), ErrInvalidUTF8, utf8Hint)}
	case len(fields) != rd.layout.width:
		rec.Err = &RowError{Line: rec.Line, Err: fmt.Errorf("%w: %d, the header has %d", csv.ErrFieldCount, len(fields), rd.layout.width)}
	default:
		rec.Fields = rd.layout.keep(fields)
	}
	return rec, nil
}

// asParseError is errors.As kept out of Read, where its target would cost an
// allocation for every row.
func asParseError(err error) *csv.ParseError {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}

// fieldName names the i-th field of a row (0-based) for messages.
func (rd *Reader) fieldName(i int) string {
	if i < len(rd.inHeader) && rd.inHeader[i] != "" {
		return fmt.Sprintf("field %d %q", i+1, rd.inHeader[i])
	}
	return fmt.Sprintf("field %d", i+1)
}

// rawOf returns a copy of a parsed record's text body without the reject
// columns: cut before them when they are the last columns (as the reject
// writer puts them), else rebuilt from the kept fields.
func (rd *Reader) rawOf(body []byte, fields []string, line int) []byte {
	l := &rd.layout
	switch {
	case len(l.drop) == 0:
		return bytes.Clone(body)
	case l.trailing == 0:
		return appendRecord([]byte{}, l.keep(fields), rd.comma)
	}
	j := len(fields) - l.trailing
	if j <= 0 {
		return []byte{} // every field is in a reject column
	}
	fl, col := rd.cr.FieldPos(j)
	off := lineOffset(body, fl-line)
	if off < 0 {
		return bytes.Clone(body)
	}
	cut := off + col - 1 - utf8.RuneLen(rd.comma)
	if cut < 0 || cut > len(body) {
		return bytes.Clone(body)
	}
	return bytes.Clone(body[:cut])
}
