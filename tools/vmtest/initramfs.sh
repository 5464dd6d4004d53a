#!/bin/bash
# usage: initramfs.sh KERNEL_DIR
# Builds KERNEL_DIR/initramfs.cpio.gz: static busybox, /init, and the 9p
# modules kernel.sh put in KERNEL_DIR. Everything else the guest runs
# comes from the host over 9p.
set -euo pipefail
source "$(dirname "$0")/common.sh"
kdir=${1:?usage: initramfs.sh KERNEL_DIR}
[ -f "$kdir/modules.load" ] || die "$kdir: not a kernel from kernel.sh"

root=$(mktemp -d "$VMTEST_CACHE/initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
# mktemp makes it 0700: the guest's / must be searchable by non-root users
chmod 755 "$root"
mkdir -p "$root"/{bin,dev,proc,sys}
busybox=$(command -v busybox) || die "no busybox (apt-get install busybox-static)"
# the guest has no libc before the host's root is mounted
! readelf -l "$busybox" | grep -q INTERP || die "$busybox is not static (apt-get install busybox-static)"
cp "$busybox" "$root/bin/busybox"
cp "$VMTEST_DIR/init" "$root/init"
cp -r "$kdir/modules" "$kdir/modules.load" "$root/"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$kdir/initramfs.cpio.gz.tmp"
mv "$kdir/initramfs.cpio.gz.tmp" "$kdir/initramfs.cpio.gz"
