package mapping

import (
	"fmt"

	"github.com/acimport/acimport/internal/altcraft"
)

// NonIdempotent says why applying this mapping's requests twice would not
// leave the platform as applying them once does: the first update function
// that adds or removes (incr, list add/delete), or mode add, which creates a
// new profile each time. It is "" when every change is a plain set or unset,
// so that a repeated request is harmless. Exactly-once relies on it: a row whose
// request may have been applied twice is only in doubt when this is not "".
func (m *Mapping) NonIdempotent() string {
	if m.Mode == altcraft.Add {
		return "mode add creates a profile with each request"
	}
	for _, s := range m.fields {
		switch s.action {
		case altcraft.ActionIncr, altcraft.ActionAdd, altcraft.ActionDelete:
			return fmt.Sprintf("%s uses action %s", s.path, s.action)
		}
	}
	return ""
}
