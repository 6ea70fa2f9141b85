package mapping

import (
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

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
