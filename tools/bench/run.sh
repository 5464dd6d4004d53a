#!/bin/bash
# Overhead of memtrail on a malloc/free churn, in one run:
#   untraced        the workload alone
#   floor           the same uprobes with programs that do nothing (what any
#                   uprobe tracer pays: memtrail --bench-floor)
#   memtrail        full tracing
# Each cell is the median of RUNS runs; ratios are of those medians.
# Usage: run.sh MEMTRAIL CHURN [RUNS] [PAIRS]
set -euo pipefail
memtrail=${1:?memtrail binary}
churn=${2:?churn binary}
runs=${3:-5}
pairs=${4:-200000}

source "$(dirname "$0")/lib.sh"

# one measurement: prints "cpu wall"
measure() {
	local mode=$1 threads=$2 out
	case $mode in
	untraced) out=$("$churn" "$threads" "$pairs") ;;
	floor) out=$("$memtrail" -q --bench-floor --output /dev/null -- "$churn" "$threads" "$pairs") ;;
	memtrail) out=$("$memtrail" -q --output /dev/null -- "$churn" "$threads" "$pairs") ;;
	esac
	awk '{print $2, $4}' <<<"$out"
}

printf '%-8s %-9s %12s %12s\n' threads mode "cpu ns/pair" "wall ns/pair"
declare -A cpu wall
for threads in 1 2; do
	for mode in untraced floor memtrail; do
		: >/tmp/bench.$$.cpu; : >/tmp/bench.$$.wall
		for ((r = 0; r < runs; r++)); do
			read -r c w < <(measure "$mode" "$threads")
			echo "$c" >>/tmp/bench.$$.cpu
			echo "$w" >>/tmp/bench.$$.wall
		done
		cpu[$threads,$mode]=$(median </tmp/bench.$$.cpu)
		wall[$threads,$mode]=$(median </tmp/bench.$$.wall)
		printf '%-8s %-9s %12.1f %12.1f\n' "$threads" "$mode" "${cpu[$threads,$mode]}" "${wall[$threads,$mode]}"
	done
done
rm -f /tmp/bench.$$.cpu /tmp/bench.$$.wall
echo
echo "ratios (medians of $runs runs, $pairs pairs per thread, thread CPU time):"
for threads in 1 2; do
	awk -v t="$threads" -v u="${cpu[$threads,untraced]}" -v f="${cpu[$threads,floor]}" \
		-v m="${cpu[$threads,memtrail]}" 'BEGIN {
		printf "  %d thread(s): memtrail/floor %.2f  memtrail/untraced %.0f  floor/untraced %.0f  memtrail added %.0f ns/pair\n",
			t, m / f, m / u, f / u, m - u }'
done
awk -v one="${cpu[1,memtrail]}" -v two="${cpu[2,memtrail]}" 'BEGIN {
	printf "  per-pair cost, 2 threads vs 1: %.2f\n", two / one }'
