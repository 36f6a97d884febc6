#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Hold every C file of the tree to .clang-format (Debian's clang-format).
#
#   scripts/format-check.sh          list the files that differ; exit 1 if any
#   scripts/format-check.sh --fix    reformat them in place
#
# The fuzz corpora are inputs, not code, and are left out.
set -eu
cd "$(dirname "$0")/.."
fix=
[ "${1:-}" = --fix ] && fix=1
cf=${CLANG_FORMAT:-clang-format}
command -v "$cf" >/dev/null 2>&1 || {
    echo "format-check: $cf not found (Debian package clang-format)" >&2
    exit 1
}
bad=0
for f in $(git ls-files '*.c' '*.h' | grep -v '^tests/fuzz/corpus/'); do
    if [ -n "$fix" ]; then
        "$cf" -i "$f"
    elif ! "$cf" --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "format-check: $f differs from .clang-format; see: $cf $f | diff $f -"
        bad=$((bad + 1))
    fi
done
if [ "$bad" -gt 0 ]; then
    echo "format-check: $bad file(s) to reformat (scripts/format-check.sh --fix)" >&2
    exit 1
fi
[ -n "$fix" ] || echo "format-check: every C file follows .clang-format"
