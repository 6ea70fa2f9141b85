package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/acimport/acimport/internal/shellquote"
	"github.com/acimport/acimport/mapping"
	"github.com/acimport/acimport/mapping/guess"
)

const initUsage = `Usage: acimport init [-o MAPPING] [--force] FILE

Writes a starting mapping for the CSV FILE, guessed from its header and its first rows:
the encoding and the delimiter, which columns are email, phones, names, birthday,
gender, city..., and each column's type (a date's format, a phone's region). Columns
that are no system field are written as custom fields, commented out. Comments in the
file say what was guessed and why. It never overwrites a file unless --force is given.

Then check the file with the mapping: acimport check -m MAPPING FILE
The mapping file reference: acimport help mapping`

func cmdInit(args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("init", pflag.ContinueOnError)
	var (
		out   string
		force bool
		rows  int
	)
	fs.StringVarP(&out, "output", "o", "mapping.yaml", `the mapping file to write ("-" = standard output)`)
	fs.BoolVar(&force, "force", false, "overwrite the mapping file if it exists")
	fs.IntVar(&rows, "sample", guess.DefaultSampleRows, "how many rows the types are guessed from")
	if err := parseFlags(fs, args, stdout, initUsage); err != nil {
		return err
	}
	switch {
	case fs.NArg() != 1:
		return usageErrorf("init takes one CSV FILE, got %d arguments", fs.NArg())
	case fs.Arg(0) == "-":
		return usageErrorf("init needs a file, not standard input: check reads it again afterwards")
	case rows < 1:
		return usageErrorf("--sample must be at least 1")
	}
	file := fs.Arg(0)
	if out != "-" && !force {
		if _, err := os.Stat(out); err == nil {
			return fmt.Errorf("%s already exists: give --force to overwrite it, or -o to write another file", out)
		}
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("open the CSV file: %w", err)
	}
	defer f.Close()
	g, err := guess.Guess(f, file, guess.Options{SampleRows: rows})
	if err != nil {
		return err
	}
	text := g.YAML(checkCommand(out, g.File))
	// A written mapping that does not parse is a file the user cannot use: say what it needs.
	_, parseErr := mapping.Parse(bytes.NewReader(text), out)
	if out == "-" {
		if _, err := stdout.Write(text); err != nil {
			return fmt.Errorf("write the mapping: %w", err)
		}
	} else if err := writeNew(out, text, force); err != nil {
		return err
	}
	report := stdout
	if out == "-" {
		report = stderr
	}
	describeGuess(report, g, out)
	if parseErr != nil {
		fmt.Fprintf(stderr, "the mapping needs one more thing from you before check passes:\n%v\n", parseErr)
	}
	return nil
}

// writeNew writes a file that must not exist yet, unless force; with force it replaces the file
// whole (never half-written: through a temporary file and a rename).
func writeNew(path string, data []byte, force bool) error {
	if !force {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists: give --force to overwrite it, or -o to write another file", path)
		}
		if err != nil {
			return fmt.Errorf("write the mapping: %w", err)
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return fmt.Errorf("write the mapping %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("write the mapping %s: %w", path, err)
		}
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".acimport-init-*")
	if err != nil {
		return fmt.Errorf("write the mapping: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing left to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write the mapping %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write the mapping %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write the mapping %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write the mapping: %w", err)
	}
	return nil
}

// describeGuess tells the user what init found and what to run next.
func describeGuess(w io.Writer, g *guess.Mapping, out string) {
	delim := fmt.Sprintf("%q", g.Delimiter)
	if g.Delimiter == '\t' {
		delim = "tab"
	}
	where := out
	if out == "-" {
		where = "standard output"
	}
	fmt.Fprintf(w, "wrote the mapping for %s to %s: encoding %s, delimiter %s, %d columns, types from %d rows\n",
		g.File, where, g.Encoding, delim, len(g.Columns), g.Rows)
	var custom []string
	for _, c := range g.Columns {
		switch {
		case c.Custom || c.Skip:
			custom = append(custom, fmt.Sprintf("%q", c.Name))
		default:
			detail := c.Type
			switch c.Type {
			case "date", "datetime":
				detail += " " + c.Format
			case "phone":
				if c.Region != "" {
					detail += " " + c.Region
				} else {
					detail += ", no region: see its comment"
				}
			}
			fmt.Fprintf(w, "  %-12s ← %q (%s)\n", c.Field, c.Name, detail)
		}
	}
	if len(custom) > 0 {
		fmt.Fprintf(w, "  commented out, as custom fields to check: %s\n", strings.Join(custom, ", "))
	}
	if g.SkipLines > 0 {
		fmt.Fprintf(w, "  the header is line %d: skip_lines: %d passes over the lines above it\n", g.SkipLines+1, g.SkipLines)
	}
	if s := g.Subscription; s != nil {
		status := s.StatusConst
		if s.StatusColumn != "" {
			status = fmt.Sprintf("read from the column %q", s.StatusColumn)
		}
		fmt.Fprintf(w, "  subscriptions: status %s; set each resource_id to your resource's id\n", status)
	}
	if g.Matching == "" {
		fmt.Fprintln(w, "no email or phone column: set matching in the mapping to the key that identifies a profile")
	} else {
		fmt.Fprintf(w, "profiles are matched by %s; set db_id to your database's id\n", g.Matching)
	}
	if out == "-" {
		out = "MAPPING"
	}
	fmt.Fprintf(w, "next, check every row with it:\n  %s\n", checkCommand(out, g.File))
}

// checkCommand is the command that checks file with the mapping at path, which init
// tells to run next: in the mapping's first lines and on its own output.
func checkCommand(path, file string) string {
	return shellquote.Join([]string{"acimport", "check", "-m", path, file})
}
