#!/bin/bash
# What memtrail's kernel hooks cost, in one run: mmap+munmap pairs and
# first-touch page faults, untraced and traced (--events mmap / faults).
# Each cell is the median of RUNS runs; ratios are of those medians.
# Usage: run-kernel.sh MEMTRAIL VMCHURN [RUNS] [OPS]
set -euo pipefail
memtrail=${1:?memtrail binary}
vmchurn=${2:?vmchurn binary}
runs=${3:-5}
ops=${4:-100000}

source "$(dirname "$0")/lib.sh"

# prints the median thread-CPU ns per operation of RUNS runs of "$@"
cell() {
	local r
	for ((r = 0; r < runs; r++)); do
		"$@" | awk '{print $2}'
	done | median
}

printf '%-7s %-22s %12s\n' op mode "cpu ns/op"
for op in mmap faults; do
	events=$op
	u=$(cell "$vmchurn" "$op" "$ops")
	t=$(cell "$memtrail" -q --events "$events" --output /dev/null -- "$vmchurn" "$op" "$ops")
	printf '%-7s %-22s %12.1f\n' "$op" untraced "$u"
	printf '%-7s %-22s %12.1f\n' "$op" "memtrail --events $events" "$t"
	awk -v o="$op" -v u="$u" -v t="$t" 'BEGIN {
		printf "        ratio %.2f, added %.0f ns per %s\n", t / u, t - u, o == "mmap" ? "mmap+munmap pair" : "fault" }'
done
