#!/usr/bin/env bash
# bench/xlsx.sh — `acimport check` on a workbook beside the same data as CSV: rows/s and peak RSS.
#
#   bench/xlsx.sh [--rows N] [--work DIR]      (200,000 rows of 6 columns by default)
#
# bench/genxlsx writes both files (the workbook's text in its shared-string table, one unique email
# a row, as Excel saves it); bench/customers-xlsx.yaml maps both. GNU time gives wall and CPU
# seconds and the peak RSS. Needs /usr/bin/time (apt-get install time).
set -euo pipefail
rows=200000
work=""
while [ $# -gt 0 ]; do
	case "$1" in
	--rows) rows=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	*) echo "unknown argument $1" >&2; exit 2 ;;
	esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
work=${work:-$(mktemp -d)}
go build -o "$work/acimport" "$root/cmd/acimport"
go run "$root/bench/genxlsx" -rows "$rows" -xlsx "$work/customers.xlsx" -csv "$work/customers.csv"
printf '%-16s %10s %10s %10s %12s %10s\n' input bytes wall_s cpu_s rows/s_cpu peak_MiB
for f in customers.xlsx customers.csv; do
	/usr/bin/time -f '%e %U %S %M' -o "$work/time.txt" \
		"$work/acimport" check -m "$root/bench/customers-xlsx.yaml" --no-progress "$work/$f" >/dev/null 2>&1
	read -r wall user sys rss <"$work/time.txt"
	awk -v f="$f" -v b="$(stat -c %s "$work/$f")" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v n="$rows" \
		'BEGIN { printf "%-16s %10d %10.2f %10.2f %12.0f %10.1f\n", f, b, w, u+s, n/(u+s), r/1024 }'
done
