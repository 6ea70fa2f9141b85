package guess

import (
	"fmt"
	"io"

	"github.com/acimport/acimport/internal/csvio"
)

// A workbook's first row is often a title ("Клиенты на 1 марта", merged across the columns) above
// the header. init then proposes skip_lines for the rows down to it, and names the sheet read.

// workbookReader reopens a workbook whose first row is a title so that the header is the row
// below it; rd as it is otherwise. It records the sheet and skip_lines in g.
func workbookReader(rd *csvio.Reader, r io.Reader, name string, g *Mapping) (*csvio.Reader, error) {
	sheet, ok := rd.Workbook()
	if !ok {
		return rd, nil
	}
	g.Sheet = sheet
	rs, seekable := r.(io.Seeker)
	if !isTitle(rd.Header()) || !seekable {
		return rd, nil
	}
	skip := rd.HeaderRow()
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return rd, nil
	}
	again, err := csvio.NewReader(r, name, csvio.Options{Sheet: sheet, SkipLines: skip})
	if err != nil || len(again.Header()) < 2 {
		// Not a title above a header: a one-column sheet. Read it as it is.
		if _, err := rs.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("read %q again: %w", name, err)
		}
		return csvio.NewReader(r, name, csvio.Options{Sheet: sheet})
	}
	g.SkipLines = skip
	g.Title = firstNonEmpty(rd.Header())
	return again, nil
}

// isTitle: a row of one value, in one cell or merged across several.
func isTitle(header []string) bool {
	v := firstNonEmpty(header)
	if v == "" {
		return false
	}
	for _, h := range header {
		if h != "" && h != v {
			return false
		}
	}
	return true
}

func firstNonEmpty(fields []string) string {
	for _, f := range fields {
		if f != "" {
			return f
		}
	}
	return ""
}
