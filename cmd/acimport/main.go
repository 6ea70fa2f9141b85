// Command acimport bulk-imports customer profiles from CSV files into an
// Altcraft platform. Run "acimport --help" for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	_ "time/tzdata" // datetime fields name IANA zones; embed them for machines without zoneinfo
)

func main() {
	tuneGC(os.Args[1:])
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal the run winds down; a second one must end the
		// process at once, so hand the signals back to their default action.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// tuneGC trades memory an import does not need for CPU it does: the live heap
// of an import is a few MiB, so collecting at 5× it, under a 48 MiB soft limit,
// saves most of the GC work of sending. GOGC or GOMEMLIMIT in the environment win.
func tuneGC(args []string) {
	if !wantsGCTuning(args) || os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(48 << 20)
}

// wantsGCTuning: only import, and not import --sandbox. check's figure must not
// depend on how long it runs, and a sandbox holds every profile it stores: in
// the same process, a soft limit of 48 MiB would have the collector run
// without end once the store outgrew it.
func wantsGCTuning(args []string) bool {
	if len(args) == 0 || args[0] != "import" {
		return false
	}
	for _, a := range args[1:] {
		if a == "--" {
			break
		}
		if a == "--sandbox" || a == "--sandbox=true" {
			return false
		}
	}
	return true
}
