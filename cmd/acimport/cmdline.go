package main

import (
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/acimport/acimport/importer"
	"github.com/acimport/acimport/internal/shellquote"
)

// givenFlag is one flag of a command line as the user typed it: its words
// ("--reject" "x", "--reject=x", "-m" "x", "--no-progress") and the flag they set.
type givenFlag struct {
	name  string // the flag's long name
	words []string
}

// givenFlags splits args, already parsed by fs, into the flags as typed, in
// order, leaving out the positional arguments (the files). Which flag takes the
// next word as its value is pflag's own rule: a flag without NoOptDefVal, named
// without "=". Unlike a guess from the words, a value that looks like a flag or
// holds "=" stays the value it was.
func givenFlags(fs *pflag.FlagSet, args []string) []givenFlag {
	var out []givenFlag
	for i := 0; i < len(args); i++ {
		a := args[i]
		var f *pflag.Flag
		attached := false // the value is in the same word
		switch {
		case a == "--":
			return out // the rest are files
		case strings.HasPrefix(a, "--"):
			name, _, hasValue := strings.Cut(a[2:], "=")
			f, attached = fs.Lookup(name), hasValue
		case strings.HasPrefix(a, "-") && a != "-":
			// -m x, -mx, -m=x: pflag reads a value-taking shorthand's value from the rest of the word
			f, attached = fs.ShorthandLookup(a[1:2]), len(a) > 2
		default:
			continue // a file
		}
		if f == nil {
			continue // pflag refused the line before this is called
		}
		g := givenFlag{name: f.Name, words: []string{a}}
		if !attached && f.NoOptDefVal == "" && i+1 < len(args) {
			i++
			g.words = append(g.words, args[i])
		}
		out = append(out, g)
	}
	return out
}

// importCommands builds, once, every command line that an import's messages
// advise, from its command line as typed: args as given to "acimport import",
// parsed by fs, whose positional arguments are the files.
//
// Each keeps the user's flags in their order and spelling but --resume (which
// each sets as it needs); the state file records Again's words.
func importCommands(fs *pflag.FlagSet, args []string) importer.Commands {
	var flags []string
	var resend []string // the flags that do not name the run's own output files
	var anew []string   // the flags but --again, which Anew puts last
	for _, g := range givenFlags(fs, args) {
		if g.name != "again" && g.name != "resume" {
			anew = append(anew, g.words...)
		}
		switch g.name {
		case "resume":
			continue
		case "reject", "results", "summary":
		default:
			resend = append(resend, g.words...)
		}
		flags = append(flags, g.words...)
	}
	line := func(flags []string, extra string, files []string) []string {
		out := append([]string{"acimport", "import"}, flags...)
		if extra != "" {
			out = append(out, extra)
		}
		return append(out, files...)
	}
	files := fs.Args()
	record := line(flags, "", files)
	return importer.Commands{
		Again:  shellquote.Join(record),
		Resume: shellquote.Join(line(flags, "--resume", files)),
		Auto:   shellquote.Join(line(flags, "--resume=auto", files)),
		Anew:   shellquote.Join(line(anew, "--again", files)),
		Resend: func(rejects []string) string {
			return shellquote.Join(line(resend, "", rejects))
		},
		Continue: continueCommand,
		Record:   record,
	}
}

// continueCommand is the command that resumes the run whose state recorded the
// command line recorded ("acimport", "import", flags and files): --resume goes
// right after "import", where it reads as what the command is for.
func continueCommand(recorded []string) string {
	if len(recorded) < 2 {
		return shellquote.Join(append(slices.Clone(recorded), "--resume"))
	}
	return shellquote.Join(slices.Concat(recorded[:2], []string{"--resume"}, recorded[2:]))
}
