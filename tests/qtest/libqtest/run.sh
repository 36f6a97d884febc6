#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The libqtest proof (docs/devel/qtest.rst): build tests/qtest/libqtest-client.c
# against QEMU's own libqtest, from the QEMU 10.0 tree that qemu/build.sh
# configures and builds, and run it unmodified against
#   1. memcore-dm (QTEST_QEMU_BINARY=memcore-dm),
#   2. the QEMU 10.0 built from that tree,
#   3. Debian's qemu-system-x86_64, if installed,
# so that the same client shows both what memcore-dm serves and that the
# client is fair to QEMU.
#
#   tests/qtest/libqtest/run.sh MEMCORE_BUILD_DIR [WORK_DIR]
#
# QEMU_TREE and QEMU_BUILD in the environment name a built tree to use;
# otherwise qemu/build.sh is run (the patched series if qemu/patches has
# any, else --baseline) and its cached build is reused when there is one.
# Prints the TAP of each run and one closing line,
# "libqtest: N passed, N failed, N skipped". Exit status 0 when every
# run passed, 1 otherwise.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 MEMCORE_BUILD_DIR [WORK_DIR]" >&2; exit 2; }
memcore_build=$(cd "$1" && pwd)
work=${2:-$memcore_build/libqtest}
memcore_dm=$memcore_build/programs/memcore-dm/memcore-dm

say() {
    echo "libqtest: $*" >&2
}

die() {
    echo "libqtest: error: $*" >&2
    exit 1
}

[ -x "$memcore_dm" ] || die "no $memcore_dm: build memcore first"

if [ -z "${QEMU_TREE:-}" ] || [ -z "${QEMU_BUILD:-}" ]; then
    build_args=(--baseline)
    if compgen -G "$repo/qemu/patches/*.patch" >/dev/null; then
        build_args=()
    fi
    say "qemu/build.sh ${build_args[*]:-} (cached after the first build)"
    assignments=$("$repo/qemu/build.sh" "${build_args[@]}") ||
        die "qemu/build.sh failed"
    eval "$assignments"
fi
[ -f "$QEMU_BUILD/compile_commands.json" ] ||
    die "$QEMU_BUILD is not a configured QEMU build"

rm -rf "$work"
mkdir -p "$work"

# ---- build: QEMU's libqtest.c and libqmp.c, our client --------------------
#
# Each is compiled with the flags QEMU's own build uses for libqtest.c, and
# linked the way QEMU links a qtest (its qom-test), with QEMU's libqos
# objects replaced by ours: libqtest, libqmp and the client.
python3 - "$QEMU_BUILD" "$QEMU_TREE" "$repo" "$work" <<'PY'
import json, os, shlex, subprocess, sys

build, tree, repo, work = sys.argv[1:5]
entries = json.load(open(os.path.join(build, "compile_commands.json")))
cmd = next(e for e in entries
           if e["file"].endswith("tests/qtest/libqtest.c")
           and "libqos" in e.get("output", ""))
args, skip = [], False
for a in shlex.split(cmd["command"]):
    if skip:
        skip = False
    elif a in ("-o", "-c", "-MQ", "-MF"):
        skip = True
    elif a != "-MD":
        args.append(a)

sources = [os.path.join(tree, "tests/qtest/libqtest.c"),
           os.path.join(tree, "tests/qtest/libqmp.c"),
           os.path.join(repo, "tests/qtest/libqtest-client.c")]
objects = []
for src in sources:
    obj = os.path.join(work, os.path.basename(src)[:-2] + ".o")
    subprocess.run(args + ["-I" + os.path.join(tree, "tests/qtest"),
                           "-c", src, "-o", obj], cwd=cmd["directory"],
                   check=True)
    objects.append(obj)

link = subprocess.run(["ninja", "-C", build, "-t", "commands",
                       "tests/qtest/qom-test"], check=True,
                      capture_output=True, text=True).stdout
link = shlex.split(link.strip().splitlines()[-1])
out, skip = [], False
for a in link:
    if skip:
        skip = False
    elif a == "-o":
        skip = True
    elif a.startswith("tests/qtest/") and a.endswith(".o"):
        pass
    else:
        out.append(a)
exe = os.path.join(work, "libqtest-client")
subprocess.run(out[:1] + ["-o", exe] + objects + out[1:], cwd=build,
               check=True)
PY
say "built $work/libqtest-client against QEMU's libqtest in $QEMU_TREE"

# ---- the binaries under test ----------------------------------------------
#
# qtest_add_func() names tests after the target, which libqtest takes
# from a binary name ending in -system-ARCH: symlinks give it one.
ln -s "$memcore_dm" "$work/memcore-dm-system-x86_64"
ln -s "$QEMU_BUILD/qemu-system-x86_64" "$work/qemu-10.0-system-x86_64"
debian_qemu=$(command -v qemu-system-x86_64 || true)
if [ -n "$debian_qemu" ]; then
    # Debian bookworm's QEMU 7.2 predates -audio none, which libqtest 10.0
    # always passes, and its package has no qtest accelerator: drop the
    # first and run TCG instead, stopped (-S) as the qtest accelerator
    # keeps the guest (no guest code runs) until a test says "cont".
    cat >"$work/qemu-debian-system-x86_64" <<EOF
#!/bin/sh
set -- "\$@" -S
prev=
for a; do
    shift
    case "\$prev \$a" in
    "-audio none") prev=; continue ;;
    "-accel qtest") set -- "\$@" tcg; prev=; continue ;;
    esac
    prev=\$a
    [ "\$a" = -audio ] && continue
    set -- "\$@" "\$a"
done
exec "$debian_qemu" "\$@"
EOF
    chmod +x "$work/qemu-debian-system-x86_64"
fi

passed=0 failed=0 skipped=0
run() {
    local name=$1 bin=$2 log=$work/$1.tap status=0
    say "=== $name: QTEST_QEMU_BINARY=$bin"
    QTEST_QEMU_BINARY=$bin timeout 600 "$work/libqtest-client" --tap \
        >"$log" 2>&1 || status=$?
    grep -v '^# starting QEMU' "$log" >&2 || true
    local ok fail skip
    skip=$(grep -c '^ok .* # SKIP' "$log" || true)
    ok=$(($(grep -c '^ok ' "$log" || true) - skip))
    fail=$(grep -c '^not ok ' "$log" || true)
    if [ "$status" != 0 ] && [ "$fail" = 0 ]; then
        fail=1          # died before it could report (an abort, a timeout)
    fi
    if [ "$ok" = 0 ] && [ "$fail" = 0 ]; then
        fail=1          # ran nothing
    fi
    say "$name: $ok passed, $fail failed, $skip skipped (exit $status)"
    passed=$((passed + ok))
    failed=$((failed + fail))
    skipped=$((skipped + skip))
}

run memcore-dm "$work/memcore-dm-system-x86_64"
run qemu-10.0 "$work/qemu-10.0-system-x86_64"
if [ -n "$debian_qemu" ]; then
    run debian-qemu "$work/qemu-debian-system-x86_64"
else
    say "Debian's qemu-system-x86_64 is not installed: that run is skipped"
fi

echo "libqtest: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
