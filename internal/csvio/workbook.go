package csvio

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/acimport/acimport/internal/errs"
)

// An Excel workbook (.xlsx, .xlsm) is read directly: its zip holds
// xl/workbook.xml (the sheets' names and order), xl/_rels/workbook.xml.rels
// (where each sheet's part is), xl/styles.xml (each cell style's number
// format: which numbers are dates), xl/sharedStrings.xml (the text cells'
// strings, held in memory whole) and one XML part a sheet, which is read as a
// stream, row by row: memory does not grow with the rows.
//
// excelize (github.com/xuri/excelize/v2) writes the tests' workbooks and
// turns date serials into dates; its Rows iterator does not serve here: its
// Columns gives text only (a date cell and a number cell look alike, or
// every number comes in its display format), and its OpenReader reads the
// whole file into memory.

// ErrCellValue is wrapped by the RowError of a workbook row that holds an
// error cell (#N/A, #REF!, #DIV/0!, ...): the row is rejected as an invalid
// value, naming the cell.
var ErrCellValue = errors.New("an error value")

// ErrNoSheet is wrapped by NewReader's error for a workbook without the
// sheet Options.Sheet names, or without any sheet that has a row.
var ErrNoSheet = errors.New("no such sheet")

// isZip reports whether the input starts as a zip archive.
func isZip(window []byte) bool {
	return bytes.HasPrefix(window, []byte("PK\x03\x04")) || bytes.HasPrefix(window, []byte("PK\x05\x06"))
}

// workbook is the reading state of one sheet of a workbook input.
type workbook struct {
	file   *os.File // the workbook's bytes: the input itself or a copy
	size   int64
	zr     *zip.Reader
	sheet  string // the sheet's name, as positions name it
	part   *zip.File
	sst    []string
	styles []cellStyle // by the s attribute
	d1904  bool
	skip   int // Options.SkipLines: rows of the sheet before the header may start
	merges []merge

	rc   io.ReadCloser
	dec  *xml.Decoder
	done countingReader // the sheet's XML read so far, for Progress
	last int            // the number of the row read last

	width   int      // columns of the header
	header  int      // the header's row
	skipped [][]byte // the rows above the header, as CSV lines (for the reject file)
	ahead   *sheetRow
}

// cellStyle is what a cell style says about a number cell.
type cellStyle uint8

const (
	styleNumber   cellStyle = iota
	styleDate               // a date format without a time
	styleDateTime           // a format with a date and a time
	styleTime               // a format with a time only
)

// merge is one merged range, with its top-left value once read.
type merge struct {
	r0, c0, r1, c1 int // 1-based, inclusive
	value          cell
	seen           bool
}

// cell is one cell of a sheet row as read.
type cell struct {
	col  int // 1-based
	text string
	date bool   // a date cell: text is YYYY-MM-DD or YYYY-MM-DD hh:mm:ss
	err  string // an error cell's value, such as #N/A
}

// sheetRow is one <row> of a sheet.
type sheetRow struct {
	num   int // 1-based, as Excel shows it
	cells []cell
}

func (r *sheetRow) empty() bool {
	for _, c := range r.cells {
		if c.text != "" || c.err != "" {
			return false
		}
	}
	return true
}

// openWorkbook reads the input from the zip signature on: when it is an Excel
// workbook, rd reads its sheet; otherwise the error says what the file is.
// in is the input as NewReader got it, br the buffer over it.
func (rd *Reader) openWorkbook(in io.Reader, br *bufio.Reader, window []byte, opt Options) error {
	f, size, err := workbookFile(in, br)
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return notCSV(window, false)
	}
	wb := &workbook{file: f, size: size, zr: zr, skip: opt.SkipLines}
	if wb.find("xl/workbook.xml") == nil {
		return notCSV(window, false)
	}
	if opt.SkipLines < 0 {
		return optionErrorf("skip_lines %d: want 0 or more", opt.SkipLines)
	}
	if err := wb.load(opt.Sheet); err != nil {
		return err
	}
	rd.wb = wb
	rd.cs, rd.bom, rd.comma = csUTF8, true, ','
	rd.max = DefaultMaxRecordBytes
	return rd.workbookHeader()
}

// workbookFile gives the workbook's bytes as a file: the input itself when it
// is one and nothing of it was taken, else a temporary copy (removed at once;
// it lives as long as the reader). Every byte is taken through br, so that
// what hashes the input as it is read sees all of it.
func workbookFile(in io.Reader, br *bufio.Reader) (*os.File, int64, error) {
	tmp, err := os.CreateTemp("", "acimport-*.xlsx")
	if err != nil {
		return nil, 0, fmt.Errorf("a temporary copy of the workbook: %w", err)
	}
	_ = os.Remove(tmp.Name()) // the open file stays readable
	n, err := io.Copy(tmp, br)
	if err != nil {
		tmp.Close()
		return nil, 0, fmt.Errorf("read the workbook: %w", err)
	}
	return tmp, n, nil
}

func (wb *workbook) find(name string) *zip.File {
	for _, f := range wb.zr.File {
		if strings.EqualFold(strings.ReplaceAll(f.Name, `\`, "/"), name) {
			return f
		}
	}
	return nil
}

// decodeXML decodes the part name into v; a missing part leaves v as it is.
func (wb *workbook) decodeXML(name string, v any) error {
	f := wb.find(name)
	if f == nil {
		return nil
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("the workbook's %s: %w", name, err)
	}
	defer rc.Close()
	if err := xml.NewDecoder(rc).Decode(v); err != nil {
		return fmt.Errorf("the workbook's %s: %w", name, err)
	}
	return nil
}

type xmlWorkbook struct {
	Pr struct {
		Date1904 string `xml:"date1904,attr"`
	} `xml:"workbookPr"`
	Sheets []struct {
		Name string `xml:"name,attr"`
		RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
	} `xml:"sheets>sheet"`
}

type xmlRels struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

type xmlStyles struct {
	NumFmts []struct {
		ID   int    `xml:"numFmtId,attr"`
		Code string `xml:"formatCode,attr"`
	} `xml:"numFmts>numFmt"`
	Xfs []struct {
		NumFmt int `xml:"numFmtId,attr"`
	} `xml:"cellXfs>xf"`
}

// sheetRef is one sheet of the workbook: its name and its part.
type sheetRef struct {
	name string
	part *zip.File
}

// load reads the workbook's parts and picks the sheet: the one want names
// (its name, or its 1-based number), or without want the first sheet with a
// row after the skipped ones.
func (wb *workbook) load(want string) error {
	var w xmlWorkbook
	if err := wb.decodeXML("xl/workbook.xml", &w); err != nil {
		return err
	}
	wb.d1904 = w.Pr.Date1904 == "1" || w.Pr.Date1904 == "true"
	var rels xmlRels
	if err := wb.decodeXML("xl/_rels/workbook.xml.rels", &rels); err != nil {
		return err
	}
	var sheets []sheetRef
	for _, s := range w.Sheets {
		for _, r := range rels.Rels {
			if r.ID != s.RID {
				continue
			}
			p := r.Target
			if strings.HasPrefix(p, "/") {
				p = p[1:]
			} else {
				p = path.Join("xl", p)
			}
			sheets = append(sheets, sheetRef{s.Name, wb.find(p)})
		}
	}
	if err := wb.loadStyles(); err != nil {
		return err
	}
	if err := wb.loadStrings(); err != nil {
		return err
	}
	if len(sheets) == 0 {
		return errs.Errorf(ErrNoSheet, "the file is an Excel workbook (.xlsx) with no sheet that can be read: is it damaged? Open it in Excel and save it again")
	}
	names := make([]string, len(sheets))
	for i, s := range sheets {
		names[i] = strconv.Quote(s.name)
	}
	list := strings.Join(names, ", ")
	if want != "" {
		pick := -1
		for i, s := range sheets {
			if s.name == want {
				pick = i
			}
		}
		for i, s := range sheets {
			if pick < 0 && strings.EqualFold(s.name, want) {
				pick = i
			}
		}
		if n, err := strconv.Atoi(want); pick < 0 && err == nil && n >= 1 && n <= len(sheets) {
			pick = n - 1
		}
		if pick < 0 || sheets[pick].part == nil {
			return errs.Errorf(ErrNoSheet, "the workbook has no sheet %q; its sheets are %s (set csv: { sheet: ... } to one of them, or to its number)", want, list)
		}
		return wb.start(sheets[pick])
	}
	for _, s := range sheets {
		if s.part == nil {
			continue
		}
		if err := wb.start(s); err != nil {
			return err
		}
		if r, err := wb.peekHeader(); err != nil {
			return err
		} else if r != nil {
			return nil
		}
		wb.rc.Close()
	}
	if wb.skip > 0 {
		return errs.Errorf(ErrNoHeader, "no sheet of the workbook (%s) has a row after the %d skipped (skip_lines)", list, wb.skip)
	}
	return errs.Errorf(ErrNoHeader, "every sheet of the workbook (%s) is empty", list)
}

func (wb *workbook) loadStyles() error {
	var st xmlStyles
	if err := wb.decodeXML("xl/styles.xml", &st); err != nil {
		return err
	}
	custom := map[int]string{}
	for _, f := range st.NumFmts {
		custom[f.ID] = f.Code
	}
	wb.styles = make([]cellStyle, len(st.Xfs))
	for i, x := range st.Xfs {
		if code, ok := custom[x.NumFmt]; ok {
			wb.styles[i] = formatStyle(code)
		} else {
			wb.styles[i] = builtinStyle(x.NumFmt)
		}
	}
	return nil
}

// loadStrings reads the shared string table: every text cell's string, held
// whole (its size is in README, "Excel workbooks").
func (wb *workbook) loadStrings() error {
	f := wb.find("xl/sharedStrings.xml")
	if f == nil {
		return nil
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("the workbook's shared strings: %w", err)
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("the workbook's shared strings: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "si" {
			s, err := richText(d.Token)
			if err != nil {
				return fmt.Errorf("the workbook's shared strings: %w", err)
			}
			wb.sst = append(wb.sst, s)
		}
	}
}

// richText reads the text of a string item (<si>, <is>) whose start element
// next has just given, up to its end: its <t>, or the <t> of each of its runs,
// leaving out phonetic readings (<rPh>). next is the decoder's Token, or its
// RawToken where the sheet is read raw.
func richText(next func() (xml.Token, error)) (string, error) {
	var b strings.Builder
	depth, inT, inPh := 0, false, 0
	for {
		tok, err := next()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch t.Name.Local {
			case "t":
				inT = true
			case "rPh":
				inPh++
			}
		case xml.EndElement:
			if depth == 0 {
				return b.String(), nil
			}
			depth--
			switch t.Name.Local {
			case "t":
				inT = false
			case "rPh":
				inPh--
			}
		case xml.CharData:
			if inT && inPh == 0 {
				b.Write(t)
			}
		}
	}
}

// start opens the part of sheet s and finds its merged ranges.
func (wb *workbook) start(s sheetRef) error {
	wb.sheet, wb.part, wb.ahead, wb.skipped = s.name, s.part, nil, nil
	merges, err := wb.findMerges()
	if err != nil {
		return err
	}
	wb.merges = merges
	return wb.rewind()
}

// rewind starts reading the sheet's rows from the top.
func (wb *workbook) rewind() error {
	if wb.rc != nil {
		wb.rc.Close()
	}
	rc, err := wb.part.Open()
	if err != nil {
		return fmt.Errorf("sheet %q: %w", wb.sheet, err)
	}
	wb.done, wb.last = countingReader{r: rc}, 0
	wb.rc, wb.dec, wb.ahead = rc, xml.NewDecoder(bufio.NewReaderSize(&wb.done, 64<<10)), nil
	for i := range wb.merges {
		wb.merges[i].seen = false
	}
	return nil
}

// findMerges reads the sheet's merged ranges, which its XML has after the
// rows: a pass over the part's bytes that keeps nothing but them.
func (wb *workbook) findMerges() ([]merge, error) {
	rc, err := wb.part.Open()
	if err != nil {
		return nil, fmt.Errorf("sheet %q: %w", wb.sheet, err)
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	var merges []merge
	tag := []byte("mergeCell ") // after < or a namespace prefix's :
	var carry []byte
	buf := make([]byte, 64<<10)
	for {
		n, err := br.Read(buf)
		chunk := append(carry, buf[:n]...)
		for {
			i := bytes.Index(chunk, tag)
			if i < 0 {
				break
			}
			end := bytes.IndexByte(chunk[i:], '>')
			if end < 0 {
				break
			}
			if i == 0 || chunk[i-1] != '<' && chunk[i-1] != ':' {
				chunk = chunk[i+len(tag):]
				continue
			}
			el := chunk[i : i+end]
			if j := bytes.Index(el, []byte(`ref="`)); j >= 0 {
				ref := el[j+5:]
				if k := bytes.IndexByte(ref, '"'); k >= 0 {
					if m, ok := parseRange(string(ref[:k])); ok {
						merges = append(merges, m)
					}
				}
			}
			chunk = chunk[i+end:]
		}
		keep := min(len(chunk), 256)
		carry = append(carry[:0:0], chunk[len(chunk)-keep:]...)
		if err == io.EOF {
			return merges, nil
		}
		if err != nil {
			return nil, fmt.Errorf("sheet %q: %w", wb.sheet, err)
		}
	}
}

// parseRange reads a range such as A1:F1.
func parseRange(s string) (merge, bool) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return merge{}, false
	}
	c0, r0, ok0 := cellRef(a)
	c1, r1, ok1 := cellRef(b)
	if !ok0 || !ok1 || r1 < r0 || c1 < c0 {
		return merge{}, false
	}
	return merge{r0: r0, c0: c0, r1: r1, c1: c1}, true
}

// cellRef reads a cell reference such as BC12: its column and row, 1-based.
func cellRef(s string) (col, row int, ok bool) {
	i := 0
	for i < len(s) && (s[i] >= 'A' && s[i] <= 'Z' || s[i] >= 'a' && s[i] <= 'z') {
		c := s[i]
		if c >= 'a' {
			c -= 'a' - 'A'
		}
		col = col*26 + int(c-'A'+1)
		i++
	}
	if i == 0 || i == len(s) || col > 16384 {
		return 0, 0, false
	}
	row, err := strconv.Atoi(s[i:])
	return col, row, err == nil && row >= 1
}

// columnName is Excel's name of column col (1-based): A, B, ..., AA.
func columnName(col int) string {
	var b []byte
	for col > 0 {
		col--
		b = append([]byte{byte('A' + col%26)}, b...)
		col /= 26
	}
	return string(b)
}

// nextRow returns the sheet's next row that has a cell, or nil at the end.
func (wb *workbook) nextRow() (*sheetRow, error) {
	if r := wb.ahead; r != nil {
		wb.ahead = nil
		return r, nil
	}
	for {
		tok, err := wb.dec.RawToken()
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("sheet %q: %w", wb.sheet, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "row" {
			continue
		}
		row := &sheetRow{num: wb.last + 1} // a row without r follows the one before
		for _, a := range se.Attr {
			if n, err := strconv.Atoi(a.Value); a.Name.Local == "r" && err == nil && n > 0 {
				row.num = n
			}
		}
		wb.last = row.num
		if err := wb.readRow(row); err != nil {
			return nil, err
		}
		wb.fillMerged(row)
		return row, nil
	}
}

// readRow reads the cells of a <row> up to its end.
func (wb *workbook) readRow(row *sheetRow) error {
	col := 0
	for {
		tok, err := wb.dec.RawToken()
		if err != nil {
			return fmt.Errorf("sheet %q row %d: %w", wb.sheet, row.num, err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if t.Name.Local == "row" {
				return nil
			}
		case xml.StartElement:
			if t.Name.Local != "c" {
				continue
			}
			col++
			c, err := wb.readCell(t, &col)
			if err != nil {
				return fmt.Errorf("sheet %q row %d: %w", wb.sheet, row.num, err)
			}
			if c.text != "" || c.err != "" {
				row.cells = append(row.cells, c)
			}
		}
	}
}

// readCell reads one <c> element; col is its column, unless its r attribute says another.
func (wb *workbook) readCell(start xml.StartElement, col *int) (cell, error) {
	var typ, ref string
	style := -1
	for _, a := range start.Attr {
		switch a.Name.Local {
		case "t":
			typ = a.Value
		case "r":
			ref = a.Value
		case "s":
			style, _ = strconv.Atoi(a.Value)
		}
	}
	if ref != "" {
		if c, _, ok := cellRef(ref); ok {
			*col = c
		}
	}
	var v, inline string
	var haveInline bool
	for {
		tok, err := wb.dec.RawToken()
		if err != nil {
			return cell{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "v":
				s, err := wb.charData("v")
				if err != nil {
					return cell{}, err
				}
				v = s
			case "is":
				s, err := richText(wb.dec.RawToken)
				if err != nil {
					return cell{}, err
				}
				inline, haveInline = s, true
			}
		case xml.EndElement:
			if t.Name.Local == "c" {
				return wb.cellValue(*col, typ, style, v, inline, haveInline)
			}
		}
	}
}

// charData reads the text up to the end of element name.
func (wb *workbook) charData(name string) (string, error) {
	var b strings.Builder
	for {
		tok, err := wb.dec.RawToken()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.EndElement:
			if t.Name.Local == name {
				return b.String(), nil
			}
		}
	}
}

// cellValue is a cell as its type says.
func (wb *workbook) cellValue(col int, typ string, style int, v, inline string, haveInline bool) (cell, error) {
	c := cell{col: col}
	switch typ {
	case "s":
		if v == "" {
			return c, nil
		}
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(wb.sst) {
			return c, fmt.Errorf("cell %s%s: shared string %q is not in the workbook's table", columnName(col), "", v)
		}
		c.text = wb.sst[i]
	case "inlineStr":
		c.text = inline
	case "str":
		c.text = v
	case "b":
		switch strings.TrimSpace(v) {
		case "1", "true":
			c.text = "TRUE"
		case "0", "false":
			c.text = "FALSE"
		default:
			c.text = v
		}
	case "e":
		c.err = v
	case "d":
		// An ISO 8601 date, as some writers store dates.
		c.text, c.date = isoCellDate(v), true
	default: // "n" or none: a number
		if haveInline && v == "" {
			c.text = inline
			return c, nil
		}
		v = strings.TrimSpace(v)
		if v == "" {
			return c, nil
		}
		st := styleNumber
		if style >= 0 && style < len(wb.styles) {
			st = wb.styles[style]
		}
		if st != styleNumber {
			if d, ok := serialDate(v, st, wb.d1904); ok {
				c.text, c.date = d, true
				return c, nil
			}
		}
		c.text = exactNumber(v)
	}
	return c, nil
}

// fillMerged gives every cell of a merged range its top-left value.
func (wb *workbook) fillMerged(row *sheetRow) {
	for i := range wb.merges {
		m := &wb.merges[i]
		if row.num < m.r0 || row.num > m.r1 {
			continue
		}
		if row.num == m.r0 {
			for _, c := range row.cells {
				if c.col == m.c0 {
					m.value, m.seen = c, true
				}
			}
		}
		if !m.seen {
			continue
		}
		var out []cell
		for _, c := range row.cells {
			if c.col < m.c0 || c.col > m.c1 {
				out = append(out, c)
			}
		}
		for col := m.c0; col <= m.c1; col++ {
			c := m.value
			c.col = col
			out = append(out, c)
		}
		sortCells(out)
		row.cells = out
	}
}

func sortCells(cells []cell) {
	for i := 1; i < len(cells); i++ {
		for j := i; j > 0 && cells[j].col < cells[j-1].col; j-- {
			cells[j], cells[j-1] = cells[j-1], cells[j]
		}
	}
}

// peekHeader finds the header row: the first row with a cell below the
// skipped ones. nil when the sheet has none.
func (wb *workbook) peekHeader() (*sheetRow, error) {
	for {
		r, err := wb.nextRow()
		if err != nil || r == nil {
			return nil, err
		}
		if r.num <= wb.skip {
			continue
		}
		if !r.empty() {
			wb.ahead = r
			return r, nil
		}
	}
}

// workbookHeader reads the sheet's header row, keeping the rows above it for
// the reject file.
func (rd *Reader) workbookHeader() error {
	wb := rd.wb
	if err := wb.rewind(); err != nil {
		return err
	}
	last := 0 // the last row number kept in skipped
	for {
		r, err := wb.nextRow()
		if err != nil {
			return err
		}
		if r == nil {
			if wb.skip > 0 {
				return errs.Errorf(ErrNoHeader, "sheet %q has no row after the %d skipped (skip_lines)", wb.sheet, wb.skip)
			}
			return errs.Errorf(ErrNoHeader, "sheet %q is empty", wb.sheet)
		}
		if r.num <= wb.skip {
			for n := last + 1; n < r.num; n++ {
				wb.skipped = append(wb.skipped, nil)
			}
			wb.skipped = append(wb.skipped, appendRecord(nil, rowTexts(wb.unmerged(r), 0), ','))
			last = r.num
			continue
		}
		if r.empty() {
			continue
		}
		for n := last + 1; n <= wb.skip; n++ {
			wb.skipped = append(wb.skipped, nil)
		}
		fields := rowTexts(r, 0)
		for len(fields) > 0 && fields[len(fields)-1] == "" {
			fields = fields[:len(fields)-1]
		}
		for _, c := range r.cells {
			if c.err != "" {
				return fmt.Errorf("the header: cell %s!%s%d holds the error value %s", wb.sheet, columnName(c.col), r.num, c.err)
			}
		}
		wb.width, wb.header = len(fields), r.num
		rd.inHeader = fields
		rd.layout = newRejectLayout(fields)
		rd.header = rd.layout.keep(fields)
		var raw []byte
		for _, l := range wb.skipped {
			raw = append(append(raw, l...), "\r\n"...)
		}
		rd.headerRaw = appendRecord(raw, fields, ',')
		rd.headerEnding = "\r\n"
		rd.lines = r.num
		return nil
	}
}

// rowTexts is a row's cells as text, in columns 1 to width (0: up to its last cell).
func rowTexts(r *sheetRow, width int) []string {
	if width == 0 && len(r.cells) > 0 {
		width = r.cells[len(r.cells)-1].col
	}
	out := make([]string, width)
	for _, c := range r.cells {
		if c.col <= width {
			if c.err != "" {
				out[c.col-1] = c.err
			} else {
				out[c.col-1] = c.text
			}
		}
	}
	return out
}

// readWorkbook is ReadInto for a workbook: the sheet's next row that has a cell.
func (rd *Reader) readWorkbook(rec *Record) error {
	wb := rd.wb
	for rd.err == nil {
		r, err := wb.nextRow()
		switch {
		case err != nil:
			rd.err = fmt.Errorf("read %s: %w", rd.where(), err)
			return rd.err
		case r == nil:
			rd.err = io.EOF
			return rd.err
		case r.num <= rd.lines || r.empty():
			continue
		}
		rd.workbookRecord(r, rec)
		return nil
	}
	return rd.err
}

// workbookRecord makes rec the Record of sheet row r.
func (rd *Reader) workbookRecord(r *sheetRow, rec *Record) {
	wb := rd.wb
	*rec = Record{Line: r.num, Sheet: wb.sheet, Ending: "\r\n", Fields: rec.Fields[:0], Raw: rec.Raw[:0], End: wb.size, NextLine: r.num + 1}
	fields := rowTexts(r, 0)
	if len(fields) < wb.width {
		fields = append(fields, make([]string, wb.width-len(fields))...)
	}
	var beyond *cell
	for i := range r.cells {
		if r.cells[i].col > wb.width {
			beyond = &r.cells[i]
			break
		}
	}
	raw := fields
	if beyond == nil {
		raw = fields[:wb.width]
	}
	rec.Raw = appendRecord(rec.Raw, rd.layout.keep(raw), ',')
	rec.SourceLine = rd.layout.sourceLine(raw)
	rec.Sheet = rd.layout.sourceSheet(raw, wb.sheet)
	fail := func(err error) {
		rec.Fields = nil
		rec.Err = &RowError{Line: r.num, Sheet: rec.Sheet, Err: err}
	}
	for _, c := range r.cells {
		if c.err != "" {
			fail(errs.Errorf(ErrCellValue, "cell %s!%s%d holds the error value %s (column %q): fix the formula, or clear the cell", wb.sheet, columnName(c.col), r.num, c.err, rd.inHeader[min(c.col, wb.width)-1]))
			return
		}
	}
	if beyond != nil {
		fail(fmt.Errorf("%w: cell %s!%s%d has a value, %q, and the header ends at column %s", csv.ErrFieldCount, wb.sheet, columnName(beyond.col), r.num, beyond.text, columnName(wb.width)))
		return
	}
	rec.Fields = rd.layout.appendKept(rec.Fields, fields[:wb.width])
	if rec.Fields == nil {
		rec.Fields = []string{}
	}
}

// seekWorkbook continues reading at row line of the sheet.
func (rd *Reader) seekWorkbook(line int) error {
	if err := rd.wb.rewind(); err != nil {
		return fmt.Errorf("read %s: %w", rd.where(), err)
	}
	rd.lines, rd.err = line-1, nil
	return nil
}

// Workbook reports whether the input is an Excel workbook, and names the
// sheet read; its reject file is a UTF-8 CSV.
func (rd *Reader) Workbook() (sheet string, ok bool) {
	if rd.wb == nil {
		return "", false
	}
	return rd.wb.sheet, true
}

// unmerged is row r with the cells that merged ranges filled left out again:
// a skipped title row goes to the reject file once, not once a column.
func (wb *workbook) unmerged(r *sheetRow) *sheetRow {
	out := &sheetRow{num: r.num}
	for _, c := range r.cells {
		filled := false
		for _, m := range wb.merges {
			if r.num >= m.r0 && r.num <= m.r1 && c.col >= m.c0 && c.col <= m.c1 && (r.num != m.r0 || c.col != m.c0) {
				filled = true
			}
		}
		if !filled {
			out.cells = append(out.cells, c)
		}
	}
	return out
}

// HeaderRow is, for a workbook, the row of its sheet the header was read
// from (1-based); 0 for CSV.
func (rd *Reader) HeaderRow() int {
	if rd.wb == nil {
		return 0
	}
	return rd.wb.header
}

// Progress is how far into the input rec is, in bytes of it, for the
// progress display: rec.End for CSV. A workbook row's End is the workbook's
// size (the resume state hashes all of it), so its progress is instead the
// share of the sheet's XML read so far, scaled to the workbook's size.
func (rd *Reader) Progress(rec *Record) int64 {
	wb := rd.wb
	if wb == nil {
		return rec.End
	}
	total := wb.part.UncompressedSize64
	if total == 0 {
		return rec.End
	}
	read := uint64(wb.done.n.Load())
	return min(int64(float64(wb.size)*float64(read)/float64(total)), wb.size-1)
}
