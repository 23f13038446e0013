#!/usr/bin/env bash
# ovn-lab at scale (issue 14): for each chassis count N in SCALE_NODES (default "20 100"),
# `up --chassis N`, `spawn --nodes N --guests G --nets K [--routed]` (G, K: 5 and 4 at 20
# chassis, 10 and 10 routed at 100, i.e. 100 and 1000 VMs), `check --sample S` (S = 2000
# probes, or every probe when fewer), memory per chassis from `status --json` (its three
# daemons), `down`; prints one table row per N:
#
#   chassis  VMs  up s  spawn s  check probes/s  MB/chassis  down s
#
# Targets (issue 14): spawn of 1000 VMs bound and up < 60 s; check >= 500 probes/s;
# <= 35 MB per chassis; down < 3 s. Needs root. The 100-chassis row needs an otherwise quiet
# machine (about 3.5 GB RSS); run `SCALE_NODES=20 bench/lab-scale.sh` for the small row only.
# LAB=/path/to/ovn-lab uses that binary instead of building a release one.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SCALE_NODES=${SCALE_NODES:-20 100}
SAMPLE=${SAMPLE:-2000}
DIR=${BENCH_DIR:-/tmp/bench-lab-scale}
[ "$(id -u)" = 0 ] || { echo "bench/lab-scale.sh: needs root (network namespaces)" >&2; exit 1; }
if [ -z "${LAB:-}" ]; then
  export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
  (cd "$ROOT" && cargo build --release -q -p ovn-lab)
  LAB=$CARGO_TARGET_DIR/release/ovn-lab
fi
lab() { "$LAB" --quiet --lab scale --dir "$DIR" "$@"; }
trap 'lab down >/dev/null 2>&1 || true' EXIT
now() { echo "${EPOCHREALTIME/./}"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e6 }'; }

printf '%-8s %-5s %-6s %-8s %-15s %-11s %s\n' chassis VMs "up s" "spawn s" "check probes/s" MB/chassis "down s"
for n in $SCALE_NODES; do
  if [ "$n" -ge 100 ]; then g=10; k=10; routed=--routed; else g=5; k=4; routed=; fi
  lab down >/dev/null 2>&1 || true
  t0=$(now); lab up --chassis "$n" >/dev/null; t1=$(now)
  lab spawn --nodes "$n" --guests "$g" --nets "$k" $routed >/dev/null; t2=$(now)
  probes=$(lab check --sample "$SAMPLE" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["probes"]))')
  t3=$(now)
  mb=$(lab status --json | python3 -c '
import json, sys
c = json.load(sys.stdin)["chassis"]
print("%.1f" % (sum(x["rss_kb"] for x in c) / len(c) / 1024))')
  t4=$(now); lab down >/dev/null; t5=$(now)
  rate=$(awk -v p="$probes" -v a="$t2" -v b="$t3" 'BEGIN { printf "%.0f", p / ((b - a) / 1e6) }')
  printf '%-8s %-5s %-6s %-8s %-15s %-11s %s\n' "$n" $((n * g)) "$(secs "$t0" "$t1")" \
    "$(secs "$t1" "$t2")" "$rate" "$mb" "$(secs "$t4" "$t5")"
done
