#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install the Debian packages that building and testing memcore need,
# only those that are missing. Prints what it does.
#
#   scripts/install-deps.sh            build and test dependencies
#   scripts/install-deps.sh --check    exit 1 if something is missing
#   scripts/install-deps.sh PKG...     also make sure PKG... are installed

set -e
packages="build-essential meson ninja-build pkg-config libglib2.0-dev
liburcu-dev check libxen-dev systemtap-sdt-dev libjson-glib-dev
python3-docutils"
mode=install
case "$1" in
--check) mode=check; shift ;;
esac
packages="$packages $*"

missing=
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi
if [ "$mode" = check ]; then
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: not a Debian system; install these yourself:$missing" >&2
    exit 1
fi
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=sudo
    else
        echo "install-deps: need root to install:$missing" >&2
        echo "install-deps: run: sudo apt-get install$missing" >&2
        exit 1
    fi
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Package lists may be missing or stale on a fresh machine; refresh them
# first, and again once if the install still fails (a mirror that moved).
echo "install-deps: apt-get update"
${SUDO:-} apt-get update -q
if ! ${SUDO:-} apt-get install -y -q --no-install-recommends $missing; then
    echo "install-deps: retrying after another apt-get update"
    ${SUDO:-} apt-get update -q
    ${SUDO:-} apt-get install -y -q --no-install-recommends $missing
fi
echo "install-deps: done"
