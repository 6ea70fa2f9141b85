package importer

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/acimport/acimport/importer/resume"
	"github.com/acimport/acimport/internal/csvio"
)

// When --resume=auto starts over, the unfinished run whose state it moves aside
// may still have had rows to send. They are never sent now, so they are counted
// (Summary.Abandoned), named on stderr, and the run exits 3: a cron job alerts.

// abandonedRows are the rows an earlier unfinished run left unsent, as counted
// when its state was moved aside.
type abandonedRows struct {
	n     int64
	exact bool // false: at least n
}

// countAbandoned counts the rows the run whose state was moved to moved had not
// finished, and says so on stderr: the run's time, each input, the line it
// stopped at and where the state went.
func countAbandoned(cfg Config, moved string) abandonedRows {
	out := abandonedRows{exact: true}
	saved, cp, err := resume.Load(moved)
	if err != nil {
		fmt.Fprintf(cfg.Stderr, "--resume=auto: the rows the earlier run left unsent cannot be counted: %v\n", err)
		return out
	}
	when := "at an unknown time"
	if st, err := os.Stat(moved); err == nil {
		when = "last checkpointed at " + st.ModTime().Format("2006-01-02 15:04:05 -0700")
	}
	for i, f := range saved.Files {
		var p resume.FileProgress
		if cp != nil && i < len(cp.Files) {
			p = cp.Files[i]
		}
		n, exact := p.Unfinished()
		if !exact && saved.Mapping == cfg.Mapping.Digest() {
			if k, err := countUnfinished(f, &p, cfg.Mapping.CSV); err == nil {
				n, exact = k, true
			}
		}
		if n == 0 && exact {
			continue
		}
		out.n += n
		out.exact = out.exact && exact
		at := "before its first row"
		if p.LowAt.Line > 0 {
			at = fmt.Sprintf("at line %d", p.LowAt.Line)
		}
		count := fmt.Sprintf("%d rows", n)
		switch {
		case !exact && n == 0:
			count = "an unknown number of rows (the state proves none unsent, but that run had not read its input to the end, and the input can no longer be read as it was)"
		case !exact:
			count = fmt.Sprintf("at least %d rows (that run had not read its input to the end, and the input can no longer be read as it was)", n)
		}
		fmt.Fprintf(cfg.Stderr, "--resume=auto: the earlier run of %s (%s) stopped %s with %d rows finished: %s it had not sent are ABANDONED, "+
			"this run does not send them (summary: abandoned). Its state was moved to %s.\n",
			f.Path, when, at, p.Low+int64(len(p.Above)), count, moved)
	}
	return out
}

// countUnfinished reads the earlier run's input, when it is still as that run
// read it (its size, its first bytes and the finished part's hashes), and
// counts the rows that run had not finished. An error: it cannot tell.
func countUnfinished(id resume.FileIdent, p *resume.FileProgress, opt csvio.Options) (int64, error) {
	now, err := resume.Identify([]string{id.Path}, "")
	if err != nil {
		return 0, err
	}
	if g := now.Files[0]; g.Size != id.Size || g.Head != id.Head {
		return 0, errors.New("the input has changed")
	}
	f, err := os.Open(id.Path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	done := resume.NewSettled(p)
	checks := done.Checks()
	for _, c := range checks {
		if c.Sum == "" {
			return 0, errors.New("the state does not prove the finished part")
		}
	}
	if err := resume.NewPrefix(f).Verify(f, checks, 0); err != nil {
		return 0, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	rd, err := csvio.NewReader(f, id.Path, opt)
	if err != nil {
		return 0, err
	}
	var ord int64
	low, at := done.Low()
	if low > 0 && at.End > 0 && rd.SeekRecord(at.End, at.Line) == nil {
		ord = low
	}
	var n int64
	for ; ; ord++ {
		_, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
		if !done.Finished(ord) {
			n++
		}
	}
}

// add counts b's rows with a's.
func (a abandonedRows) add(b abandonedRows) abandonedRows {
	if a.n == 0 && a.exact {
		return b
	}
	return abandonedRows{n: a.n + b.n, exact: a.exact && b.exact}
}
