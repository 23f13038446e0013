#!/usr/bin/env bash
# The test command: set-up (packages) then every test of the workspace, including those that start real
# ovsdb-server processes and clusters. Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --workspace --all-targets --locked "$@"
cargo test --workspace --doc --locked
