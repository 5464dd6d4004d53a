# Sourced by the tools/vmtest scripts: where kernels are cached, and die().
# VMTEST_CACHE overrides the cache (default .output/vmtest in the tree).
VMTEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VMTEST_CACHE=${VMTEST_CACHE:-$VMTEST_DIR/../../.output/vmtest}
mkdir -p "$VMTEST_CACHE"
VMTEST_CACHE=$(cd "$VMTEST_CACHE" && pwd)

die() {
	echo "vmtest: $*" >&2
	exit 1
}
