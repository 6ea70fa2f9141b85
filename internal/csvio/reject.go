package csvio

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// RejectWriter writes a reject file: the input's BOM and Excel "sep=" line
// if it had them, its header, and each rejected row as it was read, in the input's encoding and delimiter, followed by
// the RejectColumns. A write error sticks: every later call returns it. It is
// not safe for concurrent use: one goroutine owns it.
type RejectWriter struct {
	bw      *bufio.Writer
	r       *Reader
	line    []byte // the line being written, UTF-8
	out     []byte // line encoded
	started bool
	err     error // sticky
}

// NewRejectWriter returns a writer of the reject file for the records of r.
// The header line goes out on the first Write or Flush, whichever comes
// first, so a run without rejects still leaves a header-only file.
func NewRejectWriter(w io.Writer, r *Reader) *RejectWriter {
	return &RejectWriter{bw: bufio.NewWriter(w), r: r}
}

// SkipHeader tells w that its file already starts with the header, as when a
// resumed run appends to the reject file of the interrupted one.
func (w *RejectWriter) SkipHeader() { w.started = true }

// Write appends rec's text, its line number (rec.SourceLine when set, else
// rec.Line), code and reason, and its line
// terminator (the header's when rec has none, being the input's last line).
// Line breaks in code and reason become spaces, one row per line.
func (w *RejectWriter) Write(rec *Record, code, reason string) error {
	if err := w.start(); err != nil {
		return err
	}
	line := w.line[:0]
	if len(rec.Raw) > 0 || len(w.r.header) > 0 {
		line = append(line, rec.Raw...)
		line = utf8.AppendRune(line, w.r.comma)
	}
	// A row read back from a reject file keeps the line of the original input.
	line = appendField(line, rec.Position(), w.r.comma)
	line = utf8.AppendRune(line, w.r.comma)
	line = appendField(line, oneLine(code), w.r.comma)
	line = utf8.AppendRune(line, w.r.comma)
	line = appendField(line, oneLine(reason), w.r.comma)
	if rec.Ending != "" {
		line = append(line, rec.Ending...)
	} else {
		line = append(line, w.ending()...)
	}
	w.line = line
	return w.write(line)
}

// Flush writes the header if no row was written yet, then everything
// buffered to the underlying writer.
func (w *RejectWriter) Flush() error {
	if err := w.start(); err != nil {
		return err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = fmt.Errorf("write the reject file: %w", err)
	}
	return w.err
}

func (w *RejectWriter) start() error {
	if w.started || w.err != nil {
		return w.err
	}
	w.started = true
	if w.r.bom {
		if _, err := w.bw.Write(w.r.outCharset().bom); err != nil {
			w.err = fmt.Errorf("write the reject file: %w", err)
			return w.err
		}
	}
	if w.r.sep != nil {
		// Read back, the reject file must split its fields as the input did.
		line := append(append([]byte(nil), w.r.sep...), w.r.sepEnding...)
		if w.r.sepEnding == "" {
			line = append(line, w.ending()...)
		}
		if err := w.write(line); err != nil {
			return err
		}
	}
	if len(w.r.skipped) > 0 {
		// The lines above the header, so that the same skip_lines reads the file back.
		if err := w.write(w.r.skipped); err != nil {
			return err
		}
	}
	line := append([]byte(nil), w.r.headerRaw...)
	for i, name := range RejectColumns {
		if i > 0 || len(w.r.header) > 0 {
			line = utf8.AppendRune(line, w.r.comma)
		}
		line = appendField(line, name, w.r.comma)
	}
	line = append(line, w.ending()...)
	return w.write(line)
}

// ending is the line terminator of the input's header, for rows that had none.
func (w *RejectWriter) ending() string {
	if w.r.headerEnding == "" {
		return "\n"
	}
	return w.r.headerEnding
}

func (w *RejectWriter) write(line []byte) error {
	if w.err != nil {
		return w.err
	}
	// The reader's charset, which "auto" may settle only mid-file.
	if cs := w.r.outCharset(); cs.units != unitsBytes {
		w.out = cs.appendEncoded(w.out[:0], line)
		line = w.out
	}
	if _, err := w.bw.Write(line); err != nil {
		w.err = fmt.Errorf("write the reject file: %w", err)
	}
	return w.err
}

var lineBreaks = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ")

func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return lineBreaks.Replace(s)
}

// outCharset is the reader's charset as the reject writer's goroutine may
// read it: "auto" may settle it only mid-file (see lateJudge), and stores
// it in shared for this. A reader built without storing it never changes
// its charset.
func (rd *Reader) outCharset() *charset {
	if cs := rd.shared.Load(); cs != nil {
		return cs
	}
	return rd.cs
}
