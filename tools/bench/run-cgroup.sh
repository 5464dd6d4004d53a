#!/bin/bash
# Cost isolation of --cgroup: a malloc/free churn OUTSIDE the traced
# cgroup, using the same libc file as the member inside, must cost what it
# costs untraced (probes are attached per member pid; BPF filters by
# cgroup id). Interleaved in one run:
#   untraced   no memtrail running
#   outside    memtrail --cgroup G running, churn in another cgroup
#   inside     the same churn in G (traced: shows the probes fire). It is
#              a shell in G, found when memtrail starts, that execs churn:
#              its libc probe stays in through the exec.
# Each cell is the median of RUNS runs of thread CPU ns per pair.
# Usage: run-cgroup.sh MEMTRAIL CHURN [RUNS] [PAIRS]
set -euo pipefail
memtrail=${1:?memtrail binary}
churn=${2:?churn binary}
runs=${3:-5}
pairs=${4:-200000}

source "$(dirname "$0")/lib.sh"

mnt=$(awk '$0 ~ / - cgroup2 / {print $5; exit}' /proc/self/mountinfo)
[ -n "$mnt" ] || { echo "bench: no cgroup2 mount" >&2; exit 1; }
group=$mnt/memtrail-bench-$$
tmp=$(mktemp -d /tmp/memtrail-bench.XXXXXX)
mt_pid= member_pid=

stop_memtrail() {
	[ -n "$mt_pid" ] || return 0
	kill -INT "$mt_pid" 2>/dev/null || true
	wait "$mt_pid" 2>/dev/null || true
	mt_pid=
}
cleanup() {
	stop_memtrail
	[ -z "$member_pid" ] || kill "$member_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	[ -d "$group" ] && { echo 1 >"$group/cgroup.kill" 2>/dev/null || true; \
		for _ in $(seq 100); do [ -s "$group/cgroup.procs" ] || break; sleep 0.05; done; \
		rmdir "$group"; }
	rm -rf "$tmp"
}
trap cleanup EXIT

mkdir "$group"
# the member: a process on the host's libc, so that libc has probes (for it)
sh -c 'echo $$ >"$1/cgroup.procs" && exec sleep 100000' sh "$group" &
member_pid=$!
for _ in $(seq 100); do grep -qx "$member_pid" "$group/cgroup.procs" && break; sleep 0.01; done

start_memtrail() {
	"$memtrail" --cgroup "$group" --output /dev/null 2>"$tmp/mt.err" &
	mt_pid=$!
	for _ in $(seq 300); do grep -q tracing "$tmp/mt.err" && return 0; sleep 0.05; done
	echo "bench: memtrail did not start: $(cat "$tmp/mt.err")" >&2
	exit 1
}

# one measurement of thread CPU ns per pair
measure() { "$churn" 1 "$pairs" | awk '{print $2}'; }

mkfifo "$tmp/go"
for ((r = 0; r < runs; r++)); do
	measure >>"$tmp/untraced"
	sh -c 'echo $$ >"$1/cgroup.procs" && read -r x <"$2" && shift 2 && exec "$@"' sh \
		"$group" "$tmp/go" "$churn" 1 "$pairs" >"$tmp/inside.out" &
	inside=$!
	for _ in $(seq 100); do grep -qx "$inside" "$group/cgroup.procs" && break; sleep 0.01; done
	start_memtrail
	measure >>"$tmp/outside"
	echo go >"$tmp/go"
	wait "$inside"
	awk '{print $2}' "$tmp/inside.out" >>"$tmp/inside"
	stop_memtrail
done
u=$(median <"$tmp/untraced")
o=$(median <"$tmp/outside")
i=$(median <"$tmp/inside")
printf '%-34s %12s\n' "--cgroup cost isolation (1 thread)" "cpu ns/pair"
printf '%-34s %12.1f\n' "untraced" "$u" "outside the traced cgroup" "$o" "inside the traced cgroup" "$i"
echo
awk -v u="$u" -v o="$o" -v i="$i" -v r="$runs" -v p="$pairs" 'BEGIN {
	printf "ratios (medians of %d interleaved runs, %d pairs): outside/untraced %.2f  inside/untraced %.0f\n",
		r, p, o / u, i / u }'
