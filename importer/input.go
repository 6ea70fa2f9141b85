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

	"github.com/acimport/acimport/importer/resume"
	"github.com/acimport/acimport/internal/csvio"
	"github.com/acimport/acimport/mapping"
)

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

	// count is this run's rows of the input, for the summary.
	count inputCounts

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
	open := func(path string, in *input) (*rejectSink, error) {
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
			s, err := open(shared, in)
			if err != nil {
				return fail(err)
			}
			sinks = append(sinks, s)
			in.reject = s
		default:
			s, err := open(rejects.of(in.idx), in)
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
