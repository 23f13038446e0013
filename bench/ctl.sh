#!/usr/bin/env bash
# nbctl-rs (tools/ctl, release build) against ovn-nbctl 23.03 in the same run: four workloads,
# reps interleaved (rep 1 of every tool, then rep 2, ...), medians of REPS, ratios printed.
#
#   lab     lab-script style: ls-add, then per port lsp-add, lsp-set-addresses,
#           lsp-set-port-security, each a separate process (LAB_PORTS=500: 1501 processes);
#           ovn-nbctl, ovn-nbctl daemon mode (--detach + OVN_NB_DAEMON), nbctl-rs, and
#           nbctl-rs daemon mode (the same: --detach + OVN_NB_DAEMON)
#   add1    ONE `lsp-add` process on the 110k-row NB (BIG_S switches x BIG_P ports)
#   bulk    BULK_PORTS ports in ONE chained invocation (3 commands per port) on an empty NB;
#           the floor is one raw `transact` inserting the same rows (bench/ctl/gen.py floor)
#   show    `show` on the 110k-row NB: wall time and peak RSS (/usr/bin/time)
#   mix     a mixed lab script on the 110k-row NB, one process per command, MIX_N rounds (200) of
#           `acl-add` on a port group, `lb-add` + `ls-lb-add`, `lr-route-add`, `lr-nat-add`,
#           `lr-policy-add`, `pg-set-ports` (7 processes a round), for ovn-nbctl, ovn-nbctl daemon
#           mode, nbctl-rs and nbctl-rs daemon mode (daemon start and first sync included);
#           ovn-nbctl without its daemon downloads the whole database per process (~3 s here),
#           so it runs only the first MIX_REF rounds (10); compared per invocation
#
# Every ovsdb-server runs in its own temp dir on a unix socket (pidfile, unixctl, log in that
# dir) and is stopped by its pid. The 110k-row database is built once by bench/ctl/gen.py and
# cached in $BENCH_DIR/cache; every measurement starts from a fresh copy.
#
#   bench/ctl.sh                      # everything, REPS=3
#   WORKLOADS="lab bulk" REPS=1 bench/ctl.sh
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/bench-ctl}
REPS=${REPS:-3}
WORKLOADS=${WORKLOADS:-"lab add1 bulk show mix"}
MIX_N=${MIX_N:-200}
MIX_REF=${MIX_REF:-10}
LAB_PORTS=${LAB_PORTS:-500}
BULK_PORTS=${BULK_PORTS:-10000}
BIG_S=${BIG_S:-10000}
BIG_P=${BIG_P:-10}
SCHEMA=$ROOT/testdata/schemas/ovn-nb.ovsschema
GEN="python3 $HERE/ctl/gen.py"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

EXTRA_PKGS="time python3" bash "$ROOT/scripts/setup.sh"
# The tools as installed: static, dist profile (scripts/build-tools.sh).
RS=$(bash "$ROOT/scripts/build-tools.sh" -p ovsdb-ctl)/nbctl-rs
mkdir -p "$BENCH_DIR/cache"
RUN=$BENCH_DIR/run-$(date +%Y%m%d-%H%M%S)
mkdir -p "$RUN"
RESULTS=$RUN/results.txt
: > "$RESULTS"
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# ---- servers ------------------------------------------------------------------------------
alive() { local s; s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [ "$s" != Z ]; }
# srv_start DIR [DBFILE]: a server on a copy of DBFILE (or a new NB with NB_Global) in DIR
srv_start() {
  local d=$1 src=${2:-}
  rm -rf "$d"; mkdir -p "$d"
  if [ -n "$src" ]; then cp "$src" "$d/nb.db"; else
    ovsdb-tool create "$d/nb.db" "$SCHEMA"
    ovsdb-tool transact "$d/nb.db" \
      '["OVN_Northbound",{"op":"insert","table":"NB_Global","row":{}}]' >/dev/null
  fi
  OVS_RUNDIR=$d OVS_LOGDIR=$d OVS_DBDIR=$d ovsdb-server "$d/nb.db" --remote=punix:"$d/nb.sock" \
    --pidfile="$d/nb.pid" --unixctl="$d/nb.ctl" --log-file="$d/nb.log" -vconsole:off \
    --detach --no-chdir
  local i
  for i in $(seq 600); do
    ovsdb-client --timeout=5 list-dbs "unix:$d/nb.sock" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  log "server in $d not reachable"; return 1
}
stop_pidfile() {
  local f=$1 pid i
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  kill "$pid" 2>/dev/null || true
  for i in $(seq 200); do alive "$pid" || break; sleep 0.05; done
  alive "$pid" && kill -9 "$pid" 2>/dev/null || true
  rm -f "$f"
}
srv_stop() { stop_pidfile "$1/nb.pid"; }
DAEMON_DIR=""
cleanup() {
  local d
  [ -n "$DAEMON_DIR" ] && stop_pidfile "$DAEMON_DIR/nbd.pid"
  for d in "$RUN"/srv-*; do [ -d "$d" ] && srv_stop "$d"; done
  return 0
}
trap cleanup EXIT

# ---- measuring ------------------------------------------------------------------------------
now() { date +%s%N; }
# record WORKLOAD TOOL REP SECONDS RSS_KB
record() { echo "$1 $2 $3 $4 $5" >> "$RESULTS"; log "$1 $2 rep $3: $4 s, ${5} KB"; }
# timed WORKLOAD TOOL REP CMD...: wall time of one process and its peak RSS
timed() {
  local w=$1 t=$2 r=$3; shift 3
  local t0 t1 rss
  t0=$(now)
  /usr/bin/time -f '%M' -o "$RUN/time.out" "$@" > "$RUN/$w-$t-$r.out" 2> "$RUN/$w-$t-$r.err" || {
    log "$w $t failed:"; cat "$RUN/$w-$t-$r.err" >&2; return 1; }
  t1=$(now)
  rss=$(tail -n1 "$RUN/time.out")
  record "$w" "$t" "$r" "$(echo "$t0 $t1" | awk '{printf "%.3f", ($2-$1)/1e9}')" "$rss"
}
count_ports() {   # the number of Logical_Switch_Port rows (whole-table read, verification only)
  "$RS" --db="unix:$1/nb.sock" --bare --columns=_uuid list Logical_Switch_Port | grep -c . || true
}

# ---- lab: one process per command -----------------------------------------------------------
lab_loop() {   # lab_loop PORTLIST CMD...
  local pl=$1; shift
  "$@" ls-add sw0
  while IFS=$'\t' read -r name addr; do
    "$@" lsp-add sw0 "$name"
    "$@" lsp-set-addresses "$name" "$addr"
    "$@" lsp-set-port-security "$name" "$addr"
  done < "$pl"
}
lab() {
  local rep=$1 tool d=$RUN/srv-lab pl=$RUN/ports.txt t0 t1 n
  $GEN ports "$LAB_PORTS" > "$pl"
  for tool in ovn-nbctl ovn-nbctl-daemon nbctl-rs nbctl-rs-daemon; do
    srv_start "$d"
    local db=unix:$d/nb.sock
    t0=$(now)
    case $tool in
      ovn-nbctl) lab_loop "$pl" ovn-nbctl --db="$db" ;;
      nbctl-rs) lab_loop "$pl" "$RS" --db="$db" ;;
      ovn-nbctl-daemon)
        DAEMON_DIR=$RUN/nbd; rm -rf "$DAEMON_DIR"; mkdir -p "$DAEMON_DIR"
        t0=$(now)   # the daemon's start is part of its cost
        OVS_RUNDIR=$DAEMON_DIR OVN_RUNDIR=$DAEMON_DIR ovn-nbctl --db="$db" --detach --no-chdir \
          --pidfile="$DAEMON_DIR/nbd.pid" --unixctl="$DAEMON_DIR/nbd.ctl" \
          --log-file="$DAEMON_DIR/nbd.log" >/dev/null
        OVN_NB_DAEMON=$DAEMON_DIR/nbd.ctl lab_loop "$pl" ovn-nbctl
        ;;
      nbctl-rs-daemon)
        DAEMON_DIR=$RUN/nbd; rm -rf "$DAEMON_DIR"; mkdir -p "$DAEMON_DIR"
        t0=$(now)   # the daemon's start (connect, replicate) is part of its cost
        OVN_RUNDIR=$DAEMON_DIR "$RS" --db="$db" --detach --pidfile="$DAEMON_DIR/nbd.pid" \
          --unixctl="$DAEMON_DIR/nbd.ctl" >/dev/null
        OVN_NB_DAEMON=$DAEMON_DIR/nbd.ctl lab_loop "$pl" "$RS"
        ;;
    esac
    t1=$(now)
    if [ -n "$DAEMON_DIR" ]; then stop_pidfile "$DAEMON_DIR/nbd.pid"; DAEMON_DIR=""; fi
    n=$(count_ports "$d")
    [ "$n" = "$LAB_PORTS" ] || { log "lab $tool: $n ports, expected $LAB_PORTS"; return 1; }
    record lab "$tool" "$rep" "$(echo "$t0 $t1" | awk '{printf "%.3f", ($2-$1)/1e9}')" -
    srv_stop "$d"
  done
}

# ---- bulk: one invocation -------------------------------------------------------------------
bulk() {
  local rep=$1 tool d=$RUN/srv-bulk args=$RUN/bulk.args n
  [ -f "$args" ] || $GEN bulk-args "$BULK_PORTS" sw0 > "$args"
  local -a argv
  mapfile -d '' argv < "$args"
  for tool in ovn-nbctl nbctl-rs floor; do
    srv_start "$d"
    local db=unix:$d/nb.sock
    case $tool in
      ovn-nbctl) (ulimit -s unlimited; timed bulk "$tool" "$rep" ovn-nbctl --db="$db" "${argv[@]}") ;;
      nbctl-rs) (ulimit -s unlimited; timed bulk "$tool" "$rep" "$RS" --db="$db" "${argv[@]}") ;;
      floor) timed bulk floor "$rep" $GEN floor "$d/nb.sock" "$BULK_PORTS" sw0 ;;
    esac
    n=$(count_ports "$d")
    [ "$n" = "$BULK_PORTS" ] || { log "bulk $tool: $n ports, expected $BULK_PORTS"; return 1; }
    srv_stop "$d"
  done
}

# ---- the 110k-row database: add1 and show ---------------------------------------------------
BIG=$BENCH_DIR/cache/nb-${BIG_S}x${BIG_P}.db
big_db() {
  [ -f "$BIG" ] && return 0
  local d=$RUN/srv-build
  log "building $BIG (once)"
  srv_start "$d"
  $GEN build "$d/nb.sock" "$BIG_S" "$BIG_P"
  srv_stop "$d"
  ovsdb-tool compact "$d/nb.db"
  cp "$d/nb.db" "$BIG.tmp" && mv "$BIG.tmp" "$BIG"
  rm -rf "$d"
}
big() {   # big REP: one lsp-add then show (both tools each) on one fresh copy
  local rep=$1 d=$RUN/srv-big tool
  srv_start "$d" "$BIG"
  local db=unix:$d/nb.sock
  # Each measurement after a pause: the server frees the previous client's session (a full
  # monitor for ovn-nbctl) and settles first.
  if [[ " $WORKLOADS " == *" add1 "* ]]; then
    sleep 2; timed add1 nbctl-rs "$rep" "$RS" --db="$db" lsp-add ls-5 "new-rs-$rep"
    sleep 2; timed add1 ovn-nbctl "$rep" ovn-nbctl --db="$db" lsp-add ls-5 "new-c-$rep"
  fi
  if [[ " $WORKLOADS " == *" show "* ]]; then
    sleep 2; timed show ovn-nbctl "$rep" ovn-nbctl --db="$db" show
    sleep 2; timed show nbctl-rs "$rep" "$RS" --db="$db" show
    if ! cmp -s <(sort "$RUN/show-ovn-nbctl-$rep.out") <(sort "$RUN/show-nbctl-rs-$rep.out"); then
      log "show outputs differ (sorted lines): see $RUN/show-*-$rep.out"
    fi
  fi
  srv_stop "$d"
}

# ---- mix: a mixed lab script on the 110k-row NB ---------------------------------------------
# mix_loop ROUNDS CMD...: per round i, the seven commands (names and addresses derived from i,
# all distinct; lr0 and pg0 exist, ls-<i> and lp-<n> are the big database's).
mix_loop() {
  local rounds=$1 i a b p; shift
  for ((i = 0; i < rounds; i++)); do
    a=$((i / 256)); b=$((i % 256)); p=$((1000 + i))
    "$@" acl-add pg0 from-lport "$p" "inport == @pg0 && tcp.dst == $p" allow-related
    "$@" lb-add "lb-$i" "10.200.$a.$b:80" "192.168.$a.$b:8080" tcp
    "$@" ls-lb-add "ls-$i" "lb-$i"
    "$@" lr-route-add lr0 "10.201.$a.$b/32" 192.168.0.1
    "$@" lr-nat-add lr0 dnat_and_snat "172.16.$a.$b" "10.128.$a.$b"
    "$@" lr-policy-add lr0 "$p" "ip4.src == 10.202.$a.$b" allow
    "$@" pg-set-ports pg0 "lp-$((10 * i))" "lp-$((10 * i + 1))"
  done
}
count_rows() {   # count_rows SERVER_DIR TABLE (whole-table read, verification only)
  "$RS" --db="unix:$1/nb.sock" --bare --columns=_uuid list "$2" | grep -c . || true
}
mix() {
  local rep=$1 tool d=$RUN/srv-mix t0 t1 rounds tab n
  for tool in ovn-nbctl ovn-nbctl-daemon nbctl-rs nbctl-rs-daemon; do
    srv_start "$d" "$BIG"
    local db=unix:$d/nb.sock
    "$RS" --db="$db" lr-add lr0 -- pg-add pg0
    rounds=$MIX_N
    case $tool in
      ovn-nbctl)
        rounds=$MIX_REF
        t0=$(now); mix_loop "$rounds" ovn-nbctl --db="$db"; t1=$(now) ;;
      nbctl-rs) t0=$(now); mix_loop "$rounds" "$RS" --db="$db"; t1=$(now) ;;
      ovn-nbctl-daemon)
        DAEMON_DIR=$RUN/nbd; rm -rf "$DAEMON_DIR"; mkdir -p "$DAEMON_DIR"
        t0=$(now)   # the daemon's start and first sync are part of its cost
        OVS_RUNDIR=$DAEMON_DIR OVN_RUNDIR=$DAEMON_DIR ovn-nbctl --db="$db" --detach --no-chdir \
          --pidfile="$DAEMON_DIR/nbd.pid" --unixctl="$DAEMON_DIR/nbd.ctl" \
          --log-file="$DAEMON_DIR/nbd.log" >/dev/null
        OVN_NB_DAEMON=$DAEMON_DIR/nbd.ctl mix_loop "$rounds" ovn-nbctl
        t1=$(now) ;;
      nbctl-rs-daemon)
        DAEMON_DIR=$RUN/nbd; rm -rf "$DAEMON_DIR"; mkdir -p "$DAEMON_DIR"
        t0=$(now)
        OVN_RUNDIR=$DAEMON_DIR "$RS" --db="$db" --detach --pidfile="$DAEMON_DIR/nbd.pid" \
          --unixctl="$DAEMON_DIR/nbd.ctl" >/dev/null
        OVN_NB_DAEMON=$DAEMON_DIR/nbd.ctl mix_loop "$rounds" "$RS"
        t1=$(now) ;;
    esac
    if [ -n "$DAEMON_DIR" ]; then stop_pidfile "$DAEMON_DIR/nbd.pid"; DAEMON_DIR=""; fi
    for tab in ACL Load_Balancer Logical_Router_Static_Route NAT Logical_Router_Policy; do
      n=$(count_rows "$d" "$tab")
      [ "$n" = "$rounds" ] || { log "mix $tool: $n rows in $tab, expected $rounds"; return 1; }
    done
    # Seconds per invocation (7 processes a round).
    record mix "$tool" "$rep" "$(echo "$t0 $t1 $rounds" | awk '{printf "%.4f", ($2-$1)/1e9/(7*$3)}')" -
    srv_stop "$d"
  done
}

# ---- run ------------------------------------------------------------------------------------
{ uname -srm; nproc; ovn-nbctl --version | head -1; ovsdb-server --version | head -1; uptime; } \
  > "$RUN/context.txt"
if [[ " $WORKLOADS " == *" add1 "* || " $WORKLOADS " == *" show "* || " $WORKLOADS " == *" mix "* ]]; then
  big_db
fi
for rep in $(seq "$REPS"); do
  [[ " $WORKLOADS " == *" lab "* ]] && lab "$rep"
  [[ " $WORKLOADS " == *" bulk "* ]] && bulk "$rep"
  if [[ " $WORKLOADS " == *" add1 "* || " $WORKLOADS " == *" show "* ]]; then big "$rep"; fi
  [[ " $WORKLOADS " == *" mix "* ]] && mix "$rep"
done

# ---- report ---------------------------------------------------------------------------------
python3 - "$RESULTS" "$LAB_PORTS" "$BULK_PORTS" "$BIG_S" "$BIG_P" "$MIX_N" "$MIX_REF" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
lab_n, bulk_n, s, p, mix_n, mix_ref = sys.argv[2:8]
med = {}
for w, t, _, sec, rss in rows:
    med.setdefault((w, t), ([], []))
    med[(w, t)][0].append(float(sec))
    if rss != "-":
        med[(w, t)][1].append(int(rss))
def m(w, t):
    v = med.get((w, t))
    return statistics.median(v[0]) if v else None
def r(w, t):
    v = med.get((w, t))
    return statistics.median(v[1]) / 1024 if v and v[1] else None
titles = {"lab": f"lab script, {lab_n} ports ({3*int(lab_n)+1} processes)",
          "add1": f"one lsp-add process, {int(s)*(int(p)+1)//1000}k-row NB",
          "bulk": f"{bulk_n} ports in one invocation",
          "show": f"show, {int(s)*(int(p)+1)//1000}k-row NB",
          "mix": f"mixed lab script, {int(s)*(int(p)+1)//1000}k-row NB, per invocation "
                 f"({7*int(mix_n)} processes; ovn-nbctl {7*int(mix_ref)})"}
print("| workload | tool | median wall | peak RSS | runs |")
print("|---|---|---|---|---|")
for (w, t), (secs, rss) in med.items():
    rs = f"{statistics.median(rss)/1024:.0f} MB" if rss else "-"
    f = (lambda x: f"{x:.4f}") if w == "mix" else (lambda x: f"{x:.3f}")
    print(f"| {titles.get(w, w)} | {t} | {f(statistics.median(secs))} s | {rs} | "
          + ", ".join(f(x) for x in secs) + " |")
print()
def ratio(label, a, b, target, higher_better=True):
    if a is None or b is None:
        return
    x = a / b
    ok = x >= target if higher_better else x <= target
    op = ">=" if higher_better else "<="
    print(f"{label}: {x:.2f}x (target {op} {target}x) {'MET' if ok else 'NOT MET'}")
ratio("lab: ovn-nbctl / nbctl-rs", m("lab", "ovn-nbctl"), m("lab", "nbctl-rs"), 4)
ratio("lab: ovn-nbctl daemon / nbctl-rs", m("lab", "ovn-nbctl-daemon"), m("lab", "nbctl-rs"), 2)
# Daemon mode against daemon mode, and what a script gains by switching to nbctl-rs's daemon.
ratio("lab: ovn-nbctl daemon / nbctl-rs daemon", m("lab", "ovn-nbctl-daemon"), m("lab", "nbctl-rs-daemon"), 2)
ratio("lab: ovn-nbctl / nbctl-rs daemon", m("lab", "ovn-nbctl"), m("lab", "nbctl-rs-daemon"), 4)
ratio("add1: ovn-nbctl / nbctl-rs", m("add1", "ovn-nbctl"), m("add1", "nbctl-rs"), 100)
ratio("bulk: nbctl-rs / raw floor", m("bulk", "nbctl-rs"), m("bulk", "floor"), 1.5, False)
ratio("bulk: ovn-nbctl / nbctl-rs", m("bulk", "ovn-nbctl"), m("bulk", "nbctl-rs"), 1)
ratio("show: ovn-nbctl / nbctl-rs wall", m("show", "ovn-nbctl"), m("show", "nbctl-rs"), 1.5)
ratio("show: ovn-nbctl / nbctl-rs peak RSS", r("show", "ovn-nbctl"), r("show", "nbctl-rs"), 3)
ratio("mix: ovn-nbctl / nbctl-rs per invocation", m("mix", "ovn-nbctl"), m("mix", "nbctl-rs"), 20)
ratio("mix: ovn-nbctl / nbctl-rs daemon per invocation", m("mix", "ovn-nbctl"), m("mix", "nbctl-rs-daemon"), 20)
ratio("mix: ovn-nbctl daemon / nbctl-rs daemon per invocation", m("mix", "ovn-nbctl-daemon"),
      m("mix", "nbctl-rs-daemon"), 2)
EOF
log "results in $RUN"
