// Package mapping reads the mapping file that says how CSV columns become Altcraft profile fields,
// checks it against a CSV header, and turns each CSV record into one profiles/import request body.
//
// The flow is Load (or Parse) → Mapping.Bind(header) → Binder.Convert(dst, record) per row.
package mapping

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/internal/csvio"
	"github.com/acimport/acimport/internal/errs"
)

// Mapping is a parsed and validated mapping file. It is read-only after Load or Parse.
type Mapping struct {
	DBID int // the profile database, sent as db_id
	// Mode is what the import does with each profile: upsert (profiles/import, the default),
	// update (profiles/update) or add (profiles/add, which sends no matching key).
	Mode     altcraft.Operation
	Matching altcraft.Mode // the API matching mode; altcraft.DefaultMode when the file does not say
	CSV      csvio.Options // how to read the CSV files, each option checked by csvio

	file     string
	match    matchSpec
	location *time.Location // default zone of datetime fields
	options  []byte         // top-level options, as JSON members each preceded by a comma
	fields   []*source
	subs     []*subscription
	digest   string // of the file's bytes; see Digest
	modeLine int    // of mode, 0 when the file does not say
	// ignoreOptOuts: opt_out_evidence: ignore turns CheckOptOuts off.
	ignoreOptOuts bool
}

// matchSpec is the match section with its defaults applied.
type matchSpec struct {
	column     string // the CSV column of the key ("" for email_phone modes: see emailSrc/phoneSrc)
	columnLine int
	field      string // custom modes: sent as field_name
	resourceID int    // *_sub modes
	line       int    // of the match section, or of matching when there is none

	key *source // the source of the key for every mode but email_phone*
	// email_phone modes take both keys from the email and phones fields.
	emailKey, phoneKey *source
}

// source is where a value comes from: a CSV column converted by a type, or a constant.
type source struct {
	path string // e.g. "fields._bdate": where it was defined, for errors
	name string // the field or subscription key it fills
	line int    // of the definition

	column     string
	columnLine int

	isConst  bool
	constant []byte // the JSON value, when isConst

	conv      converter
	separator string // split the cell into a list
	list      bool   // sent as a JSON array (separator set, or field phones)

	// action is the update function the value is sent with: "" or set sends the plain value,
	// incr, add and delete send {"action":A,"value":V}; unset is a constant {"action":"unset"}.
	action altcraft.Action
	// unsetEmpty: an empty cell sends {"action":"unset"} instead of leaving the field out.
	unsetEmpty bool
	// requireCell: an empty cell fails (a subscription's status column), unless values maps "".
	requireCell bool
	// skipInvalid (on_invalid: skip): a cell that fails its type leaves the field out, and the
	// row is sent without it.
	skipInvalid bool
}

// subscription is one entry of the subscriptions section.
type subscription struct {
	line    int
	channel string
	// status says where the subscription's status comes from; statusWord is the constant's word.
	status     statusFrom
	statusWord string
	prefix     []byte    // {"channel":...,"resource_id":N plus constant members
	contact    *source   // when its cell is empty the subscription is left out
	parts      []*source // further members, in file order
	objects    []subObject
}

// subObject is a nested object of a subscription (cc_data, custom_fields) built from sources.
type subObject struct {
	name  string
	parts []*source
}

// Load reads and validates the mapping file at path. Its errors begin
// "mapping file:", then the cause: the file that could not be read, or every
// problem Parse found, a line each.
func Load(path string) (*Mapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mapping file: %w", err)
	}
	m, err := Parse(bytes.NewReader(data), path)
	if err != nil {
		return nil, fmt.Errorf("mapping file:\n%w", err)
	}
	return m, nil
}

// Limits of a mapping file. A real one is a few kilobytes and a few hundred nodes; the limits stop a
// wrong file (a CSV file given as the mapping) or a YAML alias bomb before it costs memory.
const (
	// MaxFileBytes is the largest mapping file Parse reads.
	MaxFileBytes = 1 << 20
	// MaxNodes is the most YAML nodes (keys, values, list items) a mapping file may hold, each alias
	// counted as the nodes it stands for.
	MaxNodes = 100_000
)

// Parse reads and validates a mapping file from r; name is the file name used in errors.
// It reports every problem it finds, in file order: one *Error, or several joined with errors.Join.
// A file longer than MaxFileBytes, or of more than MaxNodes nodes, is refused with ErrTooLarge.
func Parse(r io.Reader, name string) (*Mapping, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read mapping %q: %w", name, err)
	}
	if len(data) > MaxFileBytes {
		return nil, &Error{File: name, Err: errs.Errorf(ErrTooLarge,
			"the file is larger than %d KiB; a mapping file is a few kilobytes: is it the right file?", MaxFileBytes>>10)}
	}
	p := &parser{file: name, broken: map[string]bool{}}
	m := p.parse(data)
	if err := p.err(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	m.digest = hex.EncodeToString(sum[:])
	return m, nil
}

// Digest identifies the mapping file the Mapping was parsed from: the SHA-256
// of its bytes, in hex. An interrupted import records it, and resuming with a
// mapping of another digest is refused.
func (m *Mapping) Digest() string { return m.digest }
