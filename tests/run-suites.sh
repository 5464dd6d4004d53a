#!/bin/bash
# Runs criterion test binaries one after another, then prints one closing
# line for all of them: "tests: N passed, N failed". Exits non-zero when a
# binary fails or crashes.
#
# MT_RETRY_FAILED=1 (tools/vmtest sets it: its guests are emulated, slow,
# and their timing far from a real machine's) runs a binary that failed
# once more; when the second run passes, the first run's output stays in
# the log under "FLAKY:", its tests count as passed, and the closing line
# says how many binaries passed only on the retry.
set -uo pipefail
passed=0 failed=0 flaky=0 rc=0

# summary OUTPUT: "passed failed" of criterion's synthesis line, or nothing
summary() {
	local line
	line=$(grep -o 'Tested: [0-9]* | Passing: [0-9]* | Failing: [0-9]* | Crashing: [0-9]*' <<<"$1" | tail -n 1)
	[ -n "$line" ] || return 0
	read -r _ _ _ _ p _ _ f _ _ c <<<"$line"
	echo "$p $((f + c))"
}

for t in "$@"; do
	echo "== $t"
	out=$("$t" --jobs 1 2>&1)
	status=$?
	counts=$(summary "$out")
	if [ "${MT_RETRY_FAILED:-}" = 1 ] && { [ "$status" -ne 0 ] || [ -z "$counts" ] ||
		[ "${counts#* }" != 0 ]; }; then
		printf '%s\n' "$out" | sed 's/^/FLAKY? /'
		echo "== $t (failed: once more)"
		out=$("$t" --jobs 1 2>&1)
		status=$?
		counts=$(summary "$out")
		if [ "$status" -eq 0 ] && [ -n "$counts" ] && [ "${counts#* }" = 0 ]; then
			echo "FLAKY: $t failed, then passed on the retry (its first output above)"
			flaky=$((flaky + 1))
		fi
	fi
	printf '%s\n' "$out"
	if [ -z "$counts" ]; then
		echo "$t: no test summary (exit $status)"
		failed=$((failed + 1))
		rc=1
		continue
	fi
	passed=$((passed + ${counts% *}))
	failed=$((failed + ${counts#* }))
	[ "$status" -eq 0 ] || rc=1
done
if [ "$flaky" -gt 0 ]; then
	echo "tests: $passed passed, $failed failed ($flaky binaries passed only on a retry)"
else
	echo "tests: $passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] || rc=1
exit $rc
