package csvio

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/acimport/acimport/internal/errs"
)

// Reader reads the records of one CSV file after its header line. Memory
// stays bounded by Options.MaxRecordBytes, whatever the file's size.
type Reader struct {
	name  string // for messages
	stdin bool
	count countingReader
	rec   recorder
	cr    *csv.Reader
	comma rune
	cs    *charset
	why   string // how "auto" chose cs; "" when the encoding was given
	bom   bool
	max   int    // Options.MaxRecordBytes, resolved
	lazy  bool   // Options.LazyQuotes
	gz    bool   // the input is gzip-compressed
	lines int    // physical lines before the recorder's start
	sep   []byte // Excel's "sep=" line, decoded, without its terminator; nil if none
	// skipped are the lines Options.SkipLines passed over, decoded, with their terminators.
	skipped []byte
	// rawBase is where the decoded stream starts in the input: after a BOM
	// and a "sep=" line.
	rawBase int64

	sepEnding    string
	inHeader     []string // as in the input, reject columns included
	header       []string
	headerRaw    []byte
	headerEnding string
	layout       rejectLayout

	err error // sticky: io.EOF or the stream's failure

	wb *workbook // an Excel workbook's sheet, read instead of CSV text; nil for CSV
	// shared is cs for the reject writer's goroutine: "auto" may change cs
	// mid-file (see lateJudge).
	shared  atomic.Pointer[charset]
	auto    bool  // the encoding option is "auto"
	late    bool  // auto found ASCII only: lateJudge decides at the first byte beyond it
	lateErr error // lateJudge could not tell the encoding there
}

// NewReader reads the header line of the CSV file r. name is the file's name
// for messages; "-" is standard input. The errors name the file: no header
// line (ErrNoHeader), a bad option (ErrInvalidOption), an unreadable header.
// An empty column name is allowed. Blank lines and lines of spaces and tabs
// before the header are skipped, and so is a first line such as Excel's
// "sep=;", which sets the delimiter.
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
	if rd.max, err = parseMaxRecord(opt.MaxRecordBytes); err != nil {
		return err
	}
	skip, err := parseSkipLines(opt.SkipLines)
	if err != nil {
		return err
	}
	rd.lazy = opt.LazyQuotes
	rd.count.r = r
	br := bufio.NewReaderSize(&rd.count, sniffLimit)
	window, whole, err := peekWindow(br)
	if err != nil {
		return err
	}
	if isZip(window) {
		return rd.openWorkbook(r, br, window, opt) // workbook.go
	}
	if bytes.HasPrefix(window, gzipMagic) {
		// A nightly export, gzipped: read through it. Offsets in it cannot
		// be sought; see Record.End.
		zr, err := gzip.NewReader(br)
		if err != nil {
			return gzipError(err)
		}
		rd.gz = true
		br = bufio.NewReaderSize(zr, sniffLimit)
		if window, whole, err = peekWindow(br); err != nil {
			return gzipError(err)
		}
	}
	hint := comma
	if hint == 0 {
		hint = sniffDelimiter(window)
	}
	cs, bomLen, why, err := pickEncoding(enc, window, whole, hint)
	if err != nil {
		if e := notCSV(window, false); e != nil {
			return e
		}
		return err
	}
	if err := notCSV(window, cs.units == unitsUTF16); err != nil {
		return err
	}
	rd.cs, rd.why, rd.auto = cs, why, enc == encAuto
	rd.shared.Store(cs)
	if rd.auto && cs == csUTF8 && bomLen == 0 && !whole && ascii(window) {
		rd.late = true
		rd.why = fmt.Sprintf("ASCII in its first %s; judged again at the first byte beyond ASCII", sizeText(sniffLimit))
	}
	if bomLen > 0 {
		rd.bom = true
		rd.rawBase += int64(bomLen)
		window = window[bomLen:]
		if _, err := br.Discard(bomLen); err != nil {
			return err
		}
	}
	// The sep= line and the delimiter are looked for in the decoded text
	// for UTF-16; in the file's bytes otherwise, where they are ASCII.
	text := window
	if cs.units == unitsUTF16 {
		text = cs.decode(window[:len(window)&^1])
	}
	sepComma, n, ending, found, err := sepLine(text, cs, whole)
	switch {
	case err != nil:
		return err
	case found:
		comma = sepComma
		raw := n + len(ending)
		if cs.units == unitsUTF16 {
			rd.sep = bytes.Clone(text[:n])
			raw = int(consumedBy(text[:raw], cs.units))
		} else {
			rd.sep = cs.decode(window[:n])
		}
		rd.sepEnding = ending
		rd.rawBase += int64(raw)
		rd.lines = 1
		if _, err := br.Discard(raw); err != nil {
			return err
		}
	}
	if skip > 0 {
		if text, err = rd.skipTitle(br, skip); err != nil {
			return err
		}
	}
	if comma == 0 {
		comma = sniffDelimiter(text)
	}
	if !cs.encodable(comma) {
		return optionErrorf("delimiter %q has no %s form", comma, cs.name)
	}
	rd.comma = comma

	rd.rec = rd.newRecorder(br)
	rd.newCSV()
	return rd.readHeader()
}

// peekWindow returns the first sniffLimit bytes of br, or all of them when
// there are fewer (whole).
func peekWindow(br *bufio.Reader) (window []byte, whole bool, err error) {
	window, err = br.Peek(sniffLimit)
	whole = err == io.EOF
	if err != nil && !whole && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, false, err
	}
	return window, whole, nil
}

func (rd *Reader) newRecorder(br *bufio.Reader) recorder {
	r := rd.cs.decoder(br)
	if rd.late {
		r = &lateJudge{rd: rd, src: br}
	}
	return recorder{r: r, units: rd.cs.units, buf: make([]byte, 0, recorderMin), limit: min(rd.max, math.MaxInt-recorderSlack) + recorderSlack}
}

// ascii reports whether b is all ASCII.
func ascii(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// SeekRecord continues reading at offset, the End of a record this reader (or one
// over the same input) returned, whose NextLine was line: a resumed import
// goes straight to its first unfinished row instead of parsing every finished
// one again. The input must be an io.Seeker (a file, not a pipe).
func (rd *Reader) SeekRecord(offset int64, line int) error {
	if rd.wb != nil {
		return rd.seekWorkbook(line)
	}
	sk, ok := rd.count.r.(io.Seeker)
	if !ok || rd.gz {
		return fmt.Errorf("read %s: %w", rd.where(), ErrNotSeekable)
	}
	if offset < rd.rawBase || line < 1 {
		return fmt.Errorf("read %s: %w: offset %d, line %d", rd.where(), ErrInvalidOption, offset, line)
	}
	if _, err := sk.Seek(offset, io.SeekStart); err != nil {
		return fmt.Errorf("read %s: %w: %w", rd.where(), ErrNotSeekable, err)
	}
	rd.count.n.Store(offset)
	rd.rec = rd.newRecorder(bufio.NewReaderSize(&rd.count, sniffLimit))
	rd.rec.consumed = offset - rd.rawBase
	rd.lines = line - 1
	rd.err = nil
	rd.newCSV()
	return nil
}

func (rd *Reader) newCSV() {
	rd.cr = csv.NewReader(&rd.rec)
	rd.cr.Comma = rd.comma
	rd.cr.FieldsPerRecord = -1
	// record copies the fields it keeps: csv.Reader need not allocate a
	// slice a record, and ReadInto reuses the caller's.
	rd.cr.ReuseRecord = true
}

func (rd *Reader) readHeader() error {
	for {
		s, err := rd.scan()
		switch {
		case err == io.EOF:
			return ErrNoHeader
		case err != nil:
			return err
		case s.long != nil && s.longLine:
			return errs.Errorf(ErrRecordTooLong, "the header line is longer than %s: is this a CSV file?", sizeText(rd.max))
		case s.long != nil:
			return errs.Errorf(ErrRecordTooLong, "the header is longer than %s — an unclosed quote?", sizeText(rd.max))
		case s.pe != nil && (errors.Is(s.pe.Err, csv.ErrBareQuote) || errors.Is(s.pe.Err, csv.ErrQuote)):
			return rd.headerQuote(&s)
		case s.pe != nil:
			return fmt.Errorf("the header: %w", s.pe)
		case s.blank():
			continue
		}
		fields := slices.Clone(s.fields) // csv.Reader reuses s.fields
		if err := rd.checkText(s, fields); err != nil {
			return fmt.Errorf("the header: %w", err)
		}
		rd.inHeader = fields
		rd.layout = newRejectLayout(fields)
		rd.header = rd.layout.keep(fields)
		rd.headerRaw = rd.rawOf(nil, &s, fields, len(fields))
		rd.headerEnding = s.ending
		return nil
	}
}

// headerQuote is the error for a header with a stray quote, read strictly:
// it names the column, as a spreadsheet would read it, and the option that
// reads it so.
func (rd *Reader) headerQuote(s *scanned) error {
	col := len(s.fields) // the fields before the bad one
	name := ""
	if names, _, _, _ := lazyFields(s.body, rd.comma); col < len(names) {
		name = fmt.Sprintf(" %q", names[col])
	}
	return fmt.Errorf("the header: column %d%s has a quote inside an unquoted name (%w); if the file is meant that way, set csv: { lazy_quotes: true } in the mapping to read such quotes as text, as spreadsheets do",
		col+1, name, s.pe.Err)
}

// Header returns the column names, without the reject columns.
func (rd *Reader) Header() []string { return rd.header }

// Comma returns the delimiter in use, after sniffing.
func (rd *Reader) Comma() rune { return rd.comma }

// Encoding returns the encoding in use, after "auto" was resolved: "utf-8",
// "utf-16le", "utf-16be", "windows-1251", "windows-1252", "iso-8859-1" or
// "koi8-r".
func (rd *Reader) Encoding() string { return rd.cs.name }

// EncodingReason says why "auto" chose Encoding, for the user to check
// (`a UTF-16LE byte order mark`, `reads as words in windows-1252, such as
// "Hélène"; windows-1251 would give "Hйlиne"`); "" when the encoding was
// given.
func (rd *Reader) EncodingReason() string { return rd.why }

// BOM reports whether the input started with a byte order mark (UTF-8 or
// UTF-16). The reject file then starts with it too.
func (rd *Reader) BOM() bool { return rd.bom }

// SepLine reports whether the input started with Excel's delimiter line,
// such as "sep=;". The reject file then starts with it too.
func (rd *Reader) SepLine() bool { return rd.sep != nil }

// Name returns the file's name as messages show it: "standard input" for "-".
func (rd *Reader) Name() string { return rd.name }

// Compressed reports whether the input is gzip-compressed (read through
// transparently).
func (rd *Reader) Compressed() bool { return rd.gz }

// BytesRead returns how many bytes, undecoded, have been taken from the
// underlying reader so far, read-ahead included. It is safe to call from
// another goroutine.
func (rd *Reader) BytesRead() int64 { return rd.count.n.Load() }

// Read returns the next record, or io.EOF after the last one. Each call
// returns a new Record the caller may keep. A row that cannot be parsed is a
// Record with Err set, not an error: reading goes on with the next row. Blank
// lines and lines of spaces and tabs (other than the delimiter) between rows
// are skipped. The errors are failures of the whole stream, and they stick.
func (rd *Reader) Read() (*Record, error) {
	rec := new(Record)
	if err := rd.ReadInto(rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// ReadInto is Read into rec, a record the caller is done with: the next
// record replaces it, and reuses the memory of its Fields and Raw, so that a
// caller that recycles its records reads without allocating them. The
// strings of the old Fields stay valid; the bytes of the old Raw do not.
func (rd *Reader) ReadInto(rec *Record) error {
	if rd.wb != nil {
		return rd.readWorkbook(rec)
	}
	for rd.err == nil {
		s, err := rd.scan()
		switch {
		case err == io.EOF:
			rd.err = io.EOF
		case err != nil:
			rd.err = fmt.Errorf("read %s: %w", rd.where(), err)
		case !s.blank():
			rd.record(s, rec)
			rec.End, rec.NextLine = rd.rawBase+rd.rec.consumed, rd.lines+1
			if rd.gz {
				rec.End = rd.count.n.Load()
			}
			return nil
		}
	}
	return rd.err
}

// scanned is one record as csv.Reader parsed it, with its place and text.
type scanned struct {
	fields []string
	pe     *csv.ParseError // the record could not be parsed
	long   error           // the record is too long: only its first line is in body
	// longLine: the first line alone is too long, and body holds its start.
	longLine bool
	line     int    // the physical line where it starts
	csvLine  int    // the same, as csv.Reader counts
	body     []byte // its text without the terminator; valid until the next scan
	ending   string
	// starts holds where each field starts in body when lazyFields read the
	// record, csv.Reader having refused it; nil when csv.Reader read it.
	starts []int
}

// blank reports whether s is a line of spaces and tabs only, none of them
// the delimiter: a blank line to the eye, which a CSV editor may leave.
func (s *scanned) blank() bool {
	if len(s.fields) != 1 || s.pe != nil || s.long != nil || len(s.body) == 0 {
		return false
	}
	for _, c := range s.body {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// scan reads the next record with csv.Reader. A record longer than rd.max
// comes back with long set, and csv.Reader starts again after its first
// line.
func (rd *Reader) scan() (scanned, error) {
	fields, err := rd.cr.Read()
	if rd.rec.over {
		return rd.tooLong(nil, false)
	}
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return scanned{}, io.EOF
	case err != nil:
		if pe = asParseError(err); pe == nil {
			return scanned{}, err
		}
	}
	text, blank := rd.rec.take(rd.cr.InputOffset())
	text, lead := trimBlankLines(text)
	rd.lines += blank + lead
	if len(text) > rd.max {
		return rd.tooLong(text, false)
	}
	s := scanned{fields: fields, pe: pe, line: rd.lines + 1}
	s.body, s.ending = splitEnding(text)
	if pe != nil && rd.lazy && (errors.Is(pe.Err, csv.ErrBareQuote) || errors.Is(pe.Err, csv.ErrQuote)) {
		// Read again the way spreadsheets do; csv.Reader's own LazyQuotes
		// differs ("x" y would swallow the lines after it).
		if f, starts, open, early := lazyFields(s.body, rd.comma); !open && !early && !rd.openBeforeRejectColumns(s.body) {
			if bytes.ContainsAny(s.body, "\r\n") && (closedByChance(s.body, rd.comma, rd.layout.width) || rd.rejectRowOnFirstLine(s.body)) {
				// As strictly read: the quote never closed where it should.
				return rd.tooLong(text, true)
			}
			s.fields, s.starts, s.pe = f, starts, nil
		}
	}
	if s.pe != nil && errors.Is(s.pe.Err, csv.ErrQuote) {
		multi := bytes.ContainsAny(s.body, "\r\n")
		_, _, open, _ := lazyFields(s.body, rd.comma)
		if multi && (rd.rec.drained() || pe.Line > pe.StartLine) || !multi && open && rd.rec.drained() {
			// A quote opened and never closed, or closed by chance by a
			// quote lines later: csv.Reader took those lines into this
			// record. Reject its first line and read the rest again.
			return rd.tooLong(text, true)
		}
	}
	rd.lines += countBreaks(text)
	switch {
	case pe != nil:
		s.csvLine = pe.StartLine // s.starts, not csv.Reader, places the fields of a lazy read
	default:
		s.csvLine, _ = rd.cr.FieldPos(0)
		if bytes.IndexByte(s.body, '\r') >= 0 {
			rd.keepBreaks(&s)
		}
	}
	return s, nil
}

// openBeforeRejectColumns reports whether body, a reject file's row, is a
// row whose quote never closed followed by its reject columns: read lazily
// as a whole, the reject columns' own quotes would close it.
func (rd *Reader) openBeforeRejectColumns(body []byte) bool {
	if rd.layout.trailing == 0 {
		return false
	}
	data, line := rd.layout.stripTail(body, rd.comma)
	if line == 0 {
		return false
	}
	_, _, open, _ := lazyFields(data, rd.comma)
	return open
}

// rejectRowOnFirstLine reports whether the first line of body, a record
// read over several lines from a reject file, ends in well-formed reject
// columns: the writer puts a row's reject columns after its last line, so
// that line is a reject row of its own, and its quote was left open.
func (rd *Reader) rejectRowOnFirstLine(body []byte) bool {
	if rd.layout.trailing == 0 {
		return false
	}
	i, _ := nextBreak(body)
	_, line := rd.layout.stripTail(body[:i], rd.comma)
	return line > 0
}

// keepBreaks gives the quoted cells of s that hold a line break the break as
// written: csv.Reader turns each "\r\n" into "\n", and lineEnds each lone
// "\r". Only a quoted cell holds a break, and the k-th "\n" of its value is
// the k-th break of the text from where the cell starts.
func (rd *Reader) keepBreaks(s *scanned) {
	for j, f := range s.fields {
		if strings.IndexByte(f, '\n') < 0 {
			continue
		}
		off := rd.fieldStart(s, j)
		if off < 0 {
			continue
		}
		raw := s.body[off:]
		var b strings.Builder
		b.Grow(len(f) + 8)
		for {
			i := strings.IndexByte(f, '\n')
			k, size := nextBreak(raw)
			if i < 0 || k < 0 {
				break
			}
			b.WriteString(f[:i])
			b.Write(raw[k : k+size])
			f, raw = f[i+1:], raw[k+size:]
		}
		b.WriteString(f)
		s.fields[j] = b.String()
	}
}

// tooLong makes a record longer than rd.max — or, when unclosed, one whose
// quote never closes before the end of the input — a row of its first line,
// cut to rd.max, and starts a new csv.Reader at the line after that. text is
// the record when csv.Reader read it whole, nil when the recorder cut it short.
func (rd *Reader) tooLong(text []byte, unclosed bool) (scanned, error) {
	rec := &rd.rec
	cut := text == nil
	var after []byte // read past the record, to read again
	if cut {
		var lead int
		untaken := rec.untaken()
		text, lead = trimBlankLines(untaken)
		rec.consume(untaken[:len(untaken)-len(text)])
		rd.lines += rec.blank + lead
	} else {
		after = rec.untaken()
	}
	s := scanned{line: rd.lines + 1}
	var first []byte
	i, size := nextBreak(text)
	if cut && i >= 0 && i+size == len(text) && text[i] == '\r' {
		i = -1 // a "\r" that may be the start of "\r\n": skipLine tells
	}
	switch {
	case i >= 0:
		first, s.ending = text[:i], string(text[i:i+size])
		if cut {
			rec.consume(text[:i+size])
		} else {
			// take counted the whole record; all but its first line is read again.
			rec.consumed -= consumedBy(text[i+size:], rec.units)
		}
		rec.restart(text[i+size:], after)
	case cut:
		// The first line goes on past what was read (more than rd.max, so
		// it is cut below anyway): skip the rest of it.
		first = text
		rec.consume(text)
		cr := bytes.HasSuffix(text, []byte("\r"))
		if cr {
			first = text[:len(text)-1]
		}
		ending, err := rec.skipLine(cr)
		if err != nil {
			return scanned{}, err
		}
		s.ending = ending
		rec.restart()
	default:
		first, s.ending = splitEnding(text) // the last line of the input
		rec.restart(after)
	}
	rd.lines++
	limit := sizeText(rd.max)
	if s.longLine = len(first)+len(s.ending) > rd.max; s.longLine {
		s.long = errs.Errorf(ErrRecordTooLong, "line longer than %s; only its first %s is kept", limit, limit)
		first = first[:runeStart(first, rd.max)]
	} else if unclosed && (i < 0 || i+size == len(text)) {
		s.long = errs.Errorf(csv.ErrQuote, "a quote opened on this line never closes before the end of the file")
	} else if unclosed {
		s.long = errs.Errorf(csv.ErrQuote, "a quote opened on this line never closes; only this line is rejected, reading goes on at the next line")
	} else {
		s.long = errs.Errorf(ErrRecordTooLong, "row longer than %s — an unclosed quote? Only its first line is rejected; reading goes on at the next line", limit)
	}
	s.body = bytes.Clone(first)
	rd.newCSV()
	return s, nil
}

// runeStart returns the largest i <= n that does not cut a UTF-8 sequence of b in two.
func runeStart(b []byte, n int) int {
	if n >= len(b) {
		return len(b)
	}
	for i := n; i > n-utf8.UTFMax && i > 0; i-- {
		if utf8.RuneStart(b[i]) {
			return i
		}
	}
	return n
}

// record makes rec the Record of a scanned record that is not a blank line,
// reusing the memory of rec's Fields and Raw.
func (rd *Reader) record(s scanned, rec *Record) {
	*rec = Record{Line: s.line, Ending: s.ending, Fields: rec.Fields[:0], Raw: rec.Raw[:0]}
	fail := func(err error) {
		rec.Fields = nil
		rec.Err = &RowError{Line: rec.Line, Err: err}
	}
	switch {
	case s.long != nil && errors.Is(s.long, csv.ErrQuote):
		// A whole line whose quote never closes: fed back from a reject
		// file, its reject columns go as for any broken row.
		raw, line := rd.layout.stripTail(s.body, rd.comma)
		rec.Raw, rec.SourceLine = cloneInto(rec.Raw, raw), line
		fail(s.long)
		return
	case s.long != nil:
		rec.Raw = s.body
		fail(s.long)
		return
	case s.pe != nil:
		// fields holds the fields before the bad one.
		raw, line := rd.layout.stripTail(s.body, rd.comma)
		rec.Raw, rec.SourceLine = cloneInto(rec.Raw, raw), line
		fail(fmt.Errorf("%s: %w", rd.fieldName(len(s.fields)), s.pe.Err))
		return
	}
	l := &rd.layout
	if len(l.drop) > 0 && l.trailing == 0 {
		rd.recordMixed(s, rec)
		return
	}
	// Raw is the row's text up to its reject columns, byte for byte: empty
	// cells beyond the header's width included.
	fields, width, n := s.fields, l.width-l.trailing, len(s.fields)
	if l.trailing > 0 {
		var rej int
		if n, rej = l.locate(fields); rej >= 0 {
			rec.SourceLine, rec.Sheet = l.lineOf(fields[rej:]), l.sheetOf(fields[rej:])
		}
	}
	switch n {
	case len(s.fields):
		rec.Raw = cloneInto(rec.Raw, s.body)
	case 0:
		rec.Raw = cloneInto(rec.Raw, s.body[:0]) // every field is in a reject column
	default:
		rec.Raw = rd.cutBefore(rec.Raw, &s, n)
	}
	if err := rd.checkText(s, s.fields); err != nil {
		fail(err)
		return
	}
	data := fields[:n]
	if n > width && allEmpty(data[width:]) {
		data = data[:width] // a spreadsheet's trailing empty columns
	}
	if len(data) != width {
		// Counted without the reject columns, as in the input the row comes from.
		fail(fmt.Errorf("%w: %d, the header has %d", csv.ErrFieldCount, n, width))
		return
	}
	if rec.Fields = append(rec.Fields, data...); rec.Fields == nil {
		rec.Fields = []string{} // every field is in a reject column; nil would mean a bad row
	}
}

// recordMixed is record for an input whose reject columns are not its last
// ones, a reject file a user reordered: rare, and read by position only.
func (rd *Reader) recordMixed(s scanned, rec *Record) {
	fields := s.fields
	if len(fields) > rd.layout.width && allEmpty(fields[rd.layout.width:]) {
		fields = fields[:rd.layout.width]
	}
	rec.Raw = rd.rawOf(rec.Raw, &s, fields, len(s.fields))
	if err := rd.checkText(s, fields); err != nil {
		rec.Fields, rec.Err = nil, &RowError{Line: rec.Line, Err: err}
		return
	}
	if len(fields) != rd.layout.width {
		// Which of its fields are reject columns is anyone's guess: keep them all.
		rec.Raw = cloneInto(rec.Raw, s.body)
		rec.Fields, rec.Err = nil, &RowError{Line: rec.Line, Err: fmt.Errorf("%w: %d, the header has %d", csv.ErrFieldCount, len(s.fields), rd.layout.width)}
		return
	}
	if rec.Fields = rd.layout.appendKept(rec.Fields, fields); rec.Fields == nil {
		rec.Fields = []string{}
	}
}

// cloneInto is bytes.Clone(b) into the memory of dst.
func cloneInto(dst, b []byte) []byte {
	if b == nil {
		return nil
	}
	dst = append(dst[:0], b...)
	if dst == nil {
		return []byte{}
	}
	return dst
}

// checkText finds a NUL byte, or invalid UTF-8 in a UTF-8 file, in a parsed
// record, and says where.
func (rd *Reader) checkText(s scanned, fields []string) error {
	if i := bytes.IndexByte(s.body, 0); i >= 0 {
		return fmt.Errorf("%s: %w at %s; %s", rd.fieldName(rd.fieldAt(s, fields, i)), ErrNUL, rd.at(s, i), "is the file UTF-16 or binary? save it as UTF-8 CSV")
	}
	if rd.cs.units == unitsBytes && !utf8.Valid(s.body) {
		i := invalidUTF8(s.body)
		return fmt.Errorf("%s: %w at %s (%s)", rd.fieldName(rd.fieldAt(s, fields, i)), ErrInvalidUTF8, rd.at(s, i), rd.utf8Advice())
	}
	return nil
}

// at says where offset i of a record's decoded text is, in bytes of the
// file: "byte 5 of the line", or "byte 5 of line 9" for a later line of the
// record.
func (rd *Reader) at(s scanned, i int) string {
	line, col := position(s.body, i)
	col = int(consumedBy(s.body[i-col+1:i], rd.cs.units)) + 1
	if line == 0 {
		return fmt.Sprintf("byte %d of the line", col)
	}
	return fmt.Sprintf("byte %d of line %d", col, s.line+line)
}

// fieldAt returns the index of the field that holds offset i of a record's text.
func (rd *Reader) fieldAt(s scanned, fields []string, i int) int {
	f := 0
	for j := 1; j < len(fields); j++ {
		if start := rd.fieldStart(&s, j); start < 0 || start > i {
			break
		}
		f = j
	}
	return f
}

// invalidUTF8 returns the offset of the first byte of b that is not valid UTF-8.
func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

func allEmpty(fields []string) bool {
	for _, f := range fields {
		if f != "" {
			return false
		}
	}
	return true
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

// rawOf returns, in the memory of dst, a copy of a parsed record's text body
// without the reject columns: cut before them when they are the last columns
// (as the reject writer puts them), else rebuilt from the kept fields.
// fields may be the record's fields cut to the header's width, and then the
// text is cut there too, so that the reject columns follow the last column;
// parsed is how many fields the record has.
func (rd *Reader) rawOf(dst []byte, s *scanned, fields []string, parsed int) []byte {
	l := &rd.layout
	switch {
	case len(l.drop) == 0 && len(fields) < parsed:
		return rd.cutBefore(dst, s, len(fields))
	case len(l.drop) == 0:
		return cloneInto(dst, s.body)
	case l.trailing == 0:
		return cloneInto(dst, appendRecord([]byte{}, l.keep(fields), rd.comma)) // reject columns among the others: rare
	}
	j := len(fields) - l.trailing
	if j <= 0 {
		return []byte{} // every field is in a reject column
	}
	return rd.cutBefore(dst, s, j)
}

// fieldStart returns the offset in body of field j of the record scanned
// last, or -1.
func (rd *Reader) fieldStart(s *scanned, j int) int {
	if s.starts != nil {
		if j < len(s.starts) {
			return s.starts[j]
		}
		return -1
	}
	fl, col := rd.cr.FieldPos(j)
	off := lineOffset(s.body, fl-s.csvLine)
	if off < 0 {
		return -1
	}
	return off + col - 1
}

// cutBefore returns, in the memory of dst, a copy of s.body up to the
// delimiter before field j.
func (rd *Reader) cutBefore(dst []byte, s *scanned, j int) []byte {
	body := s.body
	start := rd.fieldStart(s, j)
	if start < 0 {
		return cloneInto(dst, body)
	}
	cut := start - utf8.RuneLen(rd.comma)
	if cut < 0 || cut > len(body) {
		return cloneInto(dst, body)
	}
	return cloneInto(dst, body[:cut])
}
