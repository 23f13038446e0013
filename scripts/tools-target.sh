#!/usr/bin/env bash
# Prints the target triple the installed tools are built for (scripts/build-tools.sh): the host's
# musl target (`x86_64-unknown-linux-musl` on an x86_64 glibc host), after making sure its two
# needs are there: the Rust target (rustup) and a musl C compiler for the C parts of ring and
# mimalloc (Debian's musl-tools, installed when run as root). Without them it says so on stderr and
# prints the host's own triple. TOOLS_LIBC=gnu forces the host's triple.
#
# Why musl: a static glibc program runs glibc's CPU and cache detection at start-up (dozens of
# `cpuid` instructions, each a trap to the hypervisor on a virtual machine: 7 us measured here,
# about 0.5 ms per process), where a static musl program starts in about 0.1 ms of CPU; the ctl
# tools run once per command in scripts.
set -euo pipefail
cd "$(dirname "$0")/.."
host=$(rustc -vV | sed -n 's/^host: //p')
arch=${host%%-*}
if [ "${TOOLS_LIBC:-musl}" != musl ] || [[ $host != *-linux-gnu ]]; then
  echo "$host"
  exit 0
fi
musl=${host%-gnu}-musl
if ! command -v "$arch-linux-musl-gcc" >/dev/null && [ "$(id -u)" -eq 0 ]; then
  EXTRA_PKGS=musl-tools bash scripts/setup.sh >&2 || true
fi
have_target() { rustup target list --installed 2>/dev/null | grep -qx "$musl"; }
have_target || rustup target add "$musl" >&2 || true
if command -v "$arch-linux-musl-gcc" >/dev/null && have_target; then
  echo "$musl"
else
  echo "tools-target: no $musl target or $arch-linux-musl-gcc (musl-tools): using $host" >&2
  echo "$host"
fi
