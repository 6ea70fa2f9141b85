// Package testutil holds what the tests of several packages share: golden files with an
// -update flag, a generator of customer CSV files with known invalid rows, and the checker that
// every row of such a file came out exactly once: stored with its values, or rejected.
//
// It depends on the standard library only, and on excelize to write test workbooks (workbook.go),
// so that any package's tests may use it.
package testutil

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Golden compares got with the golden file at path, or with -update rewrites the file.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update if the change is intended):\n got %q\nwant %q", path, got, want)
	}
}

// GoldenName is testdata/<test name><ext>, the test's name made a file name.
func GoldenName(t testing.TB, ext string) string {
	return filepath.Join("testdata", strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+ext)
}

// Customers is a generated customer file: columns email, name, id; the name holds the
// delimiter, so every such cell is quoted. Rows whose index Invalid says are invalid have an
// id that is not an integer (and so are rejected invalid_value by the mapping Mapping).
type Customers struct {
	Rows    int
	Comma   rune             // the delimiter; 0 means ','
	Invalid func(i int) bool // nil: every 20th row, from the 8th
}

// Mapping is the mapping of a Customers file with delimiter comma.
func Mapping(comma rune) string {
	if comma == 0 {
		comma = ','
	}
	return fmt.Sprintf("db_id: 1\ncsv: { delimiter: %q }\nfields:\n  email:  { column: email, type: email }\n  _fname: name\n  CRM_ID: { column: id, type: int }\n", string(comma))
}

func (c Customers) comma() rune {
	if c.Comma == 0 {
		return ','
	}
	return c.Comma
}

func (c Customers) invalid(i int) bool {
	if c.Invalid == nil {
		return i%20 == 7
	}
	return c.Invalid(i)
}

// Email is row i's address; Name its name.
func Email(i int) string { return fmt.Sprintf("user%d@example.com", i) }

// Name is row i's name: it holds the delimiter.
func (c Customers) Name(i int) string { return fmt.Sprintf("Имя%c %d", c.comma(), i) }

// Write writes the file to path and returns the lines (1-based, the header is 1) of the
// invalid rows.
func (c Customers) Write(t testing.TB, path string) map[int]bool {
	t.Helper()
	var b bytes.Buffer
	d := string(c.comma())
	b.WriteString("email" + d + "name" + d + "id\n")
	invalid := map[int]bool{}
	for i := range c.Rows {
		id := strconv.Itoa(i)
		if c.invalid(i) {
			id = "x" + id
			invalid[i+2] = true
		}
		fmt.Fprintf(&b, "%s%s%q%s%s\n", Email(i), d, c.Name(i), d, id)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return invalid
}

// CheckStored checks that every valid row of c is stored once with its values: stored maps
// each profile's email to its data, and count is how many profiles there are.
func (c Customers) CheckStored(t testing.TB, stored map[string]map[string]any, count int, invalid map[int]bool) {
	t.Helper()
	for i := range c.Rows {
		if invalid[i+2] {
			continue
		}
		data, ok := stored[Email(i)]
		if !ok {
			t.Errorf("line %d (%s) was never stored", i+2, Email(i))
			continue
		}
		if data["_fname"] != c.Name(i) || fmt.Sprint(data["CRM_ID"]) != strconv.Itoa(i) {
			t.Errorf("line %d stored with wrong values: %v", i+2, data)
		}
	}
	if want := c.Rows - len(invalid); count != want || len(stored) != want {
		t.Errorf("%d profiles stored (%d distinct emails), want %d", count, len(stored), want)
	}
}

// CheckRejectedOnce checks the reject file at path holds every invalid line exactly once, with
// code, and nothing else; a torn line fails the CSV reading.
func (c Customers) CheckRejectedOnce(t testing.TB, path string, invalid map[int]bool, code string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comma = c.comma()
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("the reject file is damaged: %v", err)
	}
	seen := map[int]int{}
	for _, r := range recs[1:] {
		line, _ := strconv.Atoi(r[3])
		seen[line]++
		if !invalid[line] || r[4] != code {
			t.Errorf("unexpected reject row %v", r)
		}
	}
	for line := range invalid {
		if seen[line] != 1 {
			t.Errorf("line %d is in the reject file %d times", line, seen[line])
		}
	}
}
