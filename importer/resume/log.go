// Package resume decides whether an import run may start, and keeps the
// crash-safe state log that lets an interrupted run continue. plan.go answers
// "which run is this, and may it start" (Identify, Prepare); log.go is the
// durable state: which rows of each input are finished, checkpointed beside
// the reject file, so that an interrupted run can continue where it stopped,
// losing no row and repeating no reject.
package resume

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/acimport/acimport/internal/altcraft"
)

// The state file lets an interrupted run resume. It is a log of lines
// "<crc32 hex> <json>\n": first the run's identity, then checkpoints, each a
// complete account of which rows are finished. Only whole lines whose checksum
// matches count, so a record torn by a crash or power cut is ignored and the
// checkpoint before it is used.

// Version is the state file format; a state of another version is not resumed.
const Version = 3

// compactAt is the size past which the log is rewritten with only its identity
// and last checkpoint.
const compactAt = 4 << 20

// Checkpoint is everything a resumed run needs: what is finished, how long the
// output files were when it was written (anything after that is from rows not
// yet marked finished, and is cut off), and the counters for the summary.
type Checkpoint struct {
	Files   []FileProgress   `json:"files"`
	Outputs map[string]int64 `json:"outputs"` // path → size
	Counts  Counts           `json:"counts"`
	// Pending are the batches recorded before they were sent whose rows this
	// checkpoint does not show finished, in the order they were recorded: a
	// resumed run re-sends each as it was. They are batch records of the log,
	// not part of the checkpoint's own record.
	Pending []*Batch `json:"-"`
}

// FileProgress is one input's part of a checkpoint: rows (by ordinal, 0-based,
// in file order) below Low are all finished, and so are those listed in Above.
// Row Low starts at LowAt, so a resumed run seeks there instead of parsing
// every finished row again.
type FileProgress struct {
	Low   int64  `json:"low"`
	LowAt RowPos `json:"low_at"`
	// LowSum is the SHA-256 (hex) of the input's bytes before LowAt.End, as
	// the run read them; "" when Low is 0.
	LowSum string     `json:"low_sha256,omitempty"`
	Above  []Finished `json:"above,omitempty"`
	// Tip is where the last finished row of Above ends, and TipSum the hash
	// of the bytes before it; 0 and "" when Above is empty.
	Tip    int64  `json:"tip,omitempty"`
	TipSum string `json:"tip_sha256,omitempty"`
	Done   bool   `json:"done,omitempty"` // read to the end and every row finished
	// RowsRead is how many rows of the input the reader had read, finished
	// or not, and RowsTotal how many it has once Ended (the reader reached its
	// end): what a later run that sets this one aside (--resume=auto) can
	// prove it left unsent when the input cannot be read again.
	RowsRead  int64 `json:"rows_read,omitempty"`
	RowsTotal int64 `json:"rows_total,omitempty"`
	Ended     bool  `json:"ended,omitempty"`
}

// RowPos is where reading can continue after a row: its csvio.Record End and
// NextLine. The zero value means unknown (read from the start).
type RowPos struct {
	End  int64 `json:"end"`
	Line int   `json:"line"`
}

// Finished is a row finished above the low-water mark, with where it ends.
type Finished struct {
	Ord int64  `json:"o"`
	At  RowPos `json:"at"`
}

// Counts carries the summary's counters across an interruption.
type Counts struct {
	Read     int64                         `json:"read"`
	Imported int64                         `json:"imported"`
	Rejected int64                         `json:"rejected"`
	ByCode   map[altcraft.RejectCode]int64 `json:"by_code,omitempty"`
	Retries  int64                         `json:"retries"`
	// Throttled counts the answers that said slow down (HTTP 429).
	Throttled int64 `json:"throttled,omitempty"`
	// Skipped counts, by column, the cells imported rows were sent without (on_invalid: skip).
	Skipped map[string]int64 `json:"skipped,omitempty"`
	// Replayed counts the answers given from the platform's deduplication
	// store; InDoubt the non-idempotent rows that may have been applied twice.
	Replayed int64 `json:"replayed,omitempty"`
	InDoubt  int64 `json:"in_doubt,omitempty"`
}

type record struct {
	Run        *Identity   `json:"run,omitempty"`
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"`
	Batch      *Batch      `json:"batch,omitempty"`
}

// Log appends records to a state file, which it keeps locked. One goroutine uses it.
type Log struct {
	path string
	f    *os.File // the state file, locked
	size int64
	id   *Identity
	buf  bytes.Buffer
	// live are the batches recorded and not yet shown finished by a
	// checkpoint: a compaction keeps them.
	live  []*Batch
	bbuf  []byte
	dirty bool // batch records written since the last sync
}

// Create starts a new state log with the run's identity, in the file l locks.
func Create(l *Lock, id *Identity) (*Log, error) {
	return start(l, id, nil)
}

func start(l *Lock, id *Identity, cp *Checkpoint) (*Log, error) {
	rec := *id
	rec.Pid = os.Getpid()
	s := &Log{path: l.path, id: &rec, f: l.f}
	if cp != nil {
		s.live = cp.Pending
	}
	if err := s.rewrite(cp); err != nil {
		return nil, err
	}
	l.f = nil // the log holds the lock now
	return s, nil
}

// Load reads a state log: its identity and last intact checkpoint (nil when none).
func Load(path string) (*Identity, *Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var id *Identity
	var cp *Checkpoint
	var batches []*Batch
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
		if rec.Batch != nil {
			batches = append(batches, rec.Batch)
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, bufio.ErrTooLong) {
		return nil, nil, fmt.Errorf("read state file %s: %w", path, err)
	}
	if id == nil {
		return nil, nil, fmt.Errorf("state file %s is damaged: no intact identity record; delete it to start over", path)
	}
	if pending := cp.pending(batches); len(pending) > 0 {
		if cp == nil {
			// Interrupted before its first checkpoint, with batches sent.
			cp = &Checkpoint{Outputs: map[string]int64{}}
		}
		cp.Pending = pending
	}
	return id, cp, nil
}

// Continue takes over the log of an interrupted run, whose last checkpoint is
// cp, in the file l locks, for a resumed run.
func Continue(l *Lock, id *Identity, cp *Checkpoint) (*Log, error) {
	// Rewriting drops any torn tail, so new records never follow garbage.
	return start(l, id, cp)
}

// Path is the state file's path.
func (s *Log) Path() string { return s.path }

func encodeRecord(dst *bytes.Buffer, rec record) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	dst.WriteString(fmt.Sprintf("%08x ", crc32.ChecksumIEEE(b)))
	dst.Write(b)
	dst.WriteByte('\n')
	return nil
}

func crcHex(b []byte) [8]byte {
	var out [8]byte
	copy(out[:], fmt.Sprintf("%08x", crc32.ChecksumIEEE(b)))
	return out
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func decodeRecord(line []byte) (record, bool) {
	var rec record
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

// AppendBatch writes the record of a batch about to be sent; Sync makes it
// durable, which must come before the batch is sent.
func (s *Log) AppendBatch(b *Batch) error {
	s.bbuf = appendBatchRecord(s.bbuf[:0], b)
	n, err := s.f.Write(s.bbuf)
	s.size += int64(n)
	if err != nil {
		return fmt.Errorf("write state file %s: %w", s.path, err)
	}
	s.live = append(s.live, b)
	s.dirty = true
	return nil
}

// Sync makes the batch records written since the last sync durable.
func (s *Log) Sync() error {
	if !s.dirty {
		return nil
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("sync state file %s: %w", s.path, err)
	}
	s.dirty = false
	return nil
}

// Save appends a checkpoint and makes it durable.
func (s *Log) Save(cp *Checkpoint) error {
	if len(s.live) > 0 {
		s.live = cp.pending(s.live)
	}
	if s.size > compactAt {
		return s.rewrite(cp)
	}
	s.buf.Reset()
	if err := encodeRecord(&s.buf, record{Checkpoint: cp}); err != nil {
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
	s.dirty = false
	return nil
}

// rewrite replaces the log with its identity and cp, atomically: a new file
// beside it, synced, renamed over, and the folder synced.
func (s *Log) rewrite(cp *Checkpoint) error {
	var b bytes.Buffer
	if err := encodeRecord(&b, record{Run: s.id}); err != nil {
		return err
	}
	if cp != nil {
		if err := encodeRecord(&b, record{Checkpoint: cp}); err != nil {
			return err
		}
	}
	for _, lb := range s.live {
		b.Write(appendBatchRecord(nil, lb))
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
	// Locked before it becomes the state file: the lock never lapses.
	if err := tryLock(f); err != nil {
		f.Close()
		return fmt.Errorf("lock state file %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		f.Close()
		return fmt.Errorf("replace state file: %w", err)
	}
	if s.f != nil {
		s.f.Close() // the replaced file: what it held is no longer the state
	}
	s.f, s.size, s.dirty = f, int64(b.Len()), false
	return SyncDir(filepath.Dir(s.path))
}

// Remove deletes the state of a finished run, then gives up the lock.
func (s *Log) Remove() error {
	defer s.f.Close() // the lock is held until the file is gone
	if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove state file: %w", err)
	}
	return SyncDir(filepath.Dir(s.path))
}

// Close closes the log, keeping the file for a later resume.
func (s *Log) Close() error { return s.f.Close() }

// OpenOutput opens an output file of the run: created afresh when size < 0,
// else (a resumed run) cut back to size and positioned at its end, dropping
// whatever was written after the last checkpoint.
func OpenOutput(path string, size int64) (*os.File, error) {
	flags := os.O_CREATE | os.O_WRONLY
	if size < 0 {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return nil, err
	}
	// The file holds customers' data: readable by the user only, even if an
	// older file of that name was not.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, err
	}
	if size < 0 {
		return f, nil
	}
	st, err := f.Stat()
	if err == nil && st.Size() < size {
		err = fmt.Errorf("%s is shorter (%d bytes) than when the run was interrupted (%d bytes): it was changed; restore it or start over", path, st.Size(), size)
	}
	if err == nil {
		err = f.Truncate(size)
	}
	if err == nil {
		_, err = f.Seek(size, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// SyncDir makes a rename or removal in dir durable. A file system that cannot
// sync a folder at all (EINVAL, ENOTSUP) is no error: there is nothing more to
// do there; any other failure is returned, since the rename may not last.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync the folder %s: %w", dir, err)
	}
	err = d.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		err = nil
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync the folder %s: %w", dir, err)
	}
	return nil
}

// WriteFileAtomic replaces path with data through a temporary file in the
// same folder (mode 0600), synced, then renamed over path, and the folder synced: a
// reader sees the old file or the new one, never half of one, after a crash too.
func WriteFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return SyncDir(filepath.Dir(path))
}
