package csvio

import (
	"bytes"
	"errors"
	"io"
	"sync/atomic"
)

// countingReader counts the undecoded bytes taken from the input, for
// progress reports read from another goroutine.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

const (
	recorderMin    = 16 << 10
	recorderShrink = 1 << 20
	// recorderSlack is how far past Options.MaxRecordBytes the recorder
	// lets a record's text run before failing csv.Reader: more than
	// csv.Reader's own read-ahead (a 4 KiB bufio.Reader), so that when it
	// fails, the record being read is surely longer than the limit.
	recorderSlack = 8 << 10
	skipChunk     = 32 << 10
)

// errTooLong is what the recorder makes csv.Reader fail with once a
// record's text outgrows the limit. It never reaches the caller: Reader.Read
// turns it into a row error and starts a new csv.Reader.
var errTooLong = errors.New("record too long")

// recorder sits between the decoder and csv.Reader and keeps the decoded
// bytes csv.Reader has taken since the end of the last record, so that each
// record's text can be cut out by csv.Reader.InputOffset. It holds one
// record plus csv.Reader's read-ahead, never the whole file, and never more
// than limit bytes.
type recorder struct {
	r       io.Reader
	pending []byte // read again before r: the input after a too-long record's first line
	buf     []byte
	start   int   // index in buf where the next record's text begins
	base    int64 // offset of buf[0] in what this recorder has passed on
	limit   int   // most bytes from start that Read passes on
	blank   int   // blank lines dropped from the start of buf, not yet taken
	over    bool  // Read has failed with errTooLong; it sticks
	eof     bool  // the input is exhausted
	// consumed counts the input, in undecoded bytes, that records have taken
	// or that was dropped between them: where the next record's text starts.
	consumed int64
	units    units // how many input bytes each decoded rune stands for
	// ahead holds the byte read to tell a lone "\r" from a "\r\n" when a
	// read ends on "\r"; pending points into it. aheadErr is the error that
	// read met, returned once the pending bytes are gone.
	ahead    [1]byte
	aheadErr error
}

// consume counts b, decoded text the recorder is done with, in undecoded bytes.
func (rec *recorder) consume(b []byte) { rec.consumed += consumedBy(b, rec.units) }

func (rec *recorder) Read(p []byte) (int, error) {
	if rec.over {
		return 0, errTooLong
	}
	room := rec.limit - (len(rec.buf) - rec.start)
	if room <= 0 {
		rec.dropBlankLines()
		if room = rec.limit - (len(rec.buf) - rec.start); room <= 0 {
			rec.over = true
			return 0, errTooLong
		}
	}
	if len(p) > room {
		p = p[:room]
	}
	n, err := rec.source(p)
	if n > 0 {
		if rec.start > 0 && len(rec.buf)+n > cap(rec.buf) {
			rec.compact()
		}
		rec.buf = append(rec.buf, p[:n]...)
		rec.lineEnds(p[:n], err != nil)
	}
	return n, err
}

// lineEnds turns each lone "\r" of p, a line end in a classic Mac or mixed
// file, into "\n" in what csv.Reader sees, which knows only "\n" and "\r\n".
// One byte for one byte: csv.Reader's offsets and columns stay those of the
// text the recorder keeps, which has the "\r" as written. done says no byte
// follows p.
func (rec *recorder) lineEnds(p []byte, done bool) {
	for i := bytes.IndexByte(p, '\r'); i >= 0; {
		switch {
		case i+1 < len(p):
			if p[i+1] != '\n' {
				p[i] = '\n'
			}
		case done || rec.peek() != '\n':
			p[i] = '\n'
		}
		j := bytes.IndexByte(p[i+1:], '\r')
		if j < 0 {
			return
		}
		i += 1 + j
	}
}

// peek returns the next byte source will return, 0 at the end of the input.
func (rec *recorder) peek() byte {
	if len(rec.pending) > 0 {
		return rec.pending[0]
	}
	if rec.eof || rec.aheadErr != nil {
		return 0
	}
	for {
		n, err := rec.r.Read(rec.ahead[:])
		if n > 0 {
			rec.pending = rec.ahead[:1]
			if err != nil {
				rec.aheadErr = err
			}
			return rec.ahead[0]
		}
		if err != nil {
			rec.aheadErr = err
			return 0
		}
	}
}

// source reads the pending bytes, then the decoded input.
func (rec *recorder) source(p []byte) (int, error) {
	if len(rec.pending) > 0 {
		n := copy(p, rec.pending)
		rec.pending = rec.pending[n:]
		return n, nil
	}
	if err := rec.aheadErr; err != nil {
		if err == io.EOF {
			rec.eof = true
		}
		return 0, err
	}
	n, err := rec.r.Read(p)
	if err == io.EOF {
		rec.eof = true
	}
	return n, err
}

// drained reports whether everything the input held has been taken.
func (rec *recorder) drained() bool {
	return rec.eof && len(rec.pending) == 0 && len(rec.untaken()) == 0
}

// dropBlankLines lets go of the blank lines at the start of the next record,
// which csv.Reader skips: a million blank lines must not count as a record
// of a megabyte.
func (rec *recorder) dropBlankLines() {
	rest, n := trimBlankLines(rec.buf[rec.start:])
	rec.consume(rec.buf[rec.start : len(rec.buf)-len(rest)])
	rec.start = len(rec.buf) - len(rest)
	rec.blank += n
}

// compact drops the text of records already taken. Compacting only when the
// buffer is full keeps the copying to O(1) per byte.
func (rec *recorder) compact() {
	rest := rec.buf[rec.start:]
	if cap(rec.buf) > recorderShrink && len(rest) < cap(rec.buf)/4 {
		// One huge record grew the buffer; let it go.
		rec.buf = make([]byte, 0, max(2*len(rest), recorderMin))
	}
	rec.buf = rec.buf[:copy(rec.buf[:cap(rec.buf)], rest)]
	rec.base += int64(rec.start)
	rec.start = 0
}

// take returns the text from the end of the previous record to end, an
// offset in what csv.Reader has read, and the number of blank lines dropped
// before it. The slice is valid until the next Read.
func (rec *recorder) take(end int64) (text []byte, blank int) {
	i := int(end - rec.base)
	text = rec.buf[rec.start:i]
	rec.consume(text)
	rec.start = i
	blank, rec.blank = rec.blank, 0
	return text, blank
}

// untaken returns what csv.Reader has read past the last record taken.
func (rec *recorder) untaken() []byte { return rec.buf[rec.start:] }

// restart makes the recorder pass on rest, then the rest of the input, to a
// new csv.Reader. rest may alias the recorder's buffers.
func (rec *recorder) restart(rest ...[]byte) {
	var pending []byte
	for _, b := range rest {
		pending = append(pending, b...)
	}
	pending = append(pending, rec.pending...)
	rec.pending = pending
	if cap(rec.buf) > recorderShrink {
		rec.buf = make([]byte, 0, recorderMin)
	}
	rec.buf = rec.buf[:0]
	rec.start, rec.base, rec.blank, rec.over = 0, 0, 0, false
}

// skipLine reads and drops the input up to the end of the current line
// without keeping it, and returns the line's terminator ("" at the end of
// the input). What follows the line break becomes pending. cr says whether
// the line, as far as it was read, ends in "\r".
func (rec *recorder) skipLine(cr bool) (ending string, err error) {
	scratch := make([]byte, skipChunk)
	for {
		n, err := rec.source(scratch)
		chunk := scratch[:n]
		if cr && n > 0 {
			// The "\r" that ended what was read: a line end of its own, or
			// the start of "\r\n".
			if chunk[0] == '\n' {
				rec.consume(chunk[:1])
				rec.pending = append(bytes.Clone(chunk[1:]), rec.pending...)
				return "\r\n", nil
			}
			rec.pending = append(bytes.Clone(chunk), rec.pending...)
			return "\r", nil
		}
		if i := bytes.IndexAny(chunk, "\r\n"); i >= 0 && (chunk[i] == '\n' || i+1 < n) {
			size := breakLen(chunk[i:])
			rec.consume(chunk[:i+size])
			rec.pending = append(bytes.Clone(chunk[i+size:]), rec.pending...)
			return string(chunk[i : i+size]), nil
		}
		if n > 0 {
			rec.consume(chunk)
			cr = chunk[n-1] == '\r'
		}
		switch {
		case err == io.EOF && cr:
			return "\r", nil
		case err == io.EOF:
			return "", nil
		case err != nil:
			return "", err
		}
	}
}

// trimBlankLines drops the blank lines encoding/csv skips before a record
// and returns how many there were. A "\r" that ends b is left alone: what
// follows it, unseen, may be the "\n" of a "\r\n".
func trimBlankLines(b []byte) ([]byte, int) {
	n := 0
	for {
		switch {
		case bytes.HasPrefix(b, []byte("\n")):
			b = b[1:]
		case bytes.HasPrefix(b, []byte("\r\n")):
			b = b[2:]
		case len(b) > 1 && b[0] == '\r':
			b = b[1:]
		default:
			return b, n
		}
		n++
	}
}

// splitEnding splits a record's text from its line terminator: "\r\n",
// "\n", "\r", or "" for the last line of an input that has none.
func splitEnding(b []byte) (body []byte, ending string) {
	switch {
	case bytes.HasSuffix(b, []byte("\r\n")):
		return b[:len(b)-2], "\r\n"
	case bytes.HasSuffix(b, []byte("\n")):
		return b[:len(b)-1], "\n"
	case bytes.HasSuffix(b, []byte("\r")):
		return b[:len(b)-1], "\r"
	}
	return b, ""
}

// breakLen is the length of the line break that starts b: 2 for "\r\n",
// 1 for "\n" or a lone "\r", 0 for none.
func breakLen(b []byte) int {
	switch {
	case len(b) == 0:
		return 0
	case b[0] == '\n':
		return 1
	case b[0] != '\r':
		return 0
	case len(b) > 1 && b[1] == '\n':
		return 2
	}
	return 1
}

// nextBreak returns the offset of the first line break in b and its length,
// or -1 and 0.
func nextBreak(b []byte) (int, int) {
	i := bytes.IndexAny(b, "\r\n")
	if i < 0 {
		return -1, 0
	}
	return i, breakLen(b[i:])
}

// countBreaks counts the line breaks of b, "\r\n" as one. Most text has no
// "\r" but a last "\r\n", and costs one pass.
func countBreaks(b []byte) int {
	lf := bytes.Count(b, []byte("\n"))
	i := bytes.IndexByte(b, '\r')
	if i < 0 || i == len(b)-2 && b[i+1] == '\n' {
		return lf
	}
	n := lf
	for ; i < len(b); i++ {
		if b[i] == '\r' && (i+1 == len(b) || b[i+1] != '\n') {
			n++
		}
	}
	return n
}

// lineOffset is the offset in b of the start of its n-th line (0 is b's
// first), or -1 when b has fewer lines.
func lineOffset(b []byte, n int) int {
	off := 0
	for ; n > 0; n-- {
		i, size := nextBreak(b[off:])
		if i < 0 {
			return -1
		}
		off += i + size
	}
	return off
}

// position returns the line (0 for b's first) and the 1-based byte column
// of offset off in b.
func position(b []byte, off int) (line, col int) {
	line = countBreaks(b[:off])
	start := bytes.LastIndexAny(b[:off], "\r\n") + 1
	return line, off - start + 1
}
