package csvio

import (
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// cp1251 encodes s to windows-1251 for building test input.
func cp1251(t testing.TB, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1251.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q to windows-1251: %v", s, err)
	}
	return b
}

// readAll reads every record of r, failing the test on a stream error.
func readAll(t testing.TB, r *Reader) []*Record {
	t.Helper()
	var recs []*Record
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return recs
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		recs = append(recs, rec)
	}
}

func mustReader(t testing.TB, in []byte, opt Options) *Reader {
	t.Helper()
	r, err := NewReader(strings.NewReader(string(in)), "in.csv", opt)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	return r
}
