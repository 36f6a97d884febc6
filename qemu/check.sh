#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Check the QEMU series end to end (qemu/README.md): fetch and verify
# the source, apply the series with git am, run QEMU's checkpatch.pl on
# every patch, build x86_64-softmmu with Xen, run QEMU's unit tests (the
# series' own among them) and a fixed list of DMA qtests (the series'
# own among them), then the same qtests on the unpatched tree so that a
# failure can be told apart from one QEMU already has.
#
#   qemu/check.sh [--bisect]
#
#   --bisect   also build each prefix of the series in a tree of its own
#              (slot "bisect") and run checkpatch, the unit tests and the
#              series' tests there: the bisectability check. Slow.
#
# The last line is "qemu-check: N passed, N failed, N skipped". A test
# that fails on the patched tree counts as failed, unless it fails the
# same way on the unpatched tree: then it is reported and counted as
# skipped. Exit status 0 only with no failure.
#
# Environment: QEMU_JOBS (make -j, default 2); QEMU_QTESTS overrides the
# qtest list (names as in "meson test --list", without "qtest-x86_64/").

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
patches=$here/patches
bisect=
for arg in "$@"; do
    case "$arg" in
    --bisect) bisect=1 ;;
    *) echo "check: unknown option '$arg'" >&2; exit 2 ;;
    esac
done

# The new tests of the series, and QEMU's qtests that do DMA through
# address_space_map/rw or caches: IDE and AHCI bus mastering, floppy and
# SB16 ISA DMA, virtio through qos (rings through MemoryRegionCache),
# fw_cfg DMA, the IOMMUs, and the reproducers of past DMA fuzzer bugs.
SERIES_QTESTS="map-on-demand-test"
SERIES_UNIT="test-xen-grant-region"
QTESTS=${QTESTS:-${QEMU_QTESTS:-"ide-test ahci-test fdc-test fw_cfg-test
intel-iommu-test amd-iommu-test rtl8139-test i440fx-test
fuzz-e1000e-test fuzz-lsi53c895a-test fuzz-megasas-test fuzz-sb16-test
fuzz-sdcard-test fuzz-virtio-scsi-test qos-test"}}

passed=0
failed=0
skipped=0
failures=()
timings=()

say() {
    echo "check: $*"
}

step() {
    echo
    echo "=== qemu-check: $* ($(date -u +%H:%M:%S))"
}

pass() {
    passed=$((passed + 1))
    echo "PASS: $*"
}

fail() {
    failed=$((failed + 1))
    failures+=("$*")
    echo "FAIL: $*"
}

timed() {
    local label=$1 start=$SECONDS rc
    shift
    "$@"
    rc=$?
    timings+=("$label: $((SECONDS - start)) s")
    return $rc
}

finish() {
    step "summary"
    local t f
    for t in "${timings[@]}"; do
        echo "  $t"
    done
    for f in "${failures[@]}"; do
        echo "  failed: $f"
    done
    echo "qemu-check: $passed passed, $failed failed, $skipped skipped"
    [ "$failed" = 0 ]
    exit $?
}

# Stop here: a failure that makes the rest meaningless.
fatal() {
    fail "$*"
    finish
}

# Run QEMU's checkpatch.pl from $1 (a tree) on every non-cover patch in
# $2..., as the submitter would send it: with their Signed-off-by added.
# Anything flagged, error or warning, fails the patch.
run_checkpatch() {
    local tree=$1 p out tmp
    shift
    tmp=$(mktemp)
    for p in "$@"; do
        case "$(basename "$p")" in
        0000-cover-letter.patch) continue ;;
        esac
        awk 'BEGIN { done = 0 }
             !done && /^---$/ {
                 print "Signed-off-by: memcore CI <qemu-check@memcore.invalid>"
                 done = 1
             }
             { print }' "$p" >"$tmp"
        out=$(cd "$tree" && perl scripts/checkpatch.pl --no-color "$tmp" 2>&1)
        if grep -q "^total: 0 errors, 0 warnings" <<<"$out"; then
            pass "checkpatch $(basename "$p")"
        else
            echo "$out" | grep -v "^$" | head -n 40
            fail "checkpatch $(basename "$p")"
        fi
    done
    rm -f "$tmp"
}

# Count a meson JSON test log: add to the totals, report each failure.
# $1 log, $2 label, $3 (optional) a baseline log: failures that fail
# there as well are counted as skipped, and said so.
count_meson() {
    local log=$1 label=$2 base=${3:-}
    local out
    if [ ! -s "$log" ]; then
        fail "$label: meson wrote no test log ($log)"
        return
    fi
    out=$(python3 - "$log" "$label" "$base" <<'PY'
import json, sys
log, label, base = sys.argv[1], sys.argv[2], sys.argv[3]
def results(path):
    r = {}
    for line in open(path):
        line = line.strip()
        if line:
            t = json.loads(line)
            r[t["name"]] = t.get("result", "ERROR")
    return r
mine = results(log)
theirs = results(base) if base else {}
for name, res in sorted(mine.items()):
    if res in ("OK", "EXPECTEDFAIL"):
        print(f"pass {label} {name}")
    elif res == "SKIP":
        print(f"skip {label} {name} (skipped by the test itself)")
    elif theirs.get(name) not in (None, "OK", "EXPECTEDFAIL", "SKIP"):
        print(f"skip {label} {name}: {res} here, and {theirs[name]} on unpatched QEMU too")
    else:
        print(f"fail {label} {name}: {res}")
PY
    )
    while read -r kind rest; do
        case "$kind" in
        pass) passed=$((passed + 1)) ;;
        skip) skipped=$((skipped + 1)); echo "SKIP: $rest" ;;
        fail) fail "$rest" ;;
        esac
    done <<<"$out"
}

# meson test in a configured tree, with the private meson on PYTHONPATH.
meson_test() {
    local build=$1 logbase=$2
    shift 2
    (cd "$build" && PYTHONPATH=$QEMU_MESON_PYTHONPATH \
        pyvenv/bin/meson test --no-rebuild --print-errorlogs -t 2 \
        --num-processes 2 --logbase "$logbase" "$@") >"$build/$logbase.out" 2>&1
    tail -n 25 "$build/$logbase.out"
}

qtest_names() {
    local t
    for t in "$@"; do
        echo "qtest-x86_64/$t"
    done
}

# ---- source ---------------------------------------------------------------

step "fetch and verify the QEMU source"
start=$SECONDS
fetched=$("$here/fetch-source.sh") || fatal "fetch-source.sh (see above)"
timings+=("fetch: $((SECONDS - start)) s")
eval "$fetched"
say "QEMU $QEMU_VERSION in $QEMU_SRC"
shopt -s nullglob
series=("$patches"/*.patch)
shopt -u nullglob
[ ${#series[@]} -gt 1 ] || fatal "no series in $patches"

step "checkpatch (QEMU's scripts/checkpatch.pl from $QEMU_VERSION)"
timed checkpatch run_checkpatch "$QEMU_SRC" "${series[@]}"

# ---- the patched tree -----------------------------------------------------

step "apply the series with git am, configure, build (patched)"
start=$SECONDS
built=$("$here/build.sh") ||
    fatal "apply, configure or build of the patched tree (see above)"
timings+=("build (patched): $((SECONDS - start)) s")
eval "$built"
pass "the series applies to $QEMU_VERSION and builds"
say "patched tree: $QEMU_TREE"

# The tests need the series' tests present, and nothing else skipped.
for t in $SERIES_UNIT; do
    [ -x "$QEMU_BUILD/tests/unit/$t" ] || fail "the series' unit test $t was not built"
done
for t in $SERIES_QTESTS; do
    [ -x "$QEMU_BUILD/tests/qtest/$t" ] || fail "the series' qtest $t was not built"
done

step "make check-unit (patched)"
rm -f "$QEMU_BUILD/meson-logs/qemu-check-unit.json"
timed check-unit meson_test "$QEMU_BUILD" qemu-check-unit --suite unit
count_meson "$QEMU_BUILD/meson-logs/qemu-check-unit.json" unit

# shellcheck disable=SC2086
mapfile -t qtests < <(qtest_names $SERIES_QTESTS $QTESTS)
step "qtests (patched): ${qtests[*]}"
rm -f "$QEMU_BUILD/meson-logs/qemu-check-qtest.json"
timed qtests-patched meson_test "$QEMU_BUILD" qemu-check-qtest "${qtests[@]}"
patched_log=$QEMU_BUILD/meson-logs/qemu-check-qtest.json

# ---- the unpatched tree, for attribution ----------------------------------

step "build the unpatched tree and run the same qtests"
base_log=
start=$SECONDS
if base_built=$("$here/build.sh" --baseline); then
    timings+=("build (unpatched): $((SECONDS - start)) s")
    base_build=$(eval "$base_built"; echo "$QEMU_BUILD")
    # shellcheck disable=SC2086
    mapfile -t base_qtests < <(qtest_names $QTESTS)
    rm -f "$base_build/meson-logs/qemu-check-qtest.json"
    timed qtests-baseline meson_test "$base_build" qemu-check-qtest "${base_qtests[@]}"
    base_log=$base_build/meson-logs/qemu-check-qtest.json
    python3 - "$base_log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    if line.strip():
        t = json.loads(line)
        print(f"  unpatched: {t['name']}: {t.get('result')}")
PY
else
    say "the unpatched tree did not build: qtest failures cannot be attributed"
fi
count_meson "$patched_log" qtest "$base_log"

# ---- bisectability --------------------------------------------------------

if [ -n "$bisect" ]; then
    step "bisect: every prefix of the series builds and passes"
    n=0
    for p in "${series[@]}"; do
        case "$(basename "$p")" in
        0000-cover-letter.patch) continue ;;
        esac
        n=$((n + 1))
        prefix=$(mktemp -d)
        k=0
        for q in "${series[@]}"; do
            case "$(basename "$q")" in
            0000-cover-letter.patch) continue ;;
            esac
            k=$((k + 1))
            [ "$k" -le "$n" ] && cp "$q" "$prefix/"
        done
        say "patches 1..$n"
        if ! prefix_built=$(QEMU_BUILD_SLOT=bisect "$here/build.sh" --patches "$prefix"); then
            fail "bisect: patches 1..$n do not build"
            rm -rf "$prefix"
            continue
        fi
        pb=$(eval "$prefix_built"; echo "$QEMU_BUILD")
        pass "bisect: patches 1..$n build"
        meson_test "$pb" "bisect-$n" --suite unit >/dev/null
        count_meson "$pb/meson-logs/bisect-$n.json" "bisect 1..$n unit"
        list=()
        for t in $SERIES_QTESTS; do
            [ -x "$pb/tests/qtest/$t" ] && list+=("qtest-x86_64/$t")
        done
        if [ ${#list[@]} -gt 0 ]; then
            meson_test "$pb" "bisect-q-$n" "${list[@]}" >/dev/null
            count_meson "$pb/meson-logs/bisect-q-$n.json" "bisect 1..$n qtest"
        fi
        rm -rf "$prefix"
    done
fi

finish
