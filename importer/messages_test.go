package importer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The zero Config.MaxRejects is no limit: every invalid row is rejected, the run finishes.
func TestImportMaxRejectsZeroIsNoLimit(t *testing.T) {
	var rows strings.Builder
	rows.WriteString("Email;Name;Id\n")
	for i := range 50 {
		fmt.Fprintf(&rows, "u%d@example.com;U;x%d\n", i, i) // every Id is invalid
	}
	srv := newAPIServer(t, nil)
	sum, _, err := runImport(t, srv.URL, rows.String(), nil)
	if err != nil || sum.Rejected != 50 {
		t.Fatalf("err = %v, rejected %d; want nil and 50", err, sum.Rejected)
	}
}

// --max-rejects says that rows in flight may add a few rejects past the limit.
func TestImportMaxRejectsMessage(t *testing.T) {
	var rows strings.Builder
	rows.WriteString("Email;Name;Id\n")
	for i := range 100 {
		fmt.Fprintf(&rows, "u%d@example.com;U;x%d\n", i, i)
	}
	srv := newAPIServer(t, nil)
	_, dir, err := runImport(t, srv.URL, rows.String(), func(c *Config) { c.MaxRejects = 3 })
	want := "more than 3 rows rejected (--max-rejects 3); rows already in flight were still settled, so the reject file " +
		filepath.Join(dir, "in.rejects.csv") + " may hold a few more"
	if !errors.Is(err, ErrTooManyRejects) || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

// Sentinels classify errors without prefixing their messages, and output files' failures are
// not input errors.
func TestErrorMessagesHaveNoSentinelWords(t *testing.T) {
	srv := newAPIServer(t, nil)
	dir := t.TempDir()
	_, _, err := runImport(t, srv.URL, "Email;Name;Id\n", func(c *Config) { c.Files = []string{filepath.Join(dir, "x.csv")} })
	if want := "open " + filepath.Join(dir, "x.csv") + ": no such file or directory"; !errors.Is(err, ErrInput) || err.Error() != want {
		t.Errorf("missing input: %v, want ErrInput reading %q", err, want)
	}
	_, _, err = runImport(t, srv.URL, "Email;Name;Id\n", func(c *Config) { c.RejectPath = filepath.Join(dir, "no", "such", "dir", "r.csv") })
	if err == nil || errors.Is(err, ErrInput) || strings.Contains(err.Error(), "input") || !strings.HasPrefix(err.Error(), "reject file: ") {
		t.Errorf("reject file in a missing directory: %v, want a reject file error that is no input error", err)
	}
	_, _, err = runImport(t, srv.URL, "Email;Name;Id\n", func(c *Config) { c.Token = "" })
	if want := "no API token: set ALTCRAFT_TOKEN or give --token-file"; !errors.Is(err, ErrUsage) || err.Error() != want {
		t.Errorf("no token: %v, want ErrUsage reading %q", err, want)
	}
	os.RemoveAll(dir)
}
