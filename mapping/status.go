package mapping

// A subscription's status: a constant or a column read through values, every status checked
// against the platform's.

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/acimport/acimport/internal/altcraft"
)

// statusFrom says where a subscription's status comes from.
type statusFrom uint8

const (
	statusNone   statusFrom = iota // not given: the platform's default (a new subscription is subscribed)
	statusConst                    // one status for every row
	statusColumn                   // a column, through values
)

// status reads a subscription's status: a word or number (`status: unsubscribed`), a constant
// (`{ value: unsubscribed }`), or a column read like an enum (`{ column: Статус, values: {...} }`).
// Every status is checked against the platform's and sent as its word.
func (p *parser) status(n *yaml.Node, path string, line int) (*source, bool) {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode {
		word, ok := p.statusWord(n, path)
		if !ok {
			return nil, false
		}
		return &source{path: path, name: "status", line: line, isConst: true, constant: appendString(nil, word)}, true
	}
	if n.Kind == yaml.MappingNode {
		// { value: X } is the constant X.
		if len(n.Content) == 2 && resolve(n.Content[0]).Value == "value" {
			return p.status(n.Content[1], join(path, "value"), line)
		}
	}
	if n.Kind != yaml.MappingNode {
		p.fail(n.Line, path, ErrInvalid, "must be a single value, not %s: a status such as unsubscribed, or { column: ..., values: { ... } }", describe(n))
		return nil, false
	}
	s := p.source(n, path, "status", line, kindEnum, true, false)
	if s == nil {
		return nil, false
	}
	if s.isConst { // a value beside other keys: checked as the scalar it is
		return nil, false
	}
	ok := true
	if vals := valuesNode(n); vals != nil {
		for i := 0; i+1 < len(vals.Content); i += 2 {
			k := resolve(vals.Content[i])
			if _, good := p.statusWord(vals.Content[i+1], join(path, "values."+k.Value)); !good {
				ok = false
			}
		}
	}
	if !ok {
		return nil, false
	}
	for i := range s.conv.enum {
		word := strings.Trim(string(s.conv.enum[i].json), `"`)
		if st, known := lookupStatus(word); known {
			s.conv.enum[i].json = appendString(nil, st.Name)
		}
	}
	s.requireCell = true
	return s, true
}

// statusWord checks one status as the mapping writes it and returns the platform's word for it.
func (p *parser) statusWord(n *yaml.Node, path string) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.fail(n.Line, path, ErrInvalid, "a status must be a single value, not %s (statuses: %s)", describe(n), strings.Join(altcraft.StatusNames(), ", "))
		return "", false
	}
	if st, ok := lookupStatus(n.Value); ok {
		return st.Name, true
	}
	p.fail(n.Line, path, ErrInvalid, "unknown subscription status %q%s (statuses: %s; see acimport help mapping)",
		n.Value, nearStatus(n.Value), strings.Join(altcraft.StatusNames(), ", "))
	return "", false
}

// nearStatus is `; did you mean "unsubscribed"?` for a word within a few typos of a status.
func nearStatus(s string) string {
	best, bestDist := "", 4
	for _, name := range altcraft.StatusNames() {
		if d := editDistance(strings.ToLower(strings.TrimSpace(s)), name); d < bestDist {
			best, bestDist = name, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

// valuesNode is the values mapping of a source node, nil when there is none.
func valuesNode(n *yaml.Node) *yaml.Node {
	n = resolve(n)
	for i := 0; i+1 < len(n.Content); i += 2 {
		if resolve(n.Content[i]).Value == "values" {
			if v := resolve(n.Content[i+1]); v.Kind == yaml.MappingNode {
				return v
			}
		}
	}
	return nil
}

// lookupStatus is altcraft.LookupStatus, forgiving case and surrounding spaces.
func lookupStatus(s string) (altcraft.Status, bool) {
	return altcraft.LookupStatus(strings.ToLower(strings.TrimSpace(s)))
}

// constStatus is the word of a constant status source.
func constStatus(s *source) string { return strings.Trim(string(s.constant), `"`) }
