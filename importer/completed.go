package importer

import (
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/acimport/acimport/importer/resume"
	"github.com/acimport/acimport/internal/shellquote"
)

// Completed imports remembered (open and finish): an import whose mapping's
// changes are not idempotent (Mapping.NonIdempotent) is recorded once every row
// is settled, in a small file beside its reject file (resume.DonePath); a later
// run of an input with the same bytes and the same mapping into the same
// platform (URL) is refused before its first request, unless --again. A
// rehearsal with --sandbox, at a new address each time, never blocks the import
// that follows it. Set-only mappings are neither recorded nor
// checked: a repeat of them leaves the platform as it was.

// donePlaces are the record files a run writes — beside each of its reject
// files — and those it reads besides: beside the reject file a run of each
// input alone would have.
func (rf rejectFiles) donePlaces(files []string) (write, read []string) {
	for i := range files {
		if p := resume.DonePath(rf.of(i)); !slices.Contains(write, p) {
			write = append(write, p)
		}
	}
	read = slices.Clone(write)
	for i, f := range files {
		if f == "-" {
			continue
		}
		if p := resume.DonePath(rf.beside[i]); !slices.Contains(read, p) {
			read = append(read, p)
		}
	}
	return write, read
}

// refuseRepeat refuses (exit 4) a fresh run of an input that an identical
// import, non-idempotent, already completed. Only an input whose size and first
// bytes equal a recorded one is read whole, streaming, to compare its hash:
// the cost is paid only for a likely repeat. Standard input cannot be read
// twice, so it is not checked; it is recorded, so a file of the same bytes is.
func (r *run) refuseRepeat() error {
	cfg := r.cfg
	why := cfg.Mapping.NonIdempotent()
	if why == "" || cfg.Again || r.prior.cp != nil {
		return nil // set-only, --again, or continuing an import not yet completed
	}
	_, read := r.rejects.donePlaces(cfg.Files)
	digest := cfg.Mapping.Digest()
	for _, in := range r.ins {
		if in.name == "-" {
			fmt.Fprintf(cfg.Stderr, "note: standard input cannot be read twice, so it is not compared with completed imports before sending "+
				"(the mapping's changes are not idempotent: %s); it is remembered once imported\n", why)
			continue
		}
		id, err := resume.Identify([]string{in.name}, "")
		if err != nil {
			return Mark(ErrInput, err)
		}
		var whole string
		sum := func() (string, error) {
			if whole == "" {
				h, err := resume.HashFile(in.name)
				if err != nil {
					return "", err
				}
				whole = h.Sum
			}
			return whole, nil
		}
		for _, path := range read {
			rec, err := resume.LoadDone(path)
			if err != nil {
				return Mark(ErrInput, err)
			}
			d, err := rec.Find(platformURL(cfg.URL), digest, id.Files[0], sum)
			if err != nil {
				return Mark(ErrInput, err)
			}
			if d == nil {
				continue
			}
			return refused(ErrAlreadyImported, "%s was imported completely before, with this mapping, at %s (%d rows imported, %d rejected; recorded in %s).\n"+
				"Importing it again would apply its changes a second time: %s.\n"+
				"If that is what you want, import it anew:\n  %s\n(to forget completed imports of these files, delete %s)",
				in.display, d.FinishedAt.Local().Format("2006-01-02 15:04:05 -0700"), d.Imported, d.Rejected, path, why,
				cfg.Commands.anew(), shellquote.Quote(path))
		}
	}
	return nil
}

// remember records a completed import whose changes are not idempotent in
// each of the run's record files. A failure to write it is said, not the
// run's failure: every row was settled, and an exit code other than 0 or 3
// would have cron import the file again.
func (r *run) remember(sum *Summary) {
	cfg := r.cfg
	why := cfg.Mapping.NonIdempotent()
	if why == "" {
		return
	}
	d := resume.Done{FinishedAt: time.Now().UTC().Truncate(time.Second), URL: platformURL(cfg.URL), Mapping: cfg.Mapping.Digest(), Mode: string(cfg.Mapping.Mode),
		NonIdempotent: why, Imported: sum.Imported, Rejected: sum.Rejected}
	for i, in := range r.ins {
		f, err := r.wholeInput(i, in)
		if err != nil {
			fmt.Fprintf(cfg.Stderr, "warning: this import cannot be remembered, so a repeat of it would not be refused: %v\n", err)
			return
		}
		d.Files = append(d.Files, f)
	}
	write, _ := r.rejects.donePlaces(cfg.Files)
	for _, p := range write {
		if err := resume.AddDone(p, d); err != nil {
			fmt.Fprintf(cfg.Stderr, "warning: %v; a repeat of this import would not be refused\n", err)
			continue
		}
		sum.advice += fmt.Sprintf("remembered in %s: importing the same bytes with this mapping again is refused without --again\n", p)
	}
}

// wholeInput is input i's bytes as this run read them: from its prefix hash
// when this run read it to its end, else read again.
func (r *run) wholeInput(i int, in *input) (resume.DoneInput, error) {
	if in.name == "-" {
		return r.stdinHash.Input("-"), nil
	}
	if in.prefix != nil && in.ended.Load() && r.prior.id != nil {
		if size, sum, ok := in.prefix.Whole(); ok && size == in.size {
			abs, _ := filepath.Abs(in.name)
			return resume.DoneInput{Path: abs, Size: size, Head: r.prior.id.Files[i].Head, Sum: sum}, nil
		}
	}
	return resume.HashFile(in.name)
}

// platformURL is the platform a completed import went to, as its record names
// it: the URL without credentials, a query or a trailing slash.
func platformURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return strings.TrimSuffix(u.String(), "/")
}
