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
// of import and check is a few MiB, so collecting at 5× it (bounded to 48 MiB
// by a soft limit) saves most of the GC work. The sandbox holds every profile
// it stores, so it gets the higher percentage but no limit. GOGC or GOMEMLIMIT
// in the environment win.
func tuneGC(args []string) {
	if os.Getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(400)
	if os.Getenv("GOMEMLIMIT") == "" && (len(args) == 0 || args[0] != "sandbox") {
		debug.SetMemoryLimit(48 << 20)
	}
}
