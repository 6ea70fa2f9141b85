package importer

// Commands are the command lines that a run's messages advise: run again, resume,
// start over, re-send the reject file. The caller builds them, finished and quoted
// for a shell, because only it knows how its command line is spelled (cmd/acimport
// builds them from the import command as typed); the importer only shows them.
//
// The zero value, for library callers, words each one as "the same command …".
type Commands struct {
	// Again is this run's command as it was given: to run it again once a cause is
	// fixed, or to start afresh. "": "the same command".
	Again string
	// Resume is this run's command continuing an interrupted run (--resume).
	// "": "the same command with --resume".
	Resume string
	// Auto is this run's command resuming when it can, else starting over with the old
	// state and reject file moved aside (--resume=auto). "": "the same command with --resume=auto".
	Auto string
	// Resend is the command that imports the given reject files, in place of the inputs,
	// with this run's settings but not its output files (they would be the files read).
	// Nil: "the same command with the reject file instead of the input (…)".
	Resend func(rejects []string) string
	// Continue is the command that resumes the run whose state file recorded the command
	// line recorded (its Record). Nil: the message tells to run that command again with --resume.
	Continue func(recorded []string) string
	// Record is this run's command line as its state file keeps it, for Continue to turn
	// into advice when another run meets that state. Nil: the state records none.
	Record []string
}

func (c Commands) again() string {
	if c.Again == "" {
		return "the same command"
	}
	return c.Again
}

func (c Commands) resume() string {
	if c.Resume == "" {
		return "the same command with --resume"
	}
	return c.Resume
}

func (c Commands) auto() string {
	if c.Auto == "" {
		return "the same command with --resume=auto"
	}
	return c.Auto
}

func (c Commands) resend(rejects []string) string {
	if c.Resend == nil {
		return "the same command with the reject file instead of the input (and without --reject, --results, --summary)"
	}
	return c.Resend(rejects)
}
