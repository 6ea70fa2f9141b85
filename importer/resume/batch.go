package resume

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strconv"
)

// NewImportID is a new import's id: 16 hex digits from crypto/rand, so that
// two imports never share request ids (altcraft-api.md, "Deduplication of
// requests": a new import must carry new ids, or a row re-imported within the
// platform's window is replayed, not applied).
func NewImportID() string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand's contract since Go 1.24)
	return hex.EncodeToString(b[:])
}

// Batch is a batch request recorded in the state log before it is first
// sent: its request id and its rows, in request order. A resumed run re-sends
// a batch whose rows were not finished as it was — the same rows, so the same
// body, and the same id — so that a platform that deduplicates applies it once.
type Batch struct {
	ID   string     `json:"id"`
	Rows []BatchRow `json:"rows"`
}

// BatchRow is one row of a batch: its input's index among the run's inputs
// and its ordinal in that input (0-based).
type BatchRow struct {
	Input int
	Ord   int64
}

// MarshalJSON writes a row as [input,ord]: a batch of 1,000 rows is recorded
// before every send, and encoding/json's reflection would be most of its cost.
func (r BatchRow) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 24)
	return r.appendJSON(b), nil
}

func (r BatchRow) appendJSON(b []byte) []byte {
	b = append(b, '[')
	b = strconv.AppendInt(b, int64(r.Input), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, r.Ord, 10)
	return append(b, ']')
}

// UnmarshalJSON reads [input,ord].
func (r *BatchRow) UnmarshalJSON(b []byte) error {
	var a [2]int64
	if err := jsonUnmarshal(b, &a); err != nil {
		return err
	}
	r.Input, r.Ord = int(a[0]), a[1]
	return nil
}

// appendBatchRecord appends the log line of b: the record {"batch":b} with
// its checksum, as encodeRecord would write it, without reflection.
func appendBatchRecord(dst []byte, b *Batch) []byte {
	start := len(dst)
	dst = append(dst, "00000000 "...)
	body := len(dst)
	dst = append(dst, `{"batch":{"id":`...)
	dst = strconv.AppendQuote(dst, b.ID) // ids are ASCII: the same as JSON's quoting
	dst = append(dst, `,"rows":[`...)
	for i, r := range b.Rows {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = r.appendJSON(dst)
	}
	dst = append(dst, "]}}"...)
	sum := crcHex(dst[body:])
	copy(dst[start:], sum[:])
	return append(dst, '\n')
}

// finished reports whether every row of b is finished in cp. A checkpoint's
// Above is in ascending order (Tracker.Progress): a row there is found by a
// binary search, so that pruning the batches at every checkpoint costs no map.
func (cp *Checkpoint) finished(b *Batch) bool {
	for _, r := range b.Rows {
		if r.Input >= len(cp.Files) {
			return false
		}
		f := &cp.Files[r.Input]
		if f.Done || r.Ord < f.Low {
			continue
		}
		if _, ok := slices.BinarySearchFunc(f.Above, r.Ord, func(a Finished, ord int64) int { return cmp.Compare(a.Ord, ord) }); !ok {
			return false
		}
	}
	return true
}

// pending is the batches of bs that cp does not show finished, in their order.
func (cp *Checkpoint) pending(bs []*Batch) []*Batch {
	var out []*Batch
	for _, b := range bs {
		if cp == nil || !cp.finished(b) {
			out = append(out, b)
		}
	}
	return out
}
