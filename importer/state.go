package importer

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The state file lets an interrupted run resume. It is a log of lines
// "<crc32 hex> <json>\n": first the run's identity, then checkpoints, each a
// complete account of which rows are finished. Only whole lines whose checksum
// matches count, so a record torn by a crash or power cut is ignored and the
// checkpoint before it is used.

const stateVersion = 2

// headBytes is how much of each input is checksummed to recognise it.
const headBytes = 64 << 10

// compactAt is the size past which the log is rewritten with only its identity
// and last checkpoint.
const compactAt = 4 << 20

// runIdentity says which inputs and mapping a state file belongs to.
type runIdentity struct {
	Version int         `json:"version"`
	Mapping string      `json:"mapping_sha256"`
	Files   []fileIdent `json:"files"`
}

type fileIdent struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	Head string `json:"head_sha256"`
}

// checkpoint is everything a resumed run needs: what is finished, how long the
// output files were when it was written (anything after that is from rows not
// yet marked finished, and is cut off), and the counters for the summary.
type checkpoint struct {
	Files   []fileProgress   `json:"files"`
	Outputs map[string]int64 `json:"outputs"` // path → size
	Counts  counts           `json:"counts"`
}

// fileProgress: rows (by ordinal, 0-based, in file order) below Low are all
// finished, and so are those listed in Above. Row Low starts at LowAt, so a
// resumed run seeks there instead of parsing every finished row again.
type fileProgress struct {
	Low   int64      `json:"low"`
	LowAt rowPos     `json:"low_at"`
	Above []finished `json:"above,omitempty"`
	Done  bool       `json:"done,omitempty"` // read to the end and every row finished
}

// rowPos is where reading can continue after a row: its csvio.Record End and
// NextLine. The zero value means unknown (read from the start).
type rowPos struct {
	End  int64 `json:"end"`
	Line int   `json:"line"`
}

// finished is a row finished above the low-water mark, with where it ends.
type finished struct {
	Ord int64  `json:"o"`
	At  rowPos `json:"at"`
}

// counts carries the summary's counters across an interruption.
type counts struct {
	Read     int64            `json:"read"`
	Imported int64            `json:"imported"`
	Rejected int64            `json:"rejected"`
	ByCode   map[string]int64 `json:"by_code,omitempty"`
	Retries  int64            `json:"retries"`
}

type stateRecord struct {
	Run        *runIdentity `json:"run,omitempty"`
	Checkpoint *checkpoint  `json:"checkpoint,omitempty"`
}

// statePath is the state file of a reject file: "x.rejects.csv" → "x.rejects.state".
func statePath(rejectPath string) string {
	return strings.TrimSuffix(rejectPath, filepath.Ext(rejectPath)) + ".state"
}

// identify computes the identity of a run's inputs and mapping file.
func identify(files []string, mappingBytes []byte) (*runIdentity, error) {
	id := &runIdentity{Version: stateVersion}
	sum := sha256.Sum256(mappingBytes)
	id.Mapping = hex.EncodeToString(sum[:])
	for _, name := range files {
		abs, err := filepath.Abs(name)
		if err != nil {
			return nil, err
		}
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("%w: open input: %w", ErrInput, err)
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		h := sha256.New()
		_, err = io.Copy(h, io.LimitReader(f, headBytes))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%w: read input %s: %w", ErrInput, name, err)
		}
		id.Files = append(id.Files, fileIdent{Path: abs, Size: st.Size(), Head: hex.EncodeToString(h.Sum(nil))})
	}
	return id, nil
}

// mismatch says why a saved identity does not fit this run, or "" when it does.
func (id *runIdentity) mismatch(now *runIdentity) string {
	if id.Version != now.Version {
		return fmt.Sprintf("it was written by another version of acimport (state version %d)", id.Version)
	}
	if len(id.Files) != len(now.Files) {
		return fmt.Sprintf("it is for %d input files, this run has %d", len(id.Files), len(now.Files))
	}
	for i, f := range id.Files {
		g := now.Files[i]
		switch {
		case f.Path != g.Path:
			return fmt.Sprintf("it is for input %s, not %s", f.Path, g.Path)
		case f.Size != g.Size:
			return fmt.Sprintf("input %s has changed size (%d bytes then, %d now)", g.Path, f.Size, g.Size)
		case f.Head != g.Head:
			return fmt.Sprintf("input %s has changed (its first bytes differ)", g.Path)
		}
	}
	if id.Mapping != now.Mapping {
		return "the mapping file has changed"
	}
	return ""
}

// stateFile appends records to the state log. Only the output goroutine uses it.
type stateFile struct {
	path string
	f    *os.File
	size int64
	id   *runIdentity
	buf  bytes.Buffer
}

// createState starts a new state log with the run's identity.
func createState(path string, id *runIdentity) (*stateFile, error) {
	s := &stateFile{path: path, id: id}
	if err := s.rewrite(nil); err != nil {
		return nil, err
	}
	return s, nil
}

// loadState reads a state log: its identity and last intact checkpoint (nil when none).
func loadState(path string) (*runIdentity, *checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var id *runIdentity
	var cp *checkpoint
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		rec, ok := decodeRecord(sc.Bytes())
		if !ok {
			continue // torn or damaged: the previous checkpoint stands
		}
		if rec.Run != nil && id == nil {
			id = rec.Run
		}
		if rec.Checkpoint != nil {
			cp = rec.Checkpoint
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, bufio.ErrTooLong) {
		return nil, nil, fmt.Errorf("read state file %s: %w", path, err)
	}
	if id == nil {
		return nil, nil, fmt.Errorf("state file %s is damaged: no intact identity record; delete it to start over", path)
	}
	return id, cp, nil
}

// openState continues an existing log.
func openState(path string, id *runIdentity, cp *checkpoint) (*stateFile, error) {
	s := &stateFile{path: path, id: id}
	// Rewriting drops any torn tail, so new records never follow garbage.
	if err := s.rewrite(cp); err != nil {
		return nil, err
	}
	return s, nil
}

func encodeRecord(dst *bytes.Buffer, rec stateRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	dst.WriteString(fmt.Sprintf("%08x ", crc32.ChecksumIEEE(b)))
	dst.Write(b)
	dst.WriteByte('\n')
	return nil
}

func decodeRecord(line []byte) (stateRecord, bool) {
	var rec stateRecord
	sum, body, ok := bytes.Cut(line, []byte(" "))
	if !ok || len(sum) != 8 {
		return rec, false
	}
	want, err := strconv.ParseUint(string(sum), 16, 32)
	if err != nil || uint32(want) != crc32.ChecksumIEEE(body) {
		return rec, false
	}
	if json.Unmarshal(body, &rec) != nil {
		return rec, false
	}
	return rec, true
}

// save appends a checkpoint and makes it durable.
func (s *stateFile) save(cp *checkpoint) error {
	if s.size > compactAt {
		return s.rewrite(cp)
	}
	s.buf.Reset()
	if err := encodeRecord(&s.buf, stateRecord{Checkpoint: cp}); err != nil {
		return err
	}
	n, err := s.f.Write(s.buf.Bytes())
	s.size += int64(n)
	if err != nil {
		return fmt.Errorf("write state file %s: %w", s.path, err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("sync state file %s: %w", s.path, err)
	}
	return nil
}

// rewrite replaces the log with its identity and cp, atomically: a new file
// beside it, synced, renamed over, and the folder synced.
func (s *stateFile) rewrite(cp *checkpoint) error {
	var b bytes.Buffer
	if err := encodeRecord(&b, stateRecord{Run: s.id}); err != nil {
		return err
	}
	if cp != nil {
		if err := encodeRecord(&b, stateRecord{Checkpoint: cp}); err != nil {
			return err
		}
	}
	tmp := s.path + ".tmp"
	os.Remove(tmp) // a leftover of a crash, maybe with another mode
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create state file: %w", err)
	}
	if _, err := f.Write(b.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("write state file %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync state file %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		f.Close()
		return fmt.Errorf("replace state file: %w", err)
	}
	syncDir(filepath.Dir(s.path))
	if s.f != nil {
		s.f.Close()
	}
	s.f, s.size = f, int64(b.Len())
	return nil
}

// remove deletes the state of a finished run.
func (s *stateFile) remove() error {
	s.f.Close()
	if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove state file: %w", err)
	}
	syncDir(filepath.Dir(s.path))
	return nil
}

func (s *stateFile) close() error { return s.f.Close() }

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// tracker knows which rows of one input are finished, and where the first
// unfinished one starts.
type tracker struct {
	low   int64
	lowAt rowPos
	above map[int64]rowPos
	done  bool
}

func newTracker(p *fileProgress) *tracker {
	t := &tracker{above: map[int64]rowPos{}}
	if p != nil {
		t.low, t.lowAt, t.done = p.Low, p.LowAt, p.Done
		for _, f := range p.Above {
			t.above[f.Ord] = f.At
		}
	}
	return t
}

func (t *tracker) finished(ord int64) bool {
	if t.done || ord < t.low {
		return true
	}
	_, ok := t.above[ord]
	return ok
}

// finish marks row ord finished; at is where reading continues after it.
func (t *tracker) finish(ord int64, at rowPos) {
	if ord < t.low {
		return
	}
	t.above[ord] = at
	for {
		next, ok := t.above[t.low]
		if !ok {
			return
		}
		delete(t.above, t.low)
		t.low++
		t.lowAt = next
	}
}

func (t *tracker) progress() fileProgress {
	p := fileProgress{Low: t.low, LowAt: t.lowAt, Done: t.done}
	for o, at := range t.above {
		p.Above = append(p.Above, finished{Ord: o, At: at})
	}
	slices.SortFunc(p.Above, func(a, b finished) int { return cmp.Compare(a.Ord, b.Ord) })
	return p
}
