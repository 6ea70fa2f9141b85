package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/pflag"

	"github.com/acimport/acimport/importer"
	"github.com/acimport/acimport/mapping"
)

// Exit codes, as the README documents them for scripts.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitRejected    = 3
	exitRefused     = 4
	exitInterrupted = 130
)

// usageErrorf is a mistake in the command line (or in the configuration it gives): exit code 2.
// It matches importer.ErrUsage, the one classification of usage errors, and reads as its message.
func usageErrorf(format string, args ...any) error {
	return importer.Mark(importer.ErrUsage, fmt.Errorf(format, args...))
}

// errRejected is a finished run with rejected (or, for check, invalid) rows.
var errRejected = errors.New("some rows were rejected")

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

const usageText = `acimport bulk-imports customer profiles from CSV files into an Altcraft platform.

Usage:
  acimport import  -m MAPPING [flags] FILE...   import CSV files ("-" = standard input)
  acimport check   -m MAPPING [flags] FILE...   validate every row locally; sends nothing
  acimport init    [-o MAPPING] [--force] FILE  write a starting mapping for FILE, guessed from its rows
  acimport sandbox [--listen ADDR] [flags]      run a local Altcraft-compatible API for rehearsals
  acimport help    [mapping|COMMAND]            this text; "help mapping": the mapping file reference
  acimport version

Run "acimport COMMAND --help" for a command's flags, "acimport help mapping" for every key
of the mapping file. To start: acimport init FILE, then acimport check -m mapping.yaml FILE,
then acimport import --sandbox -m mapping.yaml FILE to rehearse.

Exit codes: 0 all rows imported (check: all valid); 1 the run stopped (bad mapping or
input, I/O error, run-wide API error, --max-rejects exceeded); 2 usage error; 3 finished
with rejected rows (check: invalid rows); 4 refused to start (another run is working
on these files, or an unfinished run's state stands in the way); 130 interrupted.
`

// secondSignalText is the one line a second Ctrl-C prints before the process ends at once. An
// import's state file is consistent at every instant (it survives kill -9), so --resume continues.
func secondSignalText(args []string) string {
	if len(args) > 0 && args[0] == "import" {
		return "acimport: stopped at once; the state file is consistent: run the same command with --resume to continue\n"
	}
	return "acimport: stopped at once\n"
}

// run is the whole program but for the process: tests call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	if args[0] == "import" {
		stderr = logStderr(stderr)
	}
	var err error
	switch args[0] {
	case "import":
		err = cmdImport(ctx, args[1:], stdin, stdout, stderr)
	case "check":
		err = cmdCheck(ctx, args[1:], stdin, stdout, stderr)
	case "sandbox":
		err = cmdSandbox(ctx, args[1:], stdout, stderr)
	case "init":
		err = cmdInit(args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "acimport", buildVersion())
	case "help", "-h", "--help":
		err = cmdHelp(ctx, args[1:], stdin, stdout, stderr)
	default:
		err = usageErrorf("unknown command %q (commands: import, check, init, sandbox, help, version)", args[0])
	}
	code := exitCode(err)
	switch {
	case err == nil, errors.Is(err, pflag.ErrHelp), errors.Is(err, errRejected):
	case code == exitUsage:
		fmt.Fprintf(stderr, "acimport: %v\nRun \"acimport --help\" for usage.\n", err)
	case code == exitInterrupted:
		fmt.Fprintln(stderr, "acimport: interrupted")
	default:
		fmt.Fprintf(stderr, "acimport: %v\n", err)
	}
	return code
}

// exitCode is the one place that turns errors into exit codes.
func exitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, pflag.ErrHelp):
		return exitOK
	case errors.Is(err, importer.ErrInterrupted):
		return exitInterrupted
	case errors.Is(err, errRejected):
		return exitRejected
	case errors.Is(err, importer.ErrRefused):
		return exitRefused
	case errors.Is(err, importer.ErrUsage):
		return exitUsage
	default:
		// The run stopped: *altcraft.APIError, *send.APIDownError, *send.OutageError, *send.ThrottledError,
		// importer.ErrTooManyRejects, importer.ErrInput, mapping and I/O errors.
		return exitFailed
	}
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// parseFlags parses a command's flags; a flag error is a usage error.
func parseFlags(fs *pflag.FlagSet, args []string, stdout io.Writer, usage string) error {
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(stdout, "%s\n\nFlags:\n%s", usage, fs.FlagUsages())
			return err
		}
		return usageErrorf("%s: %v", fs.Name(), err)
	}
	return nil
}

// loadMapping reads the mapping file named by -m.
func loadMapping(path string) (*mapping.Mapping, error) {
	if path == "" {
		return nil, usageErrorf("-m/--mapping FILE is required")
	}
	return mapping.Load(path)
}

// readToken takes the API token from --token-file or ALTCRAFT_TOKEN: never from
// argv, where ps and shell history would show it.
func readToken(file string, stderr io.Writer) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("read --token-file: %w", err)
		}
		if st, err := os.Stat(file); err == nil && st.Mode().Perm()&0o077 != 0 {
			// As ssh does for keys: say it, but do not refuse a working setup.
			fmt.Fprintf(stderr, "warning: the token file %s is accessible by other users (mode %04o); run: chmod 600 %s\n", file, st.Mode().Perm(), file)
		}
		t := strings.TrimSpace(string(b))
		if t == "" {
			// The same mistake as no token at all, so the same exit code.
			return "", usageErrorf("no API token: the --token-file %s is empty; put the token in it, or set ALTCRAFT_TOKEN", file)
		}
		return t, nil
	}
	return strings.TrimSpace(os.Getenv("ALTCRAFT_TOKEN")), nil
}
