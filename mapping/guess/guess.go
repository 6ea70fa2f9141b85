// Package guess writes a starting mapping file for a CSV file, as `acimport init` does: it
// detects the file's encoding and delimiter, ties columns to the platform's system fields by
// their names (English and Russian, and the usual variants), infers each column's type from a
// sample of rows, and writes a mapping whose comments say what was guessed and why.
package guess

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/acimport/acimport/internal/csvio"
	"github.com/acimport/acimport/mapping"
)

// DefaultSampleRows is how many rows Guess reads when Options.SampleRows is 0.
const DefaultSampleRows = 1000

// Options tune Guess. The zero value reads DefaultSampleRows rows.
type Options struct {
	// SampleRows is how many rows after the header the types are inferred from; 0 means
	// DefaultSampleRows.
	SampleRows int
}

// Mapping is the guessed mapping of one CSV file.
type Mapping struct {
	File      string   // the file's name, as given
	Encoding  string   // as csvio reports it: "utf-8", "windows-1251", ...
	Delimiter rune     // the field delimiter
	BOM       bool     // the file starts with a UTF-8 byte order mark
	SepLine   bool     // the file starts with Excel's "sep=" line
	Rows      int      // rows of the sample
	BadRows   int      // rows of the sample that could not be parsed (they do not count)
	Matching  string   // "email", "phone", or "" when there is no column to match by
	Columns   []Column // in header order
	Sheet     string   // an Excel workbook's sheet that was read; "" for CSV
	Title     string   // a workbook's title row that SkipLines skips
	// SkipLines are the lines above the header (a title, a group row); SkipWhy says how they were found.
	SkipLines int
	SkipWhy   string
	// Subscription is set for an export that says each contact's subscription status.
	Subscription *Subscription
}

// Column is what became of one CSV column.
type Column struct {
	Name   string      // as in the header
	Field  string      // the profile field it fills; for a custom field, the suggested name
	Custom bool        // not a system field: written commented out, to be checked first
	Skip   bool        // written commented out for the reason in Why (no name, repeated, ...)
	Type   string      // a mapping type: string, email, phone, int, float, bool, date, datetime, enum
	Format string      // date, datetime
	Region string      // phone
	Enum   []enumValue // enum
	// Separator splits a cell into a list (tags).
	Separator string
	// OnInvalid is "skip" for a field whose bad cells must not reject the contact.
	OnInvalid string
	Why       string // what the guess rests on, for the comment above it
}

// enumValue is one value of an enum: the cell as written, and what the profile gets.
type enumValue struct {
	From, To string
}

// Guess reads the header and the first rows of the CSV file r (name is for messages) and returns
// the mapping it guesses. Only a file that cannot be read as CSV at all is an error.
func Guess(r io.Reader, name string, opt Options) (*Mapping, error) {
	if opt.SampleRows <= 0 {
		opt.SampleRows = DefaultSampleRows
	}
	head, err := io.ReadAll(io.LimitReader(r, headBytes))
	if err != nil {
		return nil, err
	}
	var rd *csvio.Reader
	var g *Mapping
	if rs, ok := r.(io.ReadSeeker); ok && bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		// A zip, perhaps a workbook: csvio reads it whole, and workbook.go looks for a title row.
		if _, err := rs.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("read %q again: %w", name, err)
		}
		if rd, err = csvio.NewReader(rs, name, csvio.Options{Delimiter: "auto", Encoding: "auto"}); err != nil {
			return nil, err
		}
		g = &Mapping{File: name, Encoding: rd.Encoding(), Delimiter: rd.Comma(), BOM: rd.BOM(), SepLine: rd.SepLine()}
		if rd, err = workbookReader(rd, rs, name, g); err != nil { // workbook.go
			return nil, err
		}
	} else {
		skip, skipWhy := detectSkipLines(head, name)
		rd, err = csvio.NewReader(io.MultiReader(bytes.NewReader(head), r), name, csvio.Options{Delimiter: "auto", Encoding: "auto", SkipLines: skip})
		if err != nil {
			return nil, err
		}
		g = &Mapping{File: name, Encoding: rd.Encoding(), Delimiter: rd.Comma(), BOM: rd.BOM(), SepLine: rd.SepLine(), SkipLines: skip, SkipWhy: skipWhy}
	}
	header := rd.Header()
	samples := make([]sample, len(header))
	for g.Rows < opt.SampleRows {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		g.Rows++
		if rec.Err != nil {
			g.BadRows++
			continue
		}
		for i, v := range rec.Fields {
			if v = strings.TrimSpace(v); v != "" && i < len(samples) {
				samples[i].values = append(samples[i].values, v)
			}
		}
	}
	g.assign(header, samples)
	g.migration(header, samples)
	if g.Subscription != nil {
		for i := range g.Columns {
			if c := &g.Columns[i]; c.Field == "phones" && !c.Custom && !c.Skip {
				c.OnInvalid = "skip"
				c.Why += "; on_invalid: skip, so that a bad number does not reject the contact and its status"
			}
		}
	}
	return g, nil
}

// headBytes is how much of the file's start init looks through for the header.
const headBytes = 1 << 20

// russian: a Cyrillic header or a Cyrillic code page; phones written the national way are then
// first tried as Russian ones.
func russian(encoding string, header []string) bool {
	if encoding == "windows-1251" || encoding == "koi8-r" {
		return true
	}
	for _, h := range header {
		for _, r := range h {
			if unicode.Is(unicode.Cyrillic, r) {
				return true
			}
		}
	}
	return false
}

// assign decides every column: the system field its name means, else the one its values mean
// (an email or phone column under another name), else a custom field.
func (g *Mapping) assign(header []string, samples []sample) {
	ru := russian(g.Encoding, header)
	taken := map[string]string{} // field → column
	count := map[string]int{}
	for _, h := range header {
		count[h]++
	}
	g.Columns = make([]Column, len(header))
	for i, h := range header {
		c := &g.Columns[i]
		c.Name = h
		switch {
		case strings.TrimSpace(h) == "":
			c.Skip, c.Type, c.Why = true, "string", fmt.Sprintf("column %d has no name in the header; name it to map it", i+1)
			continue
		case count[h] > 1:
			c.Skip, c.Type, c.Why = true, "string", "the header has more than one column of this name; rename all but one to map it"
			continue
		}
		if tagsColumn(c) {
			continue
		}
		if f := fieldByName(h); f != "" {
			if prev, dup := taken[f]; dup {
				*c = inferType(samples[i], ru)
				c.Name, c.Field, c.Custom = h, customName(h), true
				c.Why = fmt.Sprintf("the name means %s too, but %s is read from %q; %s", f, f, prev, c.Why)
				continue
			}
			if systemField(c, f, samples[i], ru) {
				taken[f] = h
				continue
			}
		}
		*c = inferType(samples[i], ru)
		c.Name, c.Field, c.Custom = h, customName(h), true
	}
	// An email or phone column under a name no list knows still fills email or phones.
	for i := range g.Columns {
		c := &g.Columns[i]
		if !c.Custom || c.Skip {
			continue
		}
		for _, f := range []struct{ field, typ string }{{"email", "email"}, {"phones", "phone"}, {"_sex", "enum"}} {
			if c.Type == f.typ && taken[f.field] == "" {
				taken[f.field] = c.Name
				c.Field, c.Custom = f.field, false
				c.Why = "the name is not one this tool knows, but " + c.Why
				break
			}
		}
	}
	// Custom field names must not collide with each other or with a system field.
	used := map[string]bool{}
	for _, c := range g.Columns {
		if !c.Custom && !c.Skip {
			used[c.Field] = true
		}
	}
	for i := range g.Columns {
		c := &g.Columns[i]
		if !c.Custom {
			continue
		}
		base := c.Field
		for n := 2; used[c.Field]; n++ {
			c.Field = base + "_" + strconv.Itoa(n)
		}
		used[c.Field] = true
	}
	switch {
	case taken["email"] != "":
		g.Matching = "email"
	case taken["phones"] != "":
		g.Matching = "phone"
	}
}

// systemField fills c as the system field f its name means; false when the values do not fit
// the field at all, and the column is better left a custom field.
func systemField(c *Column, f string, s sample, ru bool) bool {
	n := len(s.values)
	of := s.of
	c.Field, c.Type = f, "string"
	named := "the name means " + f
	if n == 0 {
		c.Why = named + "; the column is empty in the sample"
		if f == "_bdate" {
			c.Type, c.Format = "date", "DD.MM.YYYY"
			c.Why += ", so the date format DD.MM.YYYY is a guess: check it"
		}
		if f == "phones" {
			c.Type = "phone"
			c.Why += ", so no region is set: numbers must be written with + and a country code, or set region"
		}
		if f == "email" {
			c.Type = "email"
		}
		return true
	}
	switch f {
	case "email":
		ok, k := s.most(looksEmail)
		if !ok {
			return false
		}
		c.Type, c.Why = "email", named+"; "+of(k)+" are email addresses"
	case "phones":
		if ok, _ := s.most(phoneShape); !ok || datesOrTimes(s) {
			return false
		}
		region, why, _ := phoneRegion(s, ru)
		c.Type, c.Region = "phone", region
		c.Why = named + "; " + why
	case "_bdate":
		g, ok := guessDate(s)
		if !ok {
			return false
		}
		c.Type, c.Format = "date", g.Format
		c.Why = named + "; " + of(g.Fits) + " read as " + g.Format + ambiguity(g)
		if g.DateTime {
			c.Why += " (a birthday is sent as the date only)"
		}
	case "_sex":
		ok, k := s.most(func(v string) bool { _, ok := genderOf(v); return ok })
		if !ok {
			return false
		}
		c.Type, c.Enum = "enum", genderValues(s)
		c.Why = fmt.Sprintf("%s; %s spell a gender, sent as male or female", named, of(k))
	default:
		c.Why = named
	}
	return true
}

// guessDate is GuessDateFormat when it reads most of the sample.
func guessDate(s sample) (mapping.DateGuess, bool) {
	g, ok := mapping.GuessDateFormat(s.values)
	return g, ok && float64(g.Fits) >= mostly*float64(len(s.values))
}

// YAML returns the mapping file, with a comment on every guess. Its first lines tell to
// check the file with it by checkCommand, which the caller spells (acimport init: the
// acimport check command for where it writes the mapping).
func (g *Mapping) YAML(checkCommand string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Mapping for %s, written by acimport init from its header and its first %d rows.\n", oneLine(g.File), g.Rows)
	b.WriteString("# Every line is a guess: read the comments, correct what is wrong, then check the file:\n")
	fmt.Fprintf(&b, "#   %s\n", oneLine(checkCommand))
	b.WriteString("# The reference of every key, type and format: acimport help mapping\n")
	b.WriteString("db_id: 1 # the id of your profile database: replace 1 with it\n")
	switch g.Matching {
	case "email":
		fmt.Fprintf(&b, "matching: email # profiles are found by email address (column %s)\n", quote(g.column("email")))
	case "phone":
		fmt.Fprintf(&b, "matching: phone # no email column: profiles are found by phone number (column %s)\n", quote(g.column("phones")))
	default:
		b.WriteString("# No email or phone column was found: set matching (and match) to the key that identifies\n")
		b.WriteString("# a profile, e.g. matching: custom with match: { field: CRM_ID, column: \"CRM ID\" }.\n")
	}
	b.WriteString("csv:\n")
	if g.Sheet != "" {
		fmt.Fprintf(&b, "  sheet: %s # an Excel workbook: the first sheet with rows\n", quote(g.Sheet))
		if g.SkipLines > 0 {
			fmt.Fprintf(&b, "  skip_lines: %d # the title row %s above the header\n", g.SkipLines, quote(g.Title))
		}
	} else {
		fmt.Fprintf(&b, "  encoding: %s # detected: %s\n", g.Encoding, g.encodingWhy())
		delim, why := g.delimiterYAML()
		fmt.Fprintf(&b, "  delimiter: %s # detected: %s\n", delim, why)
		if g.SkipLines > 0 {
			fmt.Fprintf(&b, "  skip_lines: %d # %s\n", g.SkipLines, oneLine(g.SkipWhy))
		}
	}
	b.WriteString("fields:\n")
	wroteCustom := false
	for _, custom := range []bool{false, true} {
		for _, c := range g.Columns {
			if (c.Custom || c.Skip) != custom {
				continue
			}
			if custom && !wroteCustom {
				wroteCustom = true
				b.WriteString("  # The other columns: custom fields. Each is sent only once you uncomment it, and the\n")
				b.WriteString("  # database must have a custom field of that name and type: rename the key to the field's.\n")
			}
			prefix := ""
			if custom {
				prefix = "# "
			}
			fmt.Fprintf(&b, "  # %s: %s\n", quote(c.Name), c.Why)
			fmt.Fprintf(&b, "  %s%s: %s\n", prefix, key(c.Field, c.Name), c.source())
		}
	}
	g.writeSubscriptions(&b)
	return b.Bytes()
}

// column returns the column a field is read from.
func (g *Mapping) column(field string) string {
	for _, c := range g.Columns {
		if c.Field == field && !c.Custom && !c.Skip {
			return c.Name
		}
	}
	return ""
}

func (g *Mapping) encodingWhy() string {
	switch {
	case strings.HasPrefix(g.Encoding, "utf-16"):
		return "the file starts with a UTF-16 byte order mark (Excel's \"Unicode text\")"
	case g.BOM:
		return "the file starts with a UTF-8 byte order mark"
	case g.Encoding == "utf-8":
		return "the start of the file is valid UTF-8"
	case g.Encoding == "windows-1251":
		return "the start of the file is not UTF-8; windows-1251 is the Cyrillic code page of Excel on Windows"
	}
	return "the start of the file is not UTF-8, and its letters read best in " + g.Encoding
}

func (g *Mapping) delimiterYAML() (string, string) {
	name := quote(string(g.Delimiter))
	if g.Delimiter == '\t' {
		name = "tab"
	}
	if g.SepLine {
		return name, "the file's first line (Excel's sep=) says so"
	}
	return name, fmt.Sprintf("it separates the %d columns of the header", len(g.Columns))
}

// key writes a field name as a YAML key: plain when it is a plain name.
func key(field, column string) string {
	if field == "" {
		field = customName(column)
	}
	for _, r := range field {
		if !(r == '_' || r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r))) {
			return quote(field)
		}
	}
	return field
}

// source writes where a column's value comes from, as a flow mapping.
func (c Column) source() string {
	parts := []string{"column: " + quote(c.Name)}
	if c.Type != "string" || c.Field == "email" || c.Field == "phones" {
		parts = append(parts, "type: "+c.Type)
	}
	switch c.Type {
	case "date", "datetime":
		parts = append(parts, "format: "+quote(c.Format))
	case "phone":
		if c.Region != "" {
			parts = append(parts, "region: "+c.Region)
		}
	case "string":
		if c.Separator != "" {
			parts = append(parts, "separator: "+quote(c.Separator))
		}
	case "enum":
		vals := make([]string, len(c.Enum))
		for i, v := range c.Enum {
			vals[i] = quote(v.From) + ": " + v.To
		}
		parts = append(parts, "values: { "+strings.Join(vals, ", ")+" }")
	}
	if c.OnInvalid != "" {
		parts = append(parts, "on_invalid: "+c.OnInvalid)
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

// quote writes s as a YAML double-quoted scalar; Go's escapes are YAML's.
func quote(s string) string { return strconv.Quote(s) }

// oneLine keeps a name from breaking a comment line.
func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}
