package csvio

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/acimport/acimport/internal/errs"
)

// gzipMagic starts every gzip file.
var gzipMagic = []byte{0x1F, 0x8B}

// saveAsCSV is how to get a CSV file out of a spreadsheet.
const saveAsCSV = `open it in Excel and use File → Save As → "CSV UTF-8 (Comma delimited) (*.csv)", or in LibreOffice Calc File → Save As → "Text CSV (.csv)", and import that file`

// saveAsXLSX is how to get a workbook acimport reads out of an old one.
const saveAsXLSX = `open it in Excel and use File → Save As → "Excel Workbook (*.xlsx)" (or in LibreOffice Calc File → Save As → "Excel 2007-365 (.xlsx)"), and import that file: acimport reads .xlsx workbooks directly`

// exportTable is what to do with a data file of another program.
const exportTable = "export the table as CSV from the program that made it"

// signatures are the first bytes of files people give an importer instead
// of CSV, with what each is and what to do. magic must start the file;
// match, when set, decides instead, for formats a prefix alone cannot tell
// from text (a CSV header may well start "ORC" or "PAR1").
var signatures = []signature{
	{magic: []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), what: "an old-style Excel workbook (.xls) or another Microsoft Office document", todo: saveAsXLSX},
	{magic: []byte("%PDF-"), what: "a PDF document", todo: exportTable},
	{magic: []byte("{\\rtf"), what: "an RTF document (Word, WordPad)", todo: "copy the table into a spreadsheet and save it as CSV"},
	{magic: []byte("7z\xBC\xAF\x27\x1C"), what: "a 7-Zip archive", todo: "unpack it and import the CSV file inside"},
	{magic: []byte("Rar!\x1A\x07"), what: "a RAR archive", todo: "unpack it and import the CSV file inside"},
	{match: bzip2, what: "a bzip2-compressed file", todo: "unpack it (bunzip2) and import the CSV file inside; gzip (.csv.gz) is read as it is"},
	{magic: []byte("\xFD7zXZ\x00"), what: "an xz-compressed file", todo: "unpack it (unxz) and import the CSV file inside; gzip (.csv.gz) is read as it is"},
	{magic: []byte("\x28\xB5\x2F\xFD"), what: "a zstd-compressed file", todo: "unpack it (unzstd) and import the CSV file inside; gzip (.csv.gz) is read as it is"},
	{magic: []byte("\x04\x22\x4D\x18"), what: "an LZ4-compressed file", todo: "unpack it (unlz4) and import the CSV file inside; gzip (.csv.gz) is read as it is"},
	{match: tarArchive, what: "a tar archive", todo: "unpack it (tar -xf) and import the CSV file inside"},
	{magic: []byte("SQLite format 3\x00"), what: "an SQLite database", todo: "export the table as CSV (sqlite3 -csv -header)"},
	{match: binaryAfter("PAR1", 4), what: "an Apache Parquet file", todo: "export it as CSV (for example with DuckDB: COPY (SELECT * FROM 'file.parquet') TO 'file.csv' (HEADER))"},
	{magic: []byte("ARROW1"), what: "an Apache Arrow (Feather) file", todo: exportTable},
	{match: binaryAfter("ORC", 3), what: "an Apache ORC file", todo: exportTable},
	{magic: []byte("Obj\x01"), what: "an Apache Avro file", todo: exportTable},
	{magic: []byte("\x89HDF\r\n\x1A\n"), what: "an HDF5 file", todo: exportTable},
	{match: dBase, what: "a dBase table (.dbf)", todo: "open it in LibreOffice Calc or Excel and save it as CSV, or export the table as CSV from the program that made it"},
	{magic: []byte("\x00\x01\x00\x00Standard Jet DB"), what: "a Microsoft Access database (.mdb)", todo: "export the table as CSV from Access (External Data → Export → Text File)"},
	{magic: []byte("\x00\x01\x00\x00Standard ACE DB"), what: "a Microsoft Access database (.accdb)", todo: "export the table as CSV from Access (External Data → Export → Text File)"},
	{magic: []byte("$FL2"), what: "an SPSS data file (.sav)", todo: exportTable},
	{magic: []byte("$FL3"), what: "an SPSS data file (.zsav)", todo: exportTable},
	{magic: []byte("<stata_dta>"), what: "a Stata data file (.dta)", todo: exportTable},
	{magic: []byte("\x89PNG\r\n\x1A\n"), what: "a PNG image", todo: "import the CSV file instead"},
	{magic: []byte("\xFF\xD8\xFF"), what: "a JPEG image", todo: "import the CSV file instead"},
}

type signature struct {
	magic []byte
	match func(window []byte) bool
	what  string
	todo  string
}

// matches reports whether window starts as the signature's format.
func (s *signature) matches(window []byte) bool {
	if s.match != nil {
		return s.match(window)
	}
	return bytes.HasPrefix(window, s.magic)
}

// binaryAfter matches magic followed, at offset at, by a byte no text has
// there: a control character other than a tab or a line break.
func binaryAfter(magic string, at int) func([]byte) bool {
	return func(w []byte) bool {
		if !bytes.HasPrefix(w, []byte(magic)) || len(w) <= at {
			return false
		}
		c := w[at]
		return c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7F
	}
}

// bzip2 matches "BZh", the block size digit and the first block's magic.
func bzip2(w []byte) bool {
	return len(w) >= 10 && bytes.HasPrefix(w, []byte("BZh")) && w[3] >= '1' && w[3] <= '9' &&
		(bytes.HasPrefix(w[4:], []byte("\x31\x41\x59\x26\x53\x59")) || bytes.HasPrefix(w[4:], []byte("\x17\x72\x45\x38\x50\x90")))
}

// tarArchive matches a POSIX or GNU tar archive: "ustar" at offset 257.
func tarArchive(w []byte) bool {
	return len(w) >= 265 && bytes.Equal(w[257:262], []byte("ustar"))
}

// dBase matches a dBase, FoxPro or Clipper table by its header: a version
// byte, a date of last update, a header length that is 32 bytes a field
// after the 32 of the header (plus FoxPro's 263-byte backlink), and the
// 0x0D that ends the field list there.
func dBase(w []byte) bool {
	if len(w) < 33 {
		return false
	}
	switch w[0] {
	case 0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x32, 0x43, 0x63, 0x83, 0x8B, 0x8E, 0xCB, 0xF5, 0xFB:
	default:
		return false
	}
	month, day := w[2], w[3]
	hdr := int(binary.LittleEndian.Uint16(w[8:]))
	rec := int(binary.LittleEndian.Uint16(w[10:]))
	if month < 1 || month > 12 || day < 1 || day > 31 || rec < 2 || hdr < 65 {
		return false
	}
	fields := hdr - 33
	if w[0] == 0x30 || w[0] == 0x31 || w[0] == 0x32 {
		fields -= 263
	}
	if fields <= 0 || fields%32 != 0 || len(w) < 64 {
		return false
	}
	// The first field: a name of up to 10 characters padded with zero
	// bytes, and a type letter.
	name := w[32:43]
	end := bytes.IndexByte(name, 0)
	if end < 1 || !allZero(name[end:]) || !strings.ContainsRune("CNLDFMBGIYTPVWX@O+0", rune(w[43])) {
		return false
	}
	return hdr > len(w) || w[hdr-1] == 0x0D || w[0] >= 0x30 && 32+fields < len(w) && w[32+fields] == 0x0D
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// notCSV recognises, by its first bytes, a file that is not text at all: a
// zip (an Excel .xlsx or LibreOffice .ods workbook, most often), an old
// Excel workbook, another archive or binary. It returns nil for text.
// window is the start of the file, after any decompression; utf16 says
// the file was found to be UTF-16, whose zero bytes are text.
func notCSV(window []byte, utf16 bool) error {
	if bytes.HasPrefix(window, []byte("PK\x03\x04")) || bytes.HasPrefix(window, []byte("PK\x05\x06")) {
		switch {
		case bytes.Contains(window, []byte("xl/")):
			return errs.Errorf(ErrNotCSV, "the file is an Excel workbook (.xlsx), not CSV: %s", saveAsCSV)
		case bytes.Contains(window, []byte("opendocument.spreadsheet")):
			return errs.Errorf(ErrNotCSV, "the file is a LibreOffice/OpenDocument spreadsheet (.ods), which acimport does not read: open it in LibreOffice Calc, use File → Save As → \"Excel 2007-365 (.xlsx)\" (every sheet is kept), and import that file")
		case bytes.Contains(window, []byte("word/")):
			return errs.Errorf(ErrNotCSV, "the file is a Word document (.docx), not CSV: export the table as CSV from a spreadsheet")
		}
		return errs.Errorf(ErrNotCSV, "the file is a zip archive, not CSV: unpack it and import the CSV file inside (an Excel workbook? %s)", saveAsCSV)
	}
	for i := range signatures {
		if s := &signatures[i]; s.matches(window) {
			return errs.Errorf(ErrNotCSV, "the file is %s, not CSV: %s", s.what, s.todo)
		}
	}
	if utf16 {
		return nil
	}
	// Text has next to no control characters; a binary file is full of them.
	// A quarter of the first KiB leaves room for a CSV file with a few stray
	// ones; a file of less than 256 bytes is left to the reader.
	head := window[:min(len(window), 1024)]
	controls := 0
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' || c == 0x7F {
			controls++
		}
	}
	if len(head) >= 256 && controls*4 >= len(head) {
		return errs.Errorf(ErrNotCSV, "the file is binary, not text: %d of its first %d bytes are control characters (is it a spreadsheet, an archive or a database?); export the data as CSV and import that", controls, len(head))
	}
	return nil
}

// gzipError says a file that starts as gzip could not be decompressed.
func gzipError(err error) error {
	return fmt.Errorf("the file starts as gzip-compressed but cannot be decompressed: %w", err)
}
