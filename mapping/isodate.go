package mapping

// How a workbook's date cell reaches a date field. A date cell is a date by
// its own type, whatever the field's format (which is for text cells): the
// workbook reader writes it as YYYY-MM-DD, or YYYY-MM-DD hh:mm:ss when it has
// a time, and a date or datetime field that cannot read a value in its
// format reads it in that form. The same text is what the reject file of a
// workbook holds, so a reject file read back converts the same. No format a
// user writes reads such text otherwise but YYYY-MM-DD itself (or the
// unusual YYYY-DD-MM, whose own reading comes first).

// isoFormats are the forms of a workbook's date cells.
var isoFormats = []*dateFormat{mustDateFormat("YYYY-MM-DD"), mustDateFormat("YYYY-MM-DD hh:mm:ss")}

func mustDateFormat(text string) *dateFormat {
	f, err := parseDateFormat(text)
	if err != nil {
		panic("mapping: " + err.Error())
	}
	return f
}

// parseCellDate reads s in the field's format, else in a date cell's form.
// A date field given a date and time keeps the date.
func (c *converter) parseCellDate(s string) (dateParts, bool) {
	if p, ok := c.format.parse(s); ok {
		return p, true
	}
	for _, f := range isoFormats {
		if p, ok := f.parse(s); ok {
			return p, true
		}
	}
	return dateParts{}, false
}
