#!/bin/bash
# Runs criterion test binaries one after another, then prints one closing
# line for all of them: "tests: N passed, N failed". Exits non-zero when a
# binary fails or crashes.
set -uo pipefail
passed=0 failed=0 rc=0
for t in "$@"; do
	echo "== $t"
	out=$("$t" --jobs 1 2>&1)
	status=$?
	printf '%s\n' "$out"
	line=$(grep -o 'Tested: [0-9]* | Passing: [0-9]* | Failing: [0-9]* | Crashing: [0-9]*' <<<"$out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$t: no test summary (exit $status)"
		failed=$((failed + 1))
		rc=1
		continue
	fi
	read -r _ _ _ _ p _ _ f _ _ c <<<"$line"
	passed=$((passed + p))
	failed=$((failed + f + c))
	[ "$status" -eq 0 ] || rc=1
done
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || rc=1
exit $rc
