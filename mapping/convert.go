package mapping

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/acimport/acimport/internal/altcraft"
)

// cellStatus is the outcome of converting one cell.
type cellStatus uint8

const (
	cellOK    cellStatus = iota
	cellEmpty            // blank: the field is left out
	cellBad              // failed its type
)

// appendCell appends the JSON of cell (a list when s.list). When the cell is not OK, dst comes back
// unchanged; a bad cell also returns the failing value (the cell or the list item) and the reason.
func (s *source) appendCell(dst []byte, cell string, memo *rowMemo) ([]byte, cellStatus, string, string) {
	if blank(cell) {
		if s.requireCell {
			for _, v := range s.conv.enum {
				if blank(v.from) {
					return append(dst, v.json...), cellOK, "", ""
				}
			}
			return dst, cellBad, cell, fmt.Sprintf("column %q is empty: every contact's subscription status must be known; fill it in, or map the empty cell in values (\"\": subscribed)", s.column)
		}
		return dst, cellEmpty, "", ""
	}
	if !s.list {
		out, reason := s.conv.appendValue(dst, cell, memo)
		if reason != "" {
			return dst, cellBad, cell, reason
		}
		return out, cellOK, "", ""
	}
	start := len(dst)
	dst = append(dst, '[')
	n := 0
	items := quotedItems(cell, s.separator)
	for rest, more := cell, true; more; {
		var part string
		switch {
		case items != nil:
			part, items, more = items[0], items[1:], len(items) > 1
		case s.separator == "":
			part, more = rest, false
		default:
			part, rest, more = strings.Cut(rest, s.separator)
		}
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		out, reason := s.conv.appendValue(dst, part, memo)
		if reason != "" {
			return dst[:start], cellBad, part, reason
		}
		dst = out
		n++
	}
	if n == 0 {
		return dst[:start], cellEmpty, "", ""
	}
	return append(dst, ']'), cellOK, "", ""
}

// blank reports whether s is empty or white space, as strings.TrimSpace(s) == "" does, but without
// trimming: the first byte of a cell nearly always answers, where TrimSpace would also look at
// the end of every cell that starts with a letter outside ASCII.
func blank(s string) bool {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if !asciiSpace[c] {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			return false
		}
		i += size
	}
	return true
}

// asciiSpace are the ASCII bytes strings.TrimSpace trims.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// keyValue is the part of a key cell that is the key: the trimmed cell, or for a list its first item.
func (s *source) keyValue(cell string) string {
	if items := quotedItems(cell, s.separator); items != nil {
		for _, part := range items {
			if part = strings.TrimSpace(part); part != "" {
				return part
			}
		}
		return ""
	}
	if s.separator != "" {
		for rest, more := cell, true; more; {
			var part string
			part, rest, more = strings.Cut(rest, s.separator)
			if part = strings.TrimSpace(part); part != "" {
				return part
			}
		}
		return ""
	}
	return strings.TrimSpace(cell)
}

// Convert appends to dst the JSON request body for one record of the bound header, and returns it
// with the row's matching key in canonical form (a lowercased email, an E.164 phone, a profile id or
// custom value): rows that share a key must not be sent at the same time. The body is for the
// mapping's mode's single-profile method (Method(false)); in mode add it carries no matching key,
// but the key is still returned.
//
// When the row cannot be converted, Convert returns dst unchanged, an empty key and a *RowError
// naming every failing cell; it returns no other errors.
func (b *Binder) Convert(dst []byte, record []string) (body []byte, key string, err error) {
	body, key, _, err = b.convert(dst, record, false)
	return body, key, err
}

// ConvertSkipping is Convert, or ConvertItem when item is set, that also returns the cells left
// out under on_invalid: skip (nil when none was): the row is sent without them.
func (b *Binder) ConvertSkipping(dst []byte, record []string, item bool) (body []byte, key string, skipped []CellError, err error) {
	return b.convert(dst, record, item)
}

// ConvertItem is Convert for a batch: it appends the row as one profile of the data array of a
// request that starts with BatchHead, the profile carrying its own key among its fields.
func (b *Binder) ConvertItem(dst []byte, record []string) (item []byte, key string, err error) {
	item, key, _, err = b.convert(dst, record, true)
	return item, key, err
}

// Method is the API method of the mapping's mode, its batch form when batch is set.
func (b *Binder) Method(batch bool) altcraft.Method { return b.op.Method(batch) }

// BatchHead is the start of a batch request, up to and with `"data":[`: the items follow, separated
// by commas, and BatchTail closes it. Mapping.CheckBatch says whether the mapping can be batched.
func (b *Binder) BatchHead() []byte { return b.batchHead }

// BatchTail closes a batch request.
const BatchTail = "]}"

func (b *Binder) convert(dst []byte, record []string, item bool) (body []byte, key string, skipped []CellError, err error) {
	if len(record) != len(b.header) {
		return dst, "", nil, &RowError{Code: CodeInvalidValue, Cells: []CellError{{
			Reason: fmt.Sprintf("the row has %d cells but the header has %d", len(record), len(b.header)),
		}}}
	}
	start := len(dst)
	var cells []CellError
	var memo rowMemo
	first := true
	if item {
		dst = append(dst, '{')
	} else {
		dst = append(dst, b.head...)
	}

	// The matching key(s): at the top level of a single request, among the fields of an item.
	missing := 0
	for i := range b.keys {
		k := &b.keys[i]
		v := k.keyValue(record[k.col])
		if v == "" {
			missing++
			continue
		}
		emit := b.sendKeys && (!item || !k.inData)
		mark := len(dst)
		if item {
			if !first {
				dst = append(dst, ',')
			}
			dst = append(dst, k.itemMember...)
		} else {
			dst = append(dst, k.member...)
		}
		valStart := len(dst)
		out, reason := k.conv.appendValue(dst, v, &memo)
		if reason != "" {
			value := v
			if k.separator == "" {
				value = record[k.col]
			}
			cells = append(cells, CellError{Column: k.column, Value: value, Reason: reason, Format: k.conv.dateForm()})
			dst = dst[:mark]
			continue
		}
		dst = out
		if key == "" {
			key = canonicalKey(k.conv.kind, v, dst[valStart:])
		}
		switch {
		case !emit:
			dst = dst[:mark]
		case item:
			if k.itemList {
				dst = append(dst, ']')
			}
			first = false
		}
	}
	missingAt := -1
	if missing > 0 && (!b.keyEither || missing == len(b.keys)) {
		missingAt = len(cells)
		cells = append(cells, b.missingKey(record))
	}
	if !item {
		dst = append(dst, b.mid...)
	}

	for i := range b.fields {
		f := &b.fields[i]
		mark := len(dst)
		if !first {
			dst = append(dst, ',')
		}
		dst = append(dst, f.member...)
		if f.isConst {
			dst = append(dst, f.constant...)
			first = false
			continue
		}
		valueAt := len(dst)
		dst = append(dst, f.actionPrefix...)
		out, st, badValue, reason := f.appendCell(dst, record[f.col], &memo)
		switch st {
		case cellOK:
			dst, first = out, false
			if f.actionPrefix != nil {
				dst = append(dst, '}')
			}
		case cellEmpty:
			if f.unsetEmpty {
				dst, first = append(dst[:valueAt], unsetJSON...), false
			} else {
				dst = dst[:mark]
			}
		case cellBad:
			dst = dst[:mark]
			c := CellError{Column: f.column, Value: badValue, Reason: reason, Format: f.conv.dateForm()}
			if f.skipInvalid {
				skipped = addCell(skipped, c)
			} else {
				cells = addCell(cells, c)
			}
		}
	}

	nsubs := 0
	for i := range b.subs {
		var ok bool
		mark := len(dst)
		if nsubs == 0 {
			if !first {
				dst = append(dst, ',')
			}
			dst = append(dst, `"subscriptions":[`...)
		} else {
			dst = append(dst, ',')
		}
		if dst, ok, cells = b.subs[i].append(dst, record, cells, &skipped, &memo); ok {
			nsubs++
		} else {
			dst = dst[:mark]
		}
	}
	if nsubs > 0 {
		dst = append(dst, ']')
	}
	if item {
		dst = append(dst, '}')
	} else {
		dst = append(dst, '}', '}')
	}

	if len(cells) > 0 {
		e := &RowError{Code: CodeInvalidValue, Cells: cells}
		if missingAt >= 0 {
			// The missing key goes first: it is why the row cannot be sent at all.
			e.Code = CodeMissingKey
			c := cells[missingAt]
			copy(cells[1:missingAt+1], cells[:missingAt])
			cells[0] = c
		}
		return dst[:start], "", nil, e
	}
	return dst, key, skipped, nil
}

// addCell adds c unless the same failure is already there (a key column also mapped to a field).
func addCell(cells []CellError, c CellError) []CellError {
	for _, have := range cells {
		if have == c {
			return cells
		}
	}
	return append(cells, c)
}

// canonicalKey is the key under which rows are serialised; json is the key's converted value.
func canonicalKey(k kind, v string, json []byte) string {
	switch k {
	case kindEmail:
		return strings.ToLower(v)
	case kindString:
		return v
	}
	if len(json) >= 2 && json[0] == '"' {
		json = json[1 : len(json)-1]
	}
	return string(json)
}

const missingKeyReason = "empty matching key"

func (b *Binder) missingKey(record []string) CellError {
	if len(b.keys) == 0 {
		return CellError{Reason: missingKeyReason}
	}
	k := b.keys[0]
	if len(b.keys) == 1 {
		return CellError{Column: k.column, Value: record[k.col],
			Reason: fmt.Sprintf(missingKeyReason+": column %q is empty", k.column)}
	}
	return CellError{Column: k.column, Value: record[k.col],
		Reason: fmt.Sprintf(missingKeyReason+": columns %q and %q are both empty", k.column, b.keys[1].column)}
}

// append appends the subscription object. ok is false when it is left out: its contact is empty or a
// cell failed (the failure is added to cells).
func (s *boundSub) append(dst []byte, record []string, cells []CellError, skipped *[]CellError, memo *rowMemo) (out []byte, ok bool, _ []CellError) {
	start := len(dst)
	bad, contactSkipped := false, false
	if s.contact != nil && s.contact.col >= 0 && blank(record[s.contact.col]) {
		return dst, false, cells
	}
	dst = append(dst, s.prefix...)
	// member appends ,"name":value; it reports whether anything was appended.
	member := func(p *boundSource, comma bool) bool {
		mark := len(dst)
		if comma {
			dst = append(dst, ',')
		}
		dst = append(dst, p.member...)
		if p.isConst {
			dst = append(dst, p.constant...)
			return true
		}
		o, st, item, reason := p.appendCell(dst, record[p.col], memo)
		switch st {
		case cellOK:
			dst = o
			return true
		case cellBad:
			c := CellError{Column: p.column, Value: item, Reason: reason, Format: p.conv.dateForm()}
			if p.skipInvalid {
				*skipped = addCell(*skipped, c)
				contactSkipped = contactSkipped || p == s.contact
				break
			}
			bad = true
			cells = addCell(cells, c)
		}
		dst = dst[:mark]
		return false
	}
	if s.contact != nil {
		member(s.contact, true)
	}
	for i := range s.parts {
		member(&s.parts[i], true)
	}
	for _, o := range s.objects {
		mark := len(dst)
		dst = append(dst, o.member...)
		n := 0
		for i := range o.parts {
			if member(&o.parts[i], n > 0) {
				n++
			}
		}
		if n == 0 {
			dst = dst[:mark]
			if o.contact {
				return dst[:start], false, cells
			}
			continue
		}
		dst = append(dst, '}')
	}
	if bad || contactSkipped {
		// A subscription whose contact was skipped is left out: it has nothing to subscribe.
		return dst[:start], false, cells
	}
	return append(dst, '}'), true, cells
}

// quotedItems splits a list cell that quotes its items (Mailchimp's TAGS: "Customer","VIP") as a
// CSV record with the separator, so that a quoted item keeps its separator and loses its quotes.
// It returns nil for a cell without a quote, or when the separator is not one character or the
// cell is not such a record: the cell is then split at each separator.
func quotedItems(cell, sep string) []string {
	if strings.IndexByte(cell, '"') < 0 {
		return nil
	}
	r, size := utf8.DecodeRuneInString(sep)
	if size == 0 || size != len(sep) || r == '"' || r == '\r' || r == '\n' {
		return nil
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimSpace(cell)))
	cr.Comma = r
	cr.TrimLeadingSpace = true
	items, err := cr.Read()
	if err != nil {
		return nil
	}
	if _, err := cr.Read(); err != io.EOF { // a line break outside quotes: not one record
		return nil
	}
	return items
}
