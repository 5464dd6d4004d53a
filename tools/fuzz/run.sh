#!/bin/bash
# Runs one libFuzzer target: first every regression input and seed once
# (each must pass), then fuzzing for a bounded time. Exits non-zero on any
# crash, leak, timeout or oversized allocation, leaving the input that
# caused it under OUT/artifacts/NAME/.
#   run.sh NAME BINARY SECONDS MAX_LEN TIMEOUT OUT
set -euo pipefail
name=$1 bin=$2 seconds=$3 max_len=$4 timeout=$5 out=$6
here=$(dirname "$0")
seeds=$here/corpus/$name
regressions=$here/regressions/$name
work=$out/corpus/$name
artifacts=$out/artifacts/$name/
mkdir -p "$work" "$artifacts"

# a single allocation above this is reported as a crash: sizes read from
# the input must be refused before they are allocated
opts=(-max_len="$max_len" -timeout="$timeout" -rss_limit_mb=1024
      -malloc_limit_mb=64 -artifact_prefix="$artifacts" -print_final_stats=1)

shopt -s nullglob
replay=("$regressions"/* "$seeds"/*)
if [ ${#replay[@]} -gt 0 ]; then
	echo "fuzz $name: replaying ${#replay[@]} regression and seed inputs"
	"$bin" "${opts[@]}" "${replay[@]}" >"$out/$name.replay.log" 2>&1 || {
		cat "$out/$name.replay.log" >&2
		echo "fuzz $name: a regression or seed input fails" >&2
		exit 1
	}
fi

echo "fuzz $name: ${seconds} s, inputs up to $max_len bytes, ${timeout} s each"
if ! "$bin" "${opts[@]}" -max_total_time="$seconds" "$work" "$seeds" \
	>"$out/$name.log" 2>&1; then
	tail -n 60 "$out/$name.log" >&2
	echo "fuzz $name: FAILED (input saved in $artifacts; full log $out/$name.log)" >&2
	exit 1
fi
grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$out/$name.log" | tail -n 2 \
	| sed "s/^/fuzz $name: /"
