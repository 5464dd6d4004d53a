#!/bin/bash
# Overhead of memtrail on a malloc/free churn, in one run:
#   untraced      the workload alone
#   floor-entry   empty programs on probes at the functions' first bytes
#                 (what a tracer that probes entries pays: free's first
#                 instruction is single-stepped)
#   floor-moved   empty programs on the probes memtrail uses (user/prologue.c)
#   full          memtrail
#   sampled       memtrail --sample SAMPLE
#   floor-sampled empty programs attached as --sample attaches them (with
#                 uprobe sessions, 6.13+, entries only: no return probe)
# Every probe is attached to the churn process alone (command mode), never
# to every user of the host's libc. The modes are interleaved run by run,
# so a load that comes and goes (other users of the machine) hits them
# alike; each cell is the median of RUNS runs, ratios are of medians.
# Prints a table and writes it as JSON to JSON_OUT.
# Usage: run.sh MEMTRAIL CHURN [RUNS] [PAIRS] [JSON_OUT] [SAMPLE]
set -euo pipefail
memtrail=${1:?memtrail binary}
churn=${2:?churn binary}
runs=${3:-5}
pairs=${4:-100000}
json_out=${5:-}
sample=${6:-524288}

source "$(dirname "$0")/lib.sh"

modes=(untraced floor-entry floor-moved full sampled floor-sampled)
threads_list=(1 2)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# one measurement: prints "cpu wall" (ns per malloc+free pair)
measure() {
	local mode=$1 threads=$2 out
	local mt=("$memtrail" -q --output /dev/null)
	case $mode in
	untraced) out=$("$churn" "$threads" "$pairs") ;;
	floor-entry) out=$("${mt[@]}" --bench-floor --probe-at-entry -- "$churn" "$threads" "$pairs") ;;
	floor-moved) out=$("${mt[@]}" --bench-floor -- "$churn" "$threads" "$pairs") ;;
	full) out=$("${mt[@]}" -- "$churn" "$threads" "$pairs") ;;
	sampled) out=$("${mt[@]}" --sample "$sample" -- "$churn" "$threads" "$pairs") ;;
	floor-sampled) out=$("${mt[@]}" --bench-floor --sample "$sample" -- "$churn" "$threads" "$pairs") ;;
	esac
	awk '{print $2, $4}' <<<"$out"
}

has_sample=true
[[ $("$memtrail" --help 2>/dev/null) == *--sample* ]] || has_sample=false # no grep -q: its early exit breaks the pipe (pipefail)

for ((r = 0; r < runs; r++)); do
	for threads in "${threads_list[@]}"; do
		for mode in "${modes[@]}"; do
			[[ $mode == *sampled ]] && ! $has_sample && continue
			read -r c w < <(measure "$mode" "$threads")
			echo "$c" >>"$tmp/$threads.$mode.cpu"
			echo "$w" >>"$tmp/$threads.$mode.wall"
		done
	done
	echo "bench: run $((r + 1)) of $runs done" >&2
done

declare -A cpu wall own
for threads in "${threads_list[@]}"; do
	for mode in "${modes[@]}"; do
		if [ -s "$tmp/$threads.$mode.cpu" ]; then
			cpu[$threads,$mode]=$(median <"$tmp/$threads.$mode.cpu")
			wall[$threads,$mode]=$(median <"$tmp/$threads.$mode.wall")
		else
			cpu[$threads,$mode]=null
			wall[$threads,$mode]=null
		fi
	done
done

cpus=$(nproc)
model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
kernel=$(uname -r)
echo "machine: $cpus CPUs ($model), kernel $kernel"
echo "ns per malloc+free pair, median of $runs interleaved runs of $pairs pairs per thread"
printf '%-8s %-12s %12s %12s\n' threads mode "thread-cpu" "wall"
for threads in "${threads_list[@]}"; do
	for mode in "${modes[@]}"; do
		printf '%-8s %-12s %12s %12s\n' "$threads" "$mode" "${cpu[$threads,$mode]}" "${wall[$threads,$mode]}"
	done
done

# ratio A B: A / B of two medians, "null" when either is missing
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "null" || b == "null" || b == 0) print "null"; else printf "%.2f", a / b }'; }
# above A B: A - B, memtrail's own work over its floor
above() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "null" || b == "null") print "null"; else printf "%.1f", a - b }'; }

# per_run A B THREADS: A / B run by run (each run measures both sides
# back to back), as "median min max": how far one run's ratio strays
per_run() {
	[ -s "$tmp/$3.$1.cpu" ] && [ -s "$tmp/$3.$2.cpu" ] || { echo "null null null"; return; }
	paste "$tmp/$3.$1.cpu" "$tmp/$3.$2.cpu" | awk '$2 > 0 { print $1 / $2 }' | sort -g |
		awk '{ v[NR] = $1 } END { if (!NR) { print "null null null"; exit }
			printf "%.2f %.2f %.2f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[1], v[NR] }'
}

echo
echo "ratios (thread CPU):"
json_ratios=""
json_runs="" # per-run ratios: [median, min, max]
for threads in "${threads_list[@]}"; do
	full_floor=$(ratio "${cpu[$threads,full]}" "${cpu[$threads,floor-moved]}")
	entry_full=$(ratio "${cpu[$threads,floor-entry]}" "${cpu[$threads,full]}")
	full_sampled=$(ratio "${cpu[$threads,full]}" "${cpu[$threads,sampled]}")
	entry_moved=$(ratio "${cpu[$threads,floor-entry]}" "${cpu[$threads,floor-moved]}")
	sampled_floor=$(ratio "${cpu[$threads,sampled]}" "${cpu[$threads,floor-sampled]}")
	echo "  $threads thread(s): full/floor-moved $full_floor (target <= 1.5)  floor-entry/full $entry_full (target >= 4)  full/sampled $full_sampled (target >= 2)  floor-entry/floor-moved $entry_moved  sampled/floor-sampled $sampled_floor"
	json_ratios+="${json_ratios:+, }\"$threads\": {\"full_per_floor_moved\": $full_floor, \"floor_entry_per_full\": $entry_full, \"full_per_sampled\": $full_sampled, \"floor_entry_per_floor_moved\": $entry_moved, \"sampled_per_floor_sampled\": $sampled_floor}"
	read -r ff_med ff_min ff_max < <(per_run full floor-moved "$threads")
	read -r ef_med ef_min ef_max < <(per_run floor-entry full "$threads")
	read -r fs_med fs_min fs_max < <(per_run full sampled "$threads")
	echo "    run by run: full/floor-moved $ff_med ($ff_min to $ff_max)  floor-entry/full $ef_med ($ef_min to $ef_max)  full/sampled $fs_med ($fs_min to $fs_max)"
	json_runs+="${json_runs:+, }\"$threads\": {\"full_per_floor_moved\": [$ff_med, $ff_min, $ff_max], \"floor_entry_per_full\": [$ef_med, $ef_min, $ef_max], \"full_per_sampled\": [$fs_med, $fs_min, $fs_max]}"
	own[$threads,full]=$(above "${cpu[$threads,full]}" "${cpu[$threads,floor-moved]}")
	own[$threads,sampled]=$(above "${cpu[$threads,sampled]}" "${cpu[$threads,floor-sampled]}")
done
two_one=$(ratio "${cpu[2,full]}" "${cpu[1,full]}")
two_one_sampled=$(ratio "${cpu[2,sampled]}" "${cpu[1,sampled]}")
echo "  per pair, 2 threads / 1 thread: full $two_one, sampled $two_one_sampled (target <= 1)"
# the same for memtrail's own work, the cost above its floor: the probes
# themselves (the kernel's uprobe path) may scale worse than one thread
two_one_floor=$(ratio "${cpu[2,floor-moved]}" "${cpu[1,floor-moved]}")
two_one_own=$(ratio "${own[2,full]}" "${own[1,full]}")
two_one_own_sampled=$(ratio "${own[2,sampled]}" "${own[1,sampled]}")
echo "  above the floor (memtrail's own work), ns per pair: full ${own[1,full]} (1 thread), ${own[2,full]} (2 threads); sampled ${own[1,sampled]}, ${own[2,sampled]}"
echo "  2 threads / 1 thread: floor-moved $two_one_floor, own work full $two_one_own, sampled $two_one_own_sampled"
echo "  sampled (--sample $sample): ${cpu[1,sampled]} ns per pair, 1 thread (target <= 2000)"

if [ -n "$json_out" ]; then
	mkdir -p "$(dirname "$json_out")"
	{
		echo "{"
		echo "  \"tool\": \"memtrail-bench\","
		echo "  \"machine\": {\"cpus\": $cpus, \"model\": \"$model\", \"kernel\": \"$kernel\"},"
		echo "  \"runs\": $runs, \"pairs_per_thread\": $pairs, \"sample_bytes\": $sample,"
		echo "  \"unit\": \"ns per malloc+free pair (median)\","
		echo "  \"cells\": ["
		first=true
		for threads in "${threads_list[@]}"; do
			for mode in "${modes[@]}"; do
				$first || echo ","
				first=false
				printf '    {"threads": %d, "mode": "%s", "thread_cpu_ns": %s, "wall_ns": %s}' \
					"$threads" "$mode" "${cpu[$threads,$mode]}" "${wall[$threads,$mode]}"
			done
		done
		echo
		echo "  ],"
		echo "  \"ratios\": {$json_ratios, \"two_threads_per_one_full\": $two_one, \"two_threads_per_one_sampled\": $two_one_sampled,"
		echo "    \"two_threads_per_one_floor_moved\": $two_one_floor, \"two_threads_per_one_own_full\": $two_one_own, \"two_threads_per_one_own_sampled\": $two_one_own_sampled},"
		echo "  \"own_ns\": {\"1\": {\"full\": ${own[1,full]}, \"sampled\": ${own[1,sampled]}}, \"2\": {\"full\": ${own[2,full]}, \"sampled\": ${own[2,sampled]}}},"
		echo "  \"per_run_ratios\": {$json_runs}"
		echo "}"
	} >"$json_out"
	echo "wrote $json_out"
fi
