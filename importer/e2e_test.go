package importer

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acimport/acimport/importer/sandbox"
	"github.com/acimport/acimport/mapping"
)

// TestImportIntoFaultySandbox imports a few thousand generated rows into a
// sandbox that fails, drops connections and rate-limits, and checks that
// nothing is lost or doubled: every valid row is stored with its values, every
// invalid row is in the reject file exactly once.
func TestImportIntoFaultySandbox(t *testing.T) {
	const rows = 3000
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{
		Token: testToken, DBs: []int{5}, FailRate: 0.1, DropRate: 0.02, LimitRPS: 1500, Seed: 7,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()

	var in bytes.Buffer
	in.WriteString("Email;Name;Id\n")
	invalid := map[int]bool{} // by line
	for i := range rows {
		line := i + 2
		switch {
		case i%37 == 0:
			fmt.Fprintf(&in, "user%d@example;Имя %d;%d\n", i, i, i) // bad email
			invalid[line] = true
		case i%41 == 0:
			fmt.Fprintf(&in, "user%d@example.com;Имя %d;x%d\n", i, i, i) // bad int
			invalid[line] = true
		default:
			fmt.Fprintf(&in, "user%d@example.com;\"Имя; %d\";%d\n", i, i, i)
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "gen.csv")
	if err := os.WriteFile(path, in.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := mapping.Parse(strings.NewReader(testMapping), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Import(context.Background(), Config{
		Mapping: m, Files: []string{path}, URL: sb.URL, Token: testToken,
		Workers: 16, Retries: 12, Timeout: 5 * time.Second,
		backoff: backoff{base: time.Millisecond, max: 20 * time.Millisecond, retryAfterMax: 20 * time.Millisecond},
	})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if sum.RowsRead != rows || sum.Imported+sum.Rejected != rows || sum.Rejected != int64(len(invalid)) {
		t.Fatalf("summary %+v; want %d rows, %d rejected", sum, rows, len(invalid))
	}
	if st := sb.Server.Stats(); st.Faults == 0 {
		t.Fatalf("the sandbox injected no faults: %+v", st)
	}

	stored := map[string]sandbox.Profile{}
	for _, p := range sb.Server.Profiles() {
		email, _ := p.Data["email"].(string)
		if _, dup := stored[email]; dup {
			t.Errorf("profile %s stored twice", email)
		}
		stored[email] = p
	}
	for i := range rows {
		if invalid[i+2] {
			continue
		}
		email := fmt.Sprintf("user%d@example.com", i)
		p, ok := stored[email]
		if !ok {
			t.Errorf("row %d (%s) is not stored", i+2, email)
			continue
		}
		if p.Data["_fname"] != fmt.Sprintf("Имя; %d", i) || fmt.Sprint(p.Data["CRM_ID"]) != strconv.Itoa(i) {
			t.Errorf("row %d stored with wrong values: %v", i+2, p.Data)
		}
	}
	if len(stored) != rows-len(invalid) {
		t.Errorf("%d profiles stored, want %d", len(stored), rows-len(invalid))
	}

	f, err := os.Open(filepath.Join(dir, "gen.rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comma = ';'
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, r := range recs[1:] {
		line, _ := strconv.Atoi(r[3])
		if seen[line] {
			t.Errorf("line %d rejected twice", line)
		}
		seen[line] = true
		if !invalid[line] || r[4] != "invalid_value" {
			t.Errorf("unexpected reject %v", r)
		}
	}
	if len(seen) != len(invalid) {
		t.Errorf("%d rows in the reject file, want %d", len(seen), len(invalid))
	}
}
