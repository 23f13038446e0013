#!/usr/bin/env bash
# Cold sync, inactivity-probe and update-stream benchmark of the typed Rust replica
# (ovsdb-client Replica<D>) against the raw wire floor, the Python ovs IDL, ovsdbapp and
# `ovsdb-client dump`, interleaved in one run. See bench/README.md ("replica") and the
# environment knobs at the top of bench/replica/run.py.
#
#   bench/replica.sh                                   # everything, REPS=3
#   WORKLOADS="nb" TOOLS="raw rust" REPS=1 bench/replica.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
EXTRA_PKGS="python3-openvswitch python3-ovsdbapp time" bash "$root/scripts/setup.sh"
target="${CARGO_TARGET_DIR:-$root/target}"
(cd "$root" && cargo build --release -q -p ovsdb-tokio --example replica_bench)
export BIN="$target/release/examples/replica_bench"
exec python3 "$here/replica/run.py"
