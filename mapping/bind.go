package mapping

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/internal/errs"
)

// Binder turns CSV records into request bodies for one CSV header. It is read-only after Bind, so
// one Binder may serve any number of goroutines.
type Binder struct {
	header []string
	op     altcraft.Operation
	head   []byte // {"db_id":N,"matching":"..."
	// sendKeys: single requests carry the matching key at the top level (not for add).
	sendKeys  bool
	batchHead []byte // a batch request's top level, up to and with ,"data":[
	keys      []boundKey
	// keyEither: email_phone modes need one of their two keys, not both.
	keyEither bool
	mid       []byte // resource_id and options, then ,"data":{
	fields    []boundSource
	subs      []boundSub
}

// boundSource is a source with its column's index in the header (-1 for a constant).
type boundSource struct {
	*source
	col    int
	member []byte // "name":
	// actionPrefix opens {"action":A,"value": around a cell's value; nil for a plain value.
	actionPrefix []byte
}

type boundKey struct {
	boundSource
	member []byte // ,"email": or ,"field_name":"X","field_value":
	// How a batch item carries the key: itemMember ("email": or "phones":[), a list when itemList;
	// not at all when inData (the field itself is in data).
	itemMember []byte
	itemList   bool
	inData     bool
}

type boundSub struct {
	*subscription
	contact *boundSource
	parts   []boundSource
	objects []boundObject
}

type boundObject struct {
	member  []byte // ,"cc_data":{
	parts   []boundSource
	contact bool // the subscription is left out when the object is empty
}

// Bind checks the mapping against a CSV header (column names exactly as in the file) and returns a
// Binder for records of that header. Every mapped column that is missing from the header or appears
// in it twice is reported, joined with errors.Join; each is an *Error that unwraps to
// ErrUnknownColumn or ErrAmbiguousColumn and, for a missing column, suggests a near match.
func (m *Mapping) Bind(header []string) (*Binder, error) {
	b := &Binder{header: header}
	var errs []*Error
	cols := map[*source]int{}
	reported := map[string]bool{}
	bind := func(s *source) int {
		if s.isConst {
			return -1
		}
		if col, ok := cols[s]; ok {
			return col
		}
		col, err := m.columnIndex(s, header)
		cols[s] = col
		if err != nil {
			at := fmt.Sprintf("%d\x00%s", s.columnLine, s.column)
			if errors.Is(err, ErrAmbiguousColumn) {
				at = "\x00" + s.column // the header's fault, said once however many fields read it
			}
			if !reported[at] {
				reported[at] = true
				errs = append(errs, err)
			}
		}
		return col
	}
	bound := func(s *source) boundSource {
		bs := boundSource{source: s, col: bind(s), member: append(appendString(nil, s.name), ':')}
		if !s.isConst && s.action != "" && s.action != altcraft.ActionSet {
			bs.actionPrefix = []byte(`{"action":"` + string(s.action) + `","value":`)
		}
		return bs
	}

	mm := &m.match
	b.op, b.sendKeys = m.Mode, m.Mode.Matches()
	b.head = append(b.head, `{"db_id":`...)
	b.head = strconv.AppendInt(b.head, int64(m.DBID), 10)
	if b.sendKeys {
		b.head = appendString(append(b.head, `,"`+altcraft.KeyMatching+`":`...), string(m.Matching))
	}
	b.batchHead = append(b.batchHead, b.head...)
	if b.sendKeys && m.Matching.Key() == altcraft.KeyCustom {
		b.batchHead = appendString(append(b.batchHead, `,"`+altcraft.KeyFieldName+`":`...), mm.field)
	}
	b.batchHead = append(append(b.batchHead, m.options...), `,"data":[`...)
	addKey := func(s *source, member string) {
		if s != nil {
			b.keys = append(b.keys, boundKey{boundSource: bound(s), member: []byte(member)})
		}
	}
	switch m.Matching.Key() {
	case altcraft.KeyEmail:
		addKey(mm.key, `,"`+altcraft.MemberEmail+`":`)
	case altcraft.KeyPhone:
		addKey(mm.key, `,"`+altcraft.MemberPhone+`":`)
	case altcraft.KeyEmailPhone:
		addKey(mm.emailKey, `,"`+altcraft.MemberEmail+`":`)
		addKey(mm.phoneKey, `,"`+altcraft.MemberPhone+`":`)
		b.keyEither = true
	case altcraft.KeyProfileID:
		addKey(mm.key, `,"`+altcraft.MemberProfileID+`":`)
	case altcraft.KeyCustom:
		member := appendString([]byte(`,"`+altcraft.KeyFieldName+`":`), mm.field)
		addKey(mm.key, string(member)+`,"`+altcraft.KeyFieldValue+`":`)
	}
	for i, bk := range m.batchKeys() {
		if i < len(b.keys) {
			k := &b.keys[i]
			k.itemMember = append(appendString(nil, bk.field), ':')
			if bk.list {
				k.itemMember = append(k.itemMember, '[')
			}
			k.itemList, k.inData = bk.list, bk.inData
		}
	}
	if mm.resourceID != 0 && b.sendKeys {
		b.mid = strconv.AppendInt(append(b.mid, `,"`+altcraft.KeyResourceID+`":`...), int64(mm.resourceID), 10)
	}
	b.mid = append(b.mid, m.options...)
	b.mid = append(b.mid, `,"data":{`...)

	for _, f := range m.fields {
		b.fields = append(b.fields, bound(f))
	}
	for _, sub := range m.subs {
		bs := boundSub{subscription: sub}
		if sub.contact != nil {
			c := bound(sub.contact)
			bs.contact = &c
		}
		for _, s := range sub.parts {
			bs.parts = append(bs.parts, bound(s))
		}
		for _, o := range sub.objects {
			bo := boundObject{
				member:  append(appendString([]byte{','}, o.name), ':', '{'),
				contact: o.name == "cc_data" && sub.contact == nil,
			}
			for _, s := range o.parts {
				bo.parts = append(bo.parts, bound(s))
			}
			bs.objects = append(bs.objects, bo)
		}
		b.subs = append(b.subs, bs)
	}
	if len(errs) > 0 {
		if e := m.oneColumnHeader(header); e != nil {
			return nil, e
		}
		if e := m.wrongEncoding(header); e != nil {
			return nil, e
		}
		slices.SortStableFunc(errs, func(a, b *Error) int { return a.Line - b.Line })
		joined := make([]error, len(errs))
		for i, e := range errs {
			joined[i] = e
		}
		return nil, errors.Join(joined...)
	}
	return b, nil
}

// columnIndex finds the column of s in the header.
func (m *Mapping) columnIndex(s *source, header []string) (int, *Error) {
	col, count := -1, 0
	var at []string
	for i, h := range header {
		if h == s.column {
			if col < 0 {
				col = i
			}
			count++
			at = append(at, strconv.Itoa(i+1))
		}
	}
	fail := func(kind error, format string, args ...any) *Error {
		return &Error{File: m.file, Line: s.columnLine, Path: s.path, Err: errs.Errorf(kind, format, args...)}
	}
	switch {
	case count > 1:
		return -1, fail(ErrAmbiguousColumn, "column %q appears %d times in the header (columns %s); rename all but one",
			s.column, count, strings.Join(at, ", "))
	case count == 0:
		if near := nearMatch(s.column, header); near != "" {
			return -1, fail(ErrUnknownColumn, "no column %q in the header; did you mean %q?", s.column, near)
		}
		return -1, fail(ErrUnknownColumn, "no column %q in the header (it has: %s)", s.column, listColumns(header))
	}
	return col, nil
}

func listColumns(header []string) string {
	const most = 20
	var b strings.Builder
	for i, h := range header {
		if i == most {
			fmt.Fprintf(&b, ", … (%d more)", len(header)-most)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(h))
	}
	return b.String()
}

// nearMatch returns the header column most like name: the same apart from case and surrounding
// spaces, or else within an edit distance of 2; "" when none is.
func nearMatch(name string, header []string) string {
	norm := func(s string) string {
		return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(s, "\uFEFF")))
	}
	n := norm(name)
	for _, h := range header {
		if norm(h) == n {
			return h
		}
	}
	best, bestDist := "", 3
	for _, h := range header {
		if d := editDistance(n, norm(h)); d < bestDist {
			best, bestDist = h, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, counted in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) < len(rb) {
		ra, rb = rb, ra
	}
	if len(rb) == 0 {
		return len(ra)
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// oneColumnHeader explains why no mapped column is found when the header was read as one
// column that holds another delimiter: the file is not separated the way the mapping says.
func (m *Mapping) oneColumnHeader(header []string) *Error {
	if len(header) != 1 {
		return nil
	}
	best, most := "", 0
	for _, d := range []string{";", "\t", "|", ","} {
		n := 0 // the names it would separate
		for _, part := range strings.Split(header[0], d) {
			if strings.TrimSpace(part) != "" {
				n++
			}
		}
		if n > most && n > 1 {
			best, most = d, n
		}
	}
	if best == "" {
		return nil
	}
	name, set := strconv.Quote(best), strconv.Quote(best)
	if best == "\t" {
		name, set = "tab", "tab"
	}
	head := header[0]
	if r := []rune(head); len(r) > 80 {
		head = string(r[:77]) + "..."
	}
	return &Error{File: m.file, Err: errs.Errorf(ErrUnknownColumn,
		"the header was read as one column, %q: the file looks %s-separated; set csv: { delimiter: %s } in the mapping (or delimiter: auto)",
		head, name, set)}
}
