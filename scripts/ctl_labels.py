"""Content labels of database rows, shared by the differential runners (scripts/nbctl-diff.py,
bench/ctl-suites.py): two databases that differ only in their UUIDs give their rows equal labels."""

import json


def content_labels(rows, scrub=None):
    """`rows`: uuid -> (table, {column: value in OVSDB JSON}), without `_uuid`/`_version`.
    Returns per uuid a short label `<TABLE#N>` (N: the row's rank among its table's labels) and
    per table the sorted labels; a label is the row's contents with each reference replaced by
    its target's label (depth-limited) and sets/maps sorted; `scrub` (if given) rewrites every
    string first."""
    memo = {}

    def canon(u, depth):
        if u in memo:
            return memo[u]
        if u not in rows:
            return "<dangling>"
        t, row = rows[u]
        if depth > 8:
            return t + "(...)"

        def sub(v):
            if isinstance(v, list):
                if len(v) == 2 and v[0] == "uuid":
                    return ["ref", canon(v[1], depth + 1)]
                items = [sub(x) for x in v]
                if len(v) == 2 and v[0] in ("set", "map") and isinstance(items[1], list):
                    items[1] = sorted(items[1], key=lambda x: json.dumps(x, sort_keys=True))
                return items
            if isinstance(v, str) and scrub is not None:
                return scrub(v)
            return v

        lab = t + json.dumps({k: sub(v) for k, v in row.items()}, sort_keys=True)
        memo[u] = lab
        return lab

    by_table = {}
    full = {}
    for u, (t, _) in rows.items():
        lab = canon(u, 0)
        by_table.setdefault(t, []).append(lab)
        full[u] = lab
    for v in by_table.values():
        v.sort()
    short = {u: "<%s#%d>" % (rows[u][0], by_table[rows[u][0]].index(lab)) for u, lab in full.items()}
    return short, by_table
