#!/bin/bash
# memtrail at scale: ALLOCS live allocations from STACKS distinct stacks
# (scale.c), traced with the maps raised to hold them, reporting every
# INTERVAL s. Prints, over the reports taken once everything is
# allocated (the symbolizer's caches warm), the median report time (wall
# and CPU: snapshot + symbolization), the BPF map memory per map, the
# tracer's RSS, and the drops; writes the same as JSON.
# Usage: run-scale.sh MEMTRAIL SCALE [ALLOCS] [STACKS] [OUT_JSON]
set -euo pipefail
memtrail=${1:?memtrail binary}
scale=${2:?scale binary}
allocs=${3:-1000000}
stacks=${4:-100000}
out_json=${5:-$(dirname "$scale")/scale.json}
interval=3
hold=20

source "$(dirname "$0")/lib.sh"

reports=$(mktemp)
trap 'rm -f "$reports"' EXIT
# room for the workload's own allocations besides the ALLOCS blocks
max_allocs=$((allocs + allocs / 10))
max_stacks=$((stacks + stacks / 4))
"$memtrail" -q --max-allocs "$max_allocs" --max-stacks "$max_stacks" --interval "$interval" \
	--top 5 --format json --output "$reports" -- "$scale" "$allocs" "$stacks" "$hold"

python3 - "$reports" "$allocs" "$stacks" "$max_allocs" "$max_stacks" "$out_json" <<'PY'
import json, statistics, sys
path, allocs, stacks, max_allocs, max_stacks, out = sys.argv[1:]
allocs, stacks = int(allocs), int(stacks)
docs = [json.loads(l) for l in open(path) if l.strip()]
full = [d for d in docs if d["outstanding_allocs"] >= allocs]
if not full:
    sys.exit("bench: no report held all %d allocations" % allocs)
t = full[-1]["tracer"]
maps = {m["name"]: m for m in t["bpf_maps"]}
res = {
    "allocs": allocs, "stacks": stacks,
    "max_allocs": int(max_allocs), "max_stacks": int(max_stacks),
    "reports": len(full),
    "outstanding_allocs": full[-1]["outstanding_allocs"],
    "stacks_total": full[-1]["stacks_total"],
    "report_build_s_median": statistics.median(d["tracer"]["report_build_s"] for d in full),
    "report_build_cpu_s_median": statistics.median(d["tracer"]["report_build_cpu_s"] for d in full),
    "report_build_s_min": min(d["tracer"]["report_build_s"] for d in full),
    "bpf_map_bytes": t["bpf_map_bytes"],
    "bpf_maps": {k: v["memlock_bytes"] for k, v in maps.items()},
    "tracer_rss_bytes": t["rss_bytes"], "tracer_rss_peak_bytes": t["rss_peak_bytes"],
    "tracer_rss_bpf_map_bytes": t["rss_bpf_map_bytes"],
    "live_overflows": full[-1]["stats"]["live_overflows"],
    "tracer_cpu_s": t["cpu_s"],
    "drops_total": full[-1]["stats"]["drops_total"],
}
json.dump(res, open(out, "w"), indent=1)
mib = lambda b: b / 1048576
print("%d live allocations from %d stacks (--max-allocs %s --max-stacks %s), %d full reports"
      % (res["outstanding_allocs"], res["stacks_total"], max_allocs, max_stacks, len(full)))
print("  report (snapshot + symbolization): median %.3f s wall, %.3f s cpu (best %.3f s)"
      % (res["report_build_s_median"], res["report_build_cpu_s_median"], res["report_build_s_min"]))
print("  bpf maps: %.1f MiB in all (%s)" % (mib(t["bpf_map_bytes"]),
      ", ".join("%s %.1f" % (k, mib(v["memlock_bytes"])) for k, v in
                sorted(maps.items(), key=lambda kv: -kv[1]["memlock_bytes"])[:4])))
print("  tracer rss: %.1f MiB (peak %.1f MiB; mapped bpf maps %.1f MiB), cpu %.1f s; drops %d"
      % (mib(t["rss_bytes"]), mib(t["rss_peak_bytes"]), mib(t["rss_bpf_map_bytes"]), t["cpu_s"],
         res["drops_total"]))
print("  allocations that went to the overflow: %d" % res["live_overflows"])
print("  written to %s" % out)
PY
