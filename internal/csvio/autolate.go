package csvio

import (
	"bufio"
	"fmt"
	"io"
)

// lateJudge reads an input that "auto" found all ASCII as far as it looked
// (the first 64 KiB): such bytes read the same in every candidate encoding,
// so they go through as they are, and the encoding is judged at the first
// byte beyond ASCII, on the 64 KiB from there: a reject file made of late
// rows of a windows-1251 export reads as windows-1251. The reader's charset
// changes then, before any text beyond ASCII is decoded.
type lateJudge struct {
	rd  *Reader
	src *bufio.Reader // of size sniffLimit
	dec io.Reader     // after the judgement; nil before
}

func (l *lateJudge) Read(p []byte) (int, error) {
	if l.dec != nil {
		return l.dec.Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if _, err := l.src.Peek(1); err != nil {
		return 0, err
	}
	b, _ := l.src.Peek(l.src.Buffered())
	i := 0
	for i < len(b) && b[i] < 0x80 {
		i++
	}
	if i > 0 {
		n := copy(p, b[:i])
		_, err := l.src.Discard(n)
		return n, err
	}
	window, whole, err := peekWindow(l.src)
	if err != nil {
		return 0, err
	}
	l.dec = l.rd.judgeLate(window, whole, l.src)
	return l.dec.Read(p)
}

// judgeLate decides the encoding of the input from src on, window being its
// next bytes, the first of them beyond ASCII, and returns src decoded. When
// no code page stands out the input stays UTF-8: its rows that are not fail
// one by one, with the reason saying what auto found.
func (rd *Reader) judgeLate(window []byte, whole bool, src io.Reader) io.Reader {
	rd.late = false
	if looksUTF8(window, whole) {
		rd.why = fmt.Sprintf("ASCII in its first %s; past it, valid UTF-8", sizeText(sniffLimit))
		return src
	}
	cs, why, err := judgeCodePage(window, rd.comma)
	if err != nil {
		rd.lateErr = err
		return src
	}
	rd.cs, rd.why = cs, fmt.Sprintf("ASCII in its first %s; past it, %s", sizeText(sniffLimit), why)
	rd.shared.Store(cs)
	rd.rec.units = cs.units
	return cs.decoder(src)
}

// utf8Advice is what to do about a row of invalid UTF-8: for "auto", what
// it found; else utf8Hint.
func (rd *Reader) utf8Advice() string {
	switch {
	case !rd.auto:
		return utf8Hint
	case rd.lateErr != nil:
		return fmt.Sprintf("auto read the file as UTF-8 as far as it was ASCII, and from there %v", rd.lateErr)
	}
	return "auto took UTF-8 from the start of the file; if the file is in another encoding, such as windows-1251 or windows-1252, set it in the mapping"
}
