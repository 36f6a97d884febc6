#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build everything tests/xen-real/boot.sh needs to boot a real Xen 4.17
# hypervisor with a Linux PV dom0 under QEMU, and run our grant tests in
# that dom0.
#
#   tests/xen-real/build-image.sh [--memcore MESONDIR [--domu]] BUILDDIR
#                                 [PROGRAM...]
#
# It makes, in BUILDDIR:
#   xen             Debian's xen-hypervisor-4.17-amd64, gunzipped (a 32-bit
#                   ELF that QEMU's -kernel multiboot loader accepts)
#   vmlinuz         the dom0 kernel linux-image-amd64 points to
#   initrd.cpio.gz  static busybox, five Xen driver modules of that kernel,
#                   init.sh as /init, and the test programs in /tests
#   image.info      what went into the image, for boot.sh to report
#   cache/          the downloaded .debs (reused by later runs)
#
# Test programs: xen-smoke (built here from xen-smoke.c) always runs first.
# With --memcore MESONDIR, test-memcore-xen.c is built against the static
# libmemcore of the meson build in MESONDIR (set up and built if needed).
# Any PROGRAM given is added too; it must be statically linked.
#
# With --domu (needs --memcore), dom0 also gets the Xen toolstack
# (add-toolstack.sh), a static memcore-dm from MESONDIR, and a PVH guest to
# serve: the same kernel, an initramfs from build-domu.sh with the static
# guest-dma test program, and its xl config. domu-dm.sh, run last from
# /tests, creates the guest paused, starts memcore-dm for it restricted and
# unprivileged, and unpauses it (docs/devel/xen-dm.rst).
#
# Missing Debian packages are installed (apt-get); the boot packages are
# only downloaded and unpacked (dpkg-deb), so no boot hooks run. When the
# Debian mirror cannot be reached, it writes the reason to
# BUILDDIR/skip-reason and exits 0, and boot.sh then reports SKIP. Every
# other problem is an error (exit 1).
#
# Environment: CC (default cc), XEN_REAL_CACHE (default BUILDDIR/cache).

set -eu

say() {
    echo "build-image: $*"
}

die() {
    echo "build-image: error: $*" >&2
    exit 1
}

usage() {
    echo "usage: $0 [--memcore MESONDIR [--domu]] BUILDDIR [STATIC-PROGRAM...]" >&2
    exit 2
}

memcore_build=
domu=
while [ $# -gt 0 ]; do
    case "$1" in
    --domu)
        domu=yes
        shift
        ;;
    --memcore)
        [ $# -ge 2 ] || usage
        memcore_build=$2
        shift 2
        ;;
    --help|-h)
        usage
        ;;
    -*)
        usage
        ;;
    *)
        break
        ;;
    esac
done
[ $# -ge 1 ] || usage
if [ -n "$domu" ] && [ -z "$memcore_build" ]; then
    usage
fi

srcdir=$(cd "$(dirname "$0")" && pwd)
topdir=$(cd "$srcdir/../.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
shift
cache=${XEN_REAL_CACHE:-$out/cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
skipfile=$out/skip-reason
rm -f "$skipfile"
CC=${CC:-cc}

case "$out" in
*[,\ ]*)
    # QEMU's -initrd takes "file args,file args": no commas or spaces.
    die "BUILDDIR must not contain a comma or a space: $out"
    ;;
esac

# An environmental reason outside this project: boot.sh will say SKIP.
skip() {
    say "SKIP: $*"
    echo "$*" >"$skipfile"
    exit 0
}

as_root=
sandbox=
if [ "$(id -u)" = 0 ]; then
    as_root=yes
    # Let root's apt-get download write where user _apt could not.
    sandbox="-o APT::Sandbox::User=root"
fi

apt_updated=
apt_update() {
    if [ -n "$apt_updated" ]; then
        return 0
    fi
    say "apt-get update"
    if ! apt-get -q update --error-on=any >"$out/apt-update.log" 2>&1; then
        sed 's/^/build-image:   /' "$out/apt-update.log" | tail -n 5
        return 1
    fi
    apt_updated=yes
}

# Install the Debian packages named that are not installed yet.
need_packages() {
    missing=
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
                grep -q 'ok installed'; then
            missing="$missing $p"
        fi
    done
    if [ -z "$missing" ]; then
        return 0
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        die "not a Debian system; install:$missing"
    fi
    if [ -z "$as_root" ]; then
        skip "packages missing and not root to install them:$missing"
    fi
    say "installing:$missing"
    if ! apt_update; then
        skip "Debian mirror unreachable (apt-get update failed), cannot install:$missing"
    fi
    # shellcheck disable=SC2086 # $missing is a list of package names
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends $missing ||
        die "apt-get install$missing failed"
}

# Print the cached .deb of package $1, if there is one.
cached_deb() {
    for f in "$cache/$1"_*.deb; do
        if [ -f "$f" ]; then
            echo "$f"
            return 0
        fi
    done
    return 1
}

# Make sure the .deb of package $1 is in the cache; set $deb to its path.
fetch_deb() {
    pkg=$1
    if deb=$(cached_deb "$pkg"); then
        return 0
    fi
    if ! download_deb "$pkg"; then
        if ! apt_update; then
            skip "Debian mirror unreachable, cannot download $pkg"
        fi
        if ! download_deb "$pkg"; then
            sed 's/^/build-image:   /' "$out/apt-download.log" >&2
            die "apt-get download $pkg failed"
        fi
    fi
    deb=$(cached_deb "$pkg") || die "apt-get download $pkg left no .deb"
}

# Download into a fresh directory so that a failure leaves no partial file.
download_deb() {
    say "apt-get download $1"
    tmp=$(mktemp -d "$cache/download.XXXXXX")
    # shellcheck disable=SC2086 # $sandbox is empty or an option and value
    if (cd "$tmp" && apt-get -q $sandbox download "$1") \
            >"$out/apt-download.log" 2>&1; then
        mv "$tmp"/*.deb "$cache"/
        rmdir "$tmp"
        return 0
    fi
    rm -rf "$tmp"
    return 1
}

# --- tools -------------------------------------------------------------
need_packages qemu-system-x86 gcc libc6-dev pkg-config libxen-dev

# --- what to boot -------------------------------------------------------
# The kernel linux-image-amd64 depends on, e.g. linux-image-6.1.0-56-amd64.
kernel_pkg() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1
}
kpkg=$(kernel_pkg)
if [ -z "$kpkg" ]; then
    if apt_update; then
        kpkg=$(kernel_pkg)
        [ -n "$kpkg" ] || die "cannot tell which kernel linux-image-amd64 depends on"
    else
        # Offline: a kernel fetched earlier will do.
        for f in "$cache"/linux-image-[0-9]*.deb; do
            if [ -f "$f" ]; then
                kpkg=$(basename "$f")
                kpkg=${kpkg%%_*}
            fi
        done
        [ -n "$kpkg" ] ||
            skip "Debian mirror unreachable, cannot find the linux-image-amd64 kernel"
    fi
fi

fetch_deb xen-hypervisor-4.17-amd64
xen_deb=$deb
if ! cached_deb "$kpkg" >/dev/null && ! download_deb "$kpkg"; then
    # Stale package lists can name a kernel the mirror no longer has.
    if ! apt_update; then
        skip "Debian mirror unreachable, cannot download $kpkg"
    fi
    kpkg=$(kernel_pkg)
    [ -n "$kpkg" ] || die "cannot tell which kernel linux-image-amd64 depends on"
fi
fetch_deb "$kpkg"
kernel_deb=$deb
fetch_deb busybox-static
busybox_deb=$deb
if [ -n "$domu" ]; then
    fetch_deb xen-utils-4.17
    xenutils_deb=$deb
fi
say "xen:     $(basename "$xen_deb")"
say "kernel:  $(basename "$kernel_deb")"
say "busybox: $(basename "$busybox_deb")"

unpack=$out/unpack
rm -rf "$unpack"
mkdir -p "$unpack/xen" "$unpack/kernel" "$unpack/busybox"
# dpkg-deb only unpacks: no maintainer scripts, no boot hooks. Only the
# parts of the kernel package we need.
dpkg-deb -x "$xen_deb" "$unpack/xen"
dpkg-deb -x "$busybox_deb" "$unpack/busybox"
dpkg-deb --fsys-tarfile "$kernel_deb" |
    tar -x -C "$unpack/kernel" --wildcards \
        './boot/vmlinuz-*' '*/kernel/drivers/xen/*'

xen_gz=$(find "$unpack/xen/boot" -name 'xen-4.17*-amd64.gz' | head -n 1)
[ -n "$xen_gz" ] || die "no boot/xen-4.17-amd64.gz in $(basename "$xen_deb")"
gzip -dc "$xen_gz" >"$out/xen"
# ELF, 32-bit (EI_CLASS 1): what the multiboot loader of -kernel wants.
magic=$(od -A n -t x1 -N 5 "$out/xen" | tr -d ' \n')
[ "$magic" = 7f454c4601 ] || die "$xen_gz is not a 32-bit ELF (header $magic)"
say "made $out/xen from $(basename "$xen_gz")"

vmlinuz=$(find "$unpack/kernel/boot" -name 'vmlinuz-*' | head -n 1)
[ -n "$vmlinuz" ] || die "no vmlinuz in $(basename "$kernel_deb")"
cp "$vmlinuz" "$out/vmlinuz"
kver=${vmlinuz##*/vmlinuz-}
say "made $out/vmlinuz ($kver)"

busybox=$unpack/busybox/bin/busybox
[ -x "$busybox" ] || die "no bin/busybox in $(basename "$busybox_deb")"

# --- test programs ------------------------------------------------------
static_libs() {
    pkg-config --static --libs "$@"
}

say "building xen-smoke"
# shellcheck disable=SC2046 # pkg-config prints several words
"$CC" -O2 -g -Wall -Wextra -static -o "$out/xen-smoke" \
    "$srcdir/xen-smoke.c" $(static_libs xengnttab)
set -- "$out/xen-smoke" "$@"

if [ -n "$memcore_build" ]; then
    "$srcdir/build-memcore-test.sh" "$memcore_build" \
        "$out/test-memcore-xen"
    set -- "$@" "$out/test-memcore-xen"
fi
if [ -n "$domu" ]; then
    say "building memcore-dm-static and guest-dma"
    ninja -C "$memcore_build" programs/memcore-dm/memcore-dm-static ||
        die "building memcore-dm-static failed"
    cp "$memcore_build/programs/memcore-dm/memcore-dm-static" \
        "$out/memcore-dm"
    say "memcore-dm (static): $(wc -c <"$out/memcore-dm") bytes"
    # shellcheck disable=SC2046 # pkg-config prints several words
    "$CC" -O2 -g -Wall -Wextra -static -I"$topdir/programs/memcore-dm" \
        -o "$out/guest-dma" "$srcdir/guest-dma.c" $(static_libs xengnttab)
fi

# --- initramfs ----------------------------------------------------------
root=$out/initramfs
rm -rf "$root"
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" \
         "$root/modules" "$root/tests"
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$srcdir/init.sh" "$root/init"
chmod 755 "$root/init"

for m in xen-evtchn xen-privcmd xenfs xen-gntdev xen-gntalloc; do
    ko=$(find "$unpack/kernel" -name "$m.ko*" | head -n 1)
    [ -n "$ko" ] || die "module $m not in $(basename "$kernel_deb")"
    case "$ko" in
    *.ko) cp "$ko" "$root/modules/$m.ko" ;;
    *.ko.xz) xz -dc "$ko" >"$root/modules/$m.ko" ;;
    *.ko.zst) zstd -qdc "$ko" >"$root/modules/$m.ko" ;;
    *.ko.gz) gzip -dc "$ko" >"$root/modules/$m.ko" ;;
    *) die "cannot handle module file $ko" ;;
    esac
done
say "modules: $(cd "$root/modules" && echo ./*.ko | sed 's|\./||g')"

if [ -n "$domu" ]; then
    "$srcdir/add-toolstack.sh" "$root" "$xenutils_deb"
    cp "$out/memcore-dm" "$root/bin/memcore-dm"
    cp "$out/vmlinuz" "$root/vmlinuz"
    cp "$srcdir/memcore-guest.cfg" "$root/etc/xen/memcore-guest.cfg"
    "$srcdir/build-domu.sh" "$root/domu-initrd.cpio.gz" "$unpack/kernel" \
        "$busybox" "$out/guest-dma"
    # The unprivileged user memcore-dm drops to (-runas 1001:1001).
    mkdir -p "$root/etc"
    echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
    echo 'memcore-dm:x:1001:1001:device model:/var/empty:/bin/false' \
        >>"$root/etc/passwd"
    printf 'root:x:0:\nmemcore-dm:x:1001:\n' >"$root/etc/group"
fi

n=10
tests=
for prog in "$@"; do
    [ -f "$prog" ] || die "no test program $prog"
    if readelf -l "$prog" 2>/dev/null | grep -q 'INTERP'; then
        die "$prog is dynamically linked; dom0's initramfs has no libc"
    fi
    name=$(basename "$prog")
    cp "$prog" "$root/tests/$n-$name"
    chmod 755 "$root/tests/$n-$name"
    tests="$tests $name"
    n=$((n + 10))
done
if [ -n "$domu" ]; then
    # Last: the guest domain served by memcore-dm.
    cp "$srcdir/domu-dm.sh" "$root/tests/90-domu-dm"
    chmod 755 "$root/tests/90-domu-dm"
    tests="$tests domu-dm"
fi
say "tests:$tests"

(cd "$root" && find . | sort | "$busybox" cpio -o -H newc 2>/dev/null) |
    gzip -6 >"$out/initrd.cpio.gz"
say "made $out/initrd.cpio.gz ($(wc -c <"$out/initrd.cpio.gz") bytes)"

cat >"$out/image.info" <<EOF
xen=$(basename "$xen_deb")
kernel=$(basename "$kernel_deb")
busybox=$(basename "$busybox_deb")
tests=${tests# }
EOF
say "done; boot it with: $topdir/tests/xen-real/boot.sh $out"
