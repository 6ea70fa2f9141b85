package resume

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"
)

func sumOf(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// The hash at each row boundary is the SHA-256 of every byte before it, read
// in whatever chunks the reader asks for.
func TestPrefixMarks(t *testing.T) {
	data := bytes.Repeat([]byte("row,of,text\n"), 5000)
	p := NewPrefix(bytes.NewReader(data))
	buf := make([]byte, 7000)
	var read int64
	for ord := int64(0); ; ord++ {
		end := (ord + 1) * 12
		for read < end {
			n, err := p.Read(buf)
			read += int64(n)
			if err == io.EOF {
				break
			}
		}
		if end > int64(len(data)) {
			break
		}
		p.Mark(ord, end)
		if ord%997 == 0 {
			sn := p.Take(ord)
			if got, want := sn.Sum(), sumOf(data[:end]); got != want {
				t.Fatalf("row %d: hash %s, want %s", ord, got, want)
			}
		}
	}
	if sn := p.Take(123456); sn.Valid() {
		t.Error("Take of a row never marked gave a snapshot")
	}
}

func TestPrefixVerify(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 100000)
	checks := []Check{{End: 700000, Sum: sumOf(data[:700000])}, {End: 300000, Sum: sumOf(data[:300000])}}
	p := NewPrefix(bytes.NewReader(data))
	if err := p.Verify(bytes.NewReader(data), checks, 300000); err != nil {
		t.Fatal(err)
	}
	// Continuing at the proven offset goes on from its hash.
	if _, err := p.Seek(300000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	io.ReadFull(p, make([]byte, 100))
	p.Mark(0, 300100)
	if sn := p.Take(0); sn.Sum() != sumOf(data[:300100]) {
		t.Error("after Seek to the proven offset the hash does not cover the prefix")
	}

	edited := bytes.Clone(data)
	edited[500000] = 'x'
	err := NewPrefix(bytes.NewReader(edited)).Verify(bytes.NewReader(edited), checks, 300000)
	if !errors.Is(err, ErrChanged) {
		t.Errorf("an edit at byte 500000, below a check at 700000: err = %v", err)
	}
	err = NewPrefix(nil).Verify(bytes.NewReader(data[:600000]), checks, 300000)
	if !errors.Is(err, ErrChanged) {
		t.Errorf("a shorter input: err = %v", err)
	}
}

// BenchmarkPrefix is what hashing costs a row as an import reads it: the
// bytes kept, hashed up to the row's end, the hash's state kept and taken.
// Rows of 100 bytes, about those of bench/gen's customers.
func BenchmarkPrefix(b *testing.B) {
	row := []byte("customer12345@example.com,Иван,Петров,01.02.1980,M,+7 900 123-45-67,112345,Москва\n")
	data := bytes.Repeat(row, 10000)
	b.SetBytes(int64(len(data)))
	buf := make([]byte, 64<<10)
	for b.Loop() {
		p := NewPrefix(bytes.NewReader(data))
		var read, end int64
		for ord := int64(0); ord < 10000; ord++ {
			end += int64(len(row))
			for read < end {
				n, _ := p.Read(buf)
				read += int64(n)
			}
			p.Mark(ord, end)
			p.Take(ord)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*10000), "ns/row")
}
