package importer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/gocarina/gocsv"

	"github.com/acimport/acimport/importer/resume"
	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/internal/csvio"
	"github.com/acimport/acimport/internal/shellquote"
	"github.com/acimport/acimport/mapping"
)

// Phase 1, open: check everything and open every file before the first request — the inputs
// bound to the mapping, the reject and results files, the state file's plan proved (may this
// run start, and from where), and the refusals worded with the commands cmd handed over.

// run is one import between its phases: what open prepared.
type run struct {
	cfg     Config
	prior   resumeInfo // what came before this run: the state file's plan and checkpoint
	client  altcraft.Sender
	ins     []*input
	rejects rejectFiles
	sinks   []*rejectSink
	results *resultsFile // nil without --results
	state   *resume.Log  // nil when the run keeps no state (stdin)
	// stdinHash hashes standard input as it is read, to remember a completed
	// import of it (completed.go); nil when not needed.
	stdinHash *resume.InputHash
	// importID names the import in its request ids (exactlyonce.go).
	importID string
}

// open checks the run against its state file and opens the inputs and outputs.
func open(cfg Config) (_ *run, err error) {
	r := &run{cfg: cfg}
	defer func() {
		if err != nil {
			r.close()
		}
	}()
	r.rejects = newRejectFiles(cfg.Files, cfg.RejectPath)
	if r.prior, err = prepareResume(cfg, r.rejects); err != nil {
		return nil, err
	}
	if r.client = cfg.Sender; r.client == nil {
		c, err := altcraft.NewClient(altcraft.Options{URL: cfg.URL, Token: cfg.Token, Workers: cfg.Workers, Timeout: cfg.Timeout, RootCAs: cfg.RootCAs})
		if err != nil {
			return nil, Mark(ErrUsage, err)
		}
		r.client = c
	}
	stdin := cfg.Stdin
	if slices.Contains(cfg.Files, "-") && cfg.Mapping.NonIdempotent() != "" {
		r.stdinHash = resume.NewInputHash()
		stdin = io.TeeReader(stdin, r.stdinHash)
	}
	if r.ins, err = openInputsHashed(cfg.Files, stdin, cfg.Mapping, r.prior.plan != nil && !cfg.noPrefixHash); err != nil {
		return nil, err
	}
	if err = r.verifyPrefixes(); err != nil {
		return nil, err
	}
	if err = r.refuseRepeat(); err != nil {
		return nil, err
	}
	r.chooseImportID()
	noticeFormats(cfg.Stderr, r.ins, cfg.Mapping.CSV)
	if r.sinks, err = openRejectFiles(r.ins, r.rejects, r.prior.cp, cfg.Stderr); err != nil {
		return nil, err
	}
	if cfg.ResultsPath != "" {
		size := int64(-1)
		if r.prior.cp != nil {
			size = r.prior.cp.Outputs[cfg.ResultsPath]
		}
		if r.results, err = openResults(cfg.ResultsPath, size); err != nil {
			return nil, err
		}
	}
	if p := r.prior.plan; p != nil {
		if r.prior.cp != nil {
			r.state, err = resume.Continue(p.Lock, r.prior.id, r.prior.cp)
		} else {
			r.state, err = resume.Create(p.Lock, r.prior.id)
		}
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

// close closes what open opened; the state file is settled by finish, and the
// output files, whose errors count, by closeOutputs.
func (r *run) close() {
	if r.prior.plan != nil {
		r.prior.plan.Lock.Release() // unless the state log took it over
	}
	closeInputs(r.ins)
	r.closeOutputs()
}

// input is one CSV file of the run, opened, its header checked against the mapping.
type input struct {
	idx     int    // position among the run's inputs
	name    string // as given: a path or "-"
	display string // for messages
	size    int64  // -1 when unknown (stdin, pipes)
	closer  io.Closer
	file    *os.File       // nil for stdin
	prefix  *resume.Prefix // hashes what is read of file; nil when the run keeps no state
	reader  *csvio.Reader
	binder  *mapping.Binder
	reject  *rejectSink
	// reqPrefix starts the request id of each of its rows (exactlyonce.go).
	reqPrefix string

	// count is this run's rows of the input, for the summary.
	count inputCounts

	// seen is how many rows the reader has read (its last row's ordinal + 1), for the state
	// (resume.FileProgress.RowsRead); ended, that it read the input to its end.
	seen  atomic.Int64
	ended atomic.Bool

	// pos is where reading has got to: the end of the last row read, the size once the input
	// is read to its end. The progress display reads it from another goroutine.
	pos atomic.Int64
}

// openInputs opens every input and binds the mapping to each header before the
// first request, so a wrong column in the third file does not stop the run
// halfway through.
func openInputs(files []string, stdin io.Reader, m *mapping.Mapping) ([]*input, error) {
	return openInputsHashed(files, stdin, m, false)
}

// openInputsHashed is openInputs, with each file's bytes hashed as they are
// read when hashPrefix is set (see resume.Prefix).
func openInputsHashed(files []string, stdin io.Reader, m *mapping.Mapping, hashPrefix bool) ([]*input, error) {
	var ins []*input
	fail := func(err error) ([]*input, error) {
		closeInputs(ins)
		return nil, err
	}
	stdinUsed := false
	for _, name := range files {
		in := &input{idx: len(ins), name: name, display: name, size: -1}
		var r io.Reader
		if name == "-" {
			if stdinUsed {
				return fail(errorf(ErrUsage, "standard input (-) is named twice"))
			}
			stdinUsed = true
			in.display = "standard input"
			r = stdin
		} else {
			f, err := os.Open(name)
			if err != nil {
				return fail(Mark(ErrInput, err))
			}
			if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
				in.size = st.Size()
			}
			in.closer, in.file, r = f, f, f
			if hashPrefix {
				in.prefix = resume.NewPrefix(f)
				r = in.prefix
			}
		}
		ins = append(ins, in)
		cr, err := csvio.NewReader(r, name, m.CSV)
		if err != nil {
			return fail(Mark(ErrInput, err))
		}
		in.reader = cr
		b, err := m.Bind(cr.Header())
		if err != nil {
			return fail(errorf(ErrInput, "the mapping does not fit %s:\n%w", in.display, err))
		}
		in.binder = b
		if err := m.CheckOptOuts(in.display, cr.Header()); err != nil {
			return fail(Mark(ErrInput, err))
		}
	}
	return ins, nil
}

func closeInputs(ins []*input) {
	for _, in := range ins {
		if in.closer != nil {
			in.closer.Close()
		}
	}
}

// rejectPath is where an input's rejects go when --reject is not given:
// beside the input, "customers.csv" → "customers.rejects.csv". A gzipped
// input's reject file is plain CSV: "customers.csv.gz" → "customers.rejects.csv".
func rejectPath(input string) string {
	input = strings.TrimSuffix(input, ".gz")
	ext := filepath.Ext(input)
	return strings.TrimSuffix(input, ext) + ".rejects.csv"
}

// rejectSink is one reject file; only the journal writes to it.
type rejectSink struct {
	path    string
	file    *os.File
	w       *csvio.RejectWriter
	first   *csvio.Reader // the input whose header and encoding the file has
	dirty   bool          // rows written since the last checkpoint
	flushed bool          // the header is out
	size    int64         // length at the last checkpoint
}

// rejectFiles are where a run's rejected rows go, worked out once in the open
// phase from the inputs and --reject, and handed to all that names a reject
// file or the state file beside it.
type rejectFiles struct {
	shared string   // one reject file for every input (--reject); "": each has its own
	beside []string // each input's own, <input>.rejects.csv, in input order
}

func newRejectFiles(files []string, shared string) rejectFiles {
	rf := rejectFiles{shared: shared, beside: make([]string, len(files))}
	for i, f := range files {
		rf.beside[i] = rejectPath(f)
	}
	return rf
}

// of is the reject file of input i.
func (rf rejectFiles) of(i int) string {
	if rf.shared != "" {
		return rf.shared
	}
	return rf.beside[i]
}

// all are the run's reject files, in input order: the shared one alone, or each input's.
func (rf rejectFiles) all() []string {
	if rf.shared != "" {
		return []string{rf.shared}
	}
	return rf.beside
}

// state is the run's state file: beside its first reject file.
func (rf rejectFiles) state() string {
	return resume.StatePath(rf.of(0))
}

// openRejects opens the one reject file that check names (shared, not "") for
// every input.
func openRejects(ins []*input, shared string, cp *resume.Checkpoint, stderr io.Writer) ([]*rejectSink, error) {
	return openRejectFiles(ins, rejectFiles{shared: shared}, cp, stderr)
}

// openRejectFiles gives every input its reject file of rejects: one shared file
// when the user named one, else one beside each input. A resumed run (cp != nil)
// appends to the files of the interrupted one, cut back to their length at its last checkpoint.
//
// A fresh run never destroys an earlier run's reject file: one that holds rows
// is first moved aside (resume.MoveAside), which stderr is told.
func openRejectFiles(ins []*input, rejects rejectFiles, cp *resume.Checkpoint, stderr io.Writer) ([]*rejectSink, error) {
	shared := rejects.shared
	var sinks []*rejectSink
	fail := func(err error) ([]*rejectSink, error) {
		closeSinks(sinks)
		return nil, err
	}
	inputs := map[string]bool{}
	for _, in := range ins {
		if in.name != "-" {
			abs, _ := filepath.Abs(in.name)
			inputs[abs] = true
		}
	}
	openSink := func(path string, in *input) (*rejectSink, error) {
		abs, _ := filepath.Abs(path)
		if inputs[abs] {
			return nil, errorf(ErrUsage, "the reject file %s is also an input; name another with --reject", path)
		}
		size := int64(-1)
		if cp != nil {
			size = cp.Outputs[path] // 0 when the interrupted run never wrote it
		} else if hasRows(path) {
			moved, err := resume.MoveAside(path)
			if err != nil {
				return nil, fmt.Errorf("reject file: %w", err)
			}
			fmt.Fprintf(stderr, "the reject file %s of an earlier run holds rows: moved it aside to %s\n", path, moved)
		}
		f, err := resume.OpenOutput(path, size)
		if err != nil {
			return nil, fmt.Errorf("reject file: %w", err)
		}
		s := &rejectSink{path: path, file: f, w: csvio.NewRejectWriter(f, in.reader), first: in.reader}
		if size > 0 {
			s.w.SkipHeader()
			s.flushed, s.size = true, size
		}
		return s, nil
	}
	for _, in := range ins {
		switch {
		case shared != "" && len(sinks) > 0:
			s := sinks[0]
			if err := compatible(s.first, in.reader); err != nil {
				return fail(errorf(ErrUsage, "%s and %s cannot share the reject file %s: %w", s.first.Name(), in.display, shared, err))
			}
			in.reject = s
		case shared != "":
			s, err := openSink(shared, in)
			if err != nil {
				return fail(err)
			}
			sinks = append(sinks, s)
			in.reject = s
		default:
			s, err := openSink(rejects.of(in.idx), in)
			if err != nil {
				return fail(err)
			}
			sinks = append(sinks, s)
			in.reject = s
		}
	}
	return sinks, nil
}

func compatible(a, b *csvio.Reader) error {
	switch {
	case !slices.Equal(a.Header(), b.Header()):
		return errors.New("their headers differ")
	case a.Comma() != b.Comma():
		return errors.New("their delimiters differ")
	case a.Encoding() != b.Encoding():
		return errors.New("their encodings differ")
	}
	return nil
}

func closeSinks(sinks []*rejectSink) {
	for _, s := range sinks {
		s.file.Close()
	}
}

// close flushes the reject file and closes it. Its errors are the run's: a reject file that
// did not reach the disk must not pass for one that did.
func (s *rejectSink) close() error {
	err := s.w.Flush()
	if cerr := s.file.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close the reject file %s: %w", s.path, cerr)
	}
	return err
}

// inputCounts are one input's rows in this run.
type inputCounts struct {
	read, imported, rejected, unsent atomic.Int64
}

// resumeInfo is what a run knows about its state file before it starts.
type resumeInfo struct {
	plan *resume.Plan       // nil when the run keeps no state (stdin)
	id   *resume.Identity   // this run's inputs and mapping
	cp   *resume.Checkpoint // the interrupted run's last checkpoint; nil for a fresh run
	// settled is, for each input, what the interrupted run finished of it: made
	// once from cp, read by the prefix proof and the reader, and the start of the
	// journal's trackers. nil for a fresh run.
	settled []*resume.Settled
	// abandoned are the rows of an earlier unfinished run whose state
	// --resume=auto moved aside: never sent.
	abandoned abandonedRows
}

// finished is what the interrupted run finished of input i; nil: nothing.
func (ri resumeInfo) finished(i int) *resume.Settled {
	if i < len(ri.settled) {
		return ri.settled[i]
	}
	return nil
}

// prepareResume locks the run's state file, beside its first reject file, and
// decides, by --resume, whether the run continues an interrupted one or starts
// afresh, or refuses (exit 4) with a message that gives the command that will work.
func prepareResume(cfg Config, rejects rejectFiles) (resumeInfo, error) {
	var prior resumeInfo
	if slices.Contains(cfg.Files, "-") {
		return prior, nil
	}
	path := rejects.state()
	id, err := resume.Identify(cfg.Files, cfg.Mapping.Digest())
	if err != nil {
		return prior, Mark(ErrInput, err)
	}
	id.Command = cfg.Commands.Record
	prior.id = id
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
		return prior, refusal(cfg, err)
	}
	prior.plan, prior.cp = plan, plan.Checkpoint
	prior.settled = resume.Settle(prior.cp, len(cfg.Files))
	switch {
	case plan.MovedAside != "":
		fmt.Fprintf(cfg.Stderr, "--resume=auto: the state of an earlier run does not fit this one (%s); moved it aside to %s and starting over\n", plan.Why, plan.MovedAside)
		prior.abandoned = countAbandoned(cfg, plan.MovedAside)
	case cfg.AutoResume && prior.cp != nil:
		c := prior.cp.Counts
		fmt.Fprintf(cfg.Stderr, "--resume=auto: resuming the unfinished run of these files (%d rows already settled; state %s)\n", c.Imported+c.Rejected, path)
	}
	if prior.cp != nil {
		noticeTransient(cfg, rejects.all(), prior.cp.Counts.ByCode)
	}
	return prior, nil
}

// verifyPrefixes proves, before anything is sent, that the part of each input
// an interrupted run finished is unchanged: its bytes are hashed again and
// compared with the checkpoint's hashes. With --resume=auto a changed input
// starts the run over instead.
func (r *run) verifyPrefixes() error {
	for i, in := range r.ins {
		done := r.prior.finished(i)
		if in.prefix == nil || done == nil {
			continue
		}
		checks := done.Checks()
		var why string
		for _, c := range checks {
			if c.Sum == "" {
				why = fmt.Sprintf("the state file does not prove its finished part (no hash of its first %d bytes)", c.End)
			}
		}
		if why == "" {
			_, lowAt := done.Low()
			err := in.prefix.Verify(in.file, checks, lowAt.End)
			switch {
			case errors.Is(err, resume.ErrChanged):
				why = fmt.Sprintf("it was changed in its finished part (the %d rows settled before): %v", done.Rows(), err)
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
		if err := r.prior.plan.StartOver(); err != nil {
			return Mark(ErrInput, err)
		}
		fmt.Fprintf(r.cfg.Stderr, "--resume=auto: input %s %s; moved the old state aside to %s and starting over\n", in.display, why, r.prior.plan.MovedAside)
		r.prior.abandoned = r.prior.abandoned.add(countAbandoned(r.cfg, r.prior.plan.MovedAside))
		r.prior.cp, r.prior.settled = nil, nil
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

// noticeFormats says which encoding and delimiter were detected when the
// mapping asked for "auto": a wrong guess must be visible before it matters.
func noticeFormats(w io.Writer, ins []*input, opt csvio.Options) {
	if !opt.Detects() {
		return
	}
	for _, in := range ins {
		fmt.Fprintf(w, "%s: encoding %s, delimiter %s\n", in.display, encodingText(in.reader), delimName(in.reader.Comma()))
	}
}

// encodingText names the encoding a reader uses and, when "auto" chose it,
// why: the user is the judge of a guess.
func encodingText(r *csvio.Reader) string {
	if why := r.EncodingReason(); why != "" {
		return fmt.Sprintf("%s (auto: %s)", r.Encoding(), why)
	}
	return r.Encoding()
}

func delimName(r rune) string {
	if r == '\t' {
		return "tab"
	}
	return fmt.Sprintf("%q", r)
}

// openResults creates the log, or for a resumed run cuts it back to the length
// recorded at the last checkpoint (size < 0: start afresh).
func openResults(path string, size int64) (*resultsFile, error) {
	f, err := resume.OpenOutput(path, size)
	if err != nil {
		return nil, fmt.Errorf("results file: %w", err)
	}
	return &resultsFile{path: path, f: f, w: gocsv.DefaultCSVWriter(f), empty: size <= 0, size: max(size, 0)}, nil
}
