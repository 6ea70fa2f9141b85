package mapping

import (
	"strconv"

	"go.yaml.in/yaml/v3"
)

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
