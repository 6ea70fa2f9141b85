// Command acimport bulk-imports customer profiles from CSV files into an
// Altcraft platform. Run "acimport --help" for the commands.
package main

import (
	_ "time/tzdata" // datetime fields name IANA zones; embed them for machines without zoneinfo

	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
