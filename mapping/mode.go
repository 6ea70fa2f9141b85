package mapping

// The mode and the update functions (action, on_empty): what a request does to a profile.

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/internal/errs"
)

func lookupOperation(s string) (altcraft.Operation, bool) {
	for _, op := range altcraft.Operations {
		if string(op) == s {
			return op, true
		}
	}
	return "", false
}

func operationNames() string {
	names := make([]string, len(altcraft.Operations))
	for i, op := range altcraft.Operations {
		names[i] = string(op)
	}
	return strings.Join(names, ", ")
}

func actionNames() string {
	names := make([]string, len(altcraft.Actions))
	for i, a := range altcraft.Actions {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}

// checkMode reports what the mode cannot do with the matching mode; "" when they fit.
func checkMode(op altcraft.Operation, matching altcraft.Mode) string {
	if op == altcraft.Add && matching == altcraft.MatchProfileID {
		return "mode add creates profiles without looking them up: it cannot match by profile_id"
	}
	return ""
}

// WithMode returns the mapping with its mode replaced (import --mode). The copy's Digest differs
// from the file's when the mode does, so that a run cannot be resumed under another mode.
func (m *Mapping) WithMode(mode string) (*Mapping, error) {
	op, ok := lookupOperation(mode)
	if !ok {
		return nil, errs.Errorf(ErrInvalid, "unknown mode %q (known modes: %s)", mode, operationNames())
	}
	if op == m.Mode {
		return m, nil
	}
	if why := checkMode(op, m.Matching); why != "" {
		return nil, errs.Errorf(ErrInvalid, "--mode %s: %s (matching in %s)", op, why, m.file)
	}
	c := *m
	c.Mode = op
	sum := sha256.Sum256([]byte(m.digest + "\x00mode=" + string(op)))
	c.digest = hex.EncodeToString(sum[:])
	return &c, nil
}

// CheckBatch reports why the mapping's requests cannot go through the *_batch methods, where
// each profile carries its own key among its fields; nil when they can.
func (m *Mapping) CheckBatch() error {
	if !m.Mode.Matches() {
		return nil
	}
	if !m.Matching.KeyInProfile() {
		return errs.Errorf(ErrInvalid, "matching %s cannot be used with --batch: its key is not a field of the profile, and a batch item carries only fields (use --batch 1)", m.Matching)
	}
	for _, k := range m.batchKeys() {
		if k.inData {
			continue
		}
		if f := m.field(k.field); f != nil {
			return errs.Errorf(ErrInvalid, "with --batch the matching key travels as the field %s, but fields.%s (line %d) is read otherwise (another column or an action); use --batch 1", k.field, k.field, f.line)
		}
	}
	return nil
}

// batchKey is where a batch item carries one of the row's keys.
type batchKey struct {
	src    *source
	field  string // the profile field holding it
	list   bool   // the field is a list (phones)
	inData bool   // the field is already in data, read the same way
}

// batchKeys are the keys a batch item carries, in the order of the binder's keys.
func (m *Mapping) batchKeys() []batchKey {
	mm := &m.match
	var out []batchKey
	add := func(src *source, field string, list bool) {
		if src == nil {
			return
		}
		f := m.field(field)
		in := f != nil && f == src && (f.action == "" || f.action == altcraft.ActionSet)
		out = append(out, batchKey{src: src, field: field, list: list, inData: in})
	}
	switch m.Matching.Key() {
	case altcraft.KeyEmail:
		add(mm.key, altcraft.FieldEmail, false)
	case altcraft.KeyPhone:
		add(mm.key, altcraft.FieldPhones, true)
	case altcraft.KeyEmailPhone:
		add(mm.emailKey, altcraft.FieldEmail, false)
		add(mm.phoneKey, altcraft.FieldPhones, true)
	case altcraft.KeyCustom:
		add(mm.key, mm.field, false)
	}
	return out
}

// parseAction reads a field's action and on_empty into s, after its type is known. n is the
// field's node; keys its entries. It reports whether they fit the field.
func (p *parser) parseAction(s *source, keys map[string]*yaml.Node, bad func(n *yaml.Node, key string, kind error, format string, args ...any)) {
	isField := strings.HasPrefix(s.path, "fields.")
	for _, key := range []string{"action", "on_empty"} {
		if n := keys[key]; n != nil && !isField {
			bad(n, key, ErrInvalid, "%s is only for fields, not for %s", key, s.path)
			return
		}
	}
	if n := keys["action"]; n != nil && n.Kind == yaml.ScalarNode {
		a := altcraft.Action(n.Value)
		switch a {
		case altcraft.ActionSet:
		case altcraft.ActionUnset:
			if s.name == altcraft.FieldEmail {
				bad(n, "action", ErrInvalid, "email cannot be unset: the platform keeps an email once it has one")
			}
		case altcraft.ActionIncr:
			if k := s.conv.kind; k != kindInt && k != kindFloat {
				bad(n, "action", ErrInvalid, "action incr adds a number: the field needs type int or float, not %s", k)
			} else if s.list {
				bad(n, "action", ErrInvalid, "action incr adds one number: it cannot take a list (separator)")
			}
		case altcraft.ActionAdd, altcraft.ActionDelete:
			if s.name == altcraft.FieldEmail {
				bad(n, "action", ErrInvalid, "action %s is for list fields such as tags; email holds one address", a)
			}
		default:
			bad(n, "action", ErrInvalid, "unknown action %q (known actions: %s)", n.Value, actionNames())
		}
		s.action = a
	}
	if n := keys["on_empty"]; n != nil && n.Kind == yaml.ScalarNode {
		switch n.Value {
		case "skip":
		case "unset":
			switch {
			case s.name == altcraft.FieldEmail:
				bad(n, "on_empty", ErrInvalid, "email cannot be unset: the platform keeps an email once it has one")
			case keys["value"] != nil:
				bad(n, "on_empty", ErrInvalid, "on_empty is for a column: a constant value is never empty")
			}
			s.unsetEmpty = true
		default:
			bad(n, "on_empty", ErrInvalid, "unknown on_empty %q (known: skip, unset)", n.Value)
		}
	}
}

// appendAction appends {"action":A,"value":value}.
func appendAction(dst []byte, a altcraft.Action, value []byte) []byte {
	dst = append(dst, `{"action":"`...)
	dst = append(dst, a...)
	dst = append(dst, `","value":`...)
	dst = append(dst, value...)
	return append(dst, '}')
}

// unsetJSON is the update function that deletes a field.
var unsetJSON = []byte(`{"action":"` + string(altcraft.ActionUnset) + `"}`)
