#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run memcore-dm's built-in guest workload: a guest doing grant DMA
# through memcore with the emulated hypervisor (docs/devel/qtest.rst,
# "The demo"). "make demo" builds first and then runs this.
#
#   scripts/demo.sh [BUILDDIR] [extra memcore-dm options]
#
# Exit status: memcore-dm's, so 0 only if every byte checked out.

build=${1:-build}
[ $# -gt 0 ] && shift
dm="$build/programs/memcore-dm/memcore-dm"

if [ ! -x "$dm" ]; then
    echo "demo: $dm not found; build first (make, or ninja -C $build)" >&2
    exit 1
fi

echo "\$ $dm -machine xenvirt -m 256M -accel xen-emu -demo${*:+ $*}"
echo
"$dm" -machine xenvirt -m 256M -accel xen-emu -demo "$@"
status=$?
echo
if [ $status -eq 0 ]; then
    echo "demo: passed. Next: docs/devel/qtest.rst shows how to drive the"
    echo "same machine yourself: $dm -qtest stdio"
else
    echo "demo: FAILED with exit status $status" >&2
fi
exit $status
