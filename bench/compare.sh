#!/usr/bin/env bash
# bench/compare.sh — measures acimport against the targets of its performance issue and prints a
# table: figure, acimport, peer, ratio, target, met or not.
#
#   bench/compare.sh [--reps N] [--check-rows N] [--mem-rows N] [--import-mem-rows N]
#                    [--send-rows N] [--send-seconds N] [--port N] [--work DIR]
#                    [--batch-rows N] [--batch1-rows N] [--batch-mem-rows N] [--nginx-rows N]
#                    [--only SECTIONS]
#
# --only runs some of the sections: sending, checking, memory, pacing, nginx, resume, batch (a list
# separated by commas; all by default). nginx runs `--rate 0 --workers 32` through a real nginx
# (TLS, limit_req 300 r/s, burst 30, nodelay) on --nginx-rows rows, beside --rate 300 as the ideal,
# --reps × A/B: time ÷ (rows/300) and the share of answers that were 429. batch compares --batch 1000 with one request a row against
# `acimport sandbox --discard --latency 50ms`, 8 workers: rows/s (--batch-rows rows with --batch
# 1000, --batch1-rows rows one request a row), client CPU a row, and the peak RSS of a
# --batch-mem-rows-row --batch 1000 import against a 100,000-row one.
#
# It builds acimport and the helpers under bench/, installs the peers if they are missing (vegeta
# with `go install`, Miller and GNU time with apt-get, DuckDB's npm package @duckdb/node-api with
# npm into bench/.duckdb for the checking section), generates the data files with bench/gen,
# and runs each comparison A/B/A/B… --reps times, taking the median of each side. Everything runs
# on 127.0.0.1; import figures use a sandbox in a separate process, so its memory is not counted.
#
# The imports whose peak RSS is measured go to an `acimport sandbox --discard`, which answers as
# usual but keeps no profiles: a storing sandbox needs ~2.5 KiB a profile, ~25 GiB for the
# 10,000,000 rows of the target. The sending comparison uses a storing sandbox.
#
# On two cores it takes 10 to 12 minutes, 60-70% of it the 10,000,000-row import (~400 s) and
# ~2 minutes the nginx section (six imports of 20 s);
# --import-mem-rows 1000000 makes a run of ~3 minutes, whose import-memory row then says so.
set -euo pipefail

reps=3
check_rows=1000000
mem_rows=10000000
import_mem_rows=10000000
send_rows=150000
send_seconds=6
port=18765
work=""
batch_rows=200000
batch1_rows=2000
batch_mem_rows=10000000
nginx_rows=6000
only="sending,checking,memory,pacing,nginx,resume,batch"
while [ $# -gt 0 ]; do
	case "$1" in
	--reps) reps=$2; shift 2 ;;
	--check-rows) check_rows=$2; shift 2 ;;
	--mem-rows) mem_rows=$2; shift 2 ;;
	--import-mem-rows) import_mem_rows=$2; shift 2 ;;
	--send-rows) send_rows=$2; shift 2 ;;
	--send-seconds) send_seconds=$2; shift 2 ;;
	--port) port=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	--batch-rows) batch_rows=$2; shift 2 ;;
	--batch1-rows) batch1_rows=$2; shift 2 ;;
	--batch-mem-rows) batch_mem_rows=$2; shift 2 ;;
	--nginx-rows) nginx_rows=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	-h|--help) sed -n '2,30p' "$0"; exit 0 ;;
	*) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

start_all=$(date +%s.%N)
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ -z "$work" ]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/acimport-bench.XXXXXX")
fi
mkdir -p "$work"
log() { printf '%s\n' "$*" >&2; }
want() { [[ ",$only," == *",$1,"* ]]; }

# --- tools -------------------------------------------------------------------------------------
export PATH="$PATH:$(go env GOPATH)/bin"
if ! command -v vegeta >/dev/null; then
	log "installing vegeta"
	go install github.com/tsenart/vegeta/v12@v12.13.0
fi
apt_updated=""
need_apt() {
	if [ -z "$apt_updated" ]; then
		apt-get update -qq >&2
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}
command -v mlr >/dev/null || { log "installing miller"; need_apt miller; }
[ -x /usr/bin/time ] || { log "installing time"; need_apt time; }
# DuckDB, the second peer of check, through its Node API: in a folder of its own, so that nothing
# outside bench/ changes, and pinned, so that runs months apart compare the same peer.
duckdb_dir="$root/bench/.duckdb"
if want checking && [ ! -d "$duckdb_dir/node_modules/@duckdb/node-api" ]; then
	command -v npm >/dev/null || { log "the checking section needs node and npm for DuckDB"; exit 1; }
	log "installing @duckdb/node-api into $duckdb_dir"
	mkdir -p "$duckdb_dir"
	npm install --prefix "$duckdb_dir" --no-audit --no-fund --no-save --loglevel error @duckdb/node-api@1.5.6-r.1 >&2
fi
if want nginx && ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
	log "installing nginx"; need_apt nginx
fi

log "building into $work"
go build -o "$work/acimport" ./cmd/acimport
go build -o "$work/gen" ./bench/gen
go build -o "$work/pace" ./bench/pace
go build -o "$work/nginxpace" ./bench/nginxpace
go build -o "$work/mkstate" ./bench/mkstate
bin="$work/acimport"
mapping="$root/bench/customers.yaml"

# --- data ----------------------------------------------------------------------------------------
gen() { # gen ROWS FILE [args]
	[ -s "$2" ] || "$work/gen" -rows "$1" -out "$2" -mapping "$mapping" "${@:3}"
}
log "generating data"
if want sending || want checking || want resume; then
	gen "$check_rows" "$work/check.csv" -body "$work/body.json"
fi
want resume && gen "$((check_rows + 1))" "$work/resume.csv"
if want sending; then
	gen "$send_rows" "$work/send.csv"
	gen "$send_rows" "$work/send-repeat.csv" -customers 1000
fi
want pacing && gen 10000 "$work/pace.csv"
want nginx && gen "$nginx_rows" "$work/nginx-$nginx_rows.csv"
if want memory || want batch; then
	gen 100000 "$work/mem-small.csv"
fi
if want memory; then
	gen "$mem_rows" "$work/mem-big.csv"
	if [ "$import_mem_rows" = "$mem_rows" ]; then
		import_big="$work/mem-big.csv" # the same file as check's: no second 10 M-row file to write
	else
		import_big="$work/import-big.csv"
		gen "$import_mem_rows" "$import_big"
	fi
fi
if want batch; then
	gen "$batch_rows" "$work/batch.csv"
	gen "$batch1_rows" "$work/batch1.csv"
	if [ "$batch_mem_rows" = "$mem_rows" ] && want memory; then
		batch_big="$work/mem-big.csv"
	else
		batch_big="$work/batch-big-$batch_mem_rows.csv"
		gen "$batch_mem_rows" "$batch_big"
	fi
fi

# --- helpers -------------------------------------------------------------------------------------
sandbox_pid=""
# Deduplication off: vegeta sends one body over and over, which a deduplicating sandbox would
# answer from memory instead of applying, and the figures compare with those before it existed.
sandbox_start() { # a fresh sandbox for each run: a store grown by an earlier run would skew the next
	"$bin" sandbox --listen "127.0.0.1:$port" --dedup-window 0 "$@" >"$work/sandbox.log" 2>&1 &
	sandbox_pid=$!
	for _ in $(seq 50); do
		curl -s -o /dev/null "http://127.0.0.1:$port/sandbox/stats" && return 0
		sleep 0.1
	done
	log "the sandbox did not start"; cat "$work/sandbox.log" >&2; exit 1
}
sandbox_stop() {
	if [ -n "$sandbox_pid" ]; then
		kill "$sandbox_pid" 2>/dev/null || true
		wait "$sandbox_pid" 2>/dev/null || true
		sandbox_pid=""
	fi
}
trap sandbox_stop EXIT
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
rm_outputs() { rm -f "${1%.csv}".rejects.csv "${1%.csv}".rejects.state; }
rss_mib() { # rss_mib CMD...: peak RSS of CMD in MiB (its exit code is ignored)
	/usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null 2>"$work/rss.log" || true
	calc "$(tail -1 "$work/rss") / 1024" 1
}
imported() { # imported N: fails unless the import just measured imported all N rows
	grep -Eq "^(\S+Z)? +imported +$1\$" "$work/rss.log" || { log "the import did not import $1 rows:"; tail -5 "$work/rss.log" >&2; exit 1; }
}

rows=()
row() { rows+=("$(printf '%s|%s|%s|%s|%s|%s' "$@")"); }
met() { if awk "BEGIN { exit !($1) }"; then echo yes; else echo NO; fi; }

if want sending; then # --- 1. sending ------------------------------------------------------------------------------------
log "sending: acimport --workers 32 --rate 0 vs vegeta -rate 0 -max-workers 32 ($reps × A/B)"
targets="$work/targets.txt"
printf 'POST http://127.0.0.1:%s/api/v1.1/profiles/import\nContent-Type: application/json\nAccept: application/json\nAuthorization: Bearer bench\n@%s\n' \
	"$port" "$work/body.json" >"$targets"
# Besides the rates, each run records the CPU seconds of the client (GNU time) and of the sandbox
# (/proc/PID/stat) per request: on two cores they share the CPU, so these say where the time goes.
ticks=$(getconf CLK_TCK)
sandbox_cpu() { awk -v t="$ticks" '{ print ($14 + $15) / t }' "/proc/$sandbox_pid/stat"; }
client_cpu() { awk '{ print $1 + $2 }' "$work/cpu"; }
a=(); b=(); r=(); ca=(); cb=(); sa=(); sb=()
for _ in $(seq "$reps"); do
	sandbox_start
	rm_outputs "$work/send.csv"
	t0=$(now)
	ALTCRAFT_TOKEN=bench /usr/bin/time -f '%U %S' -o "$work/cpu" "$bin" import --url "http://127.0.0.1:$port" --no-progress \
		-m "$mapping" --workers 32 --rate 0 "$work/send.csv" >/dev/null 2>"$work/import.log" ||
		{ log "import failed:"; tail -5 "$work/import.log" >&2; exit 1; }
	secs=$(calc "$(now) - $t0" 3)
	sa+=("$(calc "$(sandbox_cpu) * 1e6 / $send_rows" 1)")
	sandbox_stop
	a+=("$(calc "$send_rows / $secs" 0)")
	ca+=("$(calc "$(client_cpu) * 1e6 / $send_rows" 1)")
	sandbox_start
	/usr/bin/time -f '%U %S' -o "$work/cpu" vegeta attack -rate 0 -max-workers 32 -duration "${send_seconds}s" -targets "$targets" >"$work/vegeta.bin"
	vegeta report -type json "$work/vegeta.bin" >"$work/vegeta.json"
	requests=$(grep -o '"requests":[0-9]*' "$work/vegeta.json" | cut -d: -f2)
	sb+=("$(calc "$(sandbox_cpu) * 1e6 / $requests" 1)")
	sandbox_stop
	# The same rows over 1,000 customers: the sandbox mostly updates, as it does for vegeta.
	# Informational, so once: the 10 M-row import below leaves little of the ten minutes.
	if [ ${#r[@]} -eq 0 ]; then
		sandbox_start
		rm_outputs "$work/send-repeat.csv"
		t0=$(now)
		ALTCRAFT_TOKEN=bench "$bin" import --url "http://127.0.0.1:$port" --no-progress \
			-m "$mapping" --workers 32 --rate 0 "$work/send-repeat.csv" >/dev/null 2>"$work/import.log" ||
			{ log "import failed:"; tail -5 "$work/import.log" >&2; exit 1; }
		r+=("$(calc "$send_rows / ($(now) - $t0)" 0)")
		sandbox_stop
	fi
	ok=$(grep -o '"success":[0-9.]*' "$work/vegeta.json" | cut -d: -f2)
	[ "$(met "$ok >= 0.999")" = yes ] || { log "vegeta's requests failed: $(cat "$work/vegeta.json")"; exit 1; }
	b+=("$(grep -o '"throughput":[0-9.e+]*' "$work/vegeta.json" | cut -d: -f2 | xargs printf '%.0f')")
	cb+=("$(calc "$(client_cpu) * 1e6 / $requests" 1)")
	log "  acimport ${a[-1]} rows/s (CPU µs a row: client ${ca[-1]}, sandbox ${sa[-1]}), vegeta ${b[-1]} req/s (client ${cb[-1]}, sandbox ${sb[-1]})"
done
ma=$(printf '%s\n' "${a[@]}" | median); mb=$(printf '%s\n' "${b[@]}" | median)
ratio=$(calc "$ma / $mb")
row "sending, rows/s (32 workers, no limit; vegeta: req/s)" "$(calc "$ma" 0)" "$(calc "$mb" 0) (vegeta)" "${ratio}×" "≥ 1.0×" "$(met "$ratio >= 1.0")"
mr=${r[0]}
log "  acimport over 1,000 customers: $mr rows/s"
row "sending, rows/s, the same file over 1,000 customers (one run; the sandbox updates, as for vegeta)" "$(calc "$mr" 0)" "$(calc "$mb" 0) (vegeta)" "$(calc "$mr / $mb")×" "— (not the target: shows what the sandbox's store costs)" "—"
ma=$(printf '%s\n' "${ca[@]}" | median); mb=$(printf '%s\n' "${cb[@]}" | median)
row "sending, client CPU µs a row (vegeta: a request; ratio: vegeta's / acimport's)" "$ma" "$mb (vegeta)" "$(calc "$mb / $ma")×" "— (why the rate is what it is)" "—"
ma=$(printf '%s\n' "${sa[@]}" | median); mb=$(printf '%s\n' "${sb[@]}" | median)
row "sending, sandbox CPU µs a row (new profiles; vegeta: one profile updated)" "$ma" "$mb (vegeta)" "$(calc "$mb / $ma")×" "—" "—"

fi
if want checking; then # --- 2. checking -----------------------------------------------------------------------------------
log "checking $check_rows rows: acimport check vs mlr --icsv --ojsonl cat vs DuckDB on 2 threads ($reps × A/B/C)"
# DuckDB does check's typed conversion in SQL (bench/duckcheck.mjs says what it leaves out); Miller
# only re-shapes the text. Both read the same file as check, in turn with it.
a=(); b=(); c=()
for _ in $(seq "$reps"); do
	t0=$(now); "$bin" check -m "$mapping" "$work/check.csv" >/dev/null || { log "check found invalid rows"; exit 1; }
	a+=("$(calc "$(now) - $t0" 3)")
	t0=$(now); mlr --icsv --ojsonl cat "$work/check.csv" >/dev/null
	b+=("$(calc "$(now) - $t0" 3)")
	t0=$(now); node bench/duckcheck.mjs "$duckdb_dir" "$work/check.csv" /dev/null || { log "DuckDB failed"; exit 1; }
	c+=("$(calc "$(now) - $t0" 3)")
	log "  acimport ${a[-1]} s, mlr ${b[-1]} s, duckdb ${c[-1]} s"
done
ma=$(printf '%s\n' "${a[@]}" | median); mb=$(printf '%s\n' "${b[@]}" | median); mc=$(printf '%s\n' "${c[@]}" | median)
check_secs=$ma
ratio=$(calc "$mb / $ma")
row "check, rows/s ($check_rows rows, 8 columns)" "$(calc "$check_rows / $ma" 0)" "$(calc "$check_rows / $mb" 0) (mlr)" "${ratio}×" "≥ 3.0×" "$(met "$ratio >= 3.0")"
ratio=$(calc "$mc / $ma")
row "check vs DuckDB, rows/s (the same file; 2 threads, typed SQL conversion to JSON lines)" "$(calc "$check_rows / $ma" 0)" "$(calc "$check_rows / $mc" 0) (duckdb)" "${ratio}×" "≥ 2.0×" "$(met "$ratio >= 2.0")"

fi
if want memory; then # --- 3. memory -------------------------------------------------------------------------------------
log "memory: peak RSS of check and import, 100,000 rows vs more"
small=$(rss_mib "$bin" check -m "$mapping" "$work/mem-small.csv")
big=$(rss_mib "$bin" check -m "$mapping" "$work/mem-big.csv")
ratio=$(calc "$big / $small")
row "check, peak RSS MiB ($mem_rows rows; peer: 100,000 rows)" "$big" "$small" "${ratio}×" "≤ 64 MiB, ≤ 1.2×" "$(met "$big <= 64 && $ratio <= 1.2")"
sandbox_start --discard
rm_outputs "$work/mem-small.csv"
small=$(ALTCRAFT_TOKEN=bench rss_mib "$bin" import --url "http://127.0.0.1:$port" --rate 0 --no-progress -m "$mapping" "$work/mem-small.csv")
imported 100000
sandbox_stop
sandbox_start --discard
rm_outputs "$import_big"
t0=$(now)
big=$(ALTCRAFT_TOKEN=bench rss_mib "$bin" import --url "http://127.0.0.1:$port" --rate 0 --no-progress -m "$mapping" "$import_big")
imported "$import_mem_rows"
log "  import of $import_mem_rows rows took $(calc "$(now) - $t0" 1) s"
sandbox_stop
ratio=$(calc "$big / $small")
label="import, peak RSS MiB ($import_mem_rows rows; peer: 100,000 rows)"
if [ "$import_mem_rows" -lt 10000000 ]; then
	label="$label — the target is 10,000,000 rows"
fi
row "$label" "$big" "$small" "${ratio}×" "≤ 64 MiB, ≤ 1.2×" "$(met "$big <= 64 && $ratio <= 1.2")"

fi
if want pacing; then # --- 4. pacing ---------------------------------------------------------------------------------------
log "pacing: --rate 500 against a sandbox with 5 ms latency, 20 s"
out=$("$work/pace" -bin "$bin" -mapping "$mapping" -csv "$work/pace.csv" -rate 500 -latency 5ms)
log "  $out"
rate=$(sed -n 's/.* rate=\([0-9.]*\).*/\1/p' <<<"$out")
most=$(sed -n 's/.*max_per_second=\([0-9]*\).*/\1/p' <<<"$out")
row "pacing, achieved rate at --rate 500 (5 ms latency, 20 s)" "$rate" "500" "$(calc "$rate / 500" 4)" "within 1%" "$(met "$rate >= 495 && $rate <= 505")"
row "pacing, most requests in any 1 s window" "$most" "505" "$(calc "$most / 505" 3)" "≤ 505" "$(met "$most <= 505")"

fi
if want nginx; then # --- 4b. pacing behind nginx limit_req ---------------------------------------------------------
log "pacing behind nginx limit_req 300 r/s: --rate 0 vs --rate 300, --workers 32, $nginx_rows rows ($reps × A/B)"
a=(); b=(); sa=(); sb=()
for _ in $(seq "$reps"); do
	for r in 0 300; do
		out=$("$work/nginxpace" -bin "$bin" -mapping "$mapping" -csv "$work/nginx-$nginx_rows.csv" -rows "$nginx_rows" -limit 300 -burst 30 -rate "$r" -workers 32)
		log "  --rate $r: $out"
		[ "$(sed -n 's/.*imported=\([0-9]*\).*/\1/p' <<<"$out")" = "$nginx_rows" ] || { log "not every row was imported"; exit 1; }
		rej=$(sed -n 's/.*rejected_429=\([0-9]*\).*/\1/p' <<<"$out")
		[ "$rej" = 0 ] || { log "--rate $r: $rej rows rejected http_429"; exit 1; }
		ratio=$(sed -n 's/.*ratio=\([0-9.]*\).*/\1/p' <<<"$out")
		share=$(sed -n 's/.*share429=\([0-9.]*\).*/\1/p' <<<"$out")
		if [ "$r" = 0 ]; then a+=("$ratio"); sa+=("$share"); else b+=("$ratio"); sb+=("$share"); fi
	done
done
ma=$(printf '%s\n' "${a[@]}" | median); mb=$(printf '%s\n' "${b[@]}" | median)
row "behind nginx limit_req 300 r/s, --rate 0 --workers 32, $nginx_rows rows: time ÷ (rows/300) (peer: --rate 300)" \
	"$(calc "$ma" 3)" "$(calc "$mb" 3) (--rate 300)" "$(calc "$ma / $mb" 3)×" "≤ 1.10 (no http_429 reject)" "$(met "$ma <= 1.10")"
ma=$(printf '%s\n' "${sa[@]}" | median); mb=$(printf '%s\n' "${sb[@]}" | median)
row "behind nginx limit_req 300 r/s, --rate 0: share of answers 429 (peer: --rate 300)" \
	"$(calc "100 * $ma" 1)%" "$(calc "100 * $mb" 1)% (--rate 300)" "—" "≤ 5%" "$(met "$ma <= 0.05")"

fi
if want resume; then # --- 5. resume ---------------------------------------------------------------------------------------
log "resume: skipping $check_rows finished rows vs checking them ($reps × A/B)"
rm_outputs "$work/resume.csv"
"$work/mkstate" -mapping "$mapping" -rows "$check_rows" "$work/resume.csv" >&2
# The sandbox refuses the token (403), so the first row sent after the skip stops the run at once and the
# state file stays for the next repetition: the run is the skip and one request.
sandbox_start --token right-token
a=(); b=()
for _ in $(seq "$reps"); do
	t0=$(now)
	ALTCRAFT_TOKEN=wrong-token "$bin" import --resume --url "http://127.0.0.1:$port" --no-progress -m "$mapping" "$work/resume.csv" \
		>/dev/null 2>"$work/resume.log" && { log "the resumed run should have stopped on the 401"; exit 1; }
	a+=("$(calc "$(now) - $t0" 3)")
	grep -q "Invalid token" "$work/resume.log" || { log "resume failed:"; cat "$work/resume.log" >&2; exit 1; }
	t0=$(now); "$bin" check -m "$mapping" "$work/check.csv" >/dev/null
	b+=("$(calc "$(now) - $t0" 3)")
	log "  resume ${a[-1]} s, check ${b[-1]} s"
done
sandbox_stop
ma=$(printf '%s\n' "${a[@]}" | median); mb=$(printf '%s\n' "${b[@]}" | median)
ratio=$(calc "$mb / $ma")
row "resume, seconds to skip $check_rows finished rows (peer: check of them)" "$ma" "$mb (check)" "${ratio}×" "≥ 4.0× (< ¼ of check)" "$(met "$ratio >= 4.0")"

fi
if want batch; then # --- 6. batch -------------------------------------------------------------------
log "batch: --batch 1000 vs one request a row, 8 workers, sandbox --discard --latency 50ms ($reps × A/B)"
# One import: prints "rows_per_second client_cpu_us_per_row" of FILE ROWS [flags].
batch_run() {
	local file=$1 n=$2 t0 secs
	shift 2
	rm_outputs "$file"
	t0=$(now)
	ALTCRAFT_TOKEN=bench /usr/bin/time -f '%U %S' -o "$work/cpu" "$bin" import --url "http://127.0.0.1:$port" --no-progress \
		-m "$mapping" --workers 8 --rate 0 "$@" "$file" >/dev/null 2>"$work/import.log" ||
		{ log "import failed:"; tail -5 "$work/import.log" >&2; exit 1; }
	grep -Eq "^(\S+Z)? +imported +$n\$" "$work/import.log" || { log "the import did not import $n rows:"; tail -5 "$work/import.log" >&2; exit 1; }
	secs=$(calc "$(now) - $t0" 3)
	echo "$(calc "$n / $secs" 1) $(calc "$(client_cpu) * 1e6 / $n" 1)"
}
ticks=$(getconf CLK_TCK)
client_cpu() { awk '{ print $1 + $2 }' "$work/cpu"; }
a=(); b=(); ca=(); cb=()
sandbox_start --discard --latency 50ms
for _ in $(seq "$reps"); do
	batch_run "$work/batch1.csv" "$batch1_rows" --batch 1 >"$work/batch.out"
	read -r rate cpu <"$work/batch.out"
	b+=("$rate"); cb+=("$cpu")
	batch_run "$work/batch.csv" "$batch_rows" --batch 1000 >"$work/batch.out"
	read -r rate cpu <"$work/batch.out"
	a+=("$rate"); ca+=("$cpu")
	log "  --batch 1000: ${a[-1]} rows/s, client CPU ${ca[-1]} µs a row; --batch 1: ${b[-1]} rows/s, ${cb[-1]} µs a row"
done
ma=$(printf '%s\n' "${a[@]}" | median); mb=$(printf '%s\n' "${b[@]}" | median)
ratio=$(calc "$ma / $mb" 1)
row "batch, rows/s, --batch 1000 ($batch_rows rows; peer: --batch 1, $batch1_rows rows; 8 workers, 50 ms latency)" "$(calc "$ma" 0)" "$(calc "$mb" 1) (--batch 1)" "${ratio}×" "≥ 100×" "$(met "$ratio >= 100")"
ma=$(printf '%s\n' "${ca[@]}" | median); mb=$(printf '%s\n' "${cb[@]}" | median)
ratio=$(calc "$ma / $mb" 3)
row "batch, client CPU µs a row, --batch 1000 (peer: --batch 1)" "$ma" "$mb (--batch 1)" "${ratio}×" "≤ 0.25×" "$(met "$ratio <= 0.25")"
sandbox_stop
sandbox_start --discard --latency 50ms
rm_outputs "$work/mem-small.csv"
small=$(ALTCRAFT_TOKEN=bench rss_mib "$bin" import --url "http://127.0.0.1:$port" --rate 0 --workers 8 --batch 1000 --no-progress -m "$mapping" "$work/mem-small.csv")
imported 100000
rm_outputs "$batch_big"
t0=$(now)
big=$(ALTCRAFT_TOKEN=bench rss_mib "$bin" import --url "http://127.0.0.1:$port" --rate 0 --workers 8 --batch 1000 --no-progress -m "$mapping" "$batch_big")
imported "$batch_mem_rows"
log "  --batch 1000 import of $batch_mem_rows rows took $(calc "$(now) - $t0" 1) s, peak RSS $big MiB (100,000 rows: $small MiB)"
sandbox_stop
ratio=$(calc "$big / $small")
label="batch, import --batch 1000 peak RSS MiB ($batch_mem_rows rows; peer: 100,000 rows)"
if [ "$batch_mem_rows" -lt 10000000 ]; then
	label="$label — the target is 10,000,000 rows"
fi
row "$label" "$big" "$small" "${ratio}×" "≤ 64 MiB, ≤ 1.2×" "$(met "$big <= 64 && $ratio <= 1.2")"
fi

# --- table -------------------------------------------------------------------------------------------
printf '\n| figure | acimport | peer | ratio | target | met |\n|---|---|---|---|---|---|\n'
for r in "${rows[@]}"; do
	printf '| %s |\n' "${r//|/ | }"
done
printf '\n%s, %s cores, Go %s; %s repetitions; %.0f s in all.\n' "$(uname -sm)" "$(nproc)" \
	"$(go env GOVERSION | sed 's/^go//')" "$reps" "$(calc "$(now) - $start_all" 0)"
