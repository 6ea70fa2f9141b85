package csvio

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"golang.org/x/text/encoding/unicode"
)

// TestSkipLines: issue 19 item 8 — an Excel export with a title and a group row above the header:
// skip_lines passes over them (a quote in a title opens no cell), lines keep their numbers, and the
// reject file starts with the same lines, so that the same options read it back.
func TestSkipLines(t *testing.T) {
	utf16le := func(s string) []byte {
		b, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		return b
	}
	const body = "Отчёт \"Клиенты\" за ноябрь\r\n;;Контакты;\r\nИмя;Фамилия;Email;Телефон\r\nАнна;Ли;ann@example.com;+79001234567\r\nБорис;Рей;bob@;12\r\n"
	for _, c := range []struct {
		name string
		in   []byte
		opt  Options
		sep  int // 1 for a sep= line
	}{
		{"utf-8", []byte(body), Options{SkipLines: 2, Delimiter: "auto"}, 0},
		{"windows-1251 LF", cp1251(t, string(bytes.ReplaceAll([]byte(body), []byte("\r\n"), []byte("\n")))), Options{SkipLines: 2, Encoding: "windows-1251", Delimiter: ";"}, 0},
		{"utf-16 with a sep line", utf16le("sep=;\r\n" + body), Options{SkipLines: 2, Encoding: "utf-16"}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := mustReader(t, c.in, c.opt)
			if want := []string{"Имя", "Фамилия", "Email", "Телефон"}; !slices.Equal(r.Header(), want) {
				t.Fatalf("header %q, want %q", r.Header(), want)
			}
			recs := readAll(t, r)
			if len(recs) != 2 || recs[0].Line != 4+c.sep || recs[1].Fields[2] != "bob@" {
				t.Fatalf("records %+v", recs)
			}
			back := mustReader(t, writeRejects(t, r, recs[1:]), c.opt)
			if !slices.Equal(back.Header(), r.Header()) {
				t.Fatalf("the reject file reads back with header %q", back.Header())
			}
			again := readAll(t, back)
			if len(again) != 1 || again[0].SourceLine != 5+c.sep || again[0].Fields[0] != "Борис" {
				t.Errorf("the reject file reads back as %+v", again)
			}
		})
	}
	if _, err := NewReader(bytes.NewReader([]byte("title\n")), "in.csv", Options{SkipLines: 3}); !errors.Is(err, ErrNoHeader) {
		t.Errorf("a file shorter than skip_lines: %v", err)
	}
	if _, err := NewReader(bytes.NewReader([]byte("a\n")), "in.csv", Options{SkipLines: -1}); !errors.Is(err, ErrInvalidOption) {
		t.Errorf("skip_lines -1: %v", err)
	}
}
