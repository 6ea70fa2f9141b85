package mapping

// Rewriting yaml.v3's syntax errors into messages with the right line.

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
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
