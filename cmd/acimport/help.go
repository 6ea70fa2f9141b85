package main

import (
	"context"
	"fmt"
	"io"

	"github.com/acimport/acimport/mapping"
)

// helpPointer ends the usage of the commands that take a mapping.
const helpPointer = `

The mapping file's reference (every key, type, format, matching mode): acimport help mapping`

// cmdHelp prints the commands, the mapping reference, or a command's --help.
func cmdHelp(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usageText)
		return nil
	}
	if len(args) > 1 {
		return usageErrorf("help takes one topic, got %d: %q", len(args), args)
	}
	help := []string{"--help"}
	switch args[0] {
	case "mapping":
		fmt.Fprint(stdout, mapping.Reference)
		return nil
	case "import":
		return cmdImport(ctx, help, stdin, stdout, stderr, nil)
	case "check":
		return cmdCheck(ctx, help, stdin, stdout, stderr)
	case "init":
		return cmdInit(help, stdout, stderr)
	case "sandbox":
		return cmdSandbox(ctx, help, stdout, stderr)
	}
	return usageErrorf("no help topic %q (topics: mapping, import, check, init, sandbox)", args[0])
}
