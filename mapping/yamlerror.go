package mapping

// Rewriting yaml.v3's syntax errors into messages with the right line.

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlParserProblems are the problems yaml.v3's parser (not its scanner) reports; it numbers their
// lines from 0.
var yamlParserProblems = []string{
	"did not find expected ',' or ']'", "did not find expected ',' or '}'", "did not find expected '-' indicator",
	"did not find expected <document start>", "did not find expected <stream-start>", "did not find expected key",
	"did not find expected node content", "found duplicate %TAG directive", "found duplicate %YAML directive",
	"found incompatible YAML document", "found undefined tag handle",
}

// syntaxError returns the message of a yaml.v3 syntax error and its 1-based line.
func syntaxError(err error) (string, int) {
	msg, line := err.Error(), 0
	if sub := yamlLine.FindStringSubmatch(msg); sub != nil {
		line, _ = strconv.Atoi(sub[1])
		msg = msg[len(sub[0]):]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if slices.Contains(yamlParserProblems, msg) {
		line++
	}
	// yaml.v3 leaves the line out when it is the first one.
	return msg, max(line, 1)
}

// blockProblems are the syntax errors yaml.v3 reports at the line where the enclosing block
// starts, not where the problem is: a mis-indented line 16 under fields: is "line 9".
var blockProblems = []string{"did not find expected key", "did not find expected '-' indicator"}

// problemLine finds the line of a block problem that yaml.v3 reports at the start of its block
// (line): the first line from there whose addition makes the file fail to parse the same way.
// It returns msg and line unchanged when no such line is found.
func problemLine(data []byte, msg string, line int) (string, int) {
	if !slices.Contains(blockProblems, msg) {
		return msg, line
	}
	lines := yamlLines(data)
	var prefix []byte
	for i, l := range lines {
		prefix = append(append(prefix, l...), '\n')
		if i+1 <= line {
			continue
		}
		var n yaml.Node
		if err := yaml.Unmarshal(prefix, &n); err != nil {
			if m, _ := syntaxError(err); m == msg {
				return fmt.Sprintf("the line is not indented like the lines above it (%s; the block starts at line %d)", msg, line), i + 1
			}
		}
	}
	return msg, line
}
