package altcraft

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func compress(t *testing.T, enc string, b []byte) []byte {
	t.Helper()
	var z bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	switch enc {
	case "gzip":
		w = gzip.NewWriter(&z)
	case "deflate":
		w = zlib.NewWriter(&z)
	case "raw deflate":
		w, _ = flate.NewWriter(&z, flate.DefaultCompression)
	}
	w.Write(b)
	w.Close()
	return z.Bytes()
}

// Answers are read as sent: compressed ones decoded whatever was asked; one that still cannot be
// read is an ambiguous failure (the platform may have applied the request), and its reason holds
// no raw binary.
func TestAnswerEncodings(t *testing.T) {
	ok := []byte(`{"error":0,"error_text":"Successful","profile_id":"p1"}`)
	tests := []struct {
		Name, Encoding string
		Body           []byte
		WantKind       Kind
		WantAmbiguous  bool
		WantReason     string
	}{
		{Name: "gzip unasked", Encoding: "gzip", Body: compress(t, "gzip", ok), WantKind: OK},
		{Name: "deflate (zlib)", Encoding: "deflate", Body: compress(t, "deflate", ok), WantKind: OK},
		{Name: "raw deflate", Encoding: "deflate", Body: compress(t, "raw deflate", ok), WantKind: OK},
		{Name: "gzip that is not", Encoding: "gzip", Body: []byte("\x1f\x8b\x08\x00garbage\x00\x01"), WantKind: Transient, WantAmbiguous: true, WantReason: "could not be read"},
		{Name: "unknown encoding", Encoding: "br", Body: []byte("\x00\x01\x02"), WantKind: Transient, WantAmbiguous: true, WantReason: `Content-Encoding "br"`},
		{Name: "binary without an encoding", Body: []byte("\x1f\x8b\x08\x00\x00\x00\xff\xfe garbage"), WantKind: Transient, WantAmbiguous: true, WantReason: `\x1f\x8b\x08\x00\x00\x00\xff\xfe garbage`},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.Encoding != "" {
					w.Header().Set("Content-Encoding", tc.Encoding)
				}
				w.Write(tc.Body)
			}))
			defer srv.Close()
			c, err := NewClient(Options{URL: srv.URL, Token: "t", Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			res := c.Send(context.Background(), Request{Method: MethodImport, Body: []byte(`{"db_id":1}`)})
			if res.Kind != tc.WantKind || res.Ambiguous != tc.WantAmbiguous || !strings.Contains(res.Reason, tc.WantReason) {
				t.Fatalf("result %+v: want kind %v, ambiguous %v, reason with %q", res, tc.WantKind, tc.WantAmbiguous, tc.WantReason)
			}
			if tc.WantKind == OK && res.ProfileID != "p1" {
				t.Errorf("profile id %q", res.ProfileID)
			}
			for _, r := range res.Reason {
				if r < 0x20 || r == 0x7f || r == '\uFFFD' {
					t.Errorf("reason %q holds a raw control or invalid byte", res.Reason)
				}
			}
		})
	}
}

func TestSnippet(t *testing.T) {
	tests := []struct{ Name, In, Want string }{
		{Name: "spaces folded", In: " a \n\t b  ", Want: "a b"},
		{Name: "NUL and controls escaped", In: "a\x00b\x1bc", Want: `a\x00b\x1bc`},
		{Name: "invalid UTF-8 escaped", In: "ok \xff\xfe", Want: `ok \xff\xfe`},
		{Name: "Cyrillic kept", In: "Ошибка", Want: "Ошибка"},
		{Name: "long cut", In: strings.Repeat("x", 300), Want: strings.Repeat("x", 200) + "…"},
		{Name: "long binary cut", In: strings.Repeat("\x00", 300), Want: strings.Repeat(`\x00`, 50) + "…"},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			if got := snippet([]byte(tc.In)); got != tc.Want {
				t.Errorf("snippet(%q) = %q, want %q", tc.In, got, tc.Want)
			}
		})
	}
}
