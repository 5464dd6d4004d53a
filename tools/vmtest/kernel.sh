#!/bin/bash
# usage: kernel.sh SERIES      (SERIES: 6.1, 6.12, ...)
# Fetches the newest Debian amd64 kernel of SERIES that apt knows, unpacks
# the kernel image and the modules the guest needs to mount the host over
# virtio-9p, and prints the cache directory. A cached kernel is reused
# without touching the network.
#
# The generic flavour, not -cloud: Debian's cloud kernels have no 9p.
set -euo pipefail
source "$(dirname "$0")/common.sh"
series=${1:?usage: kernel.sh SERIES}

# the modules that give the guest the host's root: 9p over virtio-pci
# (built in on some versions; modprobe says "builtin" then)
MODULES="virtio_pci 9pnet_virtio 9p"

newest_package() {
	apt-cache pkgnames linux-image- |
		grep -E "^linux-image-${series//./\\.}[.-][0-9.]*(-[0-9]+)?(\\+deb[0-9]+)?-amd64-unsigned\$" |
		sort -V | tail -n 1
}

pkg=$(newest_package)
if [ -z "$pkg" ]; then
	# apt lists never fetched on this machine
	apt-get update >&2
	pkg=$(newest_package)
fi
[ -n "$pkg" ] || die "no Debian kernel package for series $series"
release=${pkg#linux-image-}
release=${release%-unsigned}
dir=$VMTEST_CACHE/$release
if [ -f "$dir/vmlinuz" ]; then
	echo "$dir"
	exit 0
fi

echo "vmtest: fetching $pkg" >&2
tmp=$(mktemp -d "$VMTEST_CACHE/fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# as root: apt's sandbox user may not reach the cache directory
download() { (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2); }
if ! download; then
	# a security update replaced the version the lists name
	apt-get update >&2
	download
fi
dpkg-deb -x "$tmp"/*.deb "$tmp/root"
depmod -b "$tmp/root" "$release"

mkdir -p "$tmp/out/modules"
: >"$tmp/out/modules.load"
for m in $MODULES; do
	# load order, dependencies first; "builtin NAME" needs nothing
	modprobe -d "$tmp/root" -S "$release" --show-depends "$m" |
		awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
	name=$(basename "$ko")
	case $name in
	*.ko.xz) xz -dc "$ko" >"$tmp/out/modules/${name%.xz}" ;;
	*.ko.zst) zstd -qdc "$ko" >"$tmp/out/modules/${name%.zst}" ;;
	*.ko) cp "$ko" "$tmp/out/modules/" ;;
	*) die "unexpected module file $ko" ;;
	esac
	name=${name%.xz}
	echo "${name%.zst}" >>"$tmp/out/modules.load"
done
cp "$tmp/root/boot/vmlinuz-$release" "$tmp/out/vmlinuz"
cp "$tmp/root/boot/config-$release" "$tmp/out/config"
# in place only when complete: a cache hit is always a whole kernel
rm -rf "$dir"
mv "$tmp/out" "$dir"
echo "$dir"
