package layout

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/acimport/acimport/"

// TestFoldersStack lists every package's imports, its tests' included, with
// the go tool and fails on an import that runs back up the stack.
func TestFoldersStack(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}} {{join .TestImports \" \"}} {{join .XTestImports \" \"}}", module+"...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	// What each folder must not import (prefixes of the module's paths).
	forbidden := []struct{ from, to []string }{
		{from: []string{"mapping"}, to: []string{"importer", "sandbox", "cmd", "bench"}},
		{from: []string{"internal"}, to: []string{"importer", "mapping", "sandbox", "cmd", "bench"}},
		{from: []string{"sandbox"}, to: []string{"importer", "mapping", "cmd", "bench"}},
		{from: []string{"importer/send", "importer/resume"}, to: []string{"importer", "mapping", "sandbox", "cmd", "bench"}},
		{from: []string{"importer"}, to: []string{"cmd", "bench"}},
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, ok := strings.CutPrefix(fields[0], module)
		if !ok {
			continue
		}
		checked++
		for _, imp := range fields[1:] {
			dep, ok := strings.CutPrefix(imp, module)
			if !ok || dep == pkg {
				continue
			}
			for _, f := range forbidden {
				if !under(pkg, f.from) {
					continue
				}
				// A package may import its own sub-packages (importer/send/x).
				if under(dep, f.to) && !under(dep, []string{pkg}) {
					t.Errorf("%s imports %s: the folders stack cmd, bench → importer → mapping → internal, sandbox", pkg, dep)
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("go list named %d of the module's packages; the test reads its output wrongly:\n%s", checked, out)
	}
}

// under reports whether pkg is one of dirs or inside one of them.
func under(pkg string, dirs []string) bool {
	for _, d := range dirs {
		if pkg == d || strings.HasPrefix(pkg, d+"/") {
			return true
		}
	}
	return false
}
