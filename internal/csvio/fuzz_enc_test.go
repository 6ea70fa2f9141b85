package csvio

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzEncodingsLineEndings writes rows of arbitrary text as a CSV file in
// every encoding the reader knows, each row ending in LF, CRLF or CR as
// choice says, and reads it back: the fields must be the text written, each
// record's Raw and Ending the row's own bytes, and the reject file of every
// row must read back the same.
func FuzzEncodingsLineEndings(f *testing.F) {
	for i, s := range []string{
		"Hélène\x1fParis\x1eMüller\x1fKöln",
		"Имя\x1fГород\x1eЁжик\x1f\"Москва\"\r\nцентр",
		"a\x1fb\rc\x1e\x1f\x1e \x1f,",
		"𝔘nicode\x1f€ “q”\x1e\r\x1f\n",
	} {
		f.Add(s, uint16(i*37))
	}
	names := []string{encUTF8, encUTF16LE, encUTF16BE, encCP1251, encCP1252, encLatin1, encKOI8R}
	endings := []string{"\n", "\r\n", "\r"}
	f.Fuzz(func(t *testing.T, text string, choice uint16) {
		cs := charsets[names[int(choice)%len(names)]]
		var rows [][]string
		for _, line := range strings.Split(text, "\x1e") {
			var row []string
			for _, field := range strings.Split(line, "\x1f") {
				row = append(row, representable(field, cs))
			}
			row[0] = "k" + row[0] // never a blank-looking line
			rows = append(rows, row)
		}
		width := len(rows[0])
		header := make([]string, width)
		for i := range header {
			header[i] = "c" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		}
		for i := range rows {
			rows[i] = append(rows[i], make([]string, max(0, width-len(rows[i])))...)[:width]
		}
		var file []byte
		if cs.units == unitsUTF16 {
			file = append(file, cs.bom...)
		}
		var lines [][]byte // each row as written, without its ending
		var ends []string
		file = cs.appendEncoded(file, append(appendRecord(nil, header, ','), '\n'))
		for i, row := range rows {
			line := appendRecord(nil, row, ',')
			end := endings[(int(choice)/len(names)+i)%len(endings)]
			lines, ends = append(lines, line), append(ends, end)
			file = cs.appendEncoded(file, append(slices.Clip(line), end...))
		}

		r, err := NewReader(bytes.NewReader(file), "fuzz.csv", Options{Encoding: cs.name})
		if err != nil {
			t.Fatalf("NewReader(%q): %v", file, err)
		}
		recs := readAll(t, r)
		if len(recs) != len(rows) {
			t.Fatalf("read %d records, want %d; file %q", len(recs), len(rows), file)
		}
		for i, rec := range recs {
			if rec.Err != nil || !slices.Equal(rec.Fields, rows[i]) || !bytes.Equal(rec.Raw, lines[i]) || rec.Ending != ends[i] {
				t.Fatalf("record %d = %q %q %q %v, want %q %q %q; file %q", i, rec.Fields, rec.Raw, rec.Ending, rec.Err, rows[i], lines[i], ends[i], file)
			}
		}

		var out bytes.Buffer
		w := NewRejectWriter(&out, r)
		for _, rec := range recs {
			if err := w.Write(rec, "api_1", "nope"); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		for i := range lines {
			// Each reject row starts with the input row's own bytes.
			if !bytes.Contains(out.Bytes(), cs.appendEncoded(nil, lines[i])) {
				t.Fatalf("reject file %q lacks row %d %q", out.Bytes(), i, lines[i])
			}
		}
		back := readAll(t, mustReader(t, out.Bytes(), Options{Encoding: cs.name}))
		if len(back) != len(rows) {
			t.Fatalf("reject file read back: %d records, want %d", len(back), len(rows))
		}
		for i, rec := range back {
			if rec.Err != nil || !slices.Equal(rec.Fields, rows[i]) || rec.Ending != ends[i] {
				t.Fatalf("reject row %d read back = %q %q %v, want %q %q", i, rec.Fields, rec.Ending, rec.Err, rows[i], ends[i])
			}
		}
	})
}

// representable keeps the runes of s that cs can write and a CSV file can
// hold (valid UTF-8, no control characters but tab and line breaks: a
// file full of them is binary).
func representable(s string, cs *charset) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\r' && r != '\n' || r == 0x7F || r == utf8.RuneError || !cs.encodable(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
