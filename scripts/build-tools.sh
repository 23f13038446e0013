#!/usr/bin/env bash
# Builds the installable command-line tools (nbctl-rs, sbctl-rs, vsctl-rs, ovn-lab,
# ovsdb-client-rs) the way they are meant to be run: the `dist` profile (fat LTO, one codegen
# unit), statically linked against musl (scripts/tools-target.sh says why) and not
# position-independent (nothing to relocate at start-up; the price is no address randomization of
# the program image), because the ctl tools run once per command in lab scripts. On musl the
# binaries use mimalloc (their `ALLOC`): musl's malloc is slow for the daemons and large replies.
# Prints the directory holding the binaries. Usage: scripts/build-tools.sh [-p PACKAGE ...]
# (default: every tool package).
set -euo pipefail
cd "$(dirname "$0")/.."
target=$(bash scripts/tools-target.sh)
[ $# -gt 0 ] || set -- -p ovsdb-ctl -p ovn-lab -p ovsdb-client-rs
# An explicit --target keeps RUSTFLAGS off the host's build scripts and proc-macros.
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static -C relocation-model=static" \
  cargo build --locked -q --profile dist --target "$target" "$@" >&2
echo "${CARGO_TARGET_DIR:-$PWD/target}/$target/dist"
