// Command acimport bulk-imports customer profiles from CSV files into an
// Altcraft platform. Run "acimport --help" for the commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
	_ "time/tzdata" // datetime fields name IANA zones; embed them for machines without zoneinfo
)

func main() {
	gcTuner = tuneGC
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal the run winds down; a second one ends the
		// process at once, with one line saying where that leaves the user.
		<-ctx.Done()
		again := make(chan os.Signal, 1)
		signal.Notify(again, os.Interrupt, syscall.SIGTERM)
		stop()
		<-again
		stderr := io.Writer(os.Stderr)
		if isTerminal(os.Stderr) {
			fmt.Fprintln(os.Stderr) // off the progress bar's line
		} else if len(os.Args) > 1 && os.Args[1] == "import" {
			stderr = newImportReport(os.Args[2:], time.Now()).stderrFor(os.Stderr)
		}
		fmt.Fprint(stderr, secondSignalText(os.Args[1:]))
		os.Exit(exitInterrupted)
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// tuneGC trades memory an import does not need for CPU it does: the live heap
// of an import is a few MiB, so collecting at 5× it, under a 48 MiB soft limit,
// saves most of the GC work of sending. GOGC or GOMEMLIMIT in the environment win.
// cmdImport calls it once its flags are parsed, and only for an import that
// sends: check's figure must not depend on how long it runs, and an in-process
// sandbox holds every profile it stores, so under a 48 MiB soft limit the
// collector would run without end once the store outgrew it.
func tuneGC() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(48 << 20)
}
