#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Apply the QEMU series to a copy of the pristine source and build it
# (qemu/README.md).
#
#   qemu/build.sh [--baseline] [--patches DIR] [--no-build]
#
#   --baseline     no patches: the unpatched tree, for comparison runs
#   --patches DIR  the series to apply (default: qemu/patches beside this
#                  script); every *.patch in name order but the cover
#                  letter, with git am
#   --no-build     apply and configure, do not run make
#
# On success stdout carries only shell assignments for a caller to eval:
#   QEMU_TREE       the patched source tree (a git repository: one commit
#                   "base" for the pristine source, then one per patch)
#   QEMU_BUILD      its build directory, QEMU's standard $QEMU_TREE/build
#   QEMU_SERIES     the key of this build (hash of the source version,
#                   the configure options and the series)
#   QEMU_VERSION, QEMU_SRC, QEMU_MESON_PYTHONPATH  as fetch-source.sh
# Anything that runs make or meson in QEMU_BUILD later must export
# PYTHONPATH=$QEMU_MESON_PYTHONPATH, or QEMU's venv falls back to the
# system meson and a meson re-run breaks.
#
# Builds live under ${XDG_CACHE_HOME:-$HOME/.cache}/memcore/qemu/build/,
# one tree per slot: "patched" and "baseline" (QEMU_BUILD_SLOT=NAME adds
# a suffix, for a tree of one's own). The slot remembers the key it was
# built for: the same key again costs nothing. A new key (a changed
# patch) resets the tree to base and applies the series again, but the
# files whose content ends up unchanged keep their time stamps, so make
# rebuilds only what changed. The path of a slot never changes, because
# a meson build directory holds absolute paths. A slot is locked while
# this script works on it; a caller using QEMU_BUILD afterwards should
# not run this script for another series into the same slot meanwhile.
#
# Environment: QEMU_JOBS (make -j, default 2), QEMU_BUILD_SLOT.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
kind=patched
patches=$here/patches
do_build=1
jobs=${QEMU_JOBS:-2}

CONFIGURE_ARGS=(--python=/usr/bin/python3 --disable-download
    --disable-install-blobs --target-list=x86_64-softmmu --enable-xen
    --disable-docs)
# Debian packages the build and the qtests need (firmware is linked in).
BUILD_DEPS="git dpkg-dev python3-venv libglib2.0-dev libpixman-1-dev
libslirp-dev libfdt-dev libxen-dev ninja-build pkg-config flex bison
seabios ipxe-qemu qemu-system-data"

say() {
    echo "build: $*" >&2
}

die() {
    echo "build: error: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case "$1" in
    --baseline) kind=baseline ;;
    --patches) patches=$(cd "$2" && pwd); shift ;;
    --no-build) do_build= ;;
    *) die "unknown option '$1' (see the comment at the top of $0)" ;;
    esac
    shift
done

# shellcheck disable=SC2086
"$repo/scripts/install-deps.sh" --check $BUILD_DEPS >/dev/null 2>&1 ||
    "$repo/scripts/install-deps.sh" $BUILD_DEPS >&2

fetched=$("$here/fetch-source.sh") || die "fetching the QEMU source failed"
eval "$fetched"
export PYTHONPATH=$QEMU_MESON_PYTHONPATH

series=()
if [ "$kind" = patched ]; then
    shopt -s nullglob
    for p in "$patches"/*.patch; do
        # The cover letter has no diff: it is not applied, nor part of the key.
        case "$(basename "$p")" in
        *cover-letter.patch) ;;
        *) series+=("$p") ;;
        esac
    done
    shopt -u nullglob
    [ ${#series[@]} -gt 0 ] || die "no *.patch in $patches"
fi

# The key: what the build depends on, apart from the host's packages.
key=$({
    echo "$QEMU_VERSION"
    echo "${CONFIGURE_ARGS[*]}"
    echo "$kind"
    for p in "${series[@]}"; do
        sha256sum <"$p"
    done
} | sha256sum | cut -c1-16)

CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/memcore/qemu/build
slot=$kind${QEMU_BUILD_SLOT:+-$QEMU_BUILD_SLOT}
dir=$CACHE/$slot
tree=$dir/qemu
mkdir -p "$dir"

print_result() {
    printf 'QEMU_TREE=%q\n' "$tree"
    printf 'QEMU_BUILD=%q\n' "$tree/build"
    printf 'QEMU_SERIES=%q\n' "$key"
    printf '%s\n' "$fetched"
}

exec 8>"$dir/.lock"
flock 8

# The +ds tarball strips firmware; qtests that boot a pc machine need
# SeaBIOS, the iPXE option ROMs and the small blobs of qemu-system-data.
# Link Debian's into the build's qemu-bundle, where QEMU looks first,
# without replacing anything the build made itself.
link_firmware() {
    local datadir share f
    datadir=$(sed -n 's/^#define CONFIG_QEMU_DATADIR "\(.*\)"$/\1/p' \
        "$tree/build/config-host.h")
    [ -n "$datadir" ] || die "no CONFIG_QEMU_DATADIR in $tree/build/config-host.h"
    share=$tree/build/qemu-bundle$datadir
    mkdir -p "$share"
    for f in /usr/share/qemu/* /usr/share/seabios/* /usr/lib/ipxe/qemu/*; do
        [ -e "$f" ] || continue
        [ -e "$share/$(basename "$f")" ] || ln -s "$f" "$share/$(basename "$f")"
    done
}

stamp() {
    [ -f "$dir/$1.stamp" ] && [ "$(cat "$dir/$1.stamp")" = "$key" ]
}

if stamp built; then
    link_firmware
    print_result
    exit 0
fi
if [ -z "$do_build" ] && stamp configured; then
    print_result
    exit 0
fi

git_tree() {
    git -C "$tree" -c user.name="memcore qemu/build.sh" \
        -c user.email=qemu-build@memcore.invalid "$@"
}

if [ ! -d "$tree/.git" ]; then
    rm -rf "$tree" "$tree.tmp" "$dir"/*.stamp
    say "copying the pristine source $QEMU_SRC (without roms/)"
    mkdir -p "$tree.tmp"
    tar -C "$QEMU_SRC" --exclude=./roms --exclude=./.memcore-unpacked \
        -cf - . | tar -C "$tree.tmp" -xf -
    chmod -R u+w "$tree.tmp"
    mv "$tree.tmp" "$tree"
    say "git init (commit 'base': the pristine source)"
    git_tree init -q
    echo /build/ >>"$tree/.git/info/exclude"
    git_tree add -A -f .
    git_tree commit -q --no-verify -m "base: Debian qemu $QEMU_VERSION"
    git_tree tag base
fi

if ! stamp applied; then
    rm -f "$dir"/*.stamp
    # Back to base and apply the series. Files the old series changed
    # get new time stamps on the way; give those whose content ends up
    # the same their old time back, so make rebuilds only what changed.
    git_tree am --abort >/dev/null 2>&1 || true
    old=$(git_tree rev-parse HEAD)
    declare -A mtime=()
    while IFS= read -r -d '' f; do
        if [ -e "$tree/$f" ]; then
            mtime[$f]=$(stat -c %.9Y "$tree/$f")
        fi
    done < <(git_tree diff -z --name-only base "$old")
    git_tree checkout -q -f --detach base
    if [ ${#series[@]} -gt 0 ]; then
        say "git am: ${#series[@]} patches from $patches"
        if ! git_tree am -q "${series[@]}" >&2; then
            git_tree am --show-current-patch=diff 2>/dev/null | head -n 20 >&2 || true
            git_tree am --abort >/dev/null 2>&1 || true
            die "the series does not apply to qemu $QEMU_VERSION (see above)"
        fi
    fi
    new=$(git_tree rev-parse HEAD)
    restored=0
    for f in "${!mtime[@]}"; do
        if [ -e "$tree/$f" ] && git_tree diff --quiet "$old" "$new" -- "$f"; then
            touch -d "@${mtime[$f]}" "$tree/$f"
            restored=$((restored + 1))
        fi
    done
    [ "$restored" = 0 ] || say "kept the time stamps of $restored unchanged files"
    echo "$key" >"$dir/applied.stamp"
fi

if [ ! -f "$tree/build/build.ninja" ]; then
    say "configure ${CONFIGURE_ARGS[*]}"
    mkdir -p "$tree/build"
    (cd "$tree/build" && ../configure "${CONFIGURE_ARGS[@]}" >configure.log 2>&1) || {
        tail -n 30 "$tree/build/configure.log" >&2
        die "configure failed (log: $tree/build/configure.log)"
    }
    grep -q "meson.*1\.[5-9]\|meson.*[2-9]\." "$tree/build/configure.log" ||
        say "warning: configure.log does not show meson >= 1.5"
fi
echo "$key" >"$dir/configured.stamp"

if [ -n "$do_build" ]; then
    say "make -j$jobs in $tree/build (a fresh build takes 4 to 15 minutes)"
    start=$(date +%s)
    if ! make -C "$tree/build" -j"$jobs" >"$tree/build/make.log" 2>&1; then
        grep -E "error|Error" "$tree/build/make.log" | head -n 30 >&2 || true
        tail -n 20 "$tree/build/make.log" >&2
        die "the build failed (log: $tree/build/make.log)"
    fi
    say "built in $(($(date +%s) - start)) s"

    link_firmware
    echo "$key" >"$dir/built.stamp"
fi

print_result
