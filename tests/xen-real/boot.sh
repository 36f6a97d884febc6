#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Boot the image tests/xen-real/build-image.sh made: a real Xen 4.17 with a
# Linux PV dom0 under qemu-system-x86_64, whose /init runs our grant tests
# and powers off. Ends with exactly one of
#
#   xen-real: PASS ...    exit 0
#   xen-real: FAIL ...    exit 1
#   xen-real: SKIP ...    exit 0 (build-image.sh could not reach the mirror)
#
#   tests/xen-real/boot.sh BUILDDIR
#
# The serial console (Xen and dom0) goes to BUILDDIR/boot.log.
#
# Environment:
#   XEN_REAL_TIMEOUT  seconds before QEMU is killed (default 600)
#   XEN_REAL_ACCEL    tcg (default), or auto: KVM only on a host with real
#                     hardware virtualization (kvm_intel or kvm_amd loaded)

set -eu

usage() {
    echo "usage: $0 BUILDDIR" >&2
    exit 2
}

[ $# -eq 1 ] || usage
out=$1
log=$out/boot.log
timeout_s=${XEN_REAL_TIMEOUT:-600}
accel=${XEN_REAL_ACCEL:-tcg}

fail() {
    echo "xen-real: FAIL $*"
    exit 1
}

if [ -f "$out/skip-reason" ]; then
    echo "xen-real: SKIP $(cat "$out/skip-reason")"
    exit 0
fi
for f in xen vmlinuz initrd.cpio.gz image.info; do
    [ -f "$out/$f" ] || fail "no $out/$f: run tests/xen-real/build-image.sh $out"
done
out=$(cd "$out" && pwd)
log=$out/boot.log
command -v qemu-system-x86_64 >/dev/null 2>&1 ||
    fail "qemu-system-x86_64 not found (build-image.sh installs qemu-system-x86)"

# The software /dev/kvm some hosts offer cannot run Xen: only use KVM where
# the hardware modules are loaded, and only when asked.
cpu=qemu64,+svm,+npt
if [ "$accel" = auto ]; then
    accel=tcg
    if { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; } &&
            [ -w /dev/kvm ]; then
        accel=kvm
        cpu=host
    fi
fi
case "$accel" in
tcg|kvm) ;;
*) fail "XEN_REAL_ACCEL must be tcg or auto, not '$accel'" ;;
esac

info() {
    sed -n "s/^$1=//p" "$out/image.info"
}

echo "xen-real: booting $(info xen) with dom0 $(info kernel)"
echo "xen-real: tests: $(info tests); accel $accel, cpu $cpu, timeout ${timeout_s} s"
echo "xen-real: serial console in $log"

rm -f "$log"
start=$(date +%s)
rc=0
# -cpu: TCG emulates SVM but not VMX, so only an AMD model with SVM and
# nested paging gives Xen HVM (and so PVH guests); qemu64,+svm,+npt is the
# one that works (FACTS.md: EPYC models fault in mwait_idle, "max" trips
# SMAP in dom0, Haswell-noTSX has no HVM at all).
# dom0 powering off makes QEMU exit; a Xen panic reboots, and -no-reboot
# makes that an exit too.
timeout -k 10 "$timeout_s" qemu-system-x86_64 \
    -accel "$accel" -cpu "$cpu" -m 2048 -smp 2 -machine q35 \
    -nodefaults -display none -no-reboot \
    -serial "file:$log" \
    -kernel "$out/xen" \
    -append 'console=com1 dom0_mem=1024M,max:1024M guest_loglvl=all' \
    -initrd "$out/vmlinuz console=hvc0 rdinit=/init,$out/initrd.cpio.gz" \
    >"$out/qemu.log" 2>&1 || rc=$?
end=$(date +%s)
elapsed=$((end - start))

[ -f "$log" ] || fail "QEMU wrote no serial log (exit $rc): $(tail -n 3 "$out/qemu.log")"

# Our lines, without the CRs of the serial console.
tr -d '\r' <"$log" | grep -a -E '^[A-Z0-9-]*XEN[A-Z0-9-]*: ' \
    >"$out/results.log" || true
sed 's/^/xen-real: | /' "$out/results.log"

tail_log() {
    echo "xen-real: last lines of $log:"
    tr -d '\r' <"$log" | tail -n 25 | sed 's/^/xen-real: > /'
}

if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    tail_log
    fail "timed out after ${elapsed} s (limit ${timeout_s} s)"
fi

done_line=$(grep -a '^XEN-REAL-DONE: ' "$out/results.log" | tail -n 1)
if [ -z "$done_line" ]; then
    tail_log
    if grep -q '^XEN-REAL: init: ' "$out/results.log"; then
        fail "dom0 /init did not finish (QEMU exit $rc after ${elapsed} s)"
    fi
    fail "dom0 never reached /init (QEMU exit $rc after ${elapsed} s)"
fi
if [ "$rc" -ne 0 ]; then
    fail "QEMU exited with $rc after ${elapsed} s: $(tail -n 3 "$out/qemu.log")"
fi

ntests=$(echo "$done_line" | sed -n 's/.*tests=\([0-9]*\).*/\1/p')
nfailed=$(echo "$done_line" | sed -n 's/.*failed=\([0-9]*\).*/\1/p')
fails=$(grep -a -E '^[A-Z0-9-]+: FAIL' "$out/results.log" |
        sed 's/^\([A-Z0-9-]*\): FAIL /\1 /' | tr '\n' ';' |
        sed 's/;$//; s/;/; /g' || true)
passes=$(grep -a -E '^[A-Z0-9-]+: PASS' "$out/results.log" |
         sed 's/: PASS//' | tr '\n' ',' | sed 's/,$//; s/,/, /g' || true)
boot=$(sed -n 's/^XEN-REAL: init: dom0 up after \([0-9.]*\) s.*/\1/p' \
       "$out/results.log" | head -n 1)

if [ "${ntests:-0}" -eq 0 ]; then
    fail "no test ran in dom0 (${elapsed} s)"
fi
if [ "${nfailed:-1}" -ne 0 ] || [ -n "$fails" ]; then
    fail "$nfailed of $ntests test programs failed: ${fails:-see $log} (${elapsed} s)"
fi
npass=$(grep -c -a -E '^[A-Z0-9-]+: PASS' "$out/results.log" || true)
if [ "$npass" -lt "$ntests" ]; then
    fail "$ntests test programs exited 0 but only $npass printed PASS (${elapsed} s)"
fi
echo "xen-real: PASS $passes; dom0 /init after ${boot:-?} s, total ${elapsed} s"
