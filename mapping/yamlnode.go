package mapping

// The YAML-node reader: every value is read from its node, so each problem names its line.

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/acimport/acimport/internal/errs"
)

// parser walks the YAML node tree, so that every problem can name its line, and collects all of them.
type parser struct {
	file   string
	errs   []*Error
	broken map[string]bool // fields with errors: not reported again as missing
	// match.resource_id or match.field has a reported error: not reported again as missing.
	badResourceID, badMatchField bool
}

func (p *parser) fail(line int, path string, kind error, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Path: path, Err: errs.Errorf(kind, format, args...)})
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
