package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

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

// errAbandoned is a finished run that set aside, unsent, rows of an earlier
// unfinished one (--resume=auto): exit 3, so that cron alerts.
var errAbandoned = errors.New("rows of an earlier unfinished run were abandoned")

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
with rejected rows (check: invalid rows), or --resume=auto abandoned rows of an earlier
unfinished run; 4 refused to start (another run is working on these files, an unfinished
run's state stands in the way, or an identical import with non-idempotent changes
already completed: --again); 130 interrupted.
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
	var rep *importReport // an import accounts for itself on every exit
	if args[0] == "import" {
		rep = newImportReport(args[1:], time.Now())
		stderr = rep.stderrFor(stderr)
	}
	var err error
	switch args[0] {
	case "import":
		err = cmdImport(ctx, args[1:], stdin, stdout, stderr, rep)
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
	code, stop := outcome(err)
	switch {
	case err == nil, errors.Is(err, pflag.ErrHelp), errors.Is(err, errRejected), errors.Is(err, errAbandoned):
	case rep != nil && rep.log != nil:
		rep.log.Error(err.Error(), "exit_code", code, "stop_code", stop)
	case code == exitUsage:
		fmt.Fprintf(stderr, "acimport: %v\nRun \"acimport --help\" for usage.\n", err)
	case code == exitInterrupted:
		fmt.Fprintln(stderr, "acimport: interrupted")
	default:
		fmt.Fprintf(stderr, "acimport: %v\n", err)
	}
	if rep != nil {
		code = rep.finish(code, stop, err, stderr)
	}
	return code
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

// tokenModeWarning is the advice for a token file other users can read, one that can be
// followed where the file is: a Kubernetes secret volume (files that are symlinks into its
// ..data folder, on a read-only mount) cannot be chmod-ed; its mode is the volume's defaultMode.
func tokenModeWarning(file string, mode os.FileMode) string {
	if kubernetesSecret(file) {
		return fmt.Sprintf("warning: the token file %s is accessible by other users (mode %04o); it is a Kubernetes secret volume, which cannot be chmod-ed: "+
			"set defaultMode: 0400 on the volume's secret (and runAsUser or fsGroup in the pod's securityContext, so that the container's user can read it)\n", file, mode)
	}
	return fmt.Sprintf("warning: the token file %s is accessible by other users (mode %04o); run: chmod 600 %s\n", file, mode, file)
}

// kubernetesSecret says whether file is a key of a Kubernetes secret (or configMap) volume:
// a symlink beside a ..data symlink, the way the kubelet's atomic writer lays them out.
func kubernetesSecret(file string) bool {
	if st, err := os.Lstat(file); err != nil || st.Mode()&os.ModeSymlink == 0 {
		return false
	}
	st, err := os.Lstat(filepath.Join(filepath.Dir(file), "..data"))
	return err == nil && st.Mode()&os.ModeSymlink != 0
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
			fmt.Fprint(stderr, tokenModeWarning(file, st.Mode().Perm()))
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
