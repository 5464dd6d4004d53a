#!/bin/bash
# Regenerates the committed seed corpus (tools/fuzz/corpus/<name>/): small
# real ELF files made by this machine's gcc, and real procfs text taken
# from a running process. Seeds only start the search; the fuzzer's own
# corpus grows under .output/fuzz/corpus and is never committed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ELF: a library, a PIE with an interpreter, a static executable, a
# stripped library (.dynsym only); -nostdlib and no page alignment keep
# them near 2 KB, so mutations land on headers and tables, not padding
small=(-O1 -nostdlib -Wl,-z,noseparate-code -Wl,-z,norelro -Wl,-z,max-page-size=4096)
cat >"$tmp/s.c" <<'C'
void *malloc(unsigned long n) { return (void *)n; }
void free(void *p) { (void)p; }
__attribute__((noinline)) static int helper(int x) { return x * 3; }
int main(void) { return helper(2); }
C
elf=$here/corpus/elf
mkdir -p "$elf"
gcc "${small[@]}" -fPIC -shared "$tmp/s.c" -o "$elf/lib.so"
gcc "${small[@]}" -fPIE -pie -Wl,-e,main \
	-Wl,--dynamic-linker=/lib64/ld-linux-x86-64.so.2 "$tmp/s.c" -o "$elf/pie"
gcc "${small[@]}" -static -Wl,-e,main "$tmp/s.c" -o "$elf/static"
strip --strip-all "$elf/lib.so" -o "$elf/lib-stripped.so"

# procfs: a process with a file mapping, a deleted file, an anonymous
# named mapping, a heap and a stack
maps=$here/corpus/maps smaps=$here/corpus/smaps
mkdir -p "$maps" "$smaps"
cp "$elf/lib.so" "$tmp/gone.so"
/usr/bin/python3 - "$tmp/gone.so" "$maps" "$smaps" <<'PY'
import mmap, os, sys
gone, maps, smaps = sys.argv[1:]
f = open(gone, 'rb')
m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
os.unlink(gone)
keep = b'x' * (1 << 20)
text = open('/proc/self/maps', 'rb').read()
lines = text.splitlines(keepends=True)
# the first, the deleted one, the last few: a few hundred bytes
pick = lines[:3] + [l for l in lines if b'(deleted)' in l] + lines[-4:]
open(os.path.join(maps, 'self'), 'wb').write(b''.join(pick))
blocks, cur = [], []
for l in open('/proc/self/smaps', 'rb').read().splitlines(keepends=True):
    if l[:1] in b'0123456789abcdef' and b'-' in l.split(b' ')[0]:
        if cur: blocks.append(b''.join(cur))
        cur = []
    cur.append(l)
blocks.append(b''.join(cur))
open(os.path.join(smaps, 'smaps'), 'wb').write(b''.join(blocks[:2] + blocks[-2:]))
open(os.path.join(smaps, 'status'), 'wb').write(open('/proc/self/status', 'rb').read())
open(os.path.join(smaps, 'rollup'), 'wb').write(open('/proc/self/smaps_rollup', 'rb').read())
PY
# symbolize: the header fuzz_symbolize.c reads (mapping start, length and
# offset in pages, ELF length, 8 address offsets), an ELF seed, maps lines
sym=$here/corpus/symbolize
mkdir -p "$sym"
for f in lib.so pie static; do
	/usr/bin/python3 - "$elf/$f" "$maps/self" "$sym/$f" <<'PY'
import struct, sys
elf = open(sys.argv[1], 'rb').read()
maps = open(sys.argv[2], 'rb').read()
hdr = struct.pack('<IHHH', 0x7f0000, 0, 0, len(elf))
hdr += struct.pack('<8I', *(2048 + o for o in (0x25a, 0x25e, 0x25f, 0x260, 0, 0x1000, 0x2f0, 4095)))
open(sys.argv[3], 'wb').write(hdr + elf + maps)
PY
done
# perf map: what a JIT writes, with and without 0x, a name with spaces
pm=$here/corpus/perf_map
mkdir -p "$pm"
printf '%s\n' '7f0000001000 40 Interpreter' \
	'0x7f0000002000 0x1a0 LFoo;::bar (Ljava/lang/String;)V' \
	'7f0000002100 20 stub with spaces' >"$pm/jit.map"

# demangle: C++, Rust legacy and v0, plain C
dm=$here/corpus/demangle
mkdir -p "$dm"
printf '%s' '_ZN9__gnu_cxx13new_allocatorIcE8allocateEmPKv' >"$dm/cxx"
printf '%s' '_ZN4core3fmt5write17h0123456789abcdefE' >"$dm/rust_legacy"
printf '%s' '_RNvNtCs1234_7mycrate3foo3bar' >"$dm/rust_v0"
printf '%s' 'malloc' >"$dm/c"

# eh_frame: the 9-byte header fuzz_eh_frame.c reads (flags, the section's
# address) and the .eh_frame of each ELF seed; unwind: the ELF seeds
eh=$here/corpus/eh_frame unw=$here/corpus/unwind
mkdir -p "$eh" "$unw"
for f in lib.so pie static; do
	addr=$(readelf -SW "$elf/$f" | awk '{ for (i = 1; i < NF; i++) if ($i == ".eh_frame") print $(i + 2) }')
	objcopy -O binary --only-section=.eh_frame "$elf/$f" "$tmp/eh"
	/usr/bin/python3 -c 'import struct, sys; sys.stdout.buffer.write(b"\0" + struct.pack("<Q", int(sys.argv[1], 16)) + open(sys.argv[2], "rb").read())' \
		"$addr" "$tmp/eh" >"$eh/$f"
	cp "$elf/$f" "$unw/$f"
done
# debuglink: sections as objcopy --add-gnu-debuglink writes them;
# dwarf: the library with DWARF, plain and zlib-compressed
dl=$here/corpus/debuglink dw=$here/corpus/dwarf
mkdir -p "$dl" "$dw"
gcc "${small[@]}" -g -fPIC -shared "$tmp/s.c" -o "$dw/lib-g.so"
objcopy --compress-debug-sections=zlib "$dw/lib-g.so" "$dw/lib-gz.so"
objcopy --only-keep-debug "$dw/lib-g.so" "$tmp/lib.debug"
objcopy --add-gnu-debuglink="$tmp/lib.debug" "$elf/lib.so" "$tmp/linked.so"
objcopy --dump-section .gnu_debuglink="$dl/lib.debug" "$tmp/linked.so" "$tmp/unused.so"
printf 'libc.so.6.debug\0\0\0\0\0\0\0\0\0' >"$dl/libc"
ls -l "$elf" "$maps" "$smaps" "$sym" "$pm" "$dm" "$eh" "$unw" "$dl" "$dw"
