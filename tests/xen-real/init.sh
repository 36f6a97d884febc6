#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the xen-real initramfs: runs as PID 1 in a PV dom0 on a real Xen.
# Loads the Xen device drivers, runs every program in /tests in name order,
# prints one summary line for boot.sh to look for, and powers off, which
# makes QEMU exit.
#
# Lines it prints start with "XEN-REAL: "; the summary line is
# "XEN-REAL-DONE: tests=N failed=M".

set -eu
/bin/busybox --install -s /bin
PATH=/bin
export PATH

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
# xenconsoled needs ptys, or xl create times out on the guest's console.
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts

# Keep kernel messages from splitting our lines; warnings still show.
dmesg -n 5 || true

hv=unknown
if [ -r /sys/hypervisor/type ]; then
    hv="$(cat /sys/hypervisor/type)"
    if [ -r /sys/hypervisor/version/major ]; then
        hv="$hv $(cat /sys/hypervisor/version/major).$(cat /sys/hypervisor/version/minor)$(cat /sys/hypervisor/version/extra)"
    fi
fi
up="$(cut -d' ' -f1 /proc/uptime)"
echo "XEN-REAL: init: dom0 up after ${up} s, kernel $(uname -r), hypervisor $hv"

for m in xen-evtchn xen-privcmd xenfs xen-gntdev xen-gntalloc; do
    if ! insmod "/modules/$m.ko"; then
        echo "XEN-REAL: init: insmod $m failed"
    fi
done
mkdir -p /proc/xen
mount -t xenfs xenfs /proc/xen || echo "XEN-REAL: init: mounting xenfs failed"

# devtmpfs creates the nodes as the drivers register; give it a moment.
n=0
while [ ! -c /dev/xen/gntdev ] || [ ! -c /dev/xen/gntalloc ]; do
    n=$((n + 1))
    if [ "$n" -gt 50 ]; then
        echo "XEN-REAL: init: /dev/xen/gntdev or /dev/xen/gntalloc missing"
        break
    fi
    sleep 0.1
done

# The toolstack, when the image has it (build-image.sh --domu): xenstored,
# then xen-init-dom0, then xenconsoled logging guest consoles to files.
start_toolstack() {
    mkdir -p /var/run/xen /var/run/xenstored /var/lib/xen \
             /var/log/xen/console /var/lock
    xenstored || return 1
    n=0
    while [ ! -S /var/run/xenstored/socket ] && [ "$n" -lt 50 ]; do
        n=$((n + 1))
        sleep 0.1
    done
    xen-init-dom0 >/tmp/xen-init-dom0.log 2>&1 || return 1
    xenconsoled --log=guest --log-dir=/var/log/xen/console || return 1
}
if [ -x /bin/xl ]; then
    if start_toolstack; then
        echo "XEN-REAL: init: toolstack up after $(cut -d' ' -f1 /proc/uptime) s"
    else
        echo "XEN-REAL: init: starting the toolstack failed"
    fi
fi

tests=0
failed=0
for t in /tests/*; do
    [ -x "$t" ] || continue
    name="${t##*/}"
    tests=$((tests + 1))
    echo "XEN-REAL: run $name"
    start="$(cut -d' ' -f1 /proc/uptime)"
    rc=0
    timeout 420 "$t" || rc=$?
    end="$(cut -d' ' -f1 /proc/uptime)"
    echo "XEN-REAL: $name exit $rc (started at ${start} s, ended at ${end} s)"
    if [ "$rc" -ne 0 ]; then
        failed=$((failed + 1))
        dmesg | tail -n 20 | sed 's/^/XEN-REAL: dmesg: /'
    fi
done

echo "XEN-REAL-DONE: tests=$tests failed=$failed"
sync
poweroff -f
