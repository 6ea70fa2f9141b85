package mapping

// The match section, and where the matching key comes from once the whole file is read.

import (
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/acimport/acimport/internal/altcraft"
)

func (p *parser) parseMatch(m *Mapping, n *yaml.Node) {
	for _, e := range p.entries(n, "match", matchKeys, ErrInvalid) {
		path := join("match", e.key)
		switch e.key {
		case "column":
			if s, ok := p.str(e.val, path); ok {
				m.match.column, m.match.columnLine = s, e.val.Line
			}
		case "field":
			if s, ok := p.str(e.val, path); ok && s != "" {
				m.match.field = s
			} else {
				if ok {
					p.fail(e.val.Line, path, ErrInvalid, "must name a field")
				}
				p.badMatchField = true
			}
		case "resource_id":
			if v, ok := p.positiveInt(e.val, path); ok {
				m.match.resourceID = v
			} else {
				p.badResourceID = true
			}
		}
	}
}

// allSources returns every source of the mapping, in file order.
func (m *Mapping) allSources() []*source {
	out := slices.Clone(m.fields)
	for _, sub := range m.subs {
		if sub.contact != nil {
			out = append(out, sub.contact)
		}
		out = append(out, sub.parts...)
		for _, o := range sub.objects {
			out = append(out, o.parts...)
		}
	}
	return out
}

func (m *Mapping) field(name string) *source {
	for _, f := range m.fields {
		if f.name == name {
			return f
		}
	}
	return nil
}

// fieldOnColumn returns the first field read from column with type k, or nil.
func (m *Mapping) fieldOnColumn(column string, k kind) *source {
	for _, f := range m.fields {
		if !f.isConst && f.column == column && f.conv.kind == k {
			return f
		}
	}
	return nil
}

// resolveMatch works out where the matching key comes from and how it is converted. The key is
// converted like the field on the same column, so the key and the field agree.
func (p *parser) resolveMatch(m *Mapping) {
	mm := &m.match
	line := mm.line
	sub := m.Matching.NeedsResource()
	custom := m.Matching.Key() == altcraft.KeyCustom
	switch {
	case sub && mm.resourceID == 0 && !p.badResourceID:
		p.fail(line, "match.resource_id", ErrInvalid, "matching %s needs match.resource_id, the resource of the subscription", m.Matching)
	case !sub && mm.resourceID != 0:
		p.fail(line, "match.resource_id", ErrInvalid, "match.resource_id is only for the *_sub matching modes, not %s", m.Matching)
	}
	switch {
	case custom && mm.field == "" && p.badMatchField:
		return
	case custom && mm.field == "":
		p.fail(line, "match.field", ErrInvalid, "matching %s needs match.field, the custom field that identifies a profile", m.Matching)
		return
	case !custom && mm.field != "":
		p.fail(line, "match.field", ErrInvalid, "match.field is only for the custom matching modes, not %s", m.Matching)
	}
	// keyFrom returns the key source for the field name (or match.column) with type k.
	keyFrom := func(name string, k kind) *source {
		if mm.column != "" {
			if f := m.fieldOnColumn(mm.column, k); f != nil {
				return f
			}
			key := &source{path: "match.column", name: name, line: mm.columnLine, column: mm.column, columnLine: mm.columnLine, conv: converter{kind: k}}
			if k == kindPhone {
				if f := m.field("phones"); f != nil && f.conv.kind == kindPhone {
					key.conv.region = f.conv.region
				}
			}
			return key
		}
		f := m.field(name)
		if f == nil && p.broken[name] {
			return nil
		}
		if f == nil || f.isConst {
			p.fail(line, "match.column", ErrInvalid, "matching %s needs a field %s read from a column, or match.column", m.Matching, name)
			return nil
		}
		if f.conv.kind == k || k == kindString {
			return f
		}
		key := *f
		key.conv = converter{kind: k}
		return &key
	}
	defer func() {
		for _, k := range []*source{mm.key, mm.emailKey, mm.phoneKey} {
			if k != nil && k.skipInvalid {
				p.fail(k.line, k.path+".on_invalid", ErrInvalid, "on_invalid: skip cannot be used on the matching key (%s): a row without its key cannot be imported", k.name)
			}
		}
	}()
	switch m.Matching.Key() {
	case altcraft.KeyEmail:
		mm.key = keyFrom(altcraft.FieldEmail, kindEmail)
	case altcraft.KeyPhone:
		mm.key = keyFrom(altcraft.FieldPhones, kindPhone)
	case altcraft.KeyEmailPhone:
		if mm.column != "" {
			p.fail(mm.columnLine, "match.column", ErrInvalid, "matching %s takes its keys from the fields email and phones; match.column cannot be used", m.Matching)
			return
		}
		mm.emailKey = keyFrom(altcraft.FieldEmail, kindEmail)
		mm.phoneKey = keyFrom(altcraft.FieldPhones, kindPhone)
	case altcraft.KeyProfileID:
		if mm.column == "" {
			p.fail(line, "match.column", ErrInvalid, "matching profile_id needs match.column, the column holding the profile id")
			return
		}
		mm.key = &source{path: "match.column", name: altcraft.MemberProfileID, line: mm.columnLine, column: mm.column, columnLine: mm.columnLine}
	case altcraft.KeyCustom:
		f := m.field(mm.field)
		switch {
		case f != nil && !f.isConst && (mm.column == "" || mm.column == f.column):
			mm.key = f
		case mm.column != "":
			mm.key = &source{path: "match.column", name: mm.field, line: mm.columnLine, column: mm.column, columnLine: mm.columnLine}
		case p.broken[mm.field]:
		default:
			p.fail(line, "match.column", ErrInvalid, "matching %s needs the field %s read from a column, or match.column", m.Matching, mm.field)
		}
	}
}

// inheritRegions gives a phone source without a region the region of the phone field read from the
// same column, so a subscription's phone is normalised like the profile's.
func (p *parser) inheritRegions(m *Mapping) {
	for _, s := range m.allSources() {
		if s.conv.kind != kindPhone || s.conv.region != "" || s.isConst {
			continue
		}
		if f := m.fieldOnColumn(s.column, kindPhone); f != nil {
			s.conv.region = f.conv.region
		}
	}
}
