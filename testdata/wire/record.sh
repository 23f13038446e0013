#!/usr/bin/env bash
# Re-records the wire captures in this folder from real OVS 3.1 / OVN 23.03 tools (see README.md).
# Needs: openvswitch-common, ovn-common, python3. Writes *.jsonl here; leaves nothing running.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
schemas=$here/../schemas
d=$(mktemp -d)
trap 'for p in "$d"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true; done; kill $(jobs -p) 2>/dev/null || true; rm -rf "$d"' EXIT
export OVS_RUNDIR=$d OVS_LOGDIR=$d OVS_DBDIR=$d OVN_RUNDIR=$d
ovsdb-tool create "$d/nb.db" "$schemas/ovn-nb.ovsschema"
ovsdb-server "$d/nb.db" --remote="punix:$d/nb.sock" --pidfile="$d/nb.pid" --unixctl="$d/nb.ctl" \
  -vconsole:off --log-file="$d/nb.log" --detach --no-chdir
direct=unix:$d/nb.sock

capture() { # NAME: starts the proxy for the next session
  rm -f "$here/$1.jsonl"
  python3 "$here/capture.py" "$d/p.sock" "$d/nb.sock" "$here/$1.jsonl" &
  proxy=$!
  for _ in $(seq 100); do [ -S "$d/p.sock" ] && break; sleep 0.05; done
}
done_capture() { sleep 0.3; kill "$proxy"; wait "$proxy" 2>/dev/null || true; rm -f "$d/p.sock"; }
via=unix:$d/p.sock

# 1. ovsdb-client one-shot methods, including transact errors.
capture ovsdb-client-basic
ovsdb-client list-dbs "$via" >/dev/null
ovsdb-client get-schema "$via" OVN_Northbound >/dev/null
ovsdb-client transact "$via" '["OVN_Northbound",
  {"op":"insert","table":"Logical_Switch","row":{"name":"ls0","external_ids":["map",[["k","v"]]]},"uuid-name":"ls"},
  {"op":"select","table":"Logical_Switch","where":[["_uuid","==",["named-uuid","ls"]]]}]' >/dev/null
ovsdb-client transact "$via" '["OVN_Northbound",
  {"op":"insert","table":"Logical_Switch_Port","row":{"name":"p0","tag":5000}}]' >/dev/null || true
ovsdb-client transact "$via" '["OVN_Northbound",{"op":"abort"}]' >/dev/null || true
ovsdb-client transact "$via" '["No_Such_Db",{"op":"comment","comment":"x"}]' >/dev/null 2>&1 || true
done_capture

# 2. monitor (update, v1) and monitor-cond (update2) while another client writes.
for kind in monitor monitor-cond; do
  capture "ovsdb-client-$kind"
  if [ $kind = monitor ]; then
    ovsdb-client monitor "$via" OVN_Northbound Logical_Switch name,ports,external_ids >/dev/null &
  else
    ovsdb-client monitor-cond "$via" OVN_Northbound '[["name","!=","nothing"]]' Logical_Switch name,ports,external_ids >/dev/null &
  fi
  mon=$!
  sleep 0.5
  ovn-nbctl --db="$direct" ls-add "sw-$kind"
  ovn-nbctl --db="$direct" lsp-add "sw-$kind" "p-$kind" -- set Logical_Switch "sw-$kind" external_ids:a=b
  ovn-nbctl --db="$direct" set Logical_Switch "sw-$kind" external_ids:a=c
  ovn-nbctl --db="$direct" ls-del "sw-$kind"
  sleep 0.5
  kill $mon 2>/dev/null || true; wait $mon 2>/dev/null || true
  done_capture
done

# 3. The C IDL (ovn-nbctl): get_schema, monitor_cond_since, set_db_change_aware, transact, update3.
capture ovn-nbctl-idl
ovn-nbctl --db="$via" ls-add sw-idl
ovn-nbctl --db="$via" lsp-add sw-idl p-idl -- lsp-set-addresses p-idl "00:00:00:00:00:01 10.0.0.1"
ovn-nbctl --db="$via" --may-exist ls-add sw-idl
ovn-nbctl --db="$via" ls-del sw-idl
done_capture
echo "recorded: $(ls "$here"/*.jsonl | xargs -n1 basename | tr '\n' ' ')"
