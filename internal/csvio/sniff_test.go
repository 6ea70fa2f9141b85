package csvio

import (
	"bytes"
	"strings"
	"testing"
)

func TestSniffDelimiter(t *testing.T) {
	tests := []struct {
		Name string
		In   string
		Want rune
	}{
		{"comma", "a,b,c\n", ','},
		{"semicolon", "a;b;c\n", ';'},
		{"tab", "a\tb\n", '\t'},
		{"pipe", "a|b\n", '|'},
		{"none", "abc\n", ','},
		{"empty", "", ','},
		{"most wins", "a;b;c,d\n", ';'},
		{"tie", "a;b,c\n", ','},
		{"tie without comma", "a;b|c\n", ','},
		{"quoted ignored", "\"a,b,c\";d;e\n", ';'},
		{"doubled quotes", "\"a\"\",\"\"b\";c\n", ';'},
		{"only the header line", "a;b\n1,2,3,4\n", ';'},
		{"quoted line break", "\"a\n,,,\";b\n", ';'},
		{"blank lines first", "\r\n\na|b\n", '|'},
		{"CRLF", "a\tb\r\n1,2,3\r\n", '\t'},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if got := sniffDelimiter([]byte(tt.In)); got != tt.Want {
				t.Errorf("sniffDelimiter(%q) = %q, want %q", tt.In, got, tt.Want)
			}
		})
	}
}

func TestLooksUTF8(t *testing.T) {
	tests := []struct {
		Name  string
		In    []byte
		Whole bool
		Want  bool
	}{
		{"ascii", []byte("abc"), true, true},
		{"cyrillic", []byte("Ёжик"), true, true},
		{"windows-1251", cp1251(t, "Ёжик"), true, false},
		{"cut rune at the window's end", []byte("Ёж")[:3], false, true},
		{"cut 4-byte rune", []byte("a😀")[:3], false, true},
		{"cut rune at the file's end", []byte("Ёж")[:3], true, false},
		{"invalid before the end", []byte("a\xFFb"), false, false},
		{"invalid last byte", []byte("ab\xFF"), false, false},
		{"empty", nil, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if got := looksUTF8(tt.In, tt.Whole); got != tt.Want {
				t.Errorf("looksUTF8(%q, %v) = %v, want %v", tt.In, tt.Whole, got, tt.Want)
			}
		})
	}
}

// TestAutoEncodingWindow checks only the first 64 KiB decide, and a rune cut
// by the window's end does not make a UTF-8 file windows-1251.
func TestAutoEncodingWindow(t *testing.T) {
	tests := []struct {
		Name string
		In   []byte
		Want string
	}{
		{
			Name: "rune cut by the window",
			In:   []byte("a\n" + strings.Repeat("x", sniffLimit-3) + "ё\n"),
			Want: "utf-8",
		},
		{
			Name: "windows-1251 after the window",
			In:   append([]byte("a\n"+strings.Repeat("x", sniffLimit)+"\n"), cp1251(t, "ё\n")...),
			Want: "utf-8",
		},
		{
			Name: "windows-1251 at the window's end",
			In:   append([]byte("a\n"+strings.Repeat("x", sniffLimit-8)+"\n"), cp1251(t, "ёжик\n")...),
			Want: "windows-1251",
		},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.In), "in.csv", Options{Encoding: "auto"})
			if err != nil {
				t.Fatal(err)
			}
			if r.Encoding() != tt.Want {
				t.Errorf("Encoding() = %q, want %q", r.Encoding(), tt.Want)
			}
		})
	}
}
