package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/acimport/acimport/importer"
	"github.com/acimport/acimport/sandbox"
)

const importUsage = `Usage: acimport import -m MAPPING [flags] FILE...

Imports every row of each CSV FILE ("-" = standard input) as one profile. Rows that
fail go, with a code and a reason, to a reject file that can be imported again with
the same mapping. The API token comes from ALTCRAFT_TOKEN or --token-file.

A run keeps a state file beside its reject file (<input>.rejects.state), locked
while it runs. If it is interrupted (Ctrl-C, kill, crash, a run-wide API error),
run the same command with --resume: only the rows not yet finished are sent. A
finished run removes it. In cron jobs use --resume=auto: it resumes when it can
and otherwise starts over, moving the old state and reject file aside. A reject
file of an earlier run is never overwritten: it is renamed <name>.<date-time>.csv.
When --resume=auto sets aside an earlier run with rows never sent, it counts them
(summary: abandoned), names that run on stderr and exits 3.

A mapping with incr, list add/delete or mode add changes profiles each time a row is
applied: a completed import with it is remembered beside the reject file
(<input>.rejects.done), and importing the same bytes with the same mapping again is
refused (exit 4) unless --again. Delete that file to forget completed imports.

Personal data: the reject file (<input>.rejects.csv, or --reject), the state file
beside it (<input>.rejects.state, removed when a run finishes), and the --results and
--summary files hold or describe your customers' data. They are created readable by
you only (0600) and never contain the token. Delete them when you are done with them.` + helpPointer

// gcTuner tunes the garbage collector for an import that sends (see tuneGC). main sets it;
// tests, which run many commands in one process, leave it nil or record the call.
var gcTuner func()

// cmdImport runs the import command; rep (nil for `help import`) takes what run accounts
// for on its way out: the summary, the metrics file, the events of --log-format json.
func cmdImport(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, rep *importReport) (err error) {
	if rep == nil {
		rep = newImportReport(nil, time.Now())
	}
	fs := pflag.NewFlagSet("import", pflag.ContinueOnError)
	var (
		mappingPath, url, tokenFile, reject, results, summary string
		caFile, metricsFile, logFormat                        string
		rate                                                  float64
		workers, retries, maxRejects, batch                   int
		mode, resume                                          string
		timeout, outageWait                                   time.Duration
		dryRun, useSandbox, noProgress, insecureHTTP          bool
		again                                                 bool
	)
	fs.StringVarP(&mappingPath, "mapping", "m", "", "the mapping file (required)")
	fs.StringVar(&url, "url", os.Getenv("ALTCRAFT_URL"), "platform base URL, e.g. https://example.com [env ALTCRAFT_URL]")
	fs.StringVar(&tokenFile, "token-file", "", "read the API token from this file (default: env ALTCRAFT_TOKEN)")
	fs.StringVar(&caFile, "ca-file", "", "PEM file of a certificate authority to trust besides the system's (on-premises platforms)")
	fs.BoolVar(&insecureHTTP, "insecure-http", false, "allow a plain http:// URL to a host other than this machine (the token and data travel unencrypted)")
	fs.Float64Var(&rate, "rate", 10, "requests per second for the whole run, all workers together; 0 = no limit")
	fs.IntVar(&workers, "workers", 8, "requests in flight at once")
	fs.IntVar(&retries, "retries", 5, "retries of a transient failure (429, 5xx, timeout, network) before the row is rejected")
	fs.DurationVar(&timeout, "timeout", 30*time.Second, "per-request timeout")
	fs.DurationVar(&outageWait, "outage-wait", 5*time.Minute, "how long to wait, sending one probe at growing intervals, for an API that stopped\n"+
		"answering mid-run; then stop with exit 1 (continue with --resume). No row is rejected for an outage")
	fs.StringVar(&reject, "reject", "", "reject file (default <input>.rejects.csv beside each input; required for stdin)")
	fs.StringVar(&results, "results", "", "optional per-row outcome log (CSV): file, line, status, profile_id, code, attempts, skipped, in_doubt")
	fs.StringVar(&summary, "summary", "", "write the run summary as JSON to this file, on every exit (usage errors included), atomically")
	fs.StringVar(&metricsFile, "metrics-file", "", "write Prometheus metrics (text format, for node_exporter's textfile collector) to this file,\n"+
		"atomically, as the run starts, every 10 s and at its end")
	fs.StringVar(&logFormat, "log-format", logText, "text, or json: one JSON object a line (time, level, msg and the event's fields)")
	fs.IntVar(&maxRejects, "max-rejects", 0, "stop once more than `N` rows have been rejected; 0 = no limit (rows in flight then are still settled:\n"+
		"the reject file may hold a few more than N)")
	fs.IntVar(&batch, "batch", 1, "profiles per request, through the API's *_batch methods (at most 10000, each request under 10 MB); 1 = one request per row")
	fs.StringVar(&mode, "mode", "", "upsert, update or add: overrides the mapping's mode (update never creates a profile; add never looks one up)")
	fs.StringVar(&resume, "resume", "false", "continue an interrupted run of the same files from its state file, sending only the rows not yet finished;\n"+
		"--resume=auto (for cron): resume when an unfinished run of the same files and mapping left its state,\n"+
		"otherwise start over, first moving the old state and reject file aside")
	fs.Lookup("resume").NoOptDefVal = "true"
	fs.BoolVar(&again, "again", false, "import an input again although an identical import (same bytes, same mapping) already completed;\n"+
		"needed only when the mapping carries non-idempotent changes (incr, list add/delete, mode: add)")
	fs.BoolVar(&dryRun, "dry-run", false, "everything but sending: same as 'acimport check'")
	fs.BoolVar(&useSandbox, "sandbox", false, "import into an in-process sandbox instead of --url (no URL or token needed)")
	fs.BoolVar(&noProgress, "no-progress", false, "no progress display (when stderr is not a terminal: no log line every 10 s)")
	if err := parseFlags(fs, args, stdout, importUsage); err != nil {
		return err
	}
	// From here the flags are read: run writes the --summary and the --metrics-file of
	// whatever happens (before, from the command line as it could be read).
	rep.summaryPath, rep.metricsPath, rep.files, rep.dryRun = summary, metricsFile, fs.Args(), dryRun
	if logFormat != logText && logFormat != logJSON {
		return usageErrorf("--log-format must be text or json, got %q", logFormat)
	}
	if fs.NArg() == 0 {
		return usageErrorf("import: no input FILE (use - for standard input)")
	}
	switch {
	case rate < 0:
		return usageErrorf("--rate must be 0 (no limit) or more")
	case workers < 1:
		return usageErrorf("--workers must be at least 1")
	case retries < 0:
		return usageErrorf("--retries must be 0 or more")
	case timeout <= 0:
		return usageErrorf("--timeout must be positive")
	case outageWait <= 0:
		return usageErrorf("--outage-wait must be positive, e.g. 5m")
	case maxRejects < 0:
		return usageErrorf("--max-rejects must be 0 (no limit) or more")
	}
	if err := importer.CheckBatch(batch); err != nil {
		return err
	}
	autoResume, doResume := false, false
	switch strings.ToLower(resume) {
	case "auto":
		autoResume = true
	case "true", "yes", "1":
		doResume = true
	case "false", "no", "0":
	default:
		return usageErrorf("--resume takes no value, or =auto; got %q", resume)
	}
	m, err := loadMapping(mappingPath)
	if err != nil {
		return err
	}
	rep.dbID = m.DBID
	if mode != "" {
		if m, err = m.WithMode(mode); err != nil {
			return usageErrorf("%v", err)
		}
	}
	if !dryRun && !useSandbox && gcTuner != nil {
		gcTuner()
	}
	if dryRun {
		return check(ctx, importer.CheckConfig{Mapping: m, Files: fs.Args(), Stdin: stdin, Report: stdout, Stderr: stderr,
			Progress: progressMode(noProgress, stderr), RejectPath: reject})
	}
	cfg := importer.Config{
		Mapping: m, Files: fs.Args(), Stdin: stdin, Stderr: stderr,
		URL: url, Rate: rate, Workers: workers, Retries: retries, Timeout: timeout, OutageWait: outageWait,
		MaxRejects: maxRejects, RejectPath: reject, ResultsPath: results,
		Progress: progressMode(noProgress, stderr), Batch: batch, Log: rep.log,
		Commands: importCommands(fs, args), Resume: doResume, AutoResume: autoResume, Again: again,
		InsecureHTTP: insecureHTTP,
	}
	if caFile != "" {
		if cfg.RootCAs, err = importer.LoadCAFile(caFile); err != nil {
			return err
		}
	}
	var sb *sandbox.Instance
	if useSandbox {
		sb, err = sandbox.Start("127.0.0.1:0", sandbox.Config{})
		if err != nil {
			return fmt.Errorf("start the sandbox: %w", err)
		}
		defer sb.Close()
		cfg.URL, cfg.Token = sb.URL, "sandbox"
		fmt.Fprintf(stderr, "importing into an in-process sandbox at %s (nothing leaves this machine)\n", sb.URL)
	} else if cfg.Token, err = readToken(tokenFile, stderr); err != nil {
		return err
	}
	if metricsFile != "" {
		rep.metrics = newMetricsFile(metricsFile, m.DBID)
		rep.metrics.start()
		cfg.Watch = rep.metrics.watch
	}
	if rep.log != nil && cfg.Progress == importer.ProgressBar {
		cfg.Progress = importer.ProgressLog // events, not a bar
	}
	sum, err := importer.Import(ctx, cfg)
	rep.sum = sum
	if sb != nil {
		st := sb.Server.Stats()
		fmt.Fprintf(stderr, "sandbox: %d profiles stored (%d created, %d updated); to inspect them, run 'acimport sandbox' and import with --url\n",
			len(sb.Server.Profiles()), st.Created, st.Updated)
	}
	if err != nil {
		if sum != nil && sum.NotSent > 0 && !errors.Is(err, importer.ErrInterrupted) {
			fmt.Fprintf(stderr, "%d rows were not sent; they are not in the reject file.\n", sum.NotSent)
		}
		return err
	}
	if sum.Rejected > 0 {
		return errRejected
	}
	if sum.Abandoned > 0 {
		return errAbandoned
	}
	return nil
}

const checkUsage = `Usage: acimport check -m MAPPING [flags] FILE...

Reads and converts every row as import would, reports invalid values per column
with examples and shows the first request bodies; the totals are its last lines.
With --reject FILE, every invalid row goes to FILE in the reject file's form: fix the
rows there, check FILE again, then import it. Sends nothing; needs no token.` + helpPointer

func cmdCheck(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("check", pflag.ContinueOnError)
	var (
		mappingPath, reject string
		noProgress          bool
	)
	fs.StringVarP(&mappingPath, "mapping", "m", "", "the mapping file (required)")
	fs.StringVar(&reject, "reject", "", "write every invalid row to this file, in the reject file's form (default: none)")
	fs.BoolVar(&noProgress, "no-progress", false, "no progress display (when stderr is not a terminal: no log line every 10 s)")
	if err := parseFlags(fs, args, stdout, checkUsage); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErrorf("check: no input FILE (use - for standard input)")
	}
	m, err := loadMapping(mappingPath)
	if err != nil {
		return err
	}
	return check(ctx, importer.CheckConfig{Mapping: m, Files: fs.Args(), Stdin: stdin, Report: stdout, Stderr: stderr,
		Progress: progressMode(noProgress, stderr), RejectPath: reject})
}

func check(ctx context.Context, cfg importer.CheckConfig) error {
	rep, err := importer.Check(ctx, cfg)
	if err != nil {
		return err
	}
	if rep.Invalid > 0 {
		return errRejected
	}
	return nil
}

const sandboxUsage = `Usage: acimport sandbox [--listen ADDR] [flags]

Serves the Altcraft profile import API (POST /api/v1.1/profiles/import, update, add
and their _batch forms) into memory, for rehearsals: point "acimport import --url
http://ADDR" at it. Inspect what it holds with GET /sandbox/profiles and GET
/sandbox/stats (with --token, they need it as Authorization: Bearer TOKEN). Stop it
with Ctrl-C. It holds your customers' data: an address other machines can reach
needs --token (or --public).

It keeps every profile in memory (about 2.5 KiB each); for load tests of millions
of rows, --discard checks and answers every request the same way but keeps nothing.

Like the platform, it deduplicates import requests (--dedup-window): a repeat of a
request (the same Request-ID header; without one, the same body and headers) is
answered with the first answer plus "Duplicate-Request: true" and not applied again.
Each remembered request costs about 280 bytes, its answer included (a batch's answer
some 90 bytes a profile more); past 256 MiB the oldest are forgotten first.`

func cmdSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := pflag.NewFlagSet("sandbox", pflag.ContinueOnError)
	var (
		cfg         sandbox.Config
		listen      string
		dbs, rs     string
		failRate    float64
		dropRate    float64
		loseRate    float64
		dedupWindow time.Duration
		limitRPS    float64
		latency     time.Duration
		seed        int64
		tokenFromFs string
		public      bool
	)
	fs.StringVar(&listen, "listen", "127.0.0.1:8765", "address to listen on")
	fs.StringVar(&tokenFromFs, "token", "", "the only token accepted (default: any non-empty token); GET /sandbox/profiles and /sandbox/stats then need it too, as Authorization: Bearer TOKEN")
	fs.BoolVar(&public, "public", false, "allow listening on an address other machines can reach without --token (anyone who reaches it can read every profile)")
	fs.StringVar(&dbs, "dbs", "", "comma-separated database ids that exist (default: every positive id)")
	fs.StringVar(&rs, "resources", "", "comma-separated resource ids that exist (default: every positive id)")
	fs.DurationVar(&latency, "latency", 0, "delay before each answer")
	fs.Float64Var(&failRate, "fail-rate", 0, "fraction of requests answered with HTTP 5xx")
	fs.Float64Var(&dropRate, "drop-rate", 0, "fraction of requests whose connection is closed without an answer")
	fs.Float64Var(&loseRate, "lose-rate", 0, "fraction of requests applied and then left without an answer (the connection closed); each request at most once")
	fs.DurationVar(&dedupWindow, "dedup-window", sandbox.DefaultDedupWindow, "how long a request is remembered: its repeat (same Request-ID, else same body and headers) gets the first answer\n"+
		"with Duplicate-Request: true and is not applied again, as on the platform; 0 turns deduplication off")
	fs.Float64Var(&limitRPS, "limit-rps", 0, "answer HTTP 429 with Retry-After above this many requests per second (0 = no limit)")
	fs.Int64Var(&seed, "seed", 1, "seed of the fault injection, for reproducible rehearsals")
	fs.BoolVar(&cfg.Discard, "discard", false, "keep no profiles, so memory stays flat in load tests: every valid import is answered as a\n"+
		"newly created profile (the id it would get without --discard) and counted as created;\n"+
		"matching by profile_id and every update answer \"Profile not found\"; /sandbox/profiles stays empty")
	if err := parseFlags(fs, args, stdout, sandboxUsage); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("sandbox takes no arguments, got %q", fs.Args())
	}
	var err error
	if cfg.DBs, err = parseIDs("--dbs", dbs); err != nil {
		return err
	}
	if cfg.Resources, err = parseIDs("--resources", rs); err != nil {
		return err
	}
	for name, p := range map[string]float64{"--fail-rate": failRate, "--drop-rate": dropRate, "--lose-rate": loseRate} {
		if p < 0 || p > 1 {
			return usageErrorf("%s must be between 0 and 1, got %v", name, p)
		}
	}
	if dedupWindow < 0 {
		return usageErrorf("--dedup-window must not be negative, got %v (0 turns deduplication off)", dedupWindow)
	}
	cfg.Token, cfg.Latency, cfg.FailRate, cfg.DropRate, cfg.LimitRPS, cfg.Seed = tokenFromFs, latency, failRate, dropRate, limitRPS, seed
	cfg.LoseRate, cfg.DedupWindow = loseRate, dedupWindow
	if dedupWindow == 0 {
		cfg.DedupWindow = -1 // Config's 0 is the platform's default; the flag's 0 is off
	}
	if err := sandbox.CheckListen(listen, cfg.Token, public); err != nil {
		return usageErrorf("sandbox: %v", err)
	}
	inst, err := sandbox.Start(listen, cfg)
	if err != nil {
		return fmt.Errorf("start the sandbox: %w", err)
	}
	fmt.Fprintf(stderr, "sandbox listening on %s (POST /api/v1.1/profiles/import and the other import methods; GET /sandbox/profiles, /sandbox/stats); Ctrl-C to stop\n", inst.URL)
	if cfg.Discard {
		fmt.Fprintln(stderr, "sandbox: --discard: profiles are checked and answered but not kept; /sandbox/profiles stays empty")
	}
	<-ctx.Done()
	st := inst.Server.Stats()
	fmt.Fprintf(stderr, "sandbox: %d requests, %d created, %d updated, %d rejected, %d faults, %d replayed, %d lost\n",
		st.Requests, st.Created, st.Updated, st.Rejected, st.Faults, st.Replayed, st.Lost)
	return inst.Close()
}

func parseIDs(flag, s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var ids []int
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n <= 0 {
			return nil, usageErrorf("%s takes positive ids separated by commas, got %q", flag, part)
		}
		ids = append(ids, n)
	}
	return ids, nil
}

// progressMode: a bar on a terminal, a log line every 10 s elsewhere, nothing with --no-progress.
func progressMode(off bool, stderr io.Writer) importer.ProgressMode {
	if off {
		return importer.ProgressOff
	}
	if isTerminal(stderr) {
		return importer.ProgressBar
	}
	return importer.ProgressLog
}
