#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Write the series in a QEMU tree back to qemu/patches (qemu/README.md,
# "Changing the series").
#
#   qemu/export-series.sh TREE
#
# TREE is a git tree made by build.sh (its first commit is tagged "base"),
# where the series' commits were edited. Every commit after "base" becomes
# a patch; the cover letter keeps the subject and text it had in
# qemu/patches/0000-cover-letter.patch. No Signed-off-by is added: the
# submitter adds theirs.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tree=${1:?usage: $0 TREE}
out=$here/patches
old_cover=$out/0000-cover-letter.patch
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

git -C "$tree" rev-parse -q --verify base >/dev/null ||
    { echo "export-series: $tree has no 'base' tag" >&2; exit 1; }
git -C "$tree" format-patch -q --zero-commit --no-signature --cover-letter \
    -o "$tmp" base

# Carry the cover letter's subject and text over from the old one.
if [ -f "$old_cover" ]; then
    python3 - "$old_cover" "$tmp/0000-cover-letter.patch" <<'PY'
import re, sys
old = open(sys.argv[1]).read()
new = open(sys.argv[2]).read()
subject = re.search(r"^Subject: \[PATCH 0/\d+\] (.*)$", old, re.M).group(1)
text_start = old.index("\n\n") + 2                   # after the headers
text_end = re.search(r"\n[^\n]+ \(\d+\):\n  ", old).start()  # the shortlog
text = old[text_start:text_end]
new = new.replace("*** SUBJECT HERE ***", subject)
new = re.sub(r"\*\*\* BLURB HERE \*\*\*\n", lambda m: text.rstrip("\n") + "\n", new)
open(sys.argv[2], "w").write(new)
PY
fi
rm -f "$out"/*.patch
mkdir -p "$out"
cp "$tmp"/*.patch "$out"/
ls "$out"
