package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/acimport/acimport/mapping"
)

// CheckReport is what `acimport check` found.
type CheckReport struct {
	Rows    int64
	Valid   int64
	Invalid int64
}

// checkExamples is how many examples each problem shows.
const checkExamples = 3

// problem tallies one kind of problem: a column's invalid values, unparsable rows, missing keys.
type problem struct {
	label    string
	count    int64
	examples []string
}

// Check reads and converts every row of every input without sending anything,
// and writes a report to w: problems per column with examples, and the first
// request bodies. Only run-wide failures are errors; invalid rows are counted.
func Check(ctx context.Context, m *mapping.Mapping, files []string, stdin io.Reader, w io.Writer) (*CheckReport, error) {
	ins, err := openInputs(files, stdin, m)
	if err != nil {
		return nil, err
	}
	defer closeInputs(ins)
	rep := &CheckReport{}
	problems := map[string]*problem{}
	var order []string
	note := func(key, label, example string) {
		p := problems[key]
		if p == nil {
			p = &problem{label: label}
			problems[key] = p
			order = append(order, key)
		}
		p.count++
		if len(p.examples) < checkExamples {
			p.examples = append(p.examples, example)
		}
	}
	var samples [][]byte
	var buf []byte
	for _, in := range ins {
		fmt.Fprintf(w, "%s: encoding %s, delimiter %s, %d columns\n", in.display, in.reader.Encoding(), delimName(in.reader.Comma()), len(in.reader.Header()))
		for {
			if err := ctx.Err(); err != nil {
				return rep, ErrInterrupted
			}
			rec, err := in.reader.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return rep, fmt.Errorf("%w: read %s: %w", ErrInput, in.display, err)
			}
			rep.Rows++
			where := fmt.Sprintf("%s:%d", in.display, rec.Line)
			if rec.Err != nil {
				rep.Invalid++
				note("csv", "rows that cannot be parsed (csv)", fmt.Sprintf("%s: %s", where, csvReason(rec.Err)))
				continue
			}
			body, _, err := in.binder.Convert(buf[:0], rec.Fields)
			if err != nil {
				rep.Invalid++
				var re *mapping.RowError
				if !errors.As(err, &re) {
					note("?", "other", fmt.Sprintf("%s: %v", where, err))
					continue
				}
				if re.Code == mapping.CodeMissingKey {
					note("key", "rows without a matching key (missing_key)", fmt.Sprintf("%s: %v", where, re))
					continue
				}
				for _, c := range re.Cells {
					note("col:"+c.Column, fmt.Sprintf("column %q", c.Column), fmt.Sprintf("%s: %q — %s", where, c.Value, c.Reason))
				}
				continue
			}
			buf = body
			rep.Valid++
			if len(samples) < 3 {
				samples = append(samples, bytes.Clone(body))
			}
		}
	}
	fmt.Fprintf(w, "\n%d rows: %d valid, %d invalid\n", rep.Rows, rep.Valid, rep.Invalid)
	sort.SliceStable(order, func(i, j int) bool { return problems[order[i]].count > problems[order[j]].count })
	for _, k := range order {
		p := problems[k]
		fmt.Fprintf(w, "\n%s: %d\n", p.label, p.count)
		for _, ex := range p.examples {
			fmt.Fprintf(w, "  %s\n", ex)
		}
	}
	for i, s := range samples {
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, s, "  ", "  "); err != nil {
			pretty.Write(s)
		}
		fmt.Fprintf(w, "\nrequest %d: POST %s (token in the Authorization header, not shown)\n  %s\n", i+1, importPath, pretty.String())
	}
	return rep, nil
}
