package csvio

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/acimport/acimport/internal/testutil"
)

// rejectCodeReason is what the round-trip tests reject a record with.
func rejectCodeReason(rec *Record) (code, reason string) {
	if rec.Err != nil {
		return "csv", rec.Err.Error()
	}
	return "api_1", "Invalid data: " + rec.Fields[0]
}

func writeRejects(t *testing.T, r *Reader, recs []*Record) []byte {
	t.Helper()
	var b bytes.Buffer
	w := NewRejectWriter(&b, r)
	for _, rec := range recs {
		code, reason := rejectCodeReason(rec)
		if err := w.Write(rec, code, reason); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	return b.Bytes()
}

func TestRejectRoundTrip(t *testing.T) {
	tests := []struct {
		Name   string
		In     []byte
		Opt    Options
		Reject func(*Record) bool // which records to reject; nil: those with Err
		Want   string             // the reject file, when spelled out here too
	}{
		{
			Name: "utf-8 BOM CRLF semicolon",
			In:   []byte("\xEF\xBB\xBFE-mail;Имя;Note\r\na@x.ru;Аня;\"two\r\nlines; and \"\"quotes\"\"\"\r\nb@x.ru;Боря\r\n\r\nc@x.ru;\"Вера\";x\"y\r\nd@x.ru;Гоша;ok\r\ne@x.ru;Даша;last"),
			Opt:  Options{Delimiter: ";"},
			Reject: func(rec *Record) bool {
				return rec.Err != nil || rec.Fields[0] != "d@x.ru"
			},
			Want: "\xEF\xBB\xBFE-mail;Имя;Note;reject_line;reject_code;reject_reason\r\n" +
				"a@x.ru;Аня;\"two\r\nlines; and \"\"quotes\"\"\";2;api_1;Invalid data: a@x.ru\r\n" +
				"b@x.ru;Боря;4;csv;line 4: wrong number of fields: 2, the header has 3\r\n" +
				"c@x.ru;\"Вера\";x\"y;6;csv;\"line 6: field 3 \"\"Note\"\": bare \"\" in non-quoted-field\"\r\n" +
				"e@x.ru;Даша;last;8;api_1;Invalid data: e@x.ru\r\n",
		},
		{
			Name:   "windows-1251 tab LF",
			In:     cp1251(t, "Имя\tГород\nЁжик\tМосква\nЛиса\t\"Тула\tи область\"\nВолк\n"),
			Opt:    Options{Delimiter: "auto", Encoding: "auto"},
			Reject: func(*Record) bool { return true },
			Want: string(cp1251(t, "Имя\tГород\treject_line\treject_code\treject_reason\n"+
				"Ёжик\tМосква\t2\tapi_1\tInvalid data: Ёжик\n"+
				"Лиса\t\"Тула\tи область\"\t3\tapi_1\tInvalid data: Лиса\n"+
				"Волк\t4\tcsv\tline 4: wrong number of fields: 1, the header has 2\n")),
		},
		{
			Name:   "a reject file fed back in",
			In:     []byte("a|b|reject_line|reject_code|reject_reason\n1|\"x|y\"|7|api_1|old\n2|z|8|csv|\"line 8: bare \"\" in non-quoted-field\"\n3|q\"|9|csv|\"line 9: field 2 \"\"b\"\": bare \"\" in non-quoted-field\"\n4|w|5|6|10|csv|too many\n"),
			Opt:    Options{Delimiter: "auto"},
			Reject: func(*Record) bool { return true },
			Want: "a|b|reject_line|reject_code|reject_reason\n" +
				"1|\"x|y\"|7|api_1|Invalid data: 1\n" +
				"2|z|8|api_1|Invalid data: 2\n" +
				"3|q\"|9|csv|\"line 4: field 2 \"\"b\"\": bare \"\" in non-quoted-field\"\n" +
				"4|w|5|6|10|csv|line 5: wrong number of fields: 4, the header has 2\n",
		},
		{
			Name:   "reject columns not last",
			In:     []byte("reject_reason,a,b\nold,1,\"x,y\"\n"),
			Reject: func(*Record) bool { return true },
			Want:   "a,b,reject_line,reject_code,reject_reason\n1,\"x,y\",2,api_1,Invalid data: 1\n",
		},
		{
			Name: "no rejects",
			In:   []byte("a,b\r\n1,2\r\n"),
			Want: "a,b,reject_line,reject_code,reject_reason\r\n",
		},
		{
			Name: "header without line break",
			In:   []byte("a,b"),
			Want: "a,b,reject_line,reject_code,reject_reason\n",
		},
		{
			Name: "unterminated quote",
			In:   []byte("a,b\n1,2\n3,\"4\n5,6\n"),
			Want: "a,b,reject_line,reject_code,reject_reason\n3,\"4,3,csv,\"line 3: a quote opened on this line never closes; only this line is rejected, reading goes on at the next line\"\n",
		},
		{
			Name:   "Excel sep line",
			In:     []byte("\xEF\xBB\xBFsep=;\r\na;b\r\n1;2\r\n3\r\n"),
			Opt:    Options{Delimiter: ","},
			Reject: func(*Record) bool { return true },
			Want: "\xEF\xBB\xBFsep=;\r\na;b;reject_line;reject_code;reject_reason\r\n" +
				"1;2;3;api_1;Invalid data: 1\r\n" +
				"3;4;csv;line 4: wrong number of fields: 1, the header has 2\r\n",
		},
		{
			Name: "NUL byte",
			In:   []byte("a,b\n1,\x002\n3,4\n"),
			Want: "a,b,reject_line,reject_code,reject_reason\n1,\x002,2,csv,\"line 2: field 2 \"\"b\"\": NUL byte at byte 3 of the line; is the file UTF-16 or binary? save it as UTF-8 CSV\"\n",
		},
		{
			Name:   "delimiter inside the reject column names",
			In:     []byte("a_b_c\n1_2_3\n"),
			Opt:    Options{Delimiter: "_"},
			Reject: func(*Record) bool { return true },
			Want:   "a_b_c_\"reject_line\"_\"reject_code\"_\"reject_reason\"\n1_2_3_2_\"api_1\"_Invalid data: 1\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			reject := tt.Reject
			if reject == nil {
				reject = func(rec *Record) bool { return rec.Err != nil }
			}
			r1 := mustReader(t, tt.In, tt.Opt)
			var rejected []*Record
			for _, rec := range readAll(t, r1) {
				if reject(rec) {
					rejected = append(rejected, rec)
				}
			}
			gen1 := writeRejects(t, r1, rejected)
			checkGolden(t, gen1)
			if tt.Want != "" && string(gen1) != tt.Want {
				t.Errorf("reject file:\n%q\nwant\n%q", gen1, tt.Want)
			}

			// Read back, the reject file has the input's header and rows.
			r2 := mustReader(t, gen1, tt.Opt)
			if !slices.Equal(r2.Header(), r1.Header()) || r2.Comma() != r1.Comma() || r2.Encoding() != r1.Encoding() || r2.BOM() != r1.BOM() {
				t.Fatalf("read back: header %q comma %q encoding %q BOM %v; want %q %q %q %v",
					r2.Header(), r2.Comma(), r2.Encoding(), r2.BOM(), r1.Header(), r1.Comma(), r1.Encoding(), r1.BOM())
			}
			back := readAll(t, r2)
			if len(back) != len(rejected) {
				t.Fatalf("read back %d records, want %d", len(back), len(rejected))
			}
			for i, b := range back {
				o := rejected[i]
				if !slices.Equal(b.Fields, o.Fields) || !bytes.Equal(b.Raw, o.Raw) || (o.Err == nil) != (b.Err == nil) {
					t.Errorf("record %d read back = {%q %q %v}, want {%q %q %v}", i, b.Fields, b.Raw, b.Err, o.Fields, o.Raw, o.Err)
				}
				// Rejecting it again, as the same line with the same
				// reason, must give the same file: no duplicate columns.
				b.Line, b.Err = o.Line, o.Err
				if o.Err == nil {
					b.Fields = o.Fields
				}
			}
			if gen2 := writeRejects(t, r2, back); !bytes.Equal(gen2, gen1) {
				t.Errorf("rejecting the reject file again gives\n%q\nwant\n%q", gen2, gen1)
			}
		})
	}
}

// checkGolden compares got with testdata/<test name>.golden.csv, or with
// -update rewrites the file.
func checkGolden(t *testing.T, got []byte) {
	t.Helper()
	testutil.Golden(t, testutil.GoldenName(t, ".golden.csv"), got)
}

func TestRejectWriterValues(t *testing.T) {
	tests := []struct {
		Name         string
		In           []byte
		Opt          Options
		Code, Reason string
		Want         string
	}{
		{"plain", []byte("a\n1\n"), Options{}, "api_1", "bad", "a,reject_line,reject_code,reject_reason\n1,2,api_1,bad\n"},
		{"delimiter and quotes quoted", []byte("a\n1\n"), Options{}, "api_1", `say "no", twice`, "a,reject_line,reject_code,reject_reason\n1,2,api_1,\"say \"\"no\"\", twice\"\n"},
		{"line breaks become spaces", []byte("a\n1\n"), Options{}, "http_500", "bad\r\ngateway\nnow\r", "a,reject_line,reject_code,reject_reason\n1,2,http_500,bad gateway now \n"},
		{"leading space quoted", []byte("a\n1\n"), Options{}, "network", " reset", "a,reject_line,reject_code,reject_reason\n1,2,network,\" reset\"\n"},
		{"digit delimiter quotes the line", []byte("a\n5\n"), Options{Delimiter: "2"}, "x", "y", "a2reject_line2reject_code2reject_reason\n52\"2\"2x2y\n"},
		{"windows-1251 lacks a character", cp1251(t, "a\nё\n"), Options{Encoding: "windows-1251"}, "api_1", "нет 😀", string(cp1251(t, "a,reject_line,reject_code,reject_reason\nё,2,api_1,нет ?\n"))},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			r := mustReader(t, tt.In, tt.Opt)
			recs := readAll(t, r)
			var b bytes.Buffer
			w := NewRejectWriter(&b, r)
			if err := w.Write(recs[0], tt.Code, tt.Reason); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.Want {
				t.Errorf("got %q, want %q", b.String(), tt.Want)
			}
		})
	}
}

func TestRejectWriterHeaderOnce(t *testing.T) {
	r := mustReader(t, []byte("a\n1\n2\n"), Options{})
	recs := readAll(t, r)
	var b bytes.Buffer
	w := NewRejectWriter(&b, r)
	steps := []func() error{
		w.Flush,
		func() error { return w.Write(recs[0], "c", "r") },
		w.Flush,
		func() error { return w.Write(recs[1], "c", "r") },
		w.Flush,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	if want := "a,reject_line,reject_code,reject_reason\n1,2,c,r\n2,3,c,r\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestRejectWriterSkipHeader(t *testing.T) {
	r := mustReader(t, []byte("\xef\xbb\xbfa\n1\n"), Options{})
	recs := readAll(t, r)
	var b bytes.Buffer
	w := NewRejectWriter(&b, r)
	w.SkipHeader()
	if err := w.Write(recs[0], "c", "r"); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := "1,2,c,r\n"; b.String() != want {
		t.Errorf("appending to an existing reject file: got %q, want %q (no header, no BOM)", b.String(), want)
	}
}

type failWriter struct{}

var errDiskFull = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestRejectWriterError(t *testing.T) {
	r := mustReader(t, []byte("a\n1\n"), Options{})
	recs := readAll(t, r)
	w := NewRejectWriter(failWriter{}, r)
	if err := w.Flush(); !errors.Is(err, errDiskFull) {
		t.Errorf("Flush = %v, want disk full", err)
	}
	if err := w.Write(recs[0], "c", "r"); !errors.Is(err, errDiskFull) {
		t.Errorf("Write after a failure = %v, want the failure again", err)
	}
}

// TestRejectEveryWindows1251Byte checks each of the 256 byte values, 0x98
// (undefined in windows-1251) too, goes back to the reject file unchanged.
func TestRejectEveryWindows1251Byte(t *testing.T) {
	var field []byte
	for c := range 256 {
		switch c {
		case '\n', '\r', '"', ',', 0:
		default:
			field = append(field, byte(c))
		}
	}
	in := append(append([]byte("a,b\n1,"), field...), '\n')
	r := mustReader(t, in, Options{Encoding: "windows-1251"})
	recs := readAll(t, r)
	if len(recs) != 1 || recs[0].Err != nil {
		t.Fatalf("got %+v", recs)
	}
	var b bytes.Buffer
	w := NewRejectWriter(&b, r)
	if err := w.Write(recs[0], "c", "r"); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "a,b,reject_line,reject_code,reject_reason\n1," + string(field) + ",2,c,r\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
