#!/usr/bin/env bash
# CPU time (user + sys) per command of the lab-script workload in daemon mode, a measure that
# does not depend on the machine's load (unlike wall-clock time): the invocations (bash's loop
# plus one nbctl process per command), the daemon, and ovsdb-server, each from /proc/PID/stat
# or the loop's own accounting. Usage (root, tools built):
#
#   bench/ctl/cpu.sh NBCTL [PORTS]      # NBCTL: nbctl-rs or ovn-nbctl; PORTS default 500
#
# Prints one line: commands, then milliseconds of CPU per command for loop, daemon, server.
set -eu
NBCTL=$1
PORTS=${2:-500}
HERE=$(cd "$(dirname "$0")" && pwd)
SCHEMA=$HERE/../../testdata/schemas/ovn-nb.ovsschema
D=$(mktemp -d /tmp/ctl-cpu.XXXXXX)
cleanup() {
  local f
  for f in "$D/nbd.pid" "$D/nb.pid"; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  sleep 0.2
  rm -rf "$D"
}
trap cleanup EXIT
ovsdb-tool create "$D/nb.db" "$SCHEMA"
ovsdb-tool transact "$D/nb.db" '["OVN_Northbound",{"op":"insert","table":"NB_Global","row":{}}]' >/dev/null
ovsdb-server "$D/nb.db" --remote=punix:"$D/nb.sock" --pidfile="$D/nb.pid" --unixctl="$D/nb.ctl" \
  --log-file="$D/nb.log" -vconsole:off --detach --no-chdir 2>/dev/null
python3 "$HERE/gen.py" ports "$PORTS" > "$D/ports.txt"
OVS_RUNDIR=$D OVN_RUNDIR=$D "$NBCTL" --db="unix:$D/nb.sock" --detach --no-chdir --pidfile="$D/nbd.pid" \
  --unixctl="$D/nbd.ctl" --log-file="$D/nbd.log" >/dev/null 2>&1 ||
  OVN_RUNDIR=$D "$NBCTL" --db="unix:$D/nb.sock" --detach --pidfile="$D/nbd.pid" --unixctl="$D/nbd.ctl" >/dev/null
# On-CPU nanoseconds (/proc/PID/schedstat), and user and system ticks (/proc/PID/stat).
ticks() { echo "$(awk '{print $1}' "/proc/$1/schedstat") $(awk '{print $14, $15}' "/proc/$1/stat")"; }
dpid=$(cat "$D/nbd.pid")
spid=$(cat "$D/nb.pid")
d0=$(ticks "$dpid")
s0=$(ticks "$spid")
export OVN_NB_DAEMON=$D/nbd.ctl
# The loop runs in a child shell so that its CPU and its children's is counted apart.
loop=$( { /usr/bin/time -f '%U %S' bash -c '
  "$1" ls-add sw0
  while IFS=$'"'\t'"' read -r name addr; do
    "$1" lsp-add sw0 "$name"
    "$1" lsp-set-addresses "$name" "$addr"
    "$1" lsp-set-port-security "$name" "$addr"
  done < "$2"' _ "$NBCTL" "$D/ports.txt" >/dev/null; } 2>&1 | tail -n1)
d1=$(ticks "$dpid")
s1=$(ticks "$spid")
n=$((3 * PORTS + 1))
hz=$(getconf CLK_TCK)
echo "$loop $d0 $d1 $s0 $s1 $n $hz" | awk '{
  n = $15; hz = $16
  printf "commands %d  cpu ms/command: loop (bash + invocations) %.3f  daemon %.3f (user %.3f sys %.3f)  server %.3f (user %.3f sys %.3f)\n",
    n, ($1 + $2) * 1000 / n,
    ($6 - $3) / 1e6 / n, ($7 - $4) * 1000 / hz / n, ($8 - $5) * 1000 / hz / n,
    ($12 - $9) / 1e6 / n, ($13 - $10) * 1000 / hz / n, ($14 - $11) * 1000 / hz / n }'
