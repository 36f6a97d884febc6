#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the PVH guest that tests/xen-real's dom0 creates. Runs every
# program in /tests, which talk to memcore-dm's devices (served by the
# ioreq server in dom0) and print "XEN-DOMU: PASS ..." or "FAIL" lines on
# the console; dom0 collects them from xenconsoled's log. Then it powers
# off, and the toolstack destroys the domain.

/bin/busybox --install -s /bin
PATH=/bin
export PATH
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
dmesg -n 1 || true

echo "XEN-DOMU: init: guest up after $(cut -d' ' -f1 /proc/uptime) s, kernel $(uname -r)"
insmod /modules/xen-gntalloc.ko || echo "XEN-DOMU: init: insmod xen-gntalloc failed"
n=0
while [ ! -c /dev/xen/gntalloc ] && [ "$n" -lt 50 ]; do
    n=$((n + 1))
    sleep 0.1
done

failed=0
for t in /tests/*; do
    [ -x "$t" ] || continue
    rc=0
    "$t" || rc=$?
    echo "XEN-DOMU: ${t##*/} exit $rc"
    [ "$rc" -eq 0 ] || failed=$((failed + 1))
done
echo "XEN-DOMU-DONE: failed=$failed"
poweroff -f
