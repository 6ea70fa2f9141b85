package mapping

// The fields section: where each profile field's value comes from.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/acimport/acimport/internal/altcraft"
)

// parseFields reads the fields section; false when it is not a mapping at all.
func (p *parser) parseFields(m *Mapping, n *yaml.Node) bool {
	if resolve(n).Kind != yaml.MappingNode {
		p.entries(n, "fields", nil, ErrDuplicateField) // reports it
		return false
	}
	for _, e := range p.entries(n, "fields", nil, ErrDuplicateField) {
		path := join("fields", e.key)
		switch {
		case e.key == "":
			p.fail(e.keyLine, path, ErrInvalid, "a field needs a name")
			continue
		case e.key == "subscriptions":
			p.fail(e.keyLine, path, ErrInvalid, "subscriptions are not a field: use the top-level subscriptions section")
			continue
		}
		def := kindString
		switch e.key {
		case "email":
			def = kindEmail
		case "phones":
			def = kindPhone
		}
		if s := p.source(e.val, path, e.key, e.keyLine, def, false, e.key == "phones"); s != nil {
			if e.key == "_bdate" && (s.conv.kind == kindDate || s.conv.kind == kindDateTime) {
				now := time.Now()
				s.conv.birth = now.Year()*10000 + int(now.Month())*100 + now.Day()
			}
			m.fields = append(m.fields, s)
		} else {
			p.broken[e.key] = true
		}
	}
	return true
}

// source reads where a value comes from: "Column" or { column|value, type, ... }. def is the type
// when none is given; with fixed, the type may only be def. list forces a JSON array.
func (p *parser) source(n *yaml.Node, path, name string, line int, def kind, fixed, list bool) *source {
	s := &source{path: path, name: name, line: line, conv: converter{kind: def}, list: list}
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		s.column, s.columnLine = n.Value, n.Line
		return s
	}
	if n.Kind != yaml.MappingNode {
		p.fail(n.Line, path, ErrInvalid, "must be a column name or { column: ..., type: ... }, not %s", describe(n))
		return nil
	}
	ok := true
	bad := func(n *yaml.Node, key string, kind error, format string, args ...any) {
		if key != "" {
			key = join(path, key)
		} else {
			key = path
		}
		p.fail(n.Line, key, kind, format, args...)
		ok = false
	}
	var value *yaml.Node
	keys := map[string]*yaml.Node{}
	var formatText string
	var values []entry
	before := len(p.errs)
	entries := p.entries(n, path, sourceKeys, ErrInvalid)
	// After an unknown key (a typo of a known one, often), "missing key" errors would only repeat it.
	typo := len(p.errs) > before
	for _, e := range entries {
		keys[e.key] = e.val
		if e.key == "value" {
			value = e.val
			continue
		}
		if e.key == "values" {
			if e.val.Kind != yaml.MappingNode || len(e.val.Content) == 0 {
				bad(e.val, "values", ErrInvalid, "values must be a non-empty mapping of cell value to field value, e.g. { M: male, F: female }")
				continue
			}
			values = p.entries(e.val, join(path, "values"), nil, ErrInvalid)
			continue
		}
		v, good := p.str(e.val, join(path, e.key))
		if !good {
			ok = false
			continue
		}
		switch e.key {
		case "column":
			s.column, s.columnLine = v, e.val.Line
		case "type":
			k, known := lookupKind(v)
			switch {
			case !known:
				bad(e.val, "type", ErrUnknownType, "unknown type %q (known types: %s)", v, strings.Join(kindNames[:], ", "))
			case fixed && k != def:
				bad(e.val, "type", ErrInvalid, "%s is always of type %s", name, def)
			default:
				s.conv.kind = k
			}
		case "format":
			formatText = v
		case "timezone":
			if loc, good := p.location(e.val, join(path, "timezone"), v); good {
				s.conv.loc = loc
			} else {
				ok = false
			}
		case "region":
			r := strings.ToUpper(v)
			if !validRegion(r) {
				bad(e.val, "region", ErrInvalid, "unknown region %q: use a two-letter country code such as RU", v)
			}
			s.conv.region = r
		case "on_invalid":
			switch {
			case v == "skip" && name == "status":
				bad(e.val, "on_invalid", ErrInvalid, "a subscription's status cannot be skipped: a contact whose status is not known must not be imported as subscribed")
			case v == "skip":
				s.skipInvalid = true
			case v != "reject":
				bad(e.val, "on_invalid", ErrInvalid, "unknown on_invalid %q (known: reject, the default: the row is rejected; skip: the value is left out and the row imported)", v)
			}
		case "separator":
			if v == "" {
				bad(e.val, "separator", ErrInvalid, "separator must not be empty")
			}
			s.separator, s.list = v, true
		}
	}
	k := s.conv.kind
	// Keys that only mean something for some types.
	only := func(key string, kinds ...kind) {
		if n := keys[key]; n != nil && !slices.Contains(kinds, k) {
			bad(n, key, ErrInvalid, "%s is only for type %s, not %s", key, kinds[0], k)
		}
	}
	only("format", kindDate, kindDateTime)
	only("timezone", kindDateTime)
	only("region", kindPhone)
	only("values", kindEnum)
	p.parseAction(s, keys, bad)
	unset := s.action == altcraft.ActionUnset
	if (k == kindDate || k == kindDateTime) && keys["format"] == nil {
		if !typo {
			bad(n, "format", ErrInvalid, "type %s needs a format, e.g. DD.MM.YYYY", k)
		}
		ok = false
	} else if keys["format"] != nil && ok {
		f, err := parseDateFormat(formatText)
		if err != nil {
			bad(keys["format"], "format", ErrInvalid, "format %q: %v", formatText, err)
		}
		s.conv.format = f
	}
	if k == kindEnum {
		if keys["values"] == nil {
			if !typo {
				bad(n, "values", ErrInvalid, "type enum needs values, e.g. { M: male, F: female }")
			}
			ok = false
		}
		for _, e := range values {
			j, err := scalarJSON(e.val)
			if err != nil {
				bad(e.val, "values", ErrInvalid, "value of %q: %v", e.key, err)
				continue
			}
			s.conv.enum = append(s.conv.enum, enumValue{from: e.key, json: j})
		}
	}
	switch {
	case unset && (keys["column"] != nil || value != nil):
		bad(n, "action", ErrInvalid, "action unset clears the field in every row: it takes no column or value")
	case unset:
	case keys["column"] != nil && value != nil:
		bad(n, "", ErrInvalid, "has both column and value: give one")
	case keys["column"] == nil && value == nil:
		if !typo {
			bad(n, "", ErrInvalid, "needs a column (or a constant value)")
		}
		ok = false
	}
	if !ok {
		return nil
	}
	if unset {
		s.isConst, s.constant = true, unsetJSON
		return s
	}
	if value != nil {
		p.constant(s, value, keys["type"] != nil)
		if s.action != "" && s.action != altcraft.ActionSet {
			s.constant = appendAction(nil, s.action, s.constant)
		}
	}
	return s
}

// constant fills s.constant. A typed or list constant goes through its type, so it is checked and
// normalised like a cell; an untyped one keeps its YAML kind (string, number, bool, null).
func (p *parser) constant(s *source, n *yaml.Node, typed bool) {
	s.isConst = true
	if n.Kind != yaml.ScalarNode {
		p.fail(n.Line, join(s.path, "value"), ErrInvalid, "value must be a single value, not %s", describe(n))
		return
	}
	if typed || s.list {
		j, st, item, reason := s.appendCell(nil, n.Value, nil)
		switch st {
		case cellEmpty:
			p.fail(n.Line, join(s.path, "value"), ErrInvalid, "value is empty")
		case cellBad:
			p.fail(n.Line, join(s.path, "value"), ErrInvalid, "value %v", errReason(item, reason))
		}
		s.constant = j
		return
	}
	j, err := scalarJSON(n)
	if err != nil {
		p.fail(n.Line, join(s.path, "value"), ErrInvalid, "value: %v", err)
	}
	s.constant = j
}

// scalarJSON turns a YAML scalar into the JSON value of the same kind.
func scalarJSON(n *yaml.Node) ([]byte, error) {
	if n.Kind != yaml.ScalarNode {
		return nil, fmt.Errorf("must be a single value, not %s", describe(n))
	}
	switch n.Tag {
	case "!!null":
		return []byte("null"), nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, err
		}
		return strconv.AppendBool(nil, b), nil
	case "!!int":
		var v int64
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("%q is not an integer in the range of 64 bits", n.Value)
		}
		return strconv.AppendInt(nil, v, 10), nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil || f != f || f > 1e308 || f < -1e308 {
			return nil, fmt.Errorf("%q is not a finite number", n.Value)
		}
		return appendFloat(nil, f), nil
	}
	return appendString(nil, n.Value), nil
}
