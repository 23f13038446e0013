#!/usr/bin/env bash
# The main job: set-up (packages), then the end-to-end demo against real daemons.
# Until the lab tool lands this is the ovsdb-proto demo against a real ovsdb-server (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo run --quiet --locked -p ovsdb-testkit --example demo
