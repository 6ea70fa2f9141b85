package resume

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A record keeps the newest imports, and Find matches by bytes, mapping and
// platform, reading the whole input only for a likely match.
func TestDoneRecord(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("email\na@example.com\n"), 0o600)
	h, err := HashFile(in)
	if err != nil {
		t.Fatal(err)
	}
	path := DonePath(filepath.Join(dir, "in.rejects.csv"))
	if filepath.Base(path) != "in.rejects.done" {
		t.Fatalf("DonePath: %s", path)
	}
	for i := range doneKeep + 3 {
		d := Done{FinishedAt: time.Unix(int64(i), 0), URL: "https://x", Mapping: "other", Files: []DoneInput{h}}
		if i == doneKeep+2 {
			d.Mapping = "m"
		}
		if err := AddDone(path, d); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := LoadDone(path)
	if err != nil || len(rec.Imports) != doneKeep {
		t.Fatalf("%d imports kept (%v), want %d", len(rec.Imports), err, doneKeep)
	}
	id, _ := Identify([]string{in}, "")
	reads := 0
	whole := func() (string, error) { reads++; return h.Sum, nil }
	if d, _ := rec.Find("https://x", "m", id.Files[0], whole); d == nil || d.FinishedAt.Unix() != doneKeep+2 {
		t.Errorf("Find: %+v", d)
	}
	if d, _ := rec.Find("https://y", "m", id.Files[0], whole); d != nil {
		t.Error("an import into another platform matched")
	}
	other := id.Files[0]
	other.Size++
	reads = 0
	if d, _ := rec.Find("https://x", "m", other, whole); d != nil || reads != 0 {
		t.Errorf("a file of another size matched (%v) or was read whole (%d)", d, reads)
	}
}

// BenchmarkHashFile is what proving a likely repeat costs before the first
// request: one streaming read and SHA-256 of the whole input (b.SetBytes: MB/s).
func BenchmarkHashFile(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.csv")
	row := []byte("user123456@example.com,Имя Фамилия 123456,123456\n")
	data := bytes.Repeat(row, (256<<20)/len(row))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		if _, err := HashFile(path); err != nil {
			b.Fatal(err)
		}
	}
}
