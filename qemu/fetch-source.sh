#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Fetch, verify and unpack the QEMU source that the series applies to,
# and the meson that building it needs (qemu/README.md).
#
#   qemu/fetch-source.sh
#
# On success stdout carries only shell assignments for a caller to eval:
#   QEMU_VERSION           the Debian source version unpacked
#   QEMU_SRC               the pristine source tree (Debian's patches
#                          applied); nobody may modify it
#   QEMU_MESON_PYTHONPATH  PYTHONPATH under which QEMU finds meson >= 1.5
# Everything else goes to stderr.
#
# The source is Debian trixie's qemu, pinned to QEMU_PIN (below). If the
# mirror no longer offers that version, the newest 1:10.0.x it offers is
# taken, and the script says so. apt checks the .dsc against the signed
# Sources index; dpkg-source -x then checks every file the .dsc lists.
#
# The deb-src entry for trixie and the deb entry for bookworm-backports
# are written under /etc/apt/sources.list.d/ with the URIs of the
# machine's own Debian entry, so no mirror is named here. Backports are
# never installed from: meson is only downloaded and unpacked privately,
# and the system meson that memcore builds with stays as it is.
#
# Results are cached under ${XDG_CACHE_HOME:-$HOME/.cache}/memcore/qemu/;
# a second run only checks the stamps and prints.

set -euo pipefail

QEMU_PIN=${QEMU_PIN:-1:10.0.13+ds-0+deb13u1}
QEMU_SERIES_PREFIX=1:10.0.
MESON_SUITE=bookworm-backports
MESON_MIN=1.5

CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/memcore/qemu
APT_DIR=/etc/apt/sources.list.d
APT_ENTRY=$APT_DIR/memcore-qemu.sources
DEBIAN_ENTRY=$APT_DIR/debian.sources

say() {
    echo "fetch-source: $*" >&2
}

die() {
    echo "fetch-source: error: $*" >&2
    exit 1
}

# The version without its epoch, as it appears in file names.
strip_epoch() {
    echo "${1#*:}"
}

mkdir -p "$CACHE"
# Several scripts (and engineers) share the cache: one fetch at a time.
exec 9>"$CACHE/.fetch.lock"
flock 9

print_result() {
    local version=$1 src=$2 meson_dir=$3
    printf 'QEMU_VERSION=%q\n' "$version"
    printf 'QEMU_SRC=%q\n' "$src"
    printf 'QEMU_MESON_PYTHONPATH=%q\n' "$meson_dir/usr/lib/python3/dist-packages"
}

# Fast path: everything is already unpacked and stamped.
if [ -f "$CACHE/source.stamp" ] && [ -f "$CACHE/meson.stamp" ]; then
    # shellcheck disable=SC1091
    . "$CACHE/source.stamp"
    # shellcheck disable=SC1091
    . "$CACHE/meson.stamp"
    if [ "$stamp_pin" = "$QEMU_PIN" ] && [ -d "$stamp_src" ] &&
       [ -d "$stamp_meson" ]; then
        print_result "$stamp_version" "$stamp_src" "$stamp_meson"
        exit 0
    fi
fi

# ---- apt entries ----------------------------------------------------------

# The URIs of the machine's Debian entry (the one whose suites include
# the release itself, not -security).
debian_uris() {
    [ -r "$DEBIAN_ENTRY" ] || die "no $DEBIAN_ENTRY to take the Debian mirror from"
    python3 - "$DEBIAN_ENTRY" <<'PY'
import sys
text = open(sys.argv[1]).read()
for stanza in text.split("\n\n"):
    fields = {}
    for line in stanza.splitlines():
        if line.startswith("#") or ":" not in line or line[0].isspace():
            continue
        key, value = line.split(":", 1)
        fields[key.strip().lower()] = value.strip()
    suites = fields.get("suites", "").split()
    if "deb" in fields.get("types", "").split() and \
            any(s in ("bookworm", "trixie", "stable") for s in suites):
        print(fields.get("uris", ""))
        break
PY
}

write_apt_entry() {
    local uris tmp
    uris=$(debian_uris)
    [ -n "$uris" ] || die "no Debian deb entry in $DEBIAN_ENTRY"
    tmp=$(mktemp)
    cat >"$tmp" <<EOF
# Written by memcore's qemu/fetch-source.sh: trixie's sources for the
# QEMU series, and bookworm-backports for the meson that builds it.
# Backports are NotAutomatic: nothing is installed from them.
Types: deb-src
URIs: $uris
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $uris
Suites: $MESON_SUITE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    if [ -f "$APT_ENTRY" ] && cmp -s "$tmp" "$APT_ENTRY"; then
        rm -f "$tmp"
        return 1
    fi
    if [ "$(id -u)" != 0 ]; then
        rm -f "$tmp"
        die "need root to write $APT_ENTRY (or run once as root)"
    fi
    say "writing $APT_ENTRY (URIs: $uris)"
    install -m 0644 "$tmp" "$APT_ENTRY"
    rm -f "$tmp"
    return 0
}

apt_updated=
apt_update() {
    [ -z "$apt_updated" ] || return 0
    [ "$(id -u)" = 0 ] || die "need root for apt-get update"
    say "apt-get update"
    apt-get update -q >&2 || die "apt-get update failed"
    apt_updated=1
}

if write_apt_entry; then
    apt_update
fi

# Versions of a source package that apt knows, newest first.
source_versions() {
    apt-cache showsrc "$1" 2>/dev/null | sed -n 's/^Version: //p' | sort -u |
        python3 -c '
import sys, subprocess, functools
vs = [l.strip() for l in sys.stdin if l.strip()]
def cmp(a, b):
    if subprocess.call(["dpkg", "--compare-versions", a, "lt", b]) == 0:
        return -1
    return 0 if a == b else 1
print("\n".join(sorted(vs, key=functools.cmp_to_key(cmp), reverse=True)))'
}

choose_version() {
    local versions
    versions=$(source_versions qemu)
    if [ -z "$versions" ]; then
        apt_update
        versions=$(source_versions qemu)
    fi
    [ -n "$versions" ] || die "apt offers no qemu source (is trixie's deb-src entry reachable?)"
    if grep -qxF "$QEMU_PIN" <<<"$versions"; then
        echo "$QEMU_PIN"
        return
    fi
    local fallback
    fallback=$(grep -F "$QEMU_SERIES_PREFIX" <<<"$versions" |
        grep "^${QEMU_SERIES_PREFIX//./\\.}[0-9]" | head -n1 || true)
    [ -n "$fallback" ] ||
        die "the mirror offers neither qemu $QEMU_PIN nor any ${QEMU_SERIES_PREFIX}x (offered: $(echo $versions))"
    say "NOTE: the mirror no longer offers qemu $QEMU_PIN;"
    say "NOTE: taking the newest ${QEMU_SERIES_PREFIX}x it offers instead: $fallback"
    echo "$fallback"
}

# ---- the QEMU source ------------------------------------------------------

fetch_source() {
    local version plain dl dsc src
    version=$(choose_version)
    plain=$(strip_epoch "$version")
    dl=$CACHE/dl/$plain
    src=$CACHE/src/qemu-$plain
    dsc=$dl/qemu_$plain.dsc

    if [ ! -f "$dl/.complete" ]; then
        mkdir -p "$dl"
        say "apt-get source --download-only qemu=$version (about 40 MB)"
        # apt verifies each file against the signed Sources index.
        (cd "$dl" && apt-get source -q --download-only "qemu=$version" >&2) ||
            die "apt-get source qemu=$version failed"
        [ -f "$dsc" ] || die "apt-get source left no $dsc"
        touch "$dl/.complete"
    fi

    if [ ! -f "$src/.memcore-unpacked" ]; then
        rm -rf "$src" "$src.tmp"
        mkdir -p "$CACHE/src"
        say "dpkg-source -x (verifies every file against the .dsc, applies Debian's patches)"
        dpkg-source --require-strong-checksums -x "$dsc" "$src.tmp" >&2 ||
            die "dpkg-source -x $dsc failed: the download does not match its .dsc"
        mv "$src.tmp" "$src"
        # Nobody writes here: builds copy the tree first.
        touch "$src/.memcore-unpacked"
        chmod -R a-w "$src"
    fi
    {
        printf 'stamp_pin=%q\n' "$QEMU_PIN"
        printf 'stamp_version=%q\n' "$version"
        printf 'stamp_src=%q\n' "$src"
    } >"$CACHE/source.stamp"
}

# ---- meson from bookworm-backports ---------------------------------------

fetch_meson() {
    local deb dir version
    dir=$CACHE/meson
    if [ -f "$dir/.complete" ]; then
        :
    else
        version=$(apt-cache madison meson 2>/dev/null |
            awk -F'|' -v s="$MESON_SUITE" '$3 ~ s { gsub(/ /, "", $2); print $2; exit }')
        if [ -z "$version" ]; then
            apt_update
            version=$(apt-cache madison meson 2>/dev/null |
                awk -F'|' -v s="$MESON_SUITE" '$3 ~ s { gsub(/ /, "", $2); print $2; exit }')
        fi
        [ -n "$version" ] || die "apt offers no meson from $MESON_SUITE"
        dpkg --compare-versions "$version" ge "$MESON_MIN" ||
            die "meson $version from $MESON_SUITE is older than $MESON_MIN"
        rm -rf "$dir" "$dir.tmp"
        mkdir -p "$dir.tmp/deb"
        say "apt-get download meson=$version ($MESON_SUITE)"
        (cd "$dir.tmp/deb" && apt-get download -q "meson=$version" >&2) ||
            die "apt-get download meson=$version failed"
        deb=$(ls "$dir.tmp/deb"/meson_*.deb)
        dpkg -x "$deb" "$dir.tmp" || die "dpkg -x $deb failed"
        rm -rf "$dir.tmp/deb"
        mv "$dir.tmp" "$dir"
        touch "$dir/.complete"
    fi
    PYTHONPATH=$dir/usr/lib/python3/dist-packages /usr/bin/python3 -c '
import sys, mesonbuild.coredata as c
v = tuple(int(x) for x in c.version.split(".")[:2])
sys.exit(0 if v >= tuple(int(x) for x in sys.argv[1].split(".")) else 1)' "$MESON_MIN" ||
        die "the meson unpacked in $dir does not import or is older than $MESON_MIN"
    printf 'stamp_meson=%q\n' "$dir" >"$CACHE/meson.stamp"
}

command -v dpkg-source >/dev/null ||
    die "dpkg-source is missing (apt-get install dpkg-dev)"

fetch_source
fetch_meson

# shellcheck disable=SC1091
. "$CACHE/source.stamp"
# shellcheck disable=SC1091
. "$CACHE/meson.stamp"
print_result "$stamp_version" "$stamp_src" "$stamp_meson"
