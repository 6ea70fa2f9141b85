package mapping

import (
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/internal/errs"
)

// Keys each part of the file may hold. Anything else is ErrUnknownKey.
var (
	topKeys          = []string{"db_id", "matching", "match", "mode", "timezone", "csv", "options", "fields", "subscriptions", "opt_out_evidence"}
	matchKeys        = []string{"column", "field", "resource_id"}
	csvKeys          = []string{"delimiter", "encoding", "lazy_quotes", "skip_lines", "sheet"}
	optionKeys       = []string{"skip_triggers", "detect_geo", "skip_invalid_subscriptions", "add_to_segments", "remove_from_segments"}
	sourceKeys       = []string{"column", "value", "type", "format", "timezone", "region", "values", "separator", "action", "on_empty", "on_invalid"}
	subscriptionKeys = []string{"channel", "resource_id", "email", "phone", "provider", "subscription_id", "status", "priority", "cats", "cc_data", "custom_fields"}
)

// matchingModes are the API's matching modes a mapping can use: push_sub exists but cannot be fed
// from a CSV row.
var matchingModes = func() []string {
	var out []string
	for _, m := range altcraft.Modes {
		if m != altcraft.MatchPushSub {
			out = append(out, string(m))
		}
	}
	return out
}()

func (p *parser) parse(data []byte) *Mapping {
	m := &Mapping{file: p.file, Mode: altcraft.Upsert, Matching: altcraft.DefaultMode, location: time.UTC}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg, line := syntaxError(err)
		msg, line = problemLine(data, msg, line)
		if tab := tabIndented(data, line); tab > 0 && tabProblem(msg) {
			msg, line = "the line is indented with a tab; YAML indents with spaces only", tab
		}
		p.errs = append(p.errs, &Error{File: p.file, Line: line, Err: errs.Errorf(ErrSyntax, "YAML syntax error: %s", msg)})
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
		case "mode":
			if s, ok := p.str(e.val, "mode"); ok {
				if op, known := lookupOperation(s); known {
					m.Mode, m.modeLine = op, e.val.Line
				} else {
					p.fail(e.val.Line, "mode", ErrInvalid, "unknown mode %q (known modes: %s)", s, operationNames())
				}
			}
		case "matching":
			matchingLine = e.val.Line
			if s, ok := p.str(e.val, "matching"); ok {
				switch {
				case altcraft.Mode(s) == altcraft.MatchPushSub:
					p.fail(e.val.Line, "matching", ErrInvalid, "matching push_sub is not supported: a CSV row cannot carry a push subscription as its key")
				case !slices.Contains(matchingModes, s):
					p.fail(e.val.Line, "matching", ErrInvalid, "unknown matching mode %q (known modes: %s)", s, strings.Join(matchingModes, ", "))
				default:
					m.Matching = altcraft.Mode(s)
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
		case "opt_out_evidence":
			if s, ok := p.str(e.val, e.key); ok && s == "ignore" {
				m.ignoreOptOuts = true
			} else if ok {
				p.fail(e.val.Line, e.key, ErrInvalid, "the only value is ignore: the inputs' unsubscribe evidence has been checked and the constant status is meant")
			}
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
	if why := checkMode(m.Mode, m.Matching); why != "" {
		p.fail(firstLine(m.modeLine, matchingLine, root.Line), "mode", ErrInvalid, "%s", why)
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
