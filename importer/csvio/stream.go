package csvio

import (
	"bytes"
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
)

// recorder sits between the decoder and csv.Reader and keeps the decoded
// bytes csv.Reader has taken since the end of the last record, so that each
// record's text can be cut out by csv.Reader.InputOffset. It holds one
// record plus csv.Reader's read-ahead, never the whole file.
type recorder struct {
	r     io.Reader
	buf   []byte
	start int   // index in buf where the next record's text begins
	base  int64 // stream offset of buf[0]
}

func (rec *recorder) Read(p []byte) (int, error) {
	n, err := rec.r.Read(p)
	if n > 0 {
		if rec.start > 0 && len(rec.buf)+n > cap(rec.buf) {
			rec.compact()
		}
		rec.buf = append(rec.buf, p[:n]...)
	}
	return n, err
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
// offset in the decoded stream. The slice is valid until the next Read.
func (rec *recorder) take(end int64) []byte {
	i := int(end - rec.base)
	b := rec.buf[rec.start:i]
	rec.start = i
	return b
}

// trimBlankLines drops the blank lines encoding/csv skipped before a record.
func trimBlankLines(b []byte) []byte {
	for {
		switch {
		case bytes.HasPrefix(b, []byte("\n")):
			b = b[1:]
		case bytes.HasPrefix(b, []byte("\r\n")):
			b = b[2:]
		default:
			return b
		}
	}
}

// splitEnding splits a record's text from its line terminator. A lone "\r"
// at the very end of the input is dropped, as encoding/csv drops it.
func splitEnding(b []byte) (body []byte, ending string) {
	switch {
	case bytes.HasSuffix(b, []byte("\r\n")):
		return b[:len(b)-2], "\r\n"
	case bytes.HasSuffix(b, []byte("\n")):
		return b[:len(b)-1], "\n"
	case bytes.HasSuffix(b, []byte("\r")):
		return b[:len(b)-1], ""
	}
	return b, ""
}

// lineOffset is the offset in b of the start of its n-th line (0 is b's
// first). Every line of a record ends in "\n" or "\r\n", so counting "\n"
// is enough.
func lineOffset(b []byte, n int) int {
	off := 0
	for ; n > 0; n-- {
		i := bytes.IndexByte(b[off:], '\n')
		if i < 0 {
			return -1
		}
		off += i + 1
	}
	return off
}
