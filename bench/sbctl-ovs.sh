#!/usr/bin/env bash
# sbctl-rs against ovn-sbctl 23.03 on `lflow-list --ovs`, in the same run: a real lab (ovn-lab
# spawn: LAB_NODES chassis, LAB_GUESTS VMs each, LAB_NETS routed switches, plus ACLs on a port
# group, a load balancer, NAT and a gateway port), then both tools list every logical flow with
# its OpenFlow flows from chassis ch1's br-int (one flow-stats request per row, as ovn-sbctl).
# Reps interleaved; medians of REPS; outputs compared (they must be identical); ratio printed.
#
#   bench/sbctl-ovs.sh                  # REPS=5
#   REPS=3 LAB_GUESTS=4 bench/sbctl-ovs.sh
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
REPS=${REPS:-5}
LAB_NODES=${LAB_NODES:-2}
LAB_GUESTS=${LAB_GUESTS:-3}
LAB_NETS=${LAB_NETS:-3}
export OVN_LAB_NAME=${OVN_LAB_NAME:-bso}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

bash "$ROOT/scripts/setup.sh"
BIN=$(bash "$ROOT/scripts/build-tools.sh" -p ovsdb-ctl -p ovn-lab)
LAB=$BIN/ovn-lab
RUN=$(mktemp -d /tmp/bench-sbctl-ovs.XXXXXX)
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
trap '"$LAB" -q down >/dev/null 2>&1 || true' EXIT

log "lab: $LAB_NODES chassis, $LAB_GUESTS VMs each, $LAB_NETS routed switches"
"$LAB" -q down >/dev/null 2>&1 || true
"$LAB" -q spawn --nodes "$LAB_NODES" --guests "$LAB_GUESTS" --nets "$LAB_NETS" --routed
eval "$("$LAB" env)"
NB="$BIN/nbctl-rs"
"$NB" pg-add pg1 vm1 vm2
"$NB" acl-add pg1 from-lport 1001 'inport == @pg1 && ip4' allow-related
"$NB" acl-add pg1 to-lport 1002 'outport == @pg1 && tcp.dst == 22' drop
"$NB" lb-add lb1 10.0.0.100:80 10.0.0.10:8080 tcp -- ls-lb-add net0 lb1 -- lr-lb-add lr0 lb1
"$NB" lr-nat-add lr0 dnat_and_snat 172.16.0.10 10.0.0.10
"$NB" --wait=hv sync
MGMT=unix:${OVN_LAB_DIR:-/run/ovn-lab/$OVN_LAB_NAME}/ch1/br-int.mgmt

for rep in $(seq "$REPS"); do
  for tool in ovn-sbctl sbctl-rs; do
    prog=$tool; [ "$tool" = sbctl-rs ] && prog=$BIN/sbctl-rs
    t0=$(date +%s%N)
    "$prog" --ovs="$MGMT" lflow-list > "$RUN/$tool.out" 2> "$RUN/$tool.err"
    t1=$(date +%s%N)
    echo "$tool $rep $(( (t1 - t0) / 1000 ))" >> "$RUN/results.txt"
    log "$tool rep $rep: $(( (t1 - t0) / 1000 )) us"
  done
  cmp -s "$RUN/ovn-sbctl.out" "$RUN/sbctl-rs.out" || { log "outputs differ:"; diff "$RUN/ovn-sbctl.out" "$RUN/sbctl-rs.out" | head -20 >&2; exit 1; }
done
lines=$(wc -l < "$RUN/ovn-sbctl.out")
flows=$(grep -c '^    table=' "$RUN/ovn-sbctl.out" || true)
awk -v lines="$lines" -v flows="$flows" '
  { t[$1] = t[$1] " " $3 }
  function median(s,   a, n, i, j, x) {
    n = split(s, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END {
    r = median(t["ovn-sbctl"]); o = median(t["sbctl-rs"])
    printf "lflow-list --ovs (%d lines, %d OpenFlow flows), median of %d:\n", lines, flows, NR / 2
    printf "  ovn-sbctl %.1f ms   sbctl-rs %.1f ms   ratio %.2fx\n", r / 1000, o / 1000, r / o
  }' "$RUN/results.txt"
