#!/bin/sh
# Regenerates vmlinux.h from the running kernel's BTF.
set -eu
out=${1:-vmlinux/x86/vmlinux.h}
btf=/sys/kernel/btf/vmlinux
[ -r "$btf" ] || { echo "gen-vmlinux: $btf not readable: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF)" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
bpftool btf dump file "$btf" format c > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out"
