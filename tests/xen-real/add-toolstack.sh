#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Put the smallest working Xen toolstack into an initramfs root: xl,
# xenstored, xenconsoled and xen-init-dom0 from Debian's xen-utils-4.17,
# and the shared libraries they load (taken from this machine, where
# libxen-dev installed the same Debian packages).
#
#   tests/xen-real/add-toolstack.sh ROOT XEN-UTILS-DEB
#
# The binaries go to /usr/lib/xen-4.17/bin (their compiled-in home) and
# are linked from /bin. libgcc_s.so.1 is added although ldd does not list
# it: xl loads it through pthread_cancel.

set -eu

die() {
    echo "add-toolstack: error: $*" >&2
    exit 1
}

[ $# -eq 2 ] || {
    echo "usage: $0 ROOT XEN-UTILS-DEB" >&2
    exit 2
}
root=$1
deb=$2
bins="xl xenstored xenconsoled xen-init-dom0"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp"
bindir=/usr/lib/xen-4.17/bin
mkdir -p "$root$bindir" "$root/lib/x86_64-linux-gnu" "$root/lib64" \
         "$root/etc/xen"
for b in $bins; do
    [ -x "$tmp$bindir/$b" ] || die "$b not in $(basename "$deb")"
    cp "$tmp$bindir/$b" "$root$bindir/$b"
    ln -sf "$bindir/$b" "$root/bin/$b"
done

# The ldd closure of the binaries, plus libgcc_s.
libs=$(for b in $bins; do ldd "$tmp$bindir/$b"; done |
       sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p' | sort -u)
gcc_s=$(ldconfig -p | sed -n 's/.*libgcc_s.so.1 (libc6,x86-64) => //p' |
        head -n 1)
[ -n "$gcc_s" ] || die "libgcc_s.so.1 not found on this machine"
for l in $libs $gcc_s; do
    [ -f "$l" ] || die "ldd named $l, which is missing"
    cp -L "$l" "$root/lib/x86_64-linux-gnu/$(basename "$l")"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"

# xl balloons dom0 down for a guest unless told not to; dom0 has a fixed
# dom0_mem here.
echo 'autoballoon="off"' >"$root/etc/xen/xl.conf"
echo "add-toolstack: $bins and $(echo "$libs $gcc_s" | wc -w) libraries"
