package mapping

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Keys each part of the file may hold. Anything else is ErrUnknownKey.
var (
	topKeys          = []string{"db_id", "matching", "match", "timezone", "csv", "options", "fields", "subscriptions"}
	matchKeys        = []string{"column", "field", "resource_id"}
	csvKeys          = []string{"delimiter", "encoding"}
	optionKeys       = []string{"skip_triggers", "detect_geo", "skip_invalid_subscriptions", "add_to_segments", "remove_from_segments"}
	sourceKeys       = []string{"column", "value", "type", "format", "timezone", "region", "values", "separator"}
	subscriptionKeys = []string{"channel", "resource_id", "email", "phone", "provider", "subscription_id", "status", "priority", "cats", "cc_data", "custom_fields"}
)

// matchingModes are the API's matching modes; push_sub exists but cannot be fed from a CSV row.
var matchingModes = []string{"email", "email_profile", "email_sub", "phone", "phone_sub", "profile_id",
	"custom", "custom_sub", "email_phone", "email_phone_sub"}

// channels are the subscription channels, with the key that holds each one's contact.
var channels = []struct{ name, contact string }{
	{"email", "email"}, {"sms", "phone"}, {"push", "subscription_id"},
	{"notify", "cc_data"}, {"viber", "cc_data"}, {"whatsapp", "cc_data"}, {"telegram_bot", "cc_data"},
}

// parser walks the YAML node tree, so that every problem can name its line, and collects all of them.
type parser struct {
	file   string
	errs   []*Error
	broken map[string]bool // fields with errors: not reported again as missing
	// match.resource_id or match.field has a reported error: not reported again as missing.
	badResourceID, badMatchField bool
}

func (p *parser) fail(line int, path string, kind error, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Path: path, Err: problemf(kind, format, args...)})
}

// err returns the problems found, in file order: nil, the one *Error, or all of them joined.
func (p *parser) err() error {
	slices.SortStableFunc(p.errs, func(a, b *Error) int { return a.Line - b.Line })
	switch len(p.errs) {
	case 0:
		return nil
	case 1:
		return p.errs[0]
	}
	errs := make([]error, len(p.errs))
	for i, e := range p.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlParserProblems are the problems yaml.v3's parser (not its scanner) reports; it numbers their
// lines from 0.
var yamlParserProblems = []string{
	"did not find expected ',' or ']'", "did not find expected ',' or '}'", "did not find expected '-' indicator",
	"did not find expected <document start>", "did not find expected <stream-start>", "did not find expected key",
	"did not find expected node content", "found duplicate %TAG directive", "found duplicate %YAML directive",
	"found incompatible YAML document", "found undefined tag handle",
}

// syntaxError returns the message of a yaml.v3 syntax error and its 1-based line.
func syntaxError(err error) (string, int) {
	msg, line := err.Error(), 0
	if sub := yamlLine.FindStringSubmatch(msg); sub != nil {
		line, _ = strconv.Atoi(sub[1])
		msg = msg[len(sub[0]):]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if slices.Contains(yamlParserProblems, msg) {
		line++
	}
	// yaml.v3 leaves the line out when it is the first one.
	return msg, max(line, 1)
}

func (p *parser) parse(data []byte) *Mapping {
	m := &Mapping{file: p.file, Matching: "email", location: time.UTC}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg, line := syntaxError(err)
		if tab := tabIndented(data, line); tab > 0 && tabProblem(msg) {
			msg, line = "the line is indented with a tab; YAML indents with spaces only", tab
		}
		p.errs = append(p.errs, &Error{File: p.file, Line: line, Err: fmt.Errorf("%w: %s", ErrSyntax, msg)})
		return m
	}
	if !p.countNodes(&doc) {
		return m
	}
	if len(doc.Content) == 0 {
		p.fail(0, "", ErrInvalid, "the file is empty; it needs at least db_id and fields")
		return m
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		p.fail(root.Line, "", ErrInvalid, "the file must be a YAML mapping (key: value lines), not %s", describe(root))
		return m
	}
	var matchingLine, matchLine int
	seen := map[string]bool{}
	fieldsOK := false // fields is there and is a mapping
	for _, e := range p.entries(root, "", topKeys, ErrInvalid) {
		seen[e.key] = true
		switch e.key {
		case "db_id":
			if n, ok := p.positiveInt(e.val, "db_id"); ok {
				m.DBID = n
			}
		case "matching":
			matchingLine = e.val.Line
			if s, ok := p.str(e.val, "matching"); ok {
				switch {
				case s == "push_sub":
					p.fail(e.val.Line, "matching", ErrInvalid, "matching push_sub is not supported: a CSV row cannot carry a push subscription as its key")
				case !slices.Contains(matchingModes, s):
					p.fail(e.val.Line, "matching", ErrInvalid, "unknown matching mode %q (known modes: %s)", s, strings.Join(matchingModes, ", "))
				default:
					m.Matching = s
				}
			}
		case "match":
			matchLine = e.keyLine
			p.parseMatch(m, e.val)
		case "timezone":
			if s, ok := p.str(e.val, "timezone"); ok {
				if loc, ok := p.location(e.val, "timezone", s); ok {
					m.location = loc
				}
			}
		case "csv":
			p.parseCSV(m, e.val)
		case "options":
			p.parseOptions(m, e.val)
		case "fields":
			fieldsOK = p.parseFields(m, e.val)
		case "subscriptions":
			p.parseSubscriptions(m, e.val)
		}
	}
	if !seen["db_id"] {
		p.fail(root.Line, "db_id", ErrInvalid, "missing db_id: the profile database id, a positive integer")
	}
	if !seen["fields"] {
		p.fail(root.Line, "fields", ErrInvalid, "missing fields: which CSV column fills which profile field")
	}
	m.match.line = firstLine(matchLine, matchingLine, root.Line)
	// The datetime fields' default zone is only known once the whole file is read.
	for _, s := range m.allSources() {
		if s.conv.kind == kindDateTime && s.conv.loc == nil {
			s.conv.loc = m.location
		}
	}
	if fieldsOK { // else checking the match against no fields would only repeat the error
		p.resolveMatch(m)
	}
	p.inheritRegions(m)
	return m
}

// firstLine returns the first non-zero line.
func firstLine(lines ...int) int {
	for _, l := range lines {
		if l != 0 {
			return l
		}
	}
	return 0
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	if n.Tag == "!!null" {
		return "empty"
	}
	return strconv.Quote(n.Value)
}

type entry struct {
	key     string
	keyLine int
	val     *yaml.Node
}

// entries returns the entries of a mapping node. It reports keys not in known (known == nil allows
// any) as ErrUnknownKey, and a key given twice as dupKind; only the first of a duplicate is returned.
func (p *parser) entries(n *yaml.Node, path string, known []string, dupKind error) []entry {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		p.fail(n.Line, path, ErrInvalid, "must be a mapping (key: value), not %s", describe(n))
		return nil
	}
	var out []entry
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			p.fail(k.Line, path, ErrInvalid, "a key must be a plain name, not %s", describe(k))
			continue
		}
		if line, dup := first[k.Value]; dup {
			what := "key"
			if errors.Is(dupKind, ErrDuplicateField) {
				what = "field"
			}
			p.fail(k.Line, path, dupKind, "%s %q is defined twice (first at line %d)", what, k.Value, line)
			continue
		}
		first[k.Value] = k.Line
		if known != nil && !slices.Contains(known, k.Value) {
			p.fail(k.Line, path, ErrUnknownKey, "unknown key %q (known keys: %s)", k.Value, strings.Join(known, ", "))
			continue
		}
		out = append(out, entry{key: k.Value, keyLine: k.Line, val: v})
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// str reads a scalar as a string.
func (p *parser) str(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.fail(n.Line, path, ErrInvalid, "must be a single value, not %s", describe(n))
		return "", false
	}
	return n.Value, true
}

// positiveInt reads an integer > 0, written plain or quoted.
func (p *parser) positiveInt(n *yaml.Node, path string) (int, bool) {
	if n.Kind == yaml.ScalarNode {
		if v, err := strconv.Atoi(n.Value); err == nil && v > 0 {
			return v, true
		}
	}
	p.fail(n.Line, path, ErrInvalid, "must be a positive integer, not %s", describe(n))
	return 0, false
}

func (p *parser) boolean(n *yaml.Node, path string) (bool, bool) {
	var b bool
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" && n.Decode(&b) == nil {
		return b, true
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		// Quoted, as positiveInt takes "5".
		switch strings.ToLower(n.Value) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	p.fail(n.Line, path, ErrInvalid, "must be true or false, not %s", describe(n))
	return false, false
}

func (p *parser) location(n *yaml.Node, path, name string) (*time.Location, bool) {
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" || strings.EqualFold(name, "local") {
		p.fail(n.Line, path, ErrInvalid, "unknown time zone %q: use an IANA name such as Europe/Moscow or UTC", name)
		return nil, false
	}
	return loc, true
}

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

func (p *parser) parseCSV(m *Mapping, n *yaml.Node) {
	for _, e := range p.entries(n, "csv", csvKeys, ErrInvalid) {
		path := join("csv", e.key)
		s, ok := p.str(e.val, path)
		if !ok {
			continue
		}
		switch e.key {
		case "delimiter":
			switch {
			case s == "auto" || s == "":
				m.CSV.Delimiter = s
			case strings.EqualFold(s, "tab") || s == `\t`:
				m.CSV.Delimiter = "\t"
			case utf8.RuneCountInString(s) == 1 && s != `"` && s != "\r" && s != "\n" && s != "\uFFFD":
				m.CSV.Delimiter = s
			default:
				p.fail(e.val.Line, path, ErrInvalid, `delimiter %q must be one character (e.g. ";" or "\t" or tab) or auto`, s)
			}
		case "encoding":
			switch strings.ToLower(strings.ReplaceAll(s, "_", "-")) {
			case "":
			case "utf-8", "utf8":
				m.CSV.Encoding = "utf-8"
			case "windows-1251", "windows1251", "cp1251", "cp-1251":
				m.CSV.Encoding = "windows-1251"
			case "auto":
				m.CSV.Encoding = "auto"
			default:
				p.fail(e.val.Line, path, ErrInvalid, "unknown encoding %q (known: utf-8, windows-1251, auto)", s)
			}
		}
	}
}

func (p *parser) parseOptions(m *Mapping, n *yaml.Node) {
	for _, e := range p.entries(n, "options", optionKeys, ErrInvalid) {
		path := join("options", e.key)
		switch e.key {
		case "add_to_segments", "remove_from_segments":
			items := []*yaml.Node{e.val}
			if e.val.Kind == yaml.SequenceNode {
				items = e.val.Content
			}
			out := append(append(append([]byte{','}, appendString(nil, e.key)...), ':'), '[')
			ok := true
			for i, it := range items {
				v, good := p.positiveInt(resolve(it), path)
				ok = ok && good
				if i > 0 {
					out = append(out, ',')
				}
				out = strconv.AppendInt(out, int64(v), 10)
			}
			if ok {
				m.options = append(append(m.options, out...), ']')
			}
		default:
			if b, ok := p.boolean(e.val, path); ok {
				m.options = append(append(append(m.options, ','), appendString(nil, e.key)...), ':')
				m.options = strconv.AppendBool(m.options, b)
			}
		}
	}
}

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
	if value != nil {
		p.constant(s, value, keys["type"] != nil)
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

func (p *parser) parseSubscriptions(m *Mapping, n *yaml.Node) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		p.fail(n.Line, "subscriptions", ErrInvalid, "must be a list of { channel: ..., resource_id: ..., ... }, not %s", describe(n))
		return
	}
	for i, item := range n.Content {
		if sub := p.subscription(resolve(item), fmt.Sprintf("subscriptions[%d]", i)); sub != nil {
			m.subs = append(m.subs, sub)
		}
	}
}

func (p *parser) subscription(n *yaml.Node, path string) *subscription {
	entries := p.entries(n, path, subscriptionKeys, ErrInvalid)
	if n.Kind != yaml.MappingNode {
		return nil
	}
	sub := &subscription{line: n.Line}
	vals := map[string]*yaml.Node{}
	for _, e := range entries {
		vals[e.key] = e.val
	}
	ok := true
	channel, contact := "", ""
	if v := vals["channel"]; v == nil {
		p.fail(n.Line, join(path, "channel"), ErrInvalid, "missing channel")
		ok = false
	} else if s, good := p.str(v, join(path, "channel")); good {
		for _, c := range channels {
			if c.name == s {
				channel, contact = c.name, c.contact
			}
		}
		if channel == "" {
			names := make([]string, len(channels))
			for i, c := range channels {
				names[i] = c.name
			}
			p.fail(v.Line, join(path, "channel"), ErrInvalid, "unknown channel %q (known channels: %s)", s, strings.Join(names, ", "))
			ok = false
		}
	} else {
		ok = false
	}
	resourceID := 0
	if v := vals["resource_id"]; v == nil {
		p.fail(n.Line, join(path, "resource_id"), ErrInvalid, "missing resource_id")
		ok = false
	} else if resourceID, _ = p.positiveInt(v, join(path, "resource_id")); resourceID == 0 {
		ok = false
	}
	if channel != "" && vals[contact] == nil {
		p.fail(n.Line, join(path, contact), ErrInvalid, "channel %s needs %s", channel, contact)
		ok = false
	}
	sub.prefix = append(sub.prefix, `{"channel":`...)
	sub.prefix = appendString(sub.prefix, channel)
	sub.prefix = append(sub.prefix, `,"resource_id":`...)
	sub.prefix = strconv.AppendInt(sub.prefix, int64(resourceID), 10)
	for _, e := range entries {
		epath := join(path, e.key)
		switch e.key {
		case "channel", "resource_id":
		case "email", "phone", "provider", "subscription_id":
			owner := map[string]string{"email": "email", "phone": "sms", "subscription_id": "push", "provider": "push"}[e.key]
			if channel != "" && channel != owner {
				p.fail(e.keyLine, epath, ErrInvalid, "%s is for channel %s, not %s", e.key, owner, channel)
				ok = false
				continue
			}
			def, fixed := kindString, false
			switch e.key {
			case "email":
				def, fixed = kindEmail, true
			case "phone":
				def, fixed = kindPhone, true
			}
			s := p.source(e.val, epath, e.key, e.keyLine, def, fixed, false)
			switch {
			case s == nil:
				ok = false
			case e.key == contact:
				sub.contact = s
			default:
				sub.parts = append(sub.parts, s)
			}
		case "status":
			if s, good := p.str(e.val, epath); good {
				sub.prefix = appendString(append(sub.prefix, `,"status":`...), s)
			} else {
				ok = false
			}
		case "priority":
			var v int
			if e.val.Kind == yaml.ScalarNode && e.val.Tag == "!!int" && e.val.Decode(&v) == nil {
				sub.prefix = strconv.AppendInt(append(sub.prefix, `,"priority":`...), int64(v), 10)
			} else {
				p.fail(e.val.Line, epath, ErrInvalid, "must be an integer, not %s", describe(e.val))
				ok = false
			}
		case "cats":
			items := []*yaml.Node{e.val}
			if e.val.Kind == yaml.SequenceNode {
				items = e.val.Content
			}
			sub.prefix = append(sub.prefix, `,"cats":[`...)
			for i, it := range items {
				s, good := p.str(resolve(it), epath)
				if !good {
					ok = false
				}
				if i > 0 {
					sub.prefix = append(sub.prefix, ',')
				}
				sub.prefix = appendString(sub.prefix, s)
			}
			sub.prefix = append(sub.prefix, ']')
		case "cc_data", "custom_fields":
			if e.key == "cc_data" && channel != "" && contact != "cc_data" {
				p.fail(e.keyLine, epath, ErrInvalid, "cc_data is for channels notify, viber, whatsapp and telegram_bot, not %s", channel)
				ok = false
				continue
			}
			obj := subObject{name: e.key}
			for _, f := range p.entries(e.val, epath, nil, ErrDuplicateField) {
				def := kindString
				if f.key == "phone" {
					def = kindPhone
				}
				if s := p.source(f.val, join(epath, f.key), f.key, f.keyLine, def, false, false); s != nil {
					obj.parts = append(obj.parts, s)
				} else {
					ok = false
				}
			}
			if len(obj.parts) == 0 && resolve(e.val).Kind == yaml.MappingNode {
				p.fail(e.val.Line, epath, ErrInvalid, "%s must not be empty", e.key)
				ok = false
			}
			sub.objects = append(sub.objects, obj)
		}
	}
	if !ok {
		return nil
	}
	return sub
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
	sub := strings.HasSuffix(m.Matching, "_sub")
	custom := strings.HasPrefix(m.Matching, "custom")
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
	switch m.Matching {
	case "email", "email_profile", "email_sub":
		mm.key = keyFrom("email", kindEmail)
	case "phone", "phone_sub":
		mm.key = keyFrom("phones", kindPhone)
	case "email_phone", "email_phone_sub":
		if mm.column != "" {
			p.fail(mm.columnLine, "match.column", ErrInvalid, "matching %s takes its keys from the fields email and phones; match.column cannot be used", m.Matching)
			return
		}
		mm.emailKey = keyFrom("email", kindEmail)
		mm.phoneKey = keyFrom("phones", kindPhone)
	case "profile_id":
		if mm.column == "" {
			p.fail(line, "match.column", ErrInvalid, "matching profile_id needs match.column, the column holding the profile id")
			return
		}
		mm.key = &source{path: "match.column", name: "profile_id", line: mm.columnLine, column: mm.column, columnLine: mm.columnLine}
	case "custom", "custom_sub":
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
