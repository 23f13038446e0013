#!/usr/bin/env bash
# Runs every ovsdb-proto fuzz target for SECONDS (default 30) each, on stable Rust without a sanitizer
# (`-s none`), starting from the committed seeds (copied to a temporary corpus, so nothing in the tree
# changes). Exits non-zero if any target found a crash; crash inputs are left in
# ovsdb-proto/fuzz/artifacts/<target>/ (reproduce with `cargo +stable fuzz run -s none <target> <file>`
# from ovsdb-proto/).
#
# Usage: ovsdb-proto/fuzz/run-all.sh [SECONDS] [TARGET...]
# Env: FUZZ_TOOLCHAIN (default "+stable"; set to "" to use the default toolchain).
set -uo pipefail
secs=${1:-30}
shift || true
cd "$(dirname "$0")/.." # ovsdb-proto/: `cargo fuzz` looks for ./fuzz
toolchain=${FUZZ_TOOLCHAIN-+stable}
if [ $# -gt 0 ]; then targets=("$@"); else targets=(frame_splitter notification schema); fi

if ! cargo $toolchain fuzz --version >/dev/null 2>&1; then
  echo "run-all: cargo-fuzz is not installed (cargo install cargo-fuzz)" >&2
  exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

start=$(date +%s)
echo "run-all: building ${targets[*]}"
if ! cargo $toolchain fuzz build -s none; then
  echo "run-all: build failed" >&2
  exit 2
fi
echo "run-all: built in $(( $(date +%s) - start ))s"

failed=()
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  cp fuzz/seeds/"$t"/* "$work/$t"/ 2>/dev/null || true
  echo "run-all: fuzzing $t for ${secs}s"
  if ! cargo $toolchain fuzz run -s none "$t" "$work/$t" -- -max_total_time="$secs" -timeout=10 -print_final_stats=1; then
    failed+=("$t")
  fi
done
echo "run-all: done in $(( $(date +%s) - start ))s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "run-all: FAILED: ${failed[*]} (inputs in $(pwd)/fuzz/artifacts/)" >&2
  exit 1
fi
echo "run-all: no crashes"
