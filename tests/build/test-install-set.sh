#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What `make install` ships is the product and nothing else
# (docs/devel/layout.rst): the library's headers without the models'
# (include/hw/models/), a libmemcore that defines none of the models'
# functions, and a memcore.pc that names only libmemcore.
#
#   test-install-set.sh BUILD_DIR
set -eu
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

meson install -C "$build" --destdir "$dest" --no-rebuild >/dev/null

fail() {
    echo "install set: $*" >&2
    exit 1
}

inc=$(find "$dest" -type d -name include | head -n 1)
[ -n "$inc" ] || fail "no include directory was installed"
[ -f "$inc/exec/memory.h" ] || fail "exec/memory.h is missing"
[ -f "$inc/hw/xen/xen-grant.h" ] || fail "hw/xen/xen-grant.h is missing"
[ ! -e "$inc/hw/models" ] || fail "the models' headers were installed"

so=$(find "$dest" -name 'libmemcore.so' | head -n 1)
[ -n "$so" ] || fail "libmemcore.so was not installed"
if nm -D --defined-only "$so" | grep -E ' (soft_iommu|pv_iommu|vfio_sim)_' >/dev/null; then
    fail "libmemcore.so defines model functions"
fi
nm -D --defined-only "$so" | grep -q ' address_space_map$' ||
    fail "libmemcore.so lacks address_space_map"
if find "$dest" -name 'libmemcore-testing*' | grep -q .; then
    fail "libmemcore-testing was installed"
fi

pc=$(find "$dest" -name memcore.pc | head -n 1)
[ -n "$pc" ] || fail "memcore.pc was not installed"
grep -q '^Libs:.*-lmemcore\b' "$pc" || fail "memcore.pc does not link -lmemcore"
if grep -q 'memcore-testing' "$pc"; then
    fail "memcore.pc names the testing library"
fi
echo "install set: ok"
