package csvio

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

func encodeTo(t testing.TB, cm *charmap.Charmap, s string) []byte {
	t.Helper()
	b, err := cm.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q to %v: %v", s, cm, err)
	}
	return b
}

// TestAutoEncoding: "auto" tells the code pages apart by which one reads the
// file as words, and says why; when it cannot tell, it stops and names
// those that fit.
func TestAutoEncoding(t *testing.T) {
	const (
		latin    = "Name;City;Note\nHélène;Paris;\nMüller;Köln;Größe\nJosé;São Paulo;ação\nFrançois;Besançon;\n"
		russian  = "Имя;Город;Телефон\nПетров Иван;Москва;+79001234567\nЁжикова Анна;Санкт-Петербург;\nСергей;Тула;\n"
		capitals = "ФАМИЛИЯ;ГОРОД\nИВАНОВ;МОСКВА\nПЕТРОВА;ТУЛА\nСИДОРОВ;ЕКАТЕРИНБУРГ\nКУЗНЕЦОВА;НОВОСИБИРСК\n"
		lower    = "имя;город\nиван;москва\nпетр;тула\nанна;казань\n"
	)
	tests := []struct {
		Name string
		In   []byte
		Want string // the encoding, or "" for ErrEncodingUnsure
		Why  string // a part of EncodingReason, or of the error
	}{
		{"windows-1252", encodeTo(t, charmap.Windows1252, latin+"Ça coûte 5 €;“quoted”;\n"), "windows-1252", `such as "Hélène"`},
		{"windows-1252 without its own bytes reads as iso-8859-1 too", encodeTo(t, charmap.Windows1252, latin), "windows-1252", "iso-8859-1 reads it the same"},
		{"iso-8859-1 names windows-1251 would garble", encodeTo(t, charmap.ISO8859_1, latin), "windows-1252", `windows-1251 would give "Hйlиne"`},
		{"windows-1251", encodeTo(t, charmap.Windows1251, russian), "windows-1251", `such as "Имя"`},
		{"koi8-r", encodeTo(t, charmap.KOI8R, russian), "koi8-r", `such as "Имя"`},
		{"windows-1251 in capitals", encodeTo(t, charmap.Windows1251, capitals), "windows-1251", "ФАМИЛИЯ"},
		{"koi8-r in capitals", encodeTo(t, charmap.KOI8R, capitals), "koi8-r", "ФАМИЛИЯ"},
		{"windows-1251 in lower case", encodeTo(t, charmap.Windows1251, lower), "windows-1251", "город"},
		{"koi8-r in lower case", encodeTo(t, charmap.KOI8R, lower), "koi8-r", "город"},
		{"windows-1251 Ukrainian", encodeTo(t, charmap.Windows1251, "Ім'я;Місто\nОлена;Київ\nЄвген;Львів\n"), "windows-1251", "Місто"},
		{"one letter cannot tell", []byte("a\n\xE9\n"), "", "reads as words in windows-1251"},
		{"no words at all", []byte("a\n\x85\xB9\n"), "", "none of"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.In), "in.csv", Options{Encoding: "auto", Delimiter: ";"})
			if tt.Want == "" {
				if !errors.Is(err, ErrEncodingUnsure) || !strings.Contains(err.Error(), tt.Why) || !strings.Contains(err.Error(), "encoding: ") {
					t.Fatalf("err = %v, want ErrEncodingUnsure holding %q", err, tt.Why)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Encoding() != tt.Want || !strings.Contains(r.EncodingReason(), tt.Why) {
				t.Errorf("Encoding() = %q (%s), want %q (holding %q)", r.Encoding(), r.EncodingReason(), tt.Want, tt.Why)
			}
		})
	}
}
