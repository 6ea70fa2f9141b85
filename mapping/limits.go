package mapping

import (
	"bytes"
	"strings"

	"go.yaml.in/yaml/v3"
)

// countNodes checks the document holds at most MaxNodes nodes, each alias counted as the nodes it
// stands for. yaml.v3 keeps an alias as one node pointing at its anchor, so a billion-laughs file
// parses small; but walking it, as the parser does, would visit every expansion. Sizes are memoised
// per node, so the count itself costs one visit per node.
func (p *parser) countNodes(doc *yaml.Node) bool {
	size := map[*yaml.Node]int{}
	var firstAlias, cycle *yaml.Node
	var count func(n *yaml.Node) int
	count = func(n *yaml.Node) int {
		if n == nil {
			return 0
		}
		if s, ok := size[n]; ok {
			if s < 0 { // still being counted: an alias inside its own anchor
				return MaxNodes + 1
			}
			return s
		}
		size[n] = -1
		total := 1
		if n.Kind == yaml.AliasNode {
			if firstAlias == nil {
				firstAlias = n
			}
			if s, ok := size[n.Alias]; ok && s < 0 && cycle == nil {
				cycle = n
			}
			total += count(n.Alias)
		}
		for _, c := range n.Content {
			if total += count(c); total > MaxNodes {
				break
			}
		}
		total = min(total, MaxNodes+1)
		size[n] = total
		return total
	}
	if count(doc) <= MaxNodes {
		return true
	}
	switch {
	case cycle != nil:
		p.fail(cycle.Line, "", ErrInvalid, "alias *%s refers to a node that contains it", cycle.Value)
	case firstAlias != nil:
		p.fail(firstAlias.Line, "", ErrTooLarge, "the file expands to more than %d YAML nodes through its aliases (the first is *%s); a mapping file needs far fewer",
			MaxNodes, firstAlias.Value)
	default:
		p.fail(0, "", ErrTooLarge, "the file has more than %d YAML nodes; a mapping file needs far fewer: is it the right file?", MaxNodes)
	}
	return false
}

// tabIndented returns the line, 1-based, of the last line at or before line whose indentation holds a
// tab, or 0. yaml.v3 reports such a line as "found character that cannot start any token" or a
// tab that "violates indentation", sometimes on the line before.
func tabIndented(data []byte, line int) int {
	found := 0
	for i, l := range yamlLines(data) {
		if i+1 > line+1 {
			break
		}
		content := bytes.TrimLeft(l, " \t")
		if len(content) < len(l) && bytes.IndexByte(l[:len(l)-len(content)], '\t') >= 0 &&
			len(bytes.TrimSpace(content)) > 0 && content[0] != '#' {
			found = i + 1
		}
	}
	return found
}

// tabProblem reports whether a yaml.v3 syntax message may come from a tab in the indentation.
func tabProblem(msg string) bool {
	return strings.Contains(msg, "tab character") || strings.Contains(msg, "cannot start any token")
}

// yamlBreaks are the line breaks YAML knows beside "\r" and "\n": NEL, LS and PS.
var yamlBreaks = [][]byte{[]byte("\u0085"), []byte("\u2028"), []byte("\u2029")}

// yamlLines splits data into lines where YAML breaks them: at "\r\n", "\r", "\n" and yamlBreaks, so
// that line numbers agree with yaml.v3's.
func yamlLines(data []byte) [][]byte {
	var lines [][]byte
	start := 0
	for i := 0; i < len(data); {
		n := 0
		switch c := data[i]; {
		case c == '\r' && i+1 < len(data) && data[i+1] == '\n':
			n = 2
		case c == '\r' || c == '\n':
			n = 1
		case c >= 0xC2:
			for _, b := range yamlBreaks {
				if bytes.HasPrefix(data[i:], b) {
					n = len(b)
				}
			}
		}
		if n == 0 {
			i++
			continue
		}
		lines = append(lines, data[start:i])
		i += n
		start = i
	}
	return append(lines, data[start:])
}
