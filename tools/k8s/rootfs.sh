#!/bin/sh
# rootfs.sh BINARY DIR: DIR becomes a root file system that runs BINARY
# and nothing else: BINARY at /usr/local/bin, each shared library ldd
# names and the dynamic loader at the paths ldd prints them (the loader's
# default search path on Debian), no shell, no ld.so.cache.
set -eu
bin=$1 dir=$2
[ -x "$bin" ] || { echo "rootfs.sh: $bin is not an executable" >&2; exit 2; }
mkdir -p "$dir/usr/local/bin"
cp "$bin" "$dir/usr/local/bin/memtrail"
# "libbpf.so.1 => /lib/x86_64-linux-gnu/libbpf.so.1 (0x...)" and the
# loader "/lib64/ld-linux-x86-64.so.2 (0x...)"; linux-vdso has no file
libs=$(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
[ -n "$libs" ] || { echo "rootfs.sh: ldd names no libraries for $bin" >&2; exit 1; }
for lib in $libs; do
	mkdir -p "$dir$(dirname "$lib")"
	cp -L "$lib" "$dir$lib"	# the file, not the symlink, under the name ldd used
done
