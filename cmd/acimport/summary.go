package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/acimport/acimport/importer"
	"github.com/acimport/acimport/importer/send"
	"github.com/acimport/acimport/internal/altcraft"
	"github.com/acimport/acimport/mapping"
)

// Stop codes: the summary's stop_code, the machine-readable cause of a run that stopped or was
// refused (absent when it finished). outcome derives them from the errors' types, beside the
// exit code; the README lists them for alert routing.
const (
	stopUsage            = "usage"              // exit 2: a mistake in the command line or its configuration
	stopMapping          = "mapping"            // the mapping file is invalid, or does not fit an input's header
	stopInput            = "input"              // an input cannot be opened or read, or is not a CSV file
	stopTokenRefused     = "token_refused"      // the API answered 401: no token it takes
	stopNoAccess         = "no_access"          // the API answered 403: the token is invalid or has no rights to the database
	stopTariff           = "tariff"             // the API answered 402: the plan's limit is reached
	stopDatabaseNotFound = "database_not_found" // the API answered 404 for the database (db_id)
	stopAPIError         = "api_error"          // another run-wide API error
	stopWrongURL         = "wrong_url"          // --url (or the proxy) cannot be right: refused, no such host, plain http, no such method
	stopCertificate      = "certificate"        // the platform's TLS certificate is not trusted, or for another host
	stopAPIDown          = "api_down"           // every request failed before the API ever answered
	stopOutage           = "outage"             // the API stopped answering mid-run for longer than --outage-wait
	stopThrottled        = "throttled"          // 429s went on at the slowest pace: the platform or a proxy allows less than that
	stopTooManyRejects   = "too_many_rejects"   // --max-rejects exceeded
	stopInterrupted      = "interrupted"        // exit 130: SIGINT or SIGTERM
	stopStateRefused     = "state_refused"      // exit 4: another run holds the files, or an unfinished run's state stands in the way
	stopAlreadyImported  = "already_imported"   // exit 4: an identical non-idempotent import completed before (--again)
	stopIO               = "io"                 // any other failure: writing the reject, results, state or summary file
)

// importReport is what run needs to account for an import on every exit, usage errors
// included: the --summary, --metrics-file and --log-format of its command line, read from
// argv before the flags are parsed (so that `import --bogus --summary s.json` still replaces
// s.json), and what the import got to.
type importReport struct {
	summaryPath, metricsPath, logFormat string

	started time.Time
	files   []string // the inputs, once the flags are parsed
	dbID    int      // the mapping's database, once it is read; 0 before
	dryRun  bool     // --dry-run is check: no summary, no metrics
	sum     *importer.Summary

	log     *slog.Logger // nil for --log-format text
	metrics *metricsFile // nil without --metrics-file, or before the run starts
}

// newImportReport reads the report's flags from the import command's args.
func newImportReport(args []string, started time.Time) *importReport {
	r := &importReport{started: started, logFormat: logText}
	r.summaryPath = flagValue(args, "summary")
	r.metricsPath = flagValue(args, "metrics-file")
	if f := flagValue(args, "log-format"); f == logJSON {
		r.logFormat = logJSON
	}
	return r
}

// flagValue is the value of --name in args as pflag would read it ("--name V" or
// "--name=V", the last one given), or "" when it is not there; it stops at "--".
func flagValue(args []string, name string) string {
	v := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return v
		case a == "--"+name && i+1 < len(args):
			v = args[i+1]
			i++
		case strings.HasPrefix(a, "--"+name+"="):
			v = strings.TrimPrefix(a, "--"+name+"=")
		}
	}
	return v
}

// outcome is the one place that turns an error into the exit code and the stop code.
func outcome(err error) (code int, stop string) {
	var apiErr *altcraft.APIError
	switch {
	case err == nil, errors.Is(err, pflag.ErrHelp):
		return exitOK, ""
	case errors.Is(err, importer.ErrInterrupted):
		return exitInterrupted, stopInterrupted
	case errors.Is(err, errRejected):
		return exitRejected, ""
	case errors.Is(err, errAbandoned):
		return exitRejected, "" // finished: the summary's abandoned says what was set aside
	case errors.Is(err, importer.ErrAlreadyImported):
		return exitRefused, stopAlreadyImported
	case errors.Is(err, importer.ErrRefused):
		return exitRefused, stopStateRefused
	case errors.Is(err, importer.ErrUsage):
		return exitUsage, stopUsage
	case errors.As(err, &apiErr):
		return exitFailed, apiStopCode(apiErr.Code)
	}
	return exitFailed, failedStopCode(err)
}

// summary is the --summary of an import that ended with code and stop: the importer's
// summary when it made one, else one that says the run read nothing.
func (r *importReport) summary(code int, stop string, err error) *importer.Summary {
	sum := r.sum
	if sum == nil {
		sum = importer.FailedSummary(r.files, err)
	}
	sum.StartedAt, sum.FinishedAt = r.started.UTC().Truncate(time.Second), time.Now().UTC().Truncate(time.Second)
	sum.ExitCode, sum.StopCode, sum.Version = code, stop, buildVersion()
	if err != nil && code != exitRejected && sum.Stopped == "" {
		sum.Stopped = err.Error()
	}
	return sum
}

// finish accounts for the import on its way out: the summary file, the metrics file, the
// error and the summary as events with --log-format json. It returns the exit code, which
// a summary that cannot be written turns to 1.
func (r *importReport) finish(code int, stop string, err error, stderr io.Writer) int {
	if r.metrics != nil {
		r.metrics.stop()
	}
	if errors.Is(err, pflag.ErrHelp) || r.dryRun {
		return code
	}
	sum := r.summary(code, stop, err)
	if r.summaryPath != "" {
		if werr := sum.WriteFile(r.summaryPath); werr != nil {
			r.logError(stderr, werr, exitFailed, stopIO)
			code, sum.ExitCode = exitFailed, exitFailed
		}
	}
	if r.metricsPath != "" {
		m := r.metrics
		if m == nil {
			m = newMetricsFile(r.metricsPath, r.dbID)
		}
		if werr := m.final(sum); werr != nil {
			r.logError(stderr, werr, exitFailed, stopIO)
			code = exitFailed
		}
	}
	if r.log != nil {
		r.logSummary(sum)
	}
	return code
}

func (r *importReport) logError(stderr io.Writer, err error, code int, stop string) {
	if r.log != nil {
		r.log.Error(err.Error(), "exit_code", code, "stop_code", stop)
		return
	}
	fmt.Fprintf(stderr, "acimport: %v\n", err)
}

// logSummary is the summary as one event: the fields of the --summary JSON.
func (r *importReport) logSummary(sum *importer.Summary) {
	b, err := json.Marshal(sum)
	if err != nil {
		return
	}
	var fields map[string]any
	if json.Unmarshal(b, &fields) != nil {
		return
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	attrs := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		attrs = append(attrs, slog.Any(k, fields[k]))
	}
	level := slog.LevelInfo
	switch sum.ExitCode {
	case exitOK:
	case exitRejected, exitInterrupted:
		level = slog.LevelWarn
	default:
		level = slog.LevelError
	}
	r.log.Log(context.Background(), level, "summary", attrs...)
}

// stderrFor is the import's stderr: JSON events with --log-format json, else stamped lines
// (see logStderr).
func (r *importReport) stderrFor(stderr io.Writer) io.Writer {
	if r.logFormat == logJSON {
		r.log = newJSONLogger(stderr)
		return &slogLines{log: r.log}
	}
	return logStderr(stderr)
}

// apiStopCode is the stop code of a run-wide error answer of the API.
func apiStopCode(code int) string {
	switch altcraft.Code(code) {
	case altcraft.CodeTokenRequired:
		return stopTokenRefused
	case altcraft.CodeForbidden:
		return stopNoAccess
	case altcraft.CodeTariff:
		return stopTariff
	case altcraft.CodeNotFound:
		return stopDatabaseNotFound
	}
	return stopAPIError
}

// failedStopCode is the stop code of a run that stopped (exit 1) for err, but for an API answer.
func failedStopCode(err error) string {
	var (
		down   *send.APIDownError
		outage *send.OutageError
		slow   *send.ThrottledError
		mapErr *mapping.Error
		urlErr *altcraft.URLError
	)
	switch {
	case errors.As(err, &outage):
		return stopOutage
	case errors.As(err, &slow):
		return stopThrottled
	case errors.As(err, &down):
		return stopAPIDown
	case errors.Is(err, importer.ErrTooManyRejects):
		return stopTooManyRejects
	case errors.Is(err, altcraft.ErrCertificate):
		return stopCertificate
	case errors.Is(err, altcraft.ErrWrongURL), errors.As(err, &urlErr):
		return stopWrongURL
	case errors.As(err, &mapErr), errors.Is(err, mapping.ErrUnknownColumn), errors.Is(err, mapping.ErrAmbiguousColumn):
		// Before input: a mapping that does not fit an input's header is an input error too.
		return stopMapping
	case errors.Is(err, importer.ErrInput):
		return stopInput
	}
	return stopIO
}
