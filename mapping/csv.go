package mapping

import (
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/acimport/acimport/internal/csvio"
)

func (p *parser) parseCSV(m *Mapping, n *yaml.Node) {
	for _, e := range p.entries(n, "csv", csvKeys, ErrInvalid) {
		path := join("csv", e.key)
		if e.key == "skip_lines" {
			if s, ok := p.str(e.val, path); ok {
				if n, err := strconv.Atoi(s); err == nil && n >= 0 {
					m.CSV.SkipLines = n
				} else {
					p.fail(e.val.Line, path, ErrInvalid, "must be a whole number of lines, 0 or more, not %s", describe(e.val))
				}
			}
			continue
		}
		if e.key == "sheet" {
			if s, ok := p.str(e.val, path); ok {
				m.CSV.Sheet = s // workbook.go checks it against the workbook's sheets
			}
			continue
		}
		if e.key == "lazy_quotes" {
			if b, ok := p.boolean(e.val, path); ok {
				m.CSV.LazyQuotes = b
			}
			continue
		}
		if e.key == "skip_lines" {
			if e.val.Kind != yaml.ScalarNode || e.val.Tag != "!!int" {
				p.fail(e.val.Line, path, ErrInvalid, "must be a number of lines, not %s", describe(e.val))
				continue
			}
			n, _ := strconv.Atoi(e.val.Value)
			m.CSV.SkipLines = n
			if _, err := csvio.ParseSkipLines(n); err != nil {
				p.fail(e.val.Line, path, ErrInvalid, "%s", err)
			}
			continue
		}
		s, ok := p.str(e.val, path)
		if !ok {
			continue
		}
		var err error
		switch e.key {
		case "delimiter":
			m.CSV.Delimiter, err = csvio.ParseDelimiter(s)
		case "encoding":
			m.CSV.Encoding, err = csvio.ParseEncoding(s)
		}
		if err != nil {
			p.fail(e.val.Line, path, ErrInvalid, "%s", err)
		}
	}
}
