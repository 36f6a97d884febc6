#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# An outside program must build against the uninstalled build tree with
# nothing but pkg-config and #include "exec/memory.h", and run.
#
#   test-outside-build.sh SOURCE_DIR BUILD_DIR
set -eu
src=$1
build=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

PKG_CONFIG_PATH="$build/meson-uninstalled" pkg-config --exists memcore
flags=$(PKG_CONFIG_PATH="$build/meson-uninstalled" pkg-config --cflags --libs memcore)
# shellcheck disable=SC2086
${CC:-cc} ${EXTRA_CFLAGS:-} -o "$out/machine-layout" "$src/examples/machine-layout.c" $flags
LD_LIBRARY_PATH="$build${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$out/machine-layout" > "$out/log"
grep -q "through the alias at 4 GiB: 0xcafef00d (ok)" "$out/log"
grep -q "write to ROM: refused" "$out/log"
grep -q "(prio 1, i/o): uart" "$out/log"
echo "outside build: ok"
