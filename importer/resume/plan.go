package resume

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// headBytes is how much of each input is checksummed to recognise it.
const headBytes = 64 << 10

// Identity says which inputs and mapping a state file belongs to.
type Identity struct {
	Version int         `json:"version"`
	Mapping string      `json:"mapping_sha256"`
	Files   []FileIdent `json:"files"`
	// Command is the run's command line without --resume, for the advice
	// given to a later run that finds this state; nil when unknown.
	Command []string `json:"command,omitempty"`
	// Pid is the process that last wrote the state, named to a second run.
	Pid int `json:"pid,omitempty"`
	// ImportID names the import (NewImportID): new for each new import, kept
	// by --resume. Request ids are made from it, so that the platform's
	// deduplication tells a re-send of this import's request from a new
	// import's. "" in a state written before it was kept.
	ImportID string `json:"import_id,omitempty"`
}

// FileIdent recognises one input: its absolute path, size and first bytes.
type FileIdent struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	Head string `json:"head_sha256"`
}

// StatePath is the state file of a reject file: "x.rejects.csv" → "x.rejects.state".
func StatePath(rejectPath string) string {
	return strings.TrimSuffix(rejectPath, filepath.Ext(rejectPath)) + ".state"
}

// Identify computes the identity of a run's inputs and of its mapping, given
// by its digest (mapping.Mapping.Digest).
func Identify(files []string, mappingDigest string) (*Identity, error) {
	id := &Identity{Version: Version, Mapping: mappingDigest}
	for _, name := range files {
		abs, err := filepath.Abs(name)
		if err != nil {
			return nil, err
		}
		f, err := os.Open(name)
		if err != nil {
			return nil, err // "open x.csv: no such file or directory" says it all
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		h := sha256.New()
		_, err = io.Copy(h, io.LimitReader(f, headBytes))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read input %s: %w", name, err)
		}
		id.Files = append(id.Files, FileIdent{Path: abs, Size: st.Size(), Head: hex.EncodeToString(h.Sum(nil))})
	}
	return id, nil
}

// Change is what differs between the run that left a state file and this
// one, so that advice can depend on it rather than on the words of Why.
type Change int

const (
	// Same: the state fits this run.
	Same Change = iota
	// ChangedVersion: another version of acimport wrote the state.
	ChangedVersion
	// ChangedInputs: the state is of other input files, or they have changed.
	ChangedInputs
	// ChangedMapping: the mapping file has changed.
	ChangedMapping
)

// Mismatch says what differs between a saved identity and this run, and why
// in words; Same and "" when it fits.
func (id *Identity) Mismatch(now *Identity) (Change, string) {
	if id.Version != now.Version {
		return ChangedVersion, fmt.Sprintf("it was written by another version of acimport (state version %d)", id.Version)
	}
	if len(id.Files) != len(now.Files) {
		return ChangedInputs, fmt.Sprintf("it is for %d input files, this run has %d", len(id.Files), len(now.Files))
	}
	for i, f := range id.Files {
		g := now.Files[i]
		switch {
		case f.Path != g.Path:
			return ChangedInputs, fmt.Sprintf("it is for input %s, not %s", f.Path, g.Path)
		case f.Size != g.Size:
			return ChangedInputs, fmt.Sprintf("input %s has changed size (%d bytes then, %d now)", g.Path, f.Size, g.Size)
		case f.Head != g.Head:
			return ChangedInputs, fmt.Sprintf("input %s has changed (its first bytes differ)", g.Path)
		}
	}
	if id.Mapping != now.Mapping {
		return ChangedMapping, "the mapping file has changed"
	}
	return Same, ""
}

// Mode is what a run was asked to do with the state of an earlier one.
type Mode int

const (
	// Fresh (no --resume) starts over, and refuses to while an unfinished
	// run's state stands.
	Fresh Mode = iota
	// Resume (--resume) continues the interrupted run; it refuses when there
	// is none, or when the state is of other inputs or another mapping.
	Resume
	// Auto (--resume=auto) continues the interrupted run when the state fits
	// this run, else moves the state aside and starts over.
	Auto
)

// RefusalKind says why a run may not start.
type RefusalKind int

const (
	// Unfinished: a fresh run found the state of an unfinished one.
	Unfinished RefusalKind = iota + 1
	// NothingToResume: --resume found no state.
	NothingToResume
	// Mismatch: the state is of other inputs, another mapping or another version.
	Mismatch
	// Foreign: one of the inputs has the state of an unfinished run of its own,
	// which this run would start over.
	Foreign
)

// Refusal is a run that may not start because of a state file.
type Refusal struct {
	Kind  RefusalKind
	Path  string    // the state file
	Input string    // Foreign: the input it concerns, as given
	Why   string    // Mismatch, Unfinished: why the state does not fit this run; "" when it does
	Saved *Identity // what the state says of the run that left it; nil when damaged
	// Changed is what differs, as Why says in words (Mismatch, Unfinished);
	// Same when the state fits this run or cannot be read.
	Changed Change
	// Err is why the state file cannot be read (it is damaged), and Why its
	// text; nil when it was read. Refusal unwraps to it.
	Err error
	// Settled is how many rows the interrupted run had finished.
	Settled int64
}

func (r *Refusal) Error() string {
	switch r.Kind {
	case Unfinished:
		return fmt.Sprintf("%s holds the state of an unfinished run of these files", r.Path)
	case NothingToResume:
		return fmt.Sprintf("no state file %s: the last run of these files finished (or never started)", r.Path)
	case Foreign:
		return fmt.Sprintf("input %s has an unfinished run of its own (state %s)", r.Input, r.Path)
	}
	return fmt.Sprintf("cannot resume from %s: %s", r.Path, r.Why)
}

// Unwrap returns why the state file cannot be read; nil when it was read.
func (r *Refusal) Unwrap() error { return r.Err }

// Plan is how a run starts, as Prepare decided.
type Plan struct {
	Lock       *Lock       // the state file, locked for the run
	Checkpoint *Checkpoint // where the interrupted run stopped; nil: start afresh
	Saved      *Identity   // the interrupted run's identity; nil when fresh
	// MovedAside is where Auto moved the state of an earlier run that did not
	// fit, and Why says why; "" when nothing was moved.
	MovedAside, Why string
}

// Other is the state file of one input's own runs, where a run of that input
// alone keeps it.
type Other struct {
	Input string // as given
	State string
}

// Prepare locks the run's state file at path and decides, by mode, whether
// the run resumes the interrupted one, starts afresh, or is refused: a
// *Refusal, or a *LockedError when another process holds the state file or
// that of one of the inputs. others are the inputs' own state files: an
// unfinished run of an input stands in the way of this one in any mode.
func Prepare(path string, others []Other, id *Identity, mode Mode) (*Plan, error) {
	for _, o := range others {
		if err := checkOther(o, id); err != nil {
			return nil, err
		}
	}
	l, err := Acquire(path)
	if err != nil {
		return nil, err
	}
	plan := &Plan{Lock: l}
	if l.Empty() {
		if mode == Resume {
			l.Release()
			return nil, &Refusal{Kind: NothingToResume, Path: path}
		}
		return plan, nil
	}
	saved, cp, lerr := Load(path)
	changed, why := Same, ""
	switch {
	case lerr != nil:
		why = lerr.Error()
	default:
		changed, why = saved.Mismatch(id)
	}
	settled := int64(0)
	if cp != nil {
		settled = cp.Counts.Imported + cp.Counts.Rejected
	}
	switch {
	case mode == Fresh:
		l.Release()
		return nil, &Refusal{Kind: Unfinished, Path: path, Why: why, Changed: changed, Err: lerr, Saved: saved, Settled: settled}
	case why != "" && mode == Resume:
		l.Release()
		return nil, &Refusal{Kind: Mismatch, Path: path, Why: why, Changed: changed, Err: lerr, Saved: saved, Settled: settled}
	case why != "":
		plan.Why = why
		if err := plan.StartOver(); err != nil {
			return nil, err
		}
		return plan, nil
	}
	plan.Saved, plan.Checkpoint = saved, cp
	if cp == nil {
		// Interrupted before its first checkpoint: nothing was finished.
		plan.Checkpoint = &Checkpoint{Outputs: map[string]int64{}}
	}
	return plan, nil
}

// StartOver moves the locked state aside, to keep it, and locks a new empty
// one in its place: the run starts afresh.
func (p *Plan) StartOver() error {
	path := p.Lock.path
	moved, err := MoveAside(path)
	if err != nil {
		p.Lock.Release()
		return err
	}
	nl, err := Acquire(path)
	p.Lock.f.Close()
	if err != nil {
		return err
	}
	p.Lock, p.Checkpoint, p.Saved, p.MovedAside = nl, nil, nil, moved
	return nil
}

// checkOther refuses a run when input o has an unfinished run of its own.
func checkOther(o Other, id *Identity) error {
	if st, err := os.Stat(o.State); err != nil || st.Size() == 0 {
		return nil
	}
	l, err := Acquire(o.State)
	if err != nil {
		return err
	}
	defer l.Release()
	if l.Empty() {
		return nil
	}
	saved, cp, err := Load(o.State)
	if err != nil {
		return nil // not a state we can read; a run of that input will say so
	}
	abs, _ := filepath.Abs(o.Input)
	if !slices.ContainsFunc(saved.Files, func(f FileIdent) bool { return f.Path == abs }) {
		return nil
	}
	r := &Refusal{Kind: Foreign, Path: o.State, Input: o.Input, Saved: saved}
	if cp != nil {
		r.Settled = cp.Counts.Imported + cp.Counts.Rejected
	}
	return r
}

// IsRefusal reports whether err is a *Refusal or a *LockedError.
func IsRefusal(err error) bool {
	var r *Refusal
	var le *LockedError
	return errors.As(err, &r) || errors.As(err, &le)
}
