#!/bin/bash
# usage: run.sh KERNEL_DIR COMMAND [ARG...]
# Boots the kernel kernel.sh cached in KERNEL_DIR under qemu and runs
# COMMAND in the guest, in the host's root (read-only over 9p) and in this
# directory. The guest's console (COMMAND's output among it) comes out on
# stdout; run.sh exits with COMMAND's status, or 125 when the guest did not
# report one (boot failure, panic, timeout).
#
# VMTEST_TIMEOUT (seconds, default 900) bounds one boot; VMTEST_SMP sets
# the vCPUs (default 2); VMTEST_APPEND adds to the kernel's command line
# (preempt=full, say); CI is passed on.
set -euo pipefail
source "$(dirname "$0")/common.sh"
kdir=${1:?usage: run.sh KERNEL_DIR COMMAND [ARG...]}
shift
[ $# -gt 0 ] || die "usage: run.sh KERNEL_DIR COMMAND [ARG...]"
[ -f "$kdir/initramfs.cpio.gz" ] || "$VMTEST_DIR/initramfs.sh" "$kdir"

# the run directory is shared writable; the guest mounts it at this same
# path, reads where and cmd from it and writes status into it
run=$(mktemp -d "$VMTEST_CACHE/run.XXXXXX")
trap 'rm -rf "$run"' EXIT
printf 'run=%q\ncwd=%q\n' "$run" "$PWD" >"$run/where"
{
	echo "cd $(printf '%q' "$PWD") || exit 125"
	echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp"
	[ -z "${CI:-}" ] || echo "export CI=$(printf '%q' "$CI")"
	printf 'exec'
	printf ' %q' "$@"
	echo
} >"$run/cmd"

# TCG, one thread: this host's KVM cannot boot these kernels, and
# multi-threaded TCG panicked the guest now and then
status=0
timeout "${VMTEST_TIMEOUT:-900}" qemu-system-x86_64 \
	-accel tcg,thread=single -cpu max -smp "${VMTEST_SMP:-2}" -m 2G \
	-kernel "$kdir/vmlinuz" -initrd "$kdir/initramfs.cpio.gz" \
	-append "console=ttyS0 quiet panic=-1${VMTEST_APPEND:+ $VMTEST_APPEND}" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$run,mount_tag=vmtestrun,security_model=none" \
	-nic none -display none -monitor none -serial stdio -no-reboot \
	</dev/null | tr -d '\r' || status=$?
if [ ! -s "$run/status" ]; then
	echo "vmtest: the guest reported no exit status (qemu/timeout exit $status)" >&2
	exit 125
fi
exit "$(cat "$run/status")"
