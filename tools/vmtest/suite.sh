#!/bin/bash
# usage: suite.sh "SERIES..." COMMAND [ARG...]
# Runs COMMAND (the integration suite) in a guest of each kernel series,
# once per kernel-hook mode memtrail can be forced into, then prints one
# line per (kernel, mode) and fails if any run failed. The series in
# VMTEST_PREEMPT_KERNELS run it once more on a kernel booted with
# preempt=full, where BPF programs can be preempted (6.6+ runs uprobe
# programs with only migration disabled): state two threads could share
# on one CPU shows there. A test binary that fails in a guest runs once
# more there (MT_RETRY_FAILED, tests/run-suites.sh); one that passes only
# then is named under FLAKY: and counted in its run's line.
set -euo pipefail
source "$(dirname "$0")/common.sh"
kernels=${1:?usage: suite.sh \"SERIES...\" COMMAND [ARG...]}
shift
# auto: what memtrail picks on that kernel; kprobe: the fallback path;
# preempt: auto on a fully preemptible kernel
MODES="auto kprobe"

summary=() rc=0
for series in $kernels; do
	start=$SECONDS
	kdir=$("$VMTEST_DIR/kernel.sh" "$series")
	"$VMTEST_DIR/initramfs.sh" "$kdir"
	echo "vmtest: $(basename "$kdir") ready in $((SECONDS - start)) s"
	modes=$MODES
	[[ " ${VMTEST_PREEMPT_KERNELS:-} " == *" $series "* ]] && modes+=" preempt"
	for mode in $modes; do
		log=$(mktemp "$VMTEST_CACHE/log.XXXXXX")
		start=$SECONDS status=0
		echo "vmtest: ==== $(basename "$kdir") $mode"
		if [ "$mode" = preempt ]; then
			VMTEST_APPEND=preempt=full "$VMTEST_DIR/run.sh" "$kdir" env MT_RETRY_FAILED=1 \
				MEMTRAIL_KERNEL_HOOKS=auto MT_EXPECT_PREEMPT=full "$@"
		else
			"$VMTEST_DIR/run.sh" "$kdir" env MT_RETRY_FAILED=1 \
				MEMTRAIL_KERNEL_HOOKS="$mode" "$@"
		fi 2>&1 | tee "$log" || status=$?
		# run-suites.sh's closing line, when the suite got that far (with
		# the binaries that passed only on a retry: MT_RETRY_FAILED)
		tests=$(grep -o 'tests: [0-9]* passed, [0-9]* failed.*' "$log" | tail -n 1 || true)
		rm -f "$log"
		if [ "$status" -eq 0 ]; then verdict=ok; else verdict="FAIL (exit $status)"; rc=1; fi
		summary+=("vmtest: $(basename "$kdir") $mode: $verdict, ${tests:-no test summary}, $((SECONDS - start)) s")
	done
done
printf '%s\n' "${summary[@]}"
exit $rc
