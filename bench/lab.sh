#!/usr/bin/env bash
# ovn-lab (tools/ovn-lab, release build): lab bring-up, teardown and a 48-VM topology, with a
# reference lab script side by side when one is given. Reps interleaved (rep 1 of every
# measurement, then rep 2, ...; ours and the reference alternate which goes first), medians of
# REPS, ratios ours/reference printed. Needs root (network namespaces).
#
#   first-ping  nothing -> first cross-chassis ping with 3 chassis.
#               ours: wall time of the command sequence that builds the reference script's
#               topology: `up --chassis 3`, `net-create ls1/ls2`, `router-create lr1`,
#               `router-attach lr1 ls1/ls2`, `add-vm vm1 (ch1) vm2 (ch2)` on ls1 and `vm4 (ch3)`
#               on ls2, `ping vm1 vm2` (each a separate process, as a user would type them).
#               reference: wall time of `SCRIPT up` with NCH=3 (it ends with its first vm1 -> vm2
#               ping and fails if that ping fails).
#   teardown    right after first-ping: `ovn-lab down` / `SCRIPT down`.
#   spawn8x6    `ovn-lab spawn --nodes 8 --guests 6 --nets 2` then `ovn-lab check` (48 VMs, 552
#               pairs, 48 isolation probes): wall time of both; then `down` of those 48 VMs
#               (teardown48). No reference equivalent (the script has a fixed 3-VM topology).
#
#   bench/lab.sh                                   # ours only, with the absolute targets
#   REFERENCE_LAB=/path/to/multichassis.sh bench/lab.sh
#   bench/lab.sh /path/to/multichassis.sh          # the same
#
# Targets (issue 7): first-ping <= the reference's; teardown < 0.5 s; spawn8x6 (up + fully
# checked) < 20 s.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
REF=${1:-${REFERENCE_LAB:-}}
REPS=${REPS:-3}
BENCH_DIR=${BENCH_DIR:-/tmp/bench-lab}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

[ "$(id -u)" = 0 ] || { echo "bench/lab.sh: needs root (network namespaces)" >&2; exit 1; }
if [ -n "$REF" ] && [ ! -x "$REF" ] && [ ! -f "$REF" ]; then
  echo "bench/lab.sh: reference script $REF not found" >&2; exit 1
fi
bash "$ROOT/scripts/setup.sh"
(cd "$ROOT" && cargo build --release -q -p ovn-lab)
LAB=$CARGO_TARGET_DIR/release/ovn-lab
mkdir -p "$BENCH_DIR"
RESULTS=$BENCH_DIR/results-$(date +%Y%m%d-%H%M%S).txt
: > "$RESULTS"
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# Our lab and the reference's: distinct names, directories, namespace prefixes and ports.
ours() { "$LAB" --quiet --lab bench --dir "$BENCH_DIR/ours" "$@"; }
ref() {
  LAB_DIR=$BENCH_DIR/ref LAB_PREFIX=lbref NCH=3 NB_PORT=${REF_NB_PORT:-26741} \
    SB_PORT=${REF_SB_PORT:-26742} bash "$REF" "$@"
}
cleanup() {
  ours down >/dev/null 2>&1 || true
  if [ -n "$REF" ]; then ref down >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

now() { echo "${EPOCHREALTIME/./}"; }
# timed NAME TOOL CMD...: runs CMD (output to the log file), appends "NAME TOOL seconds" to the
# results; a failed CMD is fatal (a number for a run that did not work would be meaningless).
timed() {
  local name=$1 tool=$2 t0 t1; shift 2
  t0=$(now)
  if ! "$@" >>"$BENCH_DIR/run.log" 2>&1; then
    log "FAILED: $name ($tool); see $BENCH_DIR/run.log"; tail -20 "$BENCH_DIR/run.log" >&2; exit 1
  fi
  t1=$(now)
  awk -v n="$name" -v t="$tool" -v d=$((t1 - t0)) 'BEGIN { printf "%s %s %.3f\n", n, t, d / 1e6 }' \
    | tee -a "$RESULTS" >&2
}

ours_first_ping() {
  ours up --chassis 3 &&
    ours net-create ls1 10.0.0.0/24 &&
    ours net-create ls2 10.0.1.0/24 &&
    ours router-create lr1 &&
    ours router-attach lr1 ls1 --ip 10.0.0.254/24 &&
    ours router-attach lr1 ls2 --ip 10.0.1.254/24 &&
    ours add-vm vm1 --chassis 1 --switch ls1 --mac 00:00:00:00:01:01 --ip 10.0.0.1/24 &&
    ours add-vm vm2 --chassis 2 --switch ls1 --mac 00:00:00:00:01:02 --ip 10.0.0.2/24 &&
    ours add-vm vm4 --chassis 3 --switch ls2 --mac 00:00:00:00:02:04 --ip 10.0.1.4/24 &&
    ours ping vm1 vm2
}
ours_spawn_check() {
  ours spawn --nodes 8 --guests 6 --nets 2 && ours check
}

# Start from nothing.
cleanup
: > "$BENCH_DIR/run.log"
log "ovn-lab: $LAB; reference: ${REF:-none}; $REPS reps; results in $RESULTS"
for rep in $(seq "$REPS"); do
  log "rep $rep"
  order="ours ref"
  [ $((rep % 2)) = 0 ] && order="ref ours"
  for who in $order; do
    if [ "$who" = ours ]; then
      timed first-ping ovn-lab ours_first_ping
      timed teardown ovn-lab ours down
    elif [ -n "$REF" ]; then
      timed first-ping reference ref up
      timed teardown reference ref down
    fi
  done
  timed spawn8x6 ovn-lab ours_spawn_check
  timed teardown48 ovn-lab ours down
done

# Medians and ratios.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
med() { awk -v n="$1" -v t="$2" '$1 == n && $2 == t { print $3 }' "$RESULTS" | median; }
verdict() { if awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; then echo met; else echo "NOT met"; fi; }
fp=$(med first-ping ovn-lab); td=$(med teardown ovn-lab); sp=$(med spawn8x6 ovn-lab); td48=$(med teardown48 ovn-lab)
echo
echo "ovn-lab timings, medians of $REPS (seconds)"
if [ -n "$REF" ]; then
  rfp=$(med first-ping reference); rtd=$(med teardown reference)
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
  printf '%-44s %9s %10s %7s  %s\n' measurement ovn-lab reference ratio target
  printf '%-44s %9s %10s %7s  %s\n' "nothing -> first cross-chassis ping (3 ch)" "$fp" "$rfp" \
    "$(ratio "$fp" "$rfp")" "<= reference: $(verdict "$fp" "$rfp")"
  printf '%-44s %9s %10s %7s  %s\n' "teardown (3 chassis, 3 VMs)" "$td" "$rtd" "$(ratio "$td" "$rtd")" \
    "< 0.5 s: $(verdict "$td" 0.5)"
else
  printf '%-44s %9s  %s\n' measurement ovn-lab target
  printf '%-44s %9s  %s\n' "nothing -> first cross-chassis ping (3 ch)" "$fp" \
    "<= the reference script's (give REFERENCE_LAB to compare)"
  printf '%-44s %9s  %s\n' "teardown (3 chassis, 3 VMs)" "$td" "< 0.5 s: $(verdict "$td" 0.5)"
fi
if [ -n "$REF" ]; then
  printf '%-44s %9s %10s %7s  %s\n' "spawn 8x6 + full check (48 VMs)" "$sp" - - "< 20 s: $(verdict "$sp" 20)"
  printf '%-44s %9s %10s %7s  %s\n' "teardown (8 chassis, 48 VMs)" "$td48" - - "< 0.5 s: $(verdict "$td48" 0.5)"
else
  printf '%-44s %9s  %s\n' "spawn 8x6 + full check (48 VMs)" "$sp" "< 20 s: $(verdict "$sp" 20)"
  printf '%-44s %9s  %s\n' "teardown (8 chassis, 48 VMs)" "$td48" "< 0.5 s: $(verdict "$td48" 0.5)"
fi
