#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run the libFuzzer targets for a while each ("make fuzz" calls this).
#
#   tests/fuzz/run-fuzz.sh [-j JOBS] BUILDDIR SECONDS [TARGET...]
#   tests/fuzz/run-fuzz.sh --merge BUILDDIR [TARGET...]
#
# BUILDDIR is configured on first use: clang, ASan and UBSan (any report
# is fatal), libFuzzer targets, and the library compiled with coverage
# (-fsanitize=fuzzer-no-link). Each target fuzzes a working corpus in
# BUILDDIR/fuzz-corpus/TARGET, seeded from tests/fuzz/corpus/TARGET, for
# SECONDS; a crash leaves its input in BUILDDIR/fuzz-artifacts/. The
# closing table gives the executions per target; the exit status is 1 if
# any target found something.
#
# --merge folds what the working corpora found into the committed ones,
# keeping only inputs that add coverage (libFuzzer's -merge=1).
set -e

srcdir=$(cd "$(dirname "$0")/../.." && pwd)
jobs=1
merge=false
case "$1" in
--merge) merge=true; shift ;;
-j) jobs=$2; shift 2 ;;
esac
build=${1:?usage: run-fuzz.sh [-j JOBS] BUILDDIR SECONDS [TARGET...]}
shift
case "$build" in
/*) ;;
*) build=$(pwd)/$build ;;
esac
if ! $merge; then
    seconds=${1:?usage: run-fuzz.sh BUILDDIR SECONDS [TARGET...]}
    shift
fi
targets=${*:-topology grant qtest qmp}

if [ ! -f "$build/build.ninja" ]; then
    (cd "$srcdir" &&
     CFLAGS="-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined" \
     ./configure --builddir="$build" --enable-fuzzing --enable-sanitizers)
fi
for t in $targets; do
    ninja -C "$build" "tests/fuzz/fuzz-$t" >/dev/null
done

# The library's own leak checks run when the corpus is replayed (at exit,
# where they see what nothing points to). Per input, libFuzzer would
# count the views call_rcu frees a moment later as leaked.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

if $merge; then
    for t in $targets; do
        "$build/tests/fuzz/fuzz-$t" -merge=1 "$srcdir/tests/fuzz/corpus/$t" \
            "$build/fuzz-corpus/$t"
    done
    exit 0
fi

mkdir -p "$build/fuzz-artifacts"
summary=""
failed=0
for t in $targets; do
    corpus=$build/fuzz-corpus/$t
    log=$build/fuzz-$t.log
    mkdir -p "$corpus"
    cp -n "$srcdir/tests/fuzz/corpus/$t/"* "$corpus/" 2>/dev/null || true
    echo "fuzz: $t for $seconds s ($log)"
    # Parallel jobs write their own logs (fuzz-N.log) in the current
    # directory: keep them in a directory of their own.
    rm -rf "$build/fuzz-jobs-$t"
    mkdir -p "$build/fuzz-jobs-$t"
    set -- -max_total_time="$seconds" -print_final_stats=1 \
           -artifact_prefix="$build/fuzz-artifacts/$t-"
    if [ "$jobs" -gt 1 ]; then
        set -- "$@" -jobs="$jobs" -workers="$jobs"
    fi
    if (cd "$build/fuzz-jobs-$t" &&
        "$build/tests/fuzz/fuzz-$t" "$@" "$corpus" >"$log" 2>&1); then
        verdict=ok
    else
        verdict="FOUND SOMETHING (see $log)"
        failed=1
    fi
    execs=$(cat "$log" "$build/fuzz-jobs-$t"/*.log 2>/dev/null |
            sed -n 's/^stat::number_of_executed_units: *//p' |
            awk '{ n += $1 } END { print n + 0 }')
    summary="$summary$(printf '%-10s %12s executions  %s' "$t" "$execs" \
                       "$verdict")
"
done
printf '\nfuzz: executions per target\n%s' "$summary"
exit $failed
