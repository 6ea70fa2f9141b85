package resume

import (
	"cmp"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"sync"
)

// The finished part of an input is proven unchanged by a SHA-256 of its bytes
// up to each checkpoint's offset, hashed as the run reads them: a resumed run
// hashes the same prefix again before it sends anything, and refuses an input
// whose finished part was edited (a same-size edit included).

// snapLen is the size of a marshalled crypto/sha256 state.
const snapLen = 108

// Snapshot is the state of a prefix hash at a row boundary; the zero value is none.
type Snapshot struct {
	b  [snapLen]byte
	ok bool
}

// Valid reports whether s holds a state.
func (s *Snapshot) Valid() bool { return s.ok }

// Sum is the hex SHA-256 of the bytes hashed when s was taken.
func (s *Snapshot) Sum() string {
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(s.b[:]); err != nil {
		panic("resume: a sha256 state that does not unmarshal: " + err.Error())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// snapshot takes h's state, marshalled through buf: a buffer of the caller's
// that lives on the heap already, since a local one passed to the interface
// method would be allocated for every row.
func snapshot(h hash.Hash, buf *[snapLen]byte) Snapshot {
	b, err := h.(encoding.BinaryAppender).AppendBinary(buf[:0])
	if err != nil || len(b) != snapLen {
		panic(fmt.Sprintf("resume: a sha256 state of %d bytes (%v), want %d", len(b), err, snapLen))
	}
	s := Snapshot{ok: true}
	copy(s.b[:], b)
	return s
}

func restore(s Snapshot) hash.Hash {
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(s.b[:]); err != nil {
		panic("resume: a sha256 state that does not unmarshal: " + err.Error())
	}
	return h
}

// Prefix sits between an input file and its CSV reader and hashes the file's
// bytes as the reader takes them. The reading goroutine calls Mark after each
// row; the journal takes the row's snapshot with Take when it records the row.
type Prefix struct {
	r       io.Reader
	h       hash.Hash
	hashed  int64  // bytes hashed so far
	pending []byte // read and not yet hashed, from pending[start:]: the bytes at offset hashed
	start   int
	err     error // the bytes of a Mark were not there; sticks

	// resumeAt, with resumeSnap, is the offset whose hash Verify proved: a
	// Seek there continues hashing from it without reading the prefix again.
	resumeAt   int64
	resumeSnap Snapshot

	buf [snapLen]byte // for snapshot

	mu    sync.Mutex
	snaps map[int64]Snapshot // by row ordinal, until Take
}

// NewPrefix hashes what is read from r, which starts at offset 0 of the input.
func NewPrefix(r io.Reader) *Prefix {
	return &Prefix{r: r, h: sha256.New(), snaps: map[int64]Snapshot{}, resumeAt: -1}
}

// Read reads from the input, keeping the bytes until a Mark hashes them.
func (p *Prefix) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		if p.start > 0 && p.start >= len(p.pending)/2 {
			k := copy(p.pending, p.pending[p.start:])
			p.pending, p.start = p.pending[:k], 0
		}
		p.pending = append(p.pending, b[:n]...)
	}
	return n, err
}

// advance hashes the input up to offset end.
func (p *Prefix) advance(end int64) {
	k := end - p.hashed
	if p.err != nil || k == 0 {
		return
	}
	if k < 0 || k > int64(len(p.pending)-p.start) {
		p.err = fmt.Errorf("prefix hash: offset %d is not between %d and %d", end, p.hashed, p.hashed+int64(len(p.pending)-p.start))
		return
	}
	p.h.Write(p.pending[p.start : p.start+int(k)])
	p.start += int(k)
	p.hashed = end
}

// Mark hashes the input up to end, where row ord ends, and keeps the hash's
// state for Take. Only the reading goroutine calls it.
func (p *Prefix) Mark(ord, end int64) {
	p.advance(end)
	if p.err != nil {
		return
	}
	s := snapshot(p.h, &p.buf)
	p.mu.Lock()
	p.snaps[ord] = s
	p.mu.Unlock()
}

// Take returns and forgets the snapshot Mark kept for row ord; none (the zero
// Snapshot) when Mark could not hash its bytes.
func (p *Prefix) Take(ord int64) Snapshot {
	p.mu.Lock()
	s := p.snaps[ord]
	delete(p.snaps, ord)
	p.mu.Unlock()
	return s
}

// Seek is for the CSV reader's SeekRecord: continuing at offset, the hash must
// cover the bytes before it. At the offset Verify proved, it goes on from
// there; elsewhere it hashes the input from its start up to offset again.
func (p *Prefix) Seek(offset int64, whence int) (int64, error) {
	sk, ok := p.r.(io.Seeker)
	if !ok || whence != io.SeekStart {
		return 0, errors.New("prefix hash: cannot seek")
	}
	p.pending, p.start, p.err = p.pending[:0], 0, nil
	if offset == p.resumeAt && p.resumeSnap.ok {
		p.h, p.hashed = restore(p.resumeSnap), offset
		return sk.Seek(offset, io.SeekStart)
	}
	if _, err := sk.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	p.h.Reset()
	n, err := io.CopyN(p.h, p.r, offset)
	p.hashed = n
	if err != nil {
		return n, fmt.Errorf("hash the first %d bytes: %w", offset, err)
	}
	return offset, nil
}

// Check is an offset of the input and the hash its prefix must have.
type Check struct {
	End int64
	Sum string
}

// ErrChanged is wrapped by Verify's error for an input whose finished part changed.
var ErrChanged = errors.New("the finished part of the input has changed")

// Verify reads the input again from its start through f (its own reads, at
// their own offsets) and proves the prefix of every check unchanged. The hash
// at offset resumeAt is kept, so that a Seek there starts from it.
func (p *Prefix) Verify(f io.ReaderAt, checks []Check, resumeAt int64) error {
	checks = slices.Clone(checks)
	if resumeAt > 0 {
		checks = append(checks, Check{End: resumeAt})
	}
	slices.SortFunc(checks, func(a, b Check) int { return cmp.Compare(a.End, b.End) })
	h := sha256.New()
	buf := make([]byte, 256<<10)
	var pos int64
	for _, c := range checks {
		for pos < c.End {
			n, err := f.ReadAt(buf[:min(int64(len(buf)), c.End-pos)], pos)
			h.Write(buf[:n])
			pos += int64(n)
			if err != nil && pos < c.End {
				if errors.Is(err, io.EOF) {
					return fmt.Errorf("%w: it is shorter than the %d bytes already finished", ErrChanged, c.End)
				}
				return err
			}
		}
		if c.Sum != "" {
			if got := hex.EncodeToString(h.Sum(nil)); got != c.Sum {
				return fmt.Errorf("%w: its first %d bytes differ from those the interrupted run read", ErrChanged, c.End)
			}
		}
		if c.End == resumeAt {
			p.resumeAt, p.resumeSnap = resumeAt, snapshot(h, &p.buf)
		}
	}
	return nil
}
