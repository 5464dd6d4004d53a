#!/bin/bash
# Drops at the highest rate this machine sustains: the malloc/free churn
# on every CPU for SECONDS s under memtrail with its default map sizes.
# Prints the rate it held and every drop counter (all zero is the target).
# Usage: run-drops.sh MEMTRAIL CHURN [SECONDS] [THREADS]
set -euo pipefail
memtrail=${1:?memtrail binary}
churn=${2:?churn binary}
seconds=${3:-60}
threads=${4:-$(nproc)}

source "$(dirname "$0")/lib.sh"

report=$(mktemp)
trap 'rm -f "$report"' EXIT
# more pairs than SECONDS can run: --duration ends the command
"$memtrail" -q --duration "$seconds" --format json --output "$report" -- \
	"$churn" "$threads" 1000000000 >/dev/null || true
python3 - "$report" "$seconds" "$threads" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
secs, threads = float(sys.argv[2]), int(sys.argv[3])
st = d["stats"]
print("%d threads for %.0f s at default map sizes: %d allocs, %d frees (%.0f malloc+free pairs/s)"
      % (threads, d["duration_s"], st["allocs"], st["frees"], st["allocs"] / d["duration_s"]))
fired = {k: v for k, v in st["drops"].items() if v}
print("  drops: %d%s" % (st["drops_total"], (" " + str(fired)) if fired else " (every counter zero)"))
print("  tracer: cpu %.1f s, rss %.1f MiB, bpf maps %.1f MiB"
      % (d["tracer"]["cpu_s"], d["tracer"]["rss_bytes"] / 1048576, d["tracer"]["bpf_map_bytes"] / 1048576))
PY
