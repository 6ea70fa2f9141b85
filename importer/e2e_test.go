package importer

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acimport/acimport/importer/send"
	"github.com/acimport/acimport/internal/testutil"
	"github.com/acimport/acimport/mapping"
	"github.com/acimport/acimport/sandbox"
)

// TestImportIntoFaultySandbox imports a few thousand generated rows into a
// sandbox that fails, drops connections and rate-limits, and checks that
// nothing is lost or doubled: every valid row is stored with its values, every
// invalid row is in the reject file exactly once.
func TestImportIntoFaultySandbox(t *testing.T) {
	const rows = 3000
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{
		Token: testToken, DBs: []int{1}, FailRate: 0.1, DropRate: 0.02, LimitRPS: 1500, Seed: 7,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()

	gen := testutil.Customers{Rows: rows, Comma: ';', Invalid: func(i int) bool { return i%37 == 0 || i%41 == 0 }}
	dir := t.TempDir()
	path := filepath.Join(dir, "gen.csv")
	invalid := gen.Write(t, path)
	m, err := mapping.Parse(strings.NewReader(testutil.Mapping(';')), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Import(context.Background(), Config{
		Mapping: m, Files: []string{path}, URL: sb.URL, Token: testToken,
		Workers: 16, Retries: 12, Timeout: 5 * time.Second,
		tuning: send.Tuning{Backoff: send.Backoff{Base: time.Millisecond, Max: 20 * time.Millisecond, RetryAfterMax: 20 * time.Millisecond}},
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
	stored := map[string]map[string]any{}
	profiles := sb.Server.Profiles()
	for _, p := range profiles {
		email, _ := p.Data["email"].(string)
		stored[email] = p.Data
	}
	gen.CheckStored(t, stored, len(profiles), invalid)
	gen.CheckRejectedOnce(t, filepath.Join(dir, "gen.rejects.csv"), invalid, "invalid_value")
}
