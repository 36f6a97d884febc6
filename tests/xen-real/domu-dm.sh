#!/bin/sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Runs in tests/xen-real's dom0 (init.sh starts it from /tests after the
# toolstack is up): create the PVH guest paused, start memcore-dm as its
# device model (restricted to it, as an unprivileged user, in a chroot),
# unpause the guest, wait for it to power off and for memcore-dm to exit,
# then print what the guest printed.
#
# Lines: "XEN-DOMU: ..." are the guest's own (PASS/FAIL from its test
# programs); "XEN-DOMU-DM: PASS|FAIL ..." is this script's verdict.

set -u
tag=XEN-DOMU-DM
name=memcore-guest
conlog=/var/log/xen/console/guest-$name.log
dmlog=/tmp/memcore-dm.log
say() {
    echo "$tag: $*"
}
up() {
    cut -d' ' -f1 /proc/uptime
}

bad=
fail() {
    say "FAIL $*"
    bad=yes
}

dump_logs() {
    [ -f "$dmlog" ] && sed 's/^/XEN-DOMU-DM: dm: /' "$dmlog"
    [ -f "$conlog" ] && tr -d '\r' <"$conlog" | grep -v '^XEN-DOMU' |
        tail -n 30 | sed 's/^/XEN-DOMU-DM: console: /'
}

# Wait up to $1 tenths of a second for command $2... to succeed.
wait_for() {
    n=$1
    shift
    while ! "$@" >/dev/null 2>&1; do
        n=$((n - 1))
        [ "$n" -gt 0 ] || return 1
        sleep 0.1
    done
}

# Print the guest's new "XEN-DOMU..." console lines (its test results)
# since the last call.
shown=0
follow_console() {
    [ -f "$conlog" ] || return 0
    total=$(wc -l <"$conlog")
    if [ "$total" -gt "$shown" ]; then
        tail -n +"$((shown + 1))" "$conlog" | head -n "$((total - shown))" |
            tr -d '\r' | grep -a '^XEN-DOMU' || true
        shown=$total
    fi
}

# Wait up to $1 seconds for the guest to be gone, following its console
# (xl is slow under TCG: ask once a second).
wait_guest_gone() {
    n=$1
    while xl domid "$name" >/dev/null 2>&1; do
        follow_console
        n=$((n - 1))
        [ "$n" -gt 0 ] || return 1
        sleep 1
    done
    follow_console
}

if ! command -v memcore-dm >/dev/null 2>&1; then
    say "FAIL no memcore-dm in dom0"
    exit 1
fi

start=$(up)
if ! xl create -p /etc/xen/$name.cfg >/tmp/xl-create.log 2>&1; then
    sed 's/^/XEN-DOMU-DM: xl: /' /tmp/xl-create.log
    say "FAIL xl create -p failed"
    exit 1
fi
domid=$(xl domid $name)
say "guest $name is domain $domid (created paused in $(up) - $start s)"

# The user memcore-dm drops to, and its empty chroot.
mkdir -p /var/empty
dm_args="-accel xen,domid=$domid -m 128M -xen-domid-restrict -runas 1001:1001 -chroot /var/empty"

# First a device model that is told to stop before the guest runs:
# SIGTERM must end it with status 0, its ioreq server destroyed.
# shellcheck disable=SC2086 # $dm_args is a list of options
memcore-dm $dm_args >/tmp/dm-term.log 2>&1 &
termpid=$!
if wait_for 300 grep -q "serving domain $domid" /tmp/dm-term.log; then
    kill -TERM "$termpid"
    rc=0
    wait "$termpid" || rc=$?
    if [ "$rc" -eq 0 ] && grep -q 'stopped by a signal' /tmp/dm-term.log; then
        say "ok SIGTERM ends memcore-dm with status 0: $(tail -n 1 /tmp/dm-term.log)"
    else
        fail "SIGTERM: memcore-dm exited with $rc"
        sed 's/^/XEN-DOMU-DM: dm-term: /' /tmp/dm-term.log
    fi
else
    fail "the first memcore-dm did not start serving"
    sed 's/^/XEN-DOMU-DM: dm-term: /' /tmp/dm-term.log
    kill -KILL "$termpid"
fi

# Its exit status lands in $dmrc (a reaped child: kill -0 would see a
# zombie as alive).
dmrc=/tmp/memcore-dm.rc
rm -f "$dmrc"
(
    # shellcheck disable=SC2086 # $dm_args is a list of options
    memcore-dm $dm_args >"$dmlog" 2>&1 &
    echo $! >/tmp/memcore-dm.pid
    wait $!
    echo $? >"$dmrc"
) &
wait_for 50 test -s /tmp/memcore-dm.pid
dmpid=$(cat /tmp/memcore-dm.pid)
if ! wait_for 300 grep -q "serving domain $domid" "$dmlog"; then
    fail "memcore-dm did not start serving domain $domid"
    dump_logs
    kill "$dmpid" 2>/dev/null
    xl destroy "$domid"
    exit 1
fi
say "memcore-dm (pid $dmpid) serves domain $domid; unpausing it"
# Its own check of the restriction: domain 0's memory refused.
if grep -q "restricted to domain $domid: mapping domain 0's memory fails with EPERM" "$dmlog"; then
    say "ok restricted memcore-dm: mapping domain 0's memory fails with EPERM"
else
    fail "memcore-dm did not report its restriction holding"
fi
if grep -q 'runs as uid 1001 gid 1001, chrooted to /var/empty' "$dmlog"; then
    say "ok memcore-dm runs as uid 1001 gid 1001 in a chroot"
else
    fail "memcore-dm did not drop privileges"
fi
unpaused=$(up)
xl unpause "$domid"

# The guest powers off when its tests are done (on_poweroff="destroy").
if ! wait_guest_gone 300; then
    fail "the guest did not finish within 300 s"
    xl destroy "$domid"
fi
say "guest ran from unpause to its end in $(up) - $unpaused s"
# memcore-dm notices the domain's death by itself and exits 0.
if wait_for 100 test -s "$dmrc"; then
    rc=$(cat "$dmrc")
    [ "$rc" -eq 0 ] || fail "memcore-dm exited with $rc"
else
    fail "memcore-dm still runs 10 s after its guest died"
    kill -TERM "$dmpid"
    wait_for 100 test -s "$dmrc" || kill -KILL "$dmpid"
fi
follow_console

if ! grep -q 'the guest is gone;.* 0 grant mappings outstanding' "$dmlog"; then
    fail "memcore-dm did not end by noticing the guest's death, all unmapped"
fi
if ! tr -d '\r' <"$conlog" | grep -q '^XEN-DOMU-DONE: failed=0'; then
    fail "the guest's tests did not all pass"
fi
if [ -n "$bad" ]; then
    dump_logs
    exit 1
fi
sed 's/^/XEN-DOMU-DM: dm: /' "$dmlog"
say "PASS guest domain $domid served by a restricted memcore-dm, which exited 0 after it"
