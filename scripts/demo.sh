#!/usr/bin/env bash
# The main job: set-up (packages), then the primer scenario end to end against the real daemons:
# `ovn-lab demo` (central + two chassis, VMs, cross-chassis ping, migration, a router, teardown).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo run --quiet --locked --release -p ovn-lab -- demo
