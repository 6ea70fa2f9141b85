package main

import (
	"strings"
	"testing"

	"github.com/acimport/acimport/mapping"
)

func TestHelpMapping(t *testing.T) {
	code, stdout, stderr := runCmd(t, "", "help", "mapping")
	if code != exitOK || stdout != mapping.Reference || stderr != "" {
		t.Errorf("exit %d, stderr %q, stdout is the reference: %v", code, stderr, stdout == mapping.Reference)
	}
	code, stdout, _ = runCmd(t, "", "help")
	if code != exitOK || !strings.Contains(stdout, "acimport init") || !strings.Contains(stdout, `"help mapping": the mapping file reference`) {
		t.Errorf("help: exit %d\n%s", code, stdout)
	}
}

// Every command's --help lists its flags with each default written once, and the commands that
// take a mapping point to its reference.
func TestCommandHelp(t *testing.T) {
	for _, cmd := range []string{"import", "check", "init", "sandbox"} {
		t.Run(cmd, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, "", cmd, "--help")
			if code != exitOK || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if _, same, _ := runCmd(t, "", "help", cmd); same != stdout {
				t.Errorf("acimport help %s differs from acimport %s --help", cmd, cmd)
			}
			if cmd != "sandbox" && !strings.Contains(stdout, "acimport help mapping") {
				t.Errorf("--help does not point to acimport help mapping:\n%s", stdout)
			}
			for _, line := range strings.Split(stdout, "\n") {
				if strings.Count(line, "default") > 1 {
					t.Errorf("a default written twice: %s", line)
				}
			}
		})
	}
	_, stdout, _ := runCmd(t, "", "import", "--help")
	for _, want := range []string{"--max-rejects N ", "0 = no limit"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("import --help lacks %q", want)
		}
	}
}
