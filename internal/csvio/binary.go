package csvio

import (
	"bytes"
	"fmt"

	"github.com/acimport/acimport/internal/errs"
)

// gzipMagic starts every gzip file.
var gzipMagic = []byte{0x1F, 0x8B}

// saveAsCSV is how to get a CSV file out of a spreadsheet.
const saveAsCSV = `open it in Excel and use File → Save As → "CSV UTF-8 (Comma delimited) (*.csv)", or in LibreOffice Calc File → Save As → "Text CSV (.csv)", and import that file`

// saveAsXLSX is how to get a workbook acimport reads out of an old one.
const saveAsXLSX = `open it in Excel and use File → Save As → "Excel Workbook (*.xlsx)" (or in LibreOffice Calc File → Save As → "Excel 2007-365 (.xlsx)"), and import that file: acimport reads .xlsx workbooks directly`

// signatures are the first bytes of files people give an importer instead
// of CSV, with what each is and what to do.
var signatures = []struct {
	magic []byte
	what  string
	todo  string
}{
	{[]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), "an old-style Excel workbook (.xls) or another Microsoft Office document", saveAsXLSX},
	{[]byte("%PDF-"), "a PDF document", "export the table as CSV from the program that made it"},
	{[]byte("7z\xBC\xAF\x27\x1C"), "a 7-Zip archive", "unpack it and import the CSV file inside"},
	{[]byte("Rar!\x1A\x07"), "a RAR archive", "unpack it and import the CSV file inside"},
	{[]byte("BZh"), "a bzip2-compressed file", "unpack it (bunzip2) and import the CSV file inside; gzip (.csv.gz) is read as it is"},
	{[]byte("\xFD7zXZ\x00"), "an xz-compressed file", "unpack it (unxz) and import the CSV file inside; gzip (.csv.gz) is read as it is"},
	{[]byte("\x28\xB5\x2F\xFD"), "a zstd-compressed file", "unpack it (unzstd) and import the CSV file inside; gzip (.csv.gz) is read as it is"},
	{[]byte("SQLite format 3\x00"), "an SQLite database", "export the table as CSV (sqlite3 -csv -header)"},
	{[]byte("\x89PNG\r\n\x1A\n"), "a PNG image", "import the CSV file instead"},
	{[]byte("\xFF\xD8\xFF"), "a JPEG image", "import the CSV file instead"},
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
	for _, s := range signatures {
		if bytes.HasPrefix(window, s.magic) {
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
