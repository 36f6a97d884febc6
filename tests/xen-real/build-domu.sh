#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the initramfs of the PVH guest that tests/xen-real's dom0 creates:
# static busybox, the xen-gntalloc module, domu-init.sh as /init, and the
# static guest test programs in /tests.
#
#   tests/xen-real/build-domu.sh OUTPUT KERNEL-UNPACK-DIR BUSYBOX [PROGRAM...]
#
# OUTPUT is the gzip'd cpio archive to write.

set -eu

die() {
    echo "build-domu: error: $*" >&2
    exit 1
}

[ $# -ge 3 ] || {
    echo "usage: $0 OUTPUT KERNEL-UNPACK-DIR BUSYBOX [PROGRAM...]" >&2
    exit 2
}
srcdir=$(cd "$(dirname "$0")" && pwd)
output=$1
kdir=$2
busybox=$3
shift 3

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" \
         "$root/modules" "$root/tests"
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$srcdir/domu-init.sh" "$root/init"
chmod 755 "$root/init"

ko=$(find "$kdir" -name 'xen-gntalloc.ko*' | head -n 1)
[ -n "$ko" ] || die "xen-gntalloc not in $kdir"
case "$ko" in
*.ko) cp "$ko" "$root/modules/xen-gntalloc.ko" ;;
*.ko.xz) xz -dc "$ko" >"$root/modules/xen-gntalloc.ko" ;;
*) die "cannot handle module file $ko" ;;
esac

for prog in "$@"; do
    if readelf -l "$prog" 2>/dev/null | grep -q 'INTERP'; then
        die "$prog is dynamically linked; the guest has no libc"
    fi
    cp "$prog" "$root/tests/"
done

(cd "$root" && find . | sort | "$busybox" cpio -o -H newc 2>/dev/null) |
    gzip -6 >"$output"
echo "build-domu: made $output ($(wc -c <"$output") bytes)"
