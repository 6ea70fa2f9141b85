package csvio

import (
	"bufio"
	"errors"
	"io"

	"github.com/acimport/acimport/internal/errs"
)

// MaxSkipLines is the most lines Options.SkipLines may skip: a title and a few group rows, not a
// file's worth.
const MaxSkipLines = 1000

// ParseSkipLines checks a skip_lines value as a mapping file gives it, for Options.SkipLines; the
// error wraps ErrInvalidOption.
func ParseSkipLines(n int) (int, error) { return parseSkipLines(n) }

// parseSkipLines checks Options.SkipLines.
func parseSkipLines(n int) (int, error) {
	if n < 0 || n > MaxSkipLines {
		return 0, optionErrorf("skip_lines %d: want the number of lines above the header, 0 to %d", n, MaxSkipLines)
	}
	return n, nil
}

// skipLines reads n physical lines (each ended by CR, LF or CRLF) from br, text in cs, and
// returns their raw bytes: the title and group rows above a header, passed over unparsed (a quote
// in a title does not open a cell).
func skipLines(br *bufio.Reader, cs *charset, n int) ([]byte, error) {
	unit := 1
	if cs.units == unitsUTF16 {
		unit = 2
	}
	// code reads one code unit; ok is false at the end of the input.
	code := func(peek bool) (c int, raw []byte, ok bool, err error) {
		b, err := br.Peek(unit)
		if len(b) < unit {
			if errors.Is(err, io.EOF) || err == nil {
				return 0, nil, false, nil
			}
			return 0, nil, false, err
		}
		c = int(b[0])
		if unit == 2 {
			if cs.bigEndian {
				c = int(b[0])<<8 | int(b[1])
			} else {
				c = int(b[1])<<8 | int(b[0])
			}
		}
		raw = append([]byte(nil), b...)
		if !peek {
			_, err = br.Discard(unit)
		}
		return c, raw, true, err
	}
	var out []byte
	for line := 0; line < n; line++ {
		for {
			c, raw, ok, err := code(false)
			if err != nil {
				return out, err
			}
			if !ok {
				return out, errs.Errorf(ErrNoHeader, "the file ends within the %d lines csv: skip_lines passes over above the header", n)
			}
			out = append(out, raw...)
			if c == '\n' {
				break
			}
			if c == '\r' {
				if next, raw, ok, err := code(true); err == nil && ok && next == '\n' {
					if _, err := br.Discard(unit); err != nil {
						return out, err
					}
					out = append(out, raw...)
				}
				break
			}
		}
	}
	return out, nil
}

// skipTitle passes over the skip lines above the header and returns the text that follows, as
// the delimiter is sniffed from.
func (rd *Reader) skipTitle(br *bufio.Reader, skip int) ([]byte, error) {
	raw, err := skipLines(br, rd.cs, skip)
	if err != nil {
		return nil, err
	}
	rd.skipped = rd.cs.decode(raw)
	rd.rawBase += int64(len(raw))
	rd.lines += skip
	window, _, err := peekWindow(br)
	if err != nil {
		return nil, err
	}
	if rd.cs.units == unitsUTF16 {
		return rd.cs.decode(window[:len(window)&^1]), nil
	}
	return window, nil
}
