package csvio

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// asciiRows is n bytes or more of ASCII rows of two columns.
func asciiRows(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		b.WriteString("user")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString("@example.com;Plain ASCII name\n")
	}
	return b.String()
}

// A file whose first byte beyond ASCII comes after the first 64 KiB (a
// reject file of late rows, most often) is judged there: the rows before it
// read the same in every candidate.
func TestAutoFirstNonASCIIPastTheSample(t *testing.T) {
	head := "email;name\n" + asciiRows(sniffLimit+1000)
	in := encodeTo(t, charmap.Windows1251, head+"ivanov@example.com;Иванов Иван\npetrov@example.com;Пётр\n")
	r := mustReader(t, in, Options{Encoding: "auto", Delimiter: ";"})
	recs := readAll(t, r)
	last := recs[len(recs)-2:]
	for i, want := range [][]string{{"ivanov@example.com", "Иванов Иван"}, {"petrov@example.com", "Пётр"}} {
		if last[i].Err != nil || !slices.Equal(last[i].Fields, want) {
			t.Fatalf("line %d: %q (%v), want %q", last[i].Line, last[i].Fields, last[i].Err, want)
		}
	}
	if r.Encoding() != "windows-1251" || !strings.Contains(r.EncodingReason(), "Иванов") {
		t.Errorf("Encoding() = %q (%s), want windows-1251", r.Encoding(), r.EncodingReason())
	}
	// Its reject file is windows-1251 too, and reads back the same.
	rej := writeRejects(t, r, last)
	if !bytes.Contains(rej, encodeTo(t, charmap.Windows1251, "Иванов Иван;")) {
		t.Errorf("reject file not in windows-1251: %q", rej)
	}
	back := readAll(t, mustReader(t, rej, Options{Encoding: "auto", Delimiter: ";"}))
	if len(back) != 2 || !slices.Equal(back[0].Fields, last[0].Fields) {
		t.Errorf("read back %+v", back)
	}

	// A late byte that no code page places stays a row error, saying why.
	r = mustReader(t, []byte(head+"x@example.com;\xE9\n"), Options{Encoding: "auto", Delimiter: ";"})
	recs = readAll(t, r)
	if bad := recs[len(recs)-1]; !errors.Is(bad.Err, ErrInvalidUTF8) || !strings.Contains(bad.Err.Error(), "auto") || strings.Contains(bad.Err.Error(), "or set auto") {
		t.Errorf("last row: %v, want invalid UTF-8 saying what auto found", bad.Err)
	}
}

// Under "auto", the invalid-UTF-8 reason does not advise setting auto.
func TestInvalidUTF8ReasonUnderAuto(t *testing.T) {
	in := []byte("a;b\nй;1\n" + asciiRows(sniffLimit) + "x;\xFF\xFE\n")
	for _, tt := range []struct {
		Enc  string
		Auto bool // the reason advises auto
	}{{"auto", false}, {"utf-8", true}} {
		recs := readAll(t, mustReader(t, in, Options{Encoding: tt.Enc, Delimiter: ";"}))
		bad := recs[len(recs)-1]
		if !errors.Is(bad.Err, ErrInvalidUTF8) || strings.Contains(bad.Err.Error(), "or set auto") != tt.Auto {
			t.Errorf("encoding %s: %v; advises auto: want %v", tt.Enc, bad.Err, tt.Auto)
		}
	}
}
