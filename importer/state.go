package importer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/acimport/acimport/importer/resume"
	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/internal/shellquote"
)

// resumeInfo is what a run knows about its state file before it starts.
type resumeInfo struct {
	plan *resume.Plan       // nil when the run keeps no state (stdin)
	id   *resume.Identity   // this run's inputs and mapping
	cp   *resume.Checkpoint // the interrupted run's last checkpoint; nil for a fresh run
}

// prepareResume locks the run's state file, beside its first reject file, and
// decides, by --resume, whether the run continues an interrupted one or starts
// afresh, or refuses (exit 4) with a message that gives the command that will work.
func prepareResume(cfg Config, rejects rejectFiles) (resumeInfo, error) {
	var res resumeInfo
	if slices.Contains(cfg.Files, "-") {
		return res, nil
	}
	path := rejects.state()
	id, err := resume.Identify(cfg.Files, cfg.Mapping.Digest())
	if err != nil {
		return res, Mark(ErrInput, err)
	}
	id.Command = cfg.Commands.Record
	res.id = id
	var others []resume.Other
	for i, f := range cfg.Files {
		// where a run of this input alone, without --reject, keeps its state
		if p := resume.StatePath(rejects.beside[i]); p != path {
			others = append(others, resume.Other{Input: f, State: p})
		}
	}
	mode := resume.Fresh
	switch {
	case cfg.AutoResume:
		mode = resume.Auto
	case cfg.Resume:
		mode = resume.Resume
	}
	plan, err := resume.Prepare(path, others, id, mode)
	if err != nil {
		return res, refusal(cfg, err)
	}
	res.plan, res.cp = plan, plan.Checkpoint
	switch {
	case plan.MovedAside != "":
		fmt.Fprintf(cfg.Stderr, "--resume=auto: the state of an earlier run does not fit this one (%s); moved it aside to %s and starting over\n", plan.Why, plan.MovedAside)
	case cfg.AutoResume && res.cp != nil:
		c := res.cp.Counts
		fmt.Fprintf(cfg.Stderr, "--resume=auto: resuming the unfinished run of these files (%d rows already settled; state %s)\n", c.Imported+c.Rejected, path)
	}
	if res.cp != nil {
		noticeTransient(cfg, rejects.all(), res.cp.Counts.ByCode)
	}
	return res, nil
}

// verifyPrefixes proves, before anything is sent, that the part of each input
// an interrupted run finished is unchanged: its bytes are hashed again and
// compared with the checkpoint's hashes. With --resume=auto a changed input
// starts the run over instead.
func (r *run) verifyPrefixes() error {
	cp := r.res.cp
	if cp == nil {
		return nil
	}
	for i, in := range r.ins {
		if in.prefix == nil || i >= len(cp.Files) {
			continue
		}
		p := &cp.Files[i]
		checks := resume.NewTracker(p).Checks()
		var why string
		for _, c := range checks {
			if c.Sum == "" {
				why = fmt.Sprintf("the state file does not prove its finished part (no hash of its first %d bytes)", c.End)
			}
		}
		if why == "" {
			err := in.prefix.Verify(in.file, checks, p.LowAt.End)
			switch {
			case errors.Is(err, resume.ErrChanged):
				why = fmt.Sprintf("it was changed in its finished part (the %d rows settled before): %v", p.Low+int64(len(p.Above)), err)
			case err != nil:
				return Mark(ErrInput, fmt.Errorf("read %s: %w", in.display, err))
			}
		}
		if why == "" {
			continue
		}
		if !r.cfg.AutoResume {
			return refused(ErrResumeMismatch, "cannot resume %s: %s.\nTo start over, moving the old state and reject file aside:\n  %s",
				in.display, why, r.cfg.Commands.auto())
		}
		if err := r.res.plan.StartOver(); err != nil {
			return Mark(ErrInput, err)
		}
		fmt.Fprintf(r.cfg.Stderr, "--resume=auto: input %s %s; moved the old state aside to %s and starting over\n", in.display, why, r.res.plan.MovedAside)
		r.res.cp = nil
		return nil
	}
	return nil
}

// refused marks a refusal to start: exit 4.
func refused(kind error, format string, args ...any) error {
	return Mark(ErrRefused, errorf(kind, format, args...))
}

// refusal turns resume.Prepare's refusal into the message the user sees,
// with the command that will work.
func refusal(cfg Config, err error) error {
	var le *resume.LockedError
	if errors.As(err, &le) {
		return refused(ErrLocked, "%v.\nWait for it to end, then run this command again (with --resume=auto it continues what that run leaves unfinished):\n  %s",
			le, cfg.Commands.auto())
	}
	var rf *resume.Refusal
	if !errors.As(err, &rf) {
		return fmt.Errorf("reject file: its state file beside it: %w", err)
	}
	settled := ""
	if rf.Settled > 0 {
		settled = fmt.Sprintf(" (%d rows settled)", rf.Settled)
	}
	switch rf.Kind {
	case resume.Unfinished:
		if rf.Why == "" {
			return refused(ErrUnfinishedRun, "%v%s.\nTo continue it, sending only the rows not yet finished:\n  %s\nTo start over instead, delete the state file first (the reject file is then moved aside, not lost):\n  rm %s && %s",
				rf, settled, cfg.Commands.resume(), shellquote.Quote(rf.Path), cfg.Commands.again())
		}
		return refused(ErrUnfinishedRun, "%s holds the state of an unfinished run%s that does not fit this one: %s.\nTo start over, moving that state and its reject file aside:\n  %s",
			rf.Path, settled, rf.Why, cfg.Commands.auto())
	case resume.NothingToResume:
		return refused(ErrNothingToResume, "%v: there is nothing to resume.\nTo import the files:\n  %s\n(in scripts, --resume=auto resumes only when there is something to resume)",
			rf, cfg.Commands.again())
	case resume.Foreign:
		how := "run the command that started it again with --resume"
		if rf.Saved != nil && len(rf.Saved.Command) > 0 && cfg.Commands.Continue != nil {
			how = "continue it with:\n  " + cfg.Commands.Continue(rf.Saved.Command)
		}
		return refused(ErrUnfinishedRun, "%v%s; this run would import it again from the start.\nFinish that run first — %s\n— or delete %s to drop it.",
			rf, settled, how, shellquote.Quote(rf.Path))
	}
	advice := fmt.Sprintf("To start over, moving the old state and reject file aside:\n  %s", cfg.Commands.auto())
	if rf.Changed == resume.ChangedMapping && rf.Settled > 0 {
		advice = fmt.Sprintf("Either put the mapping file back as it was and run:\n  %s\nor start over, moving the old state and reject file aside:\n  %s",
			cfg.Commands.resume(), cfg.Commands.auto())
	}
	return refused(ErrResumeMismatch, "%v%s.\n%s", rf, settled, advice)
}

// noticeTransient tells a resumed run how many rows its reject files hold
// that failed only for the network or the API's health, and how to send them again.
func noticeTransient(cfg Config, rejects []string, byCode map[altcraft.RejectCode]int64) {
	var n int64
	var codes []string
	for c, k := range byCode {
		if c.Transient() && k > 0 {
			n += k
			codes = append(codes, string(c))
		}
	}
	if n == 0 {
		return
	}
	slices.Sort(codes)
	fmt.Fprintf(cfg.Stderr, "note: the reject file holds %d rows rejected for transient failures (%s) before the run stopped; "+
		"this run does not send them again. Once it has finished, re-send the reject file with:\n  %s\n"+
		"(rows rejected for their values are rejected again, into %s)\n",
		n, strings.Join(codes, ", "), cfg.Commands.resend(rejects), strings.Join(newRejectFiles(rejects, "").beside, ", "))
}

// hasRows reports whether a reject file holds anything beyond its header line.
func hasRows(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	seenHeader := false
	for {
		n, err := f.Read(buf)
		b := buf[:n]
		if !seenHeader {
			i := slices.Index(b, '\n')
			if i < 0 {
				if err != nil {
					return false
				}
				continue
			}
			seenHeader, b = true, b[i+1:]
		}
		if strings.TrimSpace(string(b)) != "" {
			return true
		}
		if err == io.EOF {
			return false
		}
		if err != nil {
			return true // unreadable: keep it
		}
	}
}
