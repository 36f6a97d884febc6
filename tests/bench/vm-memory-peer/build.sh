#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the vm-memory peer (libvmpeer.a) offline from Debian's packaged
# crates: cargo and librust-vm-memory-dev, which puts the crate and its
# dependencies under /usr/share/cargo/registry. Nothing is downloaded.
#
#   build.sh --probe          exit 0 if it can be built here, else say why
#   build.sh OUTPUT WORKDIR   build into WORKDIR, copy the library to OUTPUT
set -eu
here=$(cd "$(dirname "$0")" && pwd)
registry=/usr/share/cargo/registry

probe() {
    if ! command -v cargo >/dev/null 2>&1; then
        echo "cargo is not installed (Debian package cargo)"
        return 1
    fi
    if ! ls -d "$registry"/vm-memory-0.10.* >/dev/null 2>&1; then
        echo "vm-memory 0.10 is not in $registry (Debian package librust-vm-memory-dev)"
        return 1
    fi
    return 0
}

if [ "${1:-}" = --probe ]; then
    probe
    exit $?
fi
out=$1
work=$2
why=$(probe) || { echo "vm-memory-peer: $why" >&2; exit 1; }

# A private CARGO_HOME whose only registry is Debian's, and a copy of the
# crate, so that cargo writes neither to ~/.cargo nor into the source tree.
mkdir -p "$work/cargo-home" "$work/crate"
cat > "$work/cargo-home/config.toml" <<CONFIG
[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "$registry"

[net]
offline = true
CONFIG
cp "$here/Cargo.toml" "$work/crate/"
rm -rf "$work/crate/src"
cp -r "$here/src" "$work/crate/src"
CARGO_HOME="$work/cargo-home" cargo build --quiet --release --offline \
    --manifest-path "$work/crate/Cargo.toml" --target-dir "$work/target"
cp "$work/target/release/libvmpeer.a" "$out"
