#!/bin/bash
# What each stack walk costs per malloc+free pair, on one workload DEPTH
# calls deep, in one run:
#   untraced   the workload alone
#   kernel     the kernel's frame-pointer walk (bpf_get_stack, unchecked)
#   fp         memtrail's frame-pointer walk (marks stacks partial)
#   dwarf      memtrail's walk by unwind tables, every frame
# on two builds of the workload: with frame pointers (fp-built) and
# without (nofp-built, what distributions ship). The sides are interleaved
# run by run; each cell is the median of RUNS runs.
# Usage: run-unwind.sh MEMTRAIL BUILD_DIR [RUNS] [PAIRS] [DEPTH]
set -euo pipefail
memtrail=${1:?memtrail binary}
dir=${2:?directory of unwchurn-fp and unwchurn-nofp}
runs=${3:-5}
pairs=${4:-100000}
depth=${5:-16}

source "$(dirname "$0")/lib.sh"

modes="untraced kernel fp dwarf"
if [[ $("$memtrail" --help 2>/dev/null) == *--sample* ]]; then
	modes="$modes dwarf+sample"
fi

measure() {
	local bin=$1 mode=$2 out
	case $mode in
	untraced) out=$("$bin" "$depth" "$pairs") ;;
	dwarf+sample) out=$("$memtrail" -q --unwind dwarf --sample 65536 --output /dev/null -- \
				"$bin" "$depth" "$pairs") ;;
	*) out=$("$memtrail" -q --unwind "$mode" --output /dev/null -- "$bin" "$depth" "$pairs") ;;
	esac
	awk '{print $2}' <<<"$out"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for ((r = 0; r < runs; r++)); do
	for build in fp nofp; do
		for mode in $modes; do
			measure "$dir/unwchurn-$build" "$mode" >>"$tmp/$build.$mode"
		done
	done
done
printf '%-6s %-13s %12s %14s\n' build mode "cpu ns/pair" "added ns/pair"
for build in fp nofp; do
	base=$(median <"$tmp/$build.untraced")
	for mode in $modes; do
		m=$(median <"$tmp/$build.$mode")
		awk -v b="$build" -v mo="$mode" -v m="$m" -v u="$base" \
			'BEGIN { printf "%-6s %-13s %12.1f %14.1f\n", b, mo, m, m - u }'
	done
done
echo
echo "ratios (medians of $runs runs, $pairs pairs, $depth calls deep, thread CPU time):"
for build in fp nofp; do
	u=$(median <"$tmp/$build.untraced") k=$(median <"$tmp/$build.kernel")
	f=$(median <"$tmp/$build.fp") d=$(median <"$tmp/$build.dwarf")
	awk -v b="$build" -v u="$u" -v k="$k" -v f="$f" -v d="$d" 'BEGIN {
		printf "  %s-built: dwarf/fp %.2f  fp/kernel %.2f  dwarf added - fp added %.0f ns/pair\n",
			b, (d - u) / (f - u), (f - u) / (k - u), (d - u) - (f - u) }'
done
