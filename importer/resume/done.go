package resume

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Completed imports are remembered so that the same input, imported again
// with the same mapping, is not applied twice when its changes are not
// idempotent (incr, list add/delete, mode add). The record is a small JSON
// file beside the reject file, "x.rejects.csv" → "x.rejects.done", apart from
// the state file: the state describes an unfinished run and is removed when
// it finishes; the record describes finished ones and stays.

// DoneVersion is the format of a record file.
const DoneVersion = 1

// doneKeep is how many completed imports a record file keeps, newest last: a
// nightly cron's month and more, in a few kilobytes.
const doneKeep = 64

// Completed is the content of a record file.
type Completed struct {
	Version int    `json:"version"`
	Imports []Done `json:"imports"`
}

// Done is one import that completed: every row of its inputs settled.
type Done struct {
	FinishedAt time.Time `json:"finished_at"`
	// URL is the platform's: an import into another platform (a rehearsal
	// in a sandbox) is another import.
	URL   string      `json:"url"`
	Files []DoneInput `json:"files"`
	// Mapping is the mapping's digest (mapping.Mapping.Digest), which covers
	// its mode as --mode set it; Mode and NonIdempotent say it in words.
	Mapping       string `json:"mapping_sha256"`
	Mode          string `json:"mode"`
	NonIdempotent string `json:"non_idempotent,omitempty"`
	// ImportID is the import's id in its requests, when it had one.
	ImportID string `json:"import_id,omitempty"`
	Imported int64  `json:"imported"`
	Rejected int64  `json:"rejected"`
}

// DoneInput is one input of a completed import, by its bytes: the whole
// input's size and SHA-256, and of its first bytes to tell quickly that
// another file is not this one.
type DoneInput struct {
	Path string `json:"path"` // absolute; "-" for standard input
	Size int64  `json:"size"`
	Head string `json:"head_sha256"`
	Sum  string `json:"sha256"`
}

// DonePath is the record file of a reject file: "x.rejects.csv" → "x.rejects.done".
func DonePath(rejectPath string) string {
	return strings.TrimSuffix(rejectPath, filepath.Ext(rejectPath)) + ".done"
}

// LoadDone reads a record file; none (and no error) when it does not exist.
func LoadDone(path string) (*Completed, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Completed{Version: DoneVersion}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the record of completed imports %s: %w", path, err)
	}
	var d Completed
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("the record of completed imports %s is damaged (%v); delete it to forget them", path, err)
	}
	return &d, nil
}

// AddDone appends a completed import to the record file at path, keeping the
// newest doneKeep, and replaces the file atomically.
func AddDone(path string, d Done) error {
	f, err := LoadDone(path)
	if err != nil {
		f = &Completed{} // a damaged record is replaced rather than kept failing
	}
	f.Version = DoneVersion
	f.Imports = append(f.Imports, d)
	if n := len(f.Imports); n > doneKeep {
		f.Imports = f.Imports[n-doneKeep:]
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(path, append(b, '\n')); err != nil {
		return fmt.Errorf("write the record of completed imports %s: %w", path, err)
	}
	return nil
}

// Find returns the newest completed import into the platform at url, with the mapping digest, that had
// an input of the given size and first bytes' hash (Identify's FileIdent) and,
// asked only then, whole's SHA-256: this run's input is one it imported. Paths
// do not matter, bytes do. nil when none.
func (f *Completed) Find(url, mappingDigest string, now FileIdent, whole func() (string, error)) (*Done, error) {
	for k := len(f.Imports) - 1; k >= 0; k-- {
		d := &f.Imports[k]
		if d.Mapping != mappingDigest || d.URL != url {
			continue
		}
		for _, g := range d.Files {
			if g.Size != now.Size || g.Head != now.Head {
				continue
			}
			sum, err := whole()
			if err != nil {
				return nil, err
			}
			if sum == g.Sum {
				return d, nil
			}
		}
	}
	return nil, nil
}

// InputHash hashes an input as it is written to it, for its DoneInput: the
// whole input's size and SHA-256 and its first bytes' (as Identify takes them).
type InputHash struct {
	whole, head hash.Hash
	size        int64
}

// NewInputHash starts an InputHash.
func NewInputHash() *InputHash { return &InputHash{whole: sha256.New(), head: sha256.New()} }

func (h *InputHash) Write(b []byte) (int, error) {
	if k := headBytes - h.size; k > 0 {
		h.head.Write(b[:min(int64(len(b)), k)])
	}
	h.whole.Write(b)
	h.size += int64(len(b))
	return len(b), nil
}

// Input is what was written, as the input at path.
func (h *InputHash) Input(path string) DoneInput {
	return DoneInput{Path: path, Size: h.size, Head: hex.EncodeToString(h.head.Sum(nil)), Sum: hex.EncodeToString(h.whole.Sum(nil))}
}

// HashFile reads a file once, streaming, for its DoneInput.
func HashFile(path string) (DoneInput, error) {
	f, err := os.Open(path)
	if err != nil {
		return DoneInput{}, err
	}
	defer f.Close()
	h := NewInputHash()
	if _, err := io.Copy(h, f); err != nil {
		return DoneInput{}, fmt.Errorf("read input %s: %w", path, err)
	}
	abs, _ := filepath.Abs(path)
	return h.Input(abs), nil
}

// Whole is the size and SHA-256 (hex) of every byte read through p, for an
// input read to its end: the whole input as the run imported it. ok is false
// when p could not hash what was read (a gzip-compressed input, whose rows'
// offsets are not the file's): HashFile then reads it again. Only after the
// reader is done.
func (p *Prefix) Whole() (size int64, sum string, ok bool) {
	p.advance(p.hashed + int64(len(p.pending)-p.start))
	if p.err != nil {
		return 0, "", false
	}
	return p.hashed, hex.EncodeToString(p.h.Sum(nil)), true
}
