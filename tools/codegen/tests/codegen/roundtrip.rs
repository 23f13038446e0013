//! Round trips of every table of the three generated databases through a real ovsdb-server.
//!
//! For each table `T`, with a monitor on `T` open:
//! 1. build a typed row: `T::from_row` of a row that populates every column with a valid non-default
//!    value (columns absent from it take their defaults), references pointing at rows inserted in
//!    the same transaction by named-uuid;
//! 2. insert `typed.to_row()`, together with the rows it needs: the targets of its references,
//!    and, for a non-root table, a chain of rows that refer to it up to a root table (otherwise the
//!    server garbage-collects it);
//! 3. decode the monitor's `insert` update with `T::from_row` and compare with the typed row
//!    (named-uuids replaced by the UUIDs the server assigned); decode it again from a second
//!    monitor's `initial` rows;
//! 4. update every mutable non-reference column to other values (sets and maps overlapping the
//!    old ones, optionals changed or cleared) and apply the monitor's `modify` diff with
//!    `T::apply_diff`; the result must equal the new typed row.
//!
//! Then the schema-skew test: a server whose schema lacks a column and has an extra one.

use std::collections::BTreeMap;
use std::time::Duration;

use ovsdb_proto::schema::{BaseType, ColumnSchema, DatabaseSchema, Max};
use ovsdb_proto::update::{RowUpdate2, TableUpdates2};
use ovsdb_proto::{Atom, AtomicType, Database, Datum, NamedUuid, Real, Row, Table, TableVisitor, Uuid};
use ovsdb_testkit::{OvsdbServer, RawConnection, Watchdog};
use serde_json::{Value, json};

/// A sample atom of `base`, varied by `seed`; distinct seeds give distinct atoms where the type
/// has room for them.
fn sample_atom(base: &BaseType, seed: u64) -> Atom {
    if let Some(values) = &base.enum_ {
        let i = usize::try_from(seed).unwrap() % values.len();
        return values.iter().nth(i).unwrap().clone();
    }
    match base.atomic {
        AtomicType::Integer => {
            let lo = i128::from(base.min_integer.unwrap_or(i64::MIN));
            let hi = i128::from(base.max_integer.unwrap_or(i64::MAX));
            let start = 7i128.clamp(lo, hi);
            let v = start + i128::from(seed);
            let v = if v > hi { lo + (v - lo) % (hi - lo + 1) } else { v };
            Atom::Integer(i64::try_from(v).unwrap())
        }
        AtomicType::Real => {
            let lo = base.min_real.unwrap_or(f64::MIN);
            let hi = base.max_real.unwrap_or(f64::MAX);
            Atom::Real(Real::new((0.5 + seed as f64).clamp(lo, hi)).unwrap())
        }
        AtomicType::Boolean => Atom::Boolean(seed % 2 == 0),
        AtomicType::String => {
            let mut s = format!("s{seed}");
            let min = usize::try_from(base.min_length.unwrap_or(0)).unwrap();
            while s.chars().count() < min {
                s.push('x');
            }
            if let Some(max) = base.max_length {
                s.truncate(usize::try_from(max).unwrap());
            }
            Atom::String(s)
        }
        AtomicType::Uuid => Atom::Uuid(Uuid::from_u128(u128::from(seed) + 1)),
    }
}

/// `n` distinct sample atoms starting at `seed` (fewer if the type has fewer values).
fn sample_atoms(base: &BaseType, seed: u64, n: u64) -> Vec<Atom> {
    let mut out: Vec<Atom> = Vec::new();
    let mut s = seed;
    while (out.len() as u64) < n && s < seed + 50 {
        let a = sample_atom(base, s);
        if !out.contains(&a) {
            out.push(a);
        }
        s += 1;
    }
    out
}

/// How many elements a populated set or map gets: two where allowed, never fewer than `min`.
fn populated_len(min: u64, max: Max) -> u64 {
    let want = min.max(2);
    match max {
        Max::Limited(m) => want.min(m),
        Max::Unlimited => want,
    }
}

fn is_ref(base: &BaseType) -> bool {
    base.ref_table().is_some()
}

/// The operations of one transaction under construction, with named-uuids for its rows.
struct Txn<'s> {
    schema: &'s DatabaseSchema,
    ops: Vec<Value>,
    /// The uuid-name of each insert, in operation order.
    names: Vec<String>,
    seed: u64,
}

impl<'s> Txn<'s> {
    fn new(schema: &'s DatabaseSchema) -> Self {
        Txn {
            schema,
            ops: Vec::new(),
            names: Vec::new(),
            seed: 1000,
        }
    }

    fn next_seed(&mut self) -> u64 {
        self.seed += 3;
        self.seed
    }

    /// A new row of `table` inserted with these columns, plus a valid value for every other column
    /// that needs at least one; returns its uuid-name.
    fn insert(&mut self, table: &str, mut row: Row, depth: usize) -> NamedUuid {
        assert!(depth < 8, "reference chain too deep at {table}");
        let ts = &self.schema.tables[table];
        for (name, column) in &ts.columns {
            if row.get(name).is_some() || column.type_.min == 0 {
                continue;
            }
            let datum = self.required_value(column, depth);
            row.insert(name.clone(), datum);
        }
        let name = format!("row{}", self.names.len());
        self.ops
            .push(json!({"op": "insert", "table": table, "row": row, "uuid-name": name}));
        self.names.push(name.clone());
        NamedUuid::new(name).unwrap()
    }

    /// A value for a column whose type needs at least one element.
    fn required_value(&mut self, column: &ColumnSchema, depth: usize) -> Datum {
        let t = &column.type_;
        let n = t.min;
        let seed = self.next_seed();
        let keys = self.atoms(&t.key, seed, n, depth);
        match &t.value {
            None => Datum::Set(keys.into_iter().collect()),
            Some(v) => {
                let values = self.atoms(v, seed + 1, n, depth);
                Datum::Map(keys.into_iter().zip(values).collect())
            }
        }
    }

    /// `n` atoms of `base`: sample values, or new target rows for references.
    fn atoms(&mut self, base: &BaseType, seed: u64, n: u64, depth: usize) -> Vec<Atom> {
        match base.ref_table() {
            None => sample_atoms(base, seed, n),
            Some(target) => {
                let target = target.to_owned();
                (0..n)
                    .map(|_| Atom::NamedUuid(self.insert(&target, Row::new(), depth + 1)))
                    .collect()
            }
        }
    }

    /// Inserts rows that refer to the row `name` of non-root `table` strongly, up to a root
    /// table, so that the server keeps it.
    fn keep_alive(&mut self, table: &str, name: &NamedUuid, depth: usize) {
        assert!(depth < 8, "no root reaches {table}");
        // Prefer a root parent; then any other table.
        let mut candidates: Vec<(&str, &str, bool)> = Vec::new();
        for (pt, ps) in &self.schema.tables {
            if pt == table {
                continue;
            }
            for (pc, col) in &ps.columns {
                let refs_key = col.type_.key.is_strong_ref() && col.type_.key.ref_table() == Some(table);
                let refs_value = col
                    .type_
                    .value
                    .as_ref()
                    .is_some_and(|v| v.is_strong_ref() && v.ref_table() == Some(table));
                if refs_key || refs_value {
                    candidates.push((pt.as_str(), pc.as_str(), refs_key));
                }
            }
        }
        candidates.sort_by_key(|(pt, _, _)| !self.schema.tables[*pt].is_root);
        let (parent, column, by_key) = *candidates
            .first()
            .unwrap_or_else(|| panic!("nothing refers to {table}"));
        let parent = parent.to_owned();
        let col = self.schema.tables[&parent].columns[column].clone();
        let target = Atom::NamedUuid(name.clone());
        let seed = self.next_seed();
        let datum = match &col.type_.value {
            None => Datum::scalar(target),
            Some(value) if by_key => {
                let v = self.atoms(value, seed, 1, depth).remove(0);
                Datum::Map(BTreeMap::from([(target, v)]))
            }
            Some(_) => Datum::Map(BTreeMap::from([(sample_atom(&col.type_.key, seed), target)])),
        };
        let p = self.insert(&parent, Row::new().with(column, datum), depth + 1);
        if !self.schema.tables[&parent].is_root {
            self.keep_alive(&parent, &p, depth + 1);
        }
    }

    fn transact(&self, db: &str) -> Value {
        let mut params = vec![json!(db)];
        params.extend(self.ops.iter().cloned());
        Value::Array(params)
    }
}

/// The populated row for the table under test: every non-reference column gets a sample value
/// built from `seed`; reference columns get new target rows (weak references only to root
/// tables, whose rows survive without being referred to).
fn populated_row(txn: &mut Txn<'_>, table: &str, seed: u64) -> Row {
    let ts = &txn.schema.tables[table];
    let mut row = Row::new();
    for (i, (name, column)) in ts.columns.iter().enumerate() {
        let t = &column.type_;
        let bases = [Some(&t.key), t.value.as_ref()];
        let refs_ok = bases
            .iter()
            .flatten()
            .filter(|b| is_ref(b))
            .all(|b| b.is_strong_ref() || txn.schema.tables[b.ref_table().unwrap()].is_root);
        if !refs_ok {
            continue;
        }
        let s = seed + 10 * i as u64;
        let n = if t.is_scalar() || t.is_optional() {
            1
        } else {
            populated_len(t.min, t.max)
        };
        let keys = txn.atoms(&t.key, s, n, 1);
        let datum = match &t.value {
            None => Datum::Set(keys.into_iter().collect()),
            Some(v) => Datum::Map(keys.into_iter().zip(txn.atoms(v, s + 5, n, 1)).collect()),
        };
        row.insert(name.clone(), datum);
    }
    row
}

/// New values for the mutable non-reference columns: scalars change, optionals alternate between
/// a new value and none, sets and maps overlap the old contents by one element (maps changing
/// that key's value).
fn updated_row(schema: &DatabaseSchema, table: &str, seed: u64) -> Row {
    let ts = &schema.tables[table];
    let mut row = Row::new();
    if !ts.mutable {
        return row;
    }
    for (i, (name, column)) in ts.columns.iter().enumerate() {
        let t = &column.type_;
        if !column.mutable || is_ref(&t.key) || t.value.as_ref().is_some_and(is_ref) {
            continue;
        }
        let s = seed + 10 * i as u64;
        let datum = if t.is_optional() && i % 2 == 0 {
            Datum::empty_set()
        } else {
            let n = if t.is_scalar() || t.is_optional() {
                1
            } else {
                populated_len(t.min, t.max)
            };
            let keys = sample_atoms(&t.key, s + 1, n);
            match &t.value {
                None => Datum::Set(keys.into_iter().collect()),
                Some(v) => Datum::Map(keys.into_iter().zip(sample_atoms(v, s + 30, n)).collect()),
            }
        };
        row.insert(name.clone(), datum);
    }
    row
}

/// Replaces named-uuids by the UUIDs a transaction assigned.
fn resolve(row: &Row, uuids: &BTreeMap<String, Uuid>) -> Row {
    let atom = |a: &Atom| match a {
        Atom::NamedUuid(n) => Atom::Uuid(uuids[n.as_str()]),
        other => other.clone(),
    };
    row.iter()
        .map(|(c, d)| {
            let d = match d {
                Datum::Set(s) => Datum::Set(s.iter().map(atom).collect()),
                Datum::Map(m) => Datum::Map(m.iter().map(|(k, v)| (atom(k), atom(v))).collect()),
            };
            (c.clone(), d)
        })
        .collect()
}

fn result_of(reply: &Value, what: &str) -> Value {
    assert!(reply["error"].is_null(), "{what}: {reply}");
    let result = reply["result"].clone();
    if let Some(ops) = result.as_array() {
        for (i, r) in ops.iter().enumerate() {
            assert!(r.get("error").is_none(), "{what}: operation {i} failed: {r}");
        }
    }
    result
}

/// The next `update2` notification for monitor `id`.
fn next_update2(conn: &mut RawConnection, id: &str) -> TableUpdates2 {
    loop {
        let msg = conn.recv().unwrap();
        if msg["method"] == "update2" && msg["params"][0] == id {
            return ovsdb_proto::error::from_value(msg["params"][1].clone()).unwrap();
        }
    }
}

struct RoundTrip<'s> {
    server: &'s OvsdbServer,
    schema: &'s DatabaseSchema,
    db: &'static str,
    tables: Vec<&'static str>,
    updated: usize,
}

impl<D: Database> TableVisitor<D> for RoundTrip<'_> {
    fn visit<T: Table<Db = D>>(&mut self) {
        self.one::<T>();
        self.tables.push(T::TABLE_NAME);
    }
}

impl RoundTrip<'_> {
    fn one<T: Table>(&mut self) {
        let table = T::TABLE_NAME;
        let mut conn = RawConnection::connect(&self.server.unix_remote()).unwrap();
        let columns: Vec<&str> = T::COLUMNS.to_vec();
        let monitor = conn
            .request(
                "monitor_cond",
                json!([self.db, "rt", {table: [{"columns": columns}]}]),
            )
            .unwrap();
        let initial = result_of(&monitor, "monitor_cond");
        assert_eq!(initial, json!({}), "{table}: not empty before the test");

        // Insert the populated row and whatever it needs.
        let mut txn = Txn::new(self.schema);
        let populated = populated_row(&mut txn, table, 0);
        let typed = T::from_row(&populated).unwrap_or_else(|e| panic!("{table}: {e}"));
        let this = txn.insert(table, typed.to_row(), 0);
        if !self.schema.tables[table].is_root {
            txn.keep_alive(table, &this, 0);
        }
        let reply = conn.request("transact", txn.transact(self.db)).unwrap();
        let results = result_of(&reply, &format!("{table} insert"));
        let uuids: BTreeMap<String, Uuid> = txn
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                (
                    n.clone(),
                    results[i]["uuid"][1].as_str().unwrap().parse().unwrap(),
                )
            })
            .collect();
        let uuid = uuids[this.as_str()];
        let expected = T::from_row(&resolve(&typed.to_row(), &uuids)).unwrap();
        assert_ne!(expected, T::default(), "{table}: nothing was populated");

        // Read back through the monitor's insert update ...
        let updates = next_update2(&mut conn, "rt");
        let got = match updates.0.get(table).and_then(|rows| rows.get(&uuid)) {
            Some(RowUpdate2::Insert(row)) => T::from_row(row).unwrap_or_else(|e| panic!("{table}: {e}")),
            other => panic!("{table}: expected an insert update for {uuid}, got {other:?}"),
        };
        assert_eq!(got, expected, "{table}: insert update");

        // ... and through a new monitor's initial rows.
        let mut conn2 = RawConnection::connect(&self.server.unix_remote()).unwrap();
        let reply = conn2
            .request(
                "monitor_cond",
                json!([self.db, "rt2", {table: [{"columns": columns}]}]),
            )
            .unwrap();
        let initial: TableUpdates2 =
            ovsdb_proto::error::from_value(result_of(&reply, "monitor_cond")).unwrap();
        match initial.0.get(table).and_then(|rows| rows.get(&uuid)) {
            Some(RowUpdate2::Initial(row)) => {
                assert_eq!(T::from_row(row).unwrap(), expected, "{table}: initial")
            }
            other => panic!("{table}: expected an initial row for {uuid}, got {other:?}"),
        }

        // Update and apply the modify diff.
        let update = updated_row(self.schema, table, 3);
        if !update.is_empty() {
            let op = json!({"op": "update", "table": table, "where": [["_uuid", "==", ["uuid", uuid.to_string()]]], "row": update});
            let reply = conn.request("transact", json!([self.db, op])).unwrap();
            result_of(&reply, &format!("{table} update"));
            let mut merged = resolve(&typed.to_row(), &uuids);
            for (c, d) in update.iter() {
                merged.insert(c.clone(), d.clone());
            }
            let want = T::from_row(&merged).unwrap();
            let updates = next_update2(&mut conn, "rt");
            let mut row = expected.clone();
            match updates.0.get(table).and_then(|rows| rows.get(&uuid)) {
                Some(RowUpdate2::Modify(diff)) => {
                    row.apply_diff(diff).unwrap_or_else(|e| panic!("{table}: {e}"));
                }
                other => panic!("{table}: expected a modify update for {uuid}, got {other:?}"),
            }
            assert_ne!(want, expected, "{table}: the update changed nothing");
            assert_eq!(row, want, "{table}: modify diff");
            self.updated += 1;
        }

        // Delete every row of every table (a root row may be referred to by a non-root row that
        // would only be collected after the check of the root row's deletion).
        let deletes: Vec<Value> = self
            .schema
            .tables
            .keys()
            .map(|name| json!({"op": "delete", "table": name, "where": []}))
            .collect();
        let mut params = vec![json!(self.db)];
        params.extend(deletes);
        let reply = conn.request("transact", Value::Array(params)).unwrap();
        result_of(&reply, "cleanup");
    }
}

fn round_trip_all<D: Database>(schema_file: &str, tables: usize) {
    let _watchdog = Watchdog::arm(format!("round trip {}", D::NAME), Duration::from_secs(120));
    let path = format!(
        "{}/../../testdata/schemas/{schema_file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let server = OvsdbServer::builder(&path).start().unwrap();
    let mut rt = RoundTrip {
        server: &server,
        schema: D::schema(),
        db: D::NAME,
        tables: Vec::new(),
        updated: 0,
    };
    D::for_each_table(&mut rt);
    assert_eq!(rt.tables.len(), tables);
    assert_eq!(rt.tables, D::TABLES);
    assert!(
        rt.updated * 2 > tables,
        "only {} of {tables} tables were updated",
        rt.updated
    );
}

#[test]
fn ovn_northbound_round_trips() {
    round_trip_all::<ovn_nb::OvnNorthboundDb>("ovn-nb.ovsschema", 30);
}

#[test]
fn ovn_southbound_round_trips() {
    round_trip_all::<ovn_sb::OvnSouthboundDb>("ovn-sb.ovsschema", 34);
}

#[test]
fn open_vswitch_round_trips() {
    round_trip_all::<ovs_vswitchd_schema::OpenVSwitchDb>("vswitch.ovsschema", 19);
}

/// A server whose `Logical_Switch` lacks `other_config` (an older schema) and has a column the
/// generated code does not know (a newer one): rows still decode, the missing column as its
/// default, the extra one ignored, in full rows and in diffs.
#[test]
fn schema_skew_decodes() {
    use ovn_nb::LogicalSwitch;
    let _watchdog = Watchdog::arm("schema skew", Duration::from_secs(60));
    let path = format!(
        "{}/../../testdata/schemas/ovn-nb.ovsschema",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let columns = &mut schema["tables"]["Logical_Switch"]["columns"];
    assert!(columns.as_object_mut().unwrap().remove("other_config").is_some());
    columns["brand_new"] = json!({"type": {"key": "string", "min": 0, "max": "unlimited"}});
    let dir = tempfile::tempdir().unwrap();
    let skewed = dir.path().join("skewed.ovsschema");
    std::fs::write(&skewed, schema.to_string()).unwrap();
    let server = OvsdbServer::builder(&skewed).start().unwrap();

    let mut conn = RawConnection::connect(&server.unix_remote()).unwrap();
    // Monitor every column the server has (no "columns": all of them).
    let reply = conn
        .request(
            "monitor_cond",
            json!(["OVN_Northbound", "m", {"Logical_Switch": [{}]}]),
        )
        .unwrap();
    result_of(&reply, "monitor_cond");
    let insert = json!({"op": "insert", "table": "Logical_Switch",
        "row": {"name": "ls0", "brand_new": ["set", ["a", "b"]], "external_ids": ["map", [["k", "v"]]]}});
    let reply = conn
        .request("transact", json!(["OVN_Northbound", insert]))
        .unwrap();
    let uuid: Uuid = result_of(&reply, "insert")[0]["uuid"][1]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let updates = next_update2(&mut conn, "m");
    let Some(RowUpdate2::Insert(row)) = updates.0["Logical_Switch"].get(&uuid).cloned() else {
        panic!("no insert update: {updates:?}");
    };
    assert!(
        row.get("brand_new").is_some() && row.get("other_config").is_none(),
        "{row:?}"
    );
    let mut ls = LogicalSwitch::from_row(&row).unwrap();
    assert_eq!(ls.name, "ls0");
    assert_eq!(ls.external_ids.get("k").map(|v| v.as_str()), Some("v"));
    assert!(ls.other_config.is_empty());

    let update = json!({"op": "update", "table": "Logical_Switch", "where": [],
        "row": {"name": "ls1", "brand_new": "c"}});
    let reply = conn
        .request("transact", json!(["OVN_Northbound", update]))
        .unwrap();
    result_of(&reply, "update");
    let updates = next_update2(&mut conn, "m");
    let Some(RowUpdate2::Modify(diff)) = updates.0["Logical_Switch"].get(&uuid).cloned() else {
        panic!("no modify update: {updates:?}");
    };
    assert!(diff.get("brand_new").is_some(), "{diff:?}");
    ls.apply_diff(&diff).unwrap();
    assert_eq!(ls.name, "ls1");
    assert_eq!(ls.external_ids.len(), 1);
}

/// The `_Server` bindings decode what ovsdb-server 3.1 says about itself: one `Database` row per
/// database it serves, with the model as a typed enum.
#[test]
fn server_database_decodes() {
    use ovsdb_client::server_db::{Database as DbRow, DatabaseModel, ServerDb};
    let _watchdog = Watchdog::arm("_Server", Duration::from_secs(60));
    let path = format!(
        "{}/../../testdata/schemas/ovn-nb.ovsschema",
        env!("CARGO_MANIFEST_DIR")
    );
    let server = OvsdbServer::builder(&path).start().unwrap();
    let mut conn = RawConnection::connect(&server.unix_remote()).unwrap();
    let reply = conn
        .request(
            "monitor_cond",
            json!(["_Server", "s", {"Database": [{"columns": DbRow::COLUMNS}]}]),
        )
        .unwrap();
    let initial: TableUpdates2 = ovsdb_proto::error::from_value(result_of(&reply, "monitor_cond")).unwrap();
    let mut rows: Vec<DbRow> = initial.0["Database"]
        .values()
        .map(|u| match u {
            RowUpdate2::Initial(row) => DbRow::from_row(row).unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["OVN_Northbound", "_Server"]);
    let nb = &rows[0];
    assert_eq!(nb.model, DatabaseModel::Standalone);
    assert!(nb.connected && nb.leader);
    let schema = ovsdb_proto::schema::DatabaseSchema::from_json_str(nb.schema.as_deref().unwrap()).unwrap();
    assert_eq!(schema.name, "OVN_Northbound");
    assert_eq!(ServerDb::TABLES, ["Database"]);
    assert_eq!(
        ServerDb::schema().version.as_deref(),
        Some(ServerDb::SCHEMA_VERSION)
    );
}
