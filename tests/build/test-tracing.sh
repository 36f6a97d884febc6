#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The USDT trace points (docs/devel/tracing.rst) are in what we ship, and
# they fire.
#
# 1. Every probe the documentation lists is in libmemcore.so, and every
#    probe there is documented (readelf -n lists the stapsdt notes).
# 2. Where perf can attach uprobes (root, perf installed, tracefs), a
#    qtest script run through memcore-dm with two MMIO reads and one
#    write is counted as exactly that by the ops probes.
#
#   test-tracing.sh SOURCE_DIR BUILD_DIR
set -eu
src=$1
build=$2
doc="$src/docs/devel/tracing.rst"
lib="$build/libmemcore.so"
dm="$build/programs/memcore-dm/memcore-dm"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The probes the documentation promises: its table's first column.
sed -n 's/^``\([a-z0-9_]*\)`` .*/\1/p' "$doc" | sort -u > "$tmp/documented"
readelf -n "$lib" | sed -n 's/^ *Name: //p' | sort -u > "$tmp/built"
[ -s "$tmp/documented" ] || { echo "tracing: no probe found in $doc" >&2; exit 1; }
if ! cmp -s "$tmp/documented" "$tmp/built"; then
    echo "tracing: documented (<) and built (>) probes differ:" >&2
    diff "$tmp/documented" "$tmp/built" >&2 || true
    exit 1
fi
echo "tracing: $(wc -l < "$tmp/documented") probes, all documented and built"

if [ "$(id -u)" != 0 ] || ! command -v perf >/dev/null 2>&1; then
    echo "tracing: perf part skipped: needs root and perf"
    exit 0
fi
# perf keeps probe definitions per binary; this test's are removed after.
cleanup() {
    perf probe -q -d 'sdt_memcore:memory_region_ops_*' >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
perf probe -q -d 'sdt_memcore:memory_region_ops_*' >/dev/null 2>&1 || true
if ! perf buildid-cache --add "$dm" >/dev/null 2>&1 ||
   ! perf probe -q -x "$dm" -a sdt_memcore:memory_region_ops_read \
        -a sdt_memcore:memory_region_ops_write >/dev/null 2>&1; then
    echo "tracing: perf part skipped: perf cannot add uprobes here"
    exit 0
fi
printf 'writel 0xfe000020 0x0\nreadl 0xfe000000\nreadq 0xfe000008\n' \
    > "$tmp/script"
perf stat -x, -o "$tmp/counts" -e sdt_memcore:memory_region_ops_read \
    -e sdt_memcore:memory_region_ops_write \
    "$dm" -machine xenvirt -qtest stdio < "$tmp/script" > "$tmp/replies"
reads=$(sed -n 's/^\([0-9]*\),.*memory_region_ops_read.*/\1/p' "$tmp/counts")
writes=$(sed -n 's/^\([0-9]*\),.*memory_region_ops_write.*/\1/p' "$tmp/counts")
want_reads=$(grep -c '^read' "$tmp/script")
want_writes=$(grep -c '^write' "$tmp/script")
if [ "$reads" != "$want_reads" ] || [ "$writes" != "$want_writes" ]; then
    echo "tracing: perf counted $reads read(s) and $writes write(s)," \
         "the script made $want_reads and $want_writes" >&2
    cat "$tmp/counts" "$tmp/replies" >&2
    exit 1
fi
echo "tracing: perf counted $reads MMIO read(s) and $writes write(s), as made"
