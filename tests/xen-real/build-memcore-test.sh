#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build tests/xen-real/test-memcore-xen.c as a static program against the
# static libmemcore of a meson build directory, for the xen-real dom0
# initramfs (which has no libc or other shared libraries).
#
#   tests/xen-real/build-memcore-test.sh MESONDIR OUTPUT
#
# MESONDIR is configured (with the libxen backend required) if it is not
# yet, and only the static library is built in it, so that unrelated
# targets cannot break this test. Called by build-image.sh --memcore.

set -eu

say() {
    echo "build-memcore-test: $*"
}

die() {
    echo "build-memcore-test: error: $*" >&2
    exit 1
}

[ $# -eq 2 ] || {
    echo "usage: $0 MESONDIR OUTPUT" >&2
    exit 2
}
srcdir=$(cd "$(dirname "$0")" && pwd)
topdir=$(cd "$srcdir/../.." && pwd)
mesondir=$1
output=$2
CC=${CC:-cc}

"$topdir/scripts/install-deps.sh" --check ||
    "$topdir/scripts/install-deps.sh" ||
    die "scripts/install-deps.sh failed"

if [ ! -f "$mesondir/build.ninja" ]; then
    say "configuring $mesondir"
    (cd "$topdir" && ./configure --builddir="$mesondir" --enable-xen) ||
        die "configuring $mesondir failed"
fi
say "ninja -C $mesondir libmemcore.a"
ninja -C "$mesondir" libmemcore.a || die "building libmemcore.a failed"
[ -f "$mesondir/libmemcore.a" ] || die "no $mesondir/libmemcore.a"

# The uninstalled memcore.pc names libmemcore and what it needs; the static
# libxen libraries may be private to it, so name them as well.
pcdir=$mesondir/meson-uninstalled
[ -f "$pcdir/memcore-uninstalled.pc" ] ||
    die "no $pcdir/memcore-uninstalled.pc"
cflags=$(PKG_CONFIG_PATH=$pcdir pkg-config --cflags memcore xengnttab) ||
    die "pkg-config --cflags memcore failed"
libs=$(PKG_CONFIG_PATH=$pcdir pkg-config --static --libs memcore \
       xengnttab xenforeignmemory glib-2.0 liburcu) ||
    die "pkg-config --static --libs memcore failed"

say "linking $output statically"
rm -f "$output"
log=$output.log
# shellcheck disable=SC2086 # $cflags and $libs are lists of options
if ! "$CC" -O2 -g -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE \
        -D_LGPL_SOURCE -I"$topdir/include" -I"$mesondir" $cflags -static \
        -o "$output" "$srcdir/test-memcore-xen.c" $libs -lpthread \
        >"$log" 2>&1; then
    cat "$log" >&2
    die "compiling or linking $output failed"
fi
# Static glib warns that getpwnam() and friends need the shared libc at run
# time; this test never calls them. Show every other message.
grep -v -e 'statically linked applications requires at runtime' \
        -e "in function \`" "$log" || true
