//! End-to-end demo of what exists today: a real `ovsdb-server` (OVN_Northbound schema) started by the
//! test kit, driven with `ovsdb-proto` alone over a blocking unix socket.
//!
//! It lists the databases, fetches and validates the schema, opens a `monitor_cond`, commits a
//! transaction (a logical switch with a port, by named-uuid), mutates a map column, provokes a
//! constraint violation, and prints every reply and `update2` notification decoded by our types,
//! applying each update2 diff to the rows it follows. Run: `bash scripts/demo.sh`.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use ovsdb_proto::diff::{DiffKind, apply_diff};
use ovsdb_proto::jsonrpc::{FrameSplitter, Id, Message};
use ovsdb_proto::method::{GetSchema, ListDbs, Method, MonitorCond, Transact};
use ovsdb_proto::notify::Notification;
use ovsdb_proto::op::{Condition, Insert, Mutate, Mutation, Operation, OperationResult, TransactReply};
use ovsdb_proto::update::{MonitorRequest, MonitorRequests, RowUpdate2, TableUpdates2};
use ovsdb_proto::{Atom, DatabaseSchema, Datum, NamedUuid, Row, Uuid};
use ovsdb_testkit::OvsdbServer;

type Error = Box<dyn std::error::Error>;

/// One blocking JSON-RPC session: requests out, replies and notifications in, in wire order.
struct Session {
    stream: UnixStream,
    splitter: FrameSplitter,
    buf: BytesMut,
    next_id: u64,
    notifications: Vec<Notification>,
}

impl Session {
    fn connect(path: PathBuf) -> Result<Self, Error> {
        let stream = UnixStream::connect(path)?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        Ok(Session {
            stream,
            splitter: FrameSplitter::new(),
            buf: BytesMut::new(),
            next_id: 1,
            notifications: vec![],
        })
    }

    fn read_message(&mut self) -> Result<Message, Error> {
        loop {
            if let Some(frame) = self.splitter.next_frame(&mut self.buf)? {
                return Ok(Message::from_slice(&frame)?);
            }
            let mut chunk = [0u8; 65536];
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err("server closed the connection".into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Sends `m`, answers the server's echo, queues notifications, returns the decoded result.
    fn call<M: Method<Params = M>>(&mut self, m: &M) -> Result<M::Output, Error> {
        let id = self.next_id;
        self.next_id += 1;
        self.stream.write_all(&m.request(id).to_vec())?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let msg = self.read_message()?;
            if let Some(reply) = Message::echo_reply_for(&msg) {
                self.stream.write_all(&reply.to_vec())?;
                continue;
            }
            match msg {
                Message::Notification { .. } => self.notifications.push(Notification::from_message(&msg)?),
                Message::Response {
                    id: rid,
                    result,
                    error,
                } if rid == Id::from(id) => {
                    if !error.is_null() {
                        return Err(format!("{} failed: {error}", M::NAME).into());
                    }
                    return Ok(M::decode_output(m, result)?);
                }
                other => return Err(format!("unexpected message {other:?}").into()),
            }
        }
        Err(format!("{} timed out", M::NAME).into())
    }
}

fn step(n: usize, what: &str) {
    println!("\n[{n}] {what}");
}

/// Applies update2 notifications to the followed rows, using the schema for each column's diff kind.
fn apply(
    schema: &DatabaseSchema,
    rows: &mut BTreeMap<Uuid, Row>,
    updates: &TableUpdates2,
) -> Result<(), Error> {
    for (table, changes) in &updates.0 {
        let ts = &schema.tables[table];
        for (uuid, change) in changes {
            println!("    {table} {uuid}: {}", change.kind());
            match change {
                RowUpdate2::Initial(r) | RowUpdate2::Insert(r) => {
                    rows.insert(*uuid, r.clone());
                }
                RowUpdate2::Modify(diff) => {
                    let row = rows.get_mut(uuid).ok_or("modify of an unknown row")?;
                    for (col, d) in diff.iter() {
                        let kind = DiffKind::of(&ts.columns[col].type_);
                        let old = row
                            .get(col)
                            .cloned()
                            .unwrap_or_else(|| ts.columns[col].type_.default_datum());
                        let new = apply_diff(&old, d, kind)?;
                        println!("      {col}: {old} --diff {d}--> {new}");
                        row.insert(col.clone(), new);
                    }
                }
                RowUpdate2::Delete => {
                    rows.remove(uuid);
                }
            }
        }
    }
    Ok(())
}

fn main() -> Result<(), Error> {
    let started = Instant::now();
    let schema_path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/schemas/ovn-nb.ovsschema");
    step(
        1,
        "start a real ovsdb-server with the OVN_Northbound schema (test kit, temp dir)",
    );
    let server = OvsdbServer::builder(&schema_path).start()?;
    println!("    pid {:?}, remote {}", server.pid(), server.unix_remote());
    let mut s = Session::connect(server.unix_socket())?;

    step(2, "list_dbs");
    println!("    {:?}", s.call(&ListDbs)?);

    step(
        3,
        "get_schema OVN_Northbound (parsed and validated by ovsdb-proto)",
    );
    let schema = s.call(&GetSchema {
        db: "OVN_Northbound".into(),
    })?;
    let version = schema.version.as_deref().unwrap_or("?");
    println!(
        "    {} {version} ({} tables, cksum {:?})",
        schema.name,
        schema.tables.len(),
        schema.cksum
    );

    step(4, "monitor_cond Logical_Switch and Logical_Switch_Port");
    let cols = |c: &[&str]| MonitorRequest::all().columns(c.iter().copied());
    let requests = MonitorRequests::new()
        .with("Logical_Switch", cols(&["name", "ports", "external_ids"]))
        .with("Logical_Switch_Port", cols(&["name", "addresses"]));
    let initial = s.call(&MonitorCond {
        db: "OVN_Northbound".into(),
        monitor_id: "demo".into(),
        requests,
    })?;
    let mut rows = BTreeMap::new();
    apply(&schema, &mut rows, &initial)?;
    println!("    {} initial rows", rows.len());

    step(
        5,
        "transact: insert switch ls1 with port vm1 (named-uuid reference)",
    );
    let port = NamedUuid::new("vm1")?;
    let ops: Vec<Operation> = vec![
        Insert::new(
            "Logical_Switch_Port",
            Row::new()
                .with("name", Atom::from("vm1"))
                .with("addresses", Atom::from("00:00:00:00:00:01 10.0.0.1")),
        )
        .uuid_name(port.clone())
        .into(),
        Insert::new(
            "Logical_Switch",
            Row::new()
                .with("name", Atom::from("ls1"))
                .with("ports", Atom::NamedUuid(port)),
        )
        .into(),
    ];
    let reply: TransactReply = s.call(&Transact::new("OVN_Northbound", ops))?;
    for r in reply.into_result()? {
        if let OperationResult::Insert { uuid } = r {
            println!("    inserted {uuid}");
        }
    }

    step(
        6,
        "transact: mutate ls1 external_ids (a map edit as a mutate, not a rewrite)",
    );
    let ops: Vec<Operation> = vec![
        Mutate::new(
            "Logical_Switch",
            [Condition::eq("name", Atom::from("ls1"))],
            [Mutation::insert("external_ids", Datum::map([("owner", "demo")]))],
        )
        .into(),
    ];
    let reply = s.call(&Transact::new("OVN_Northbound", ops))?;
    println!("    {:?}", reply.into_result()?);

    step(
        7,
        "transact: a VLAN tag out of range is refused by the server (constraint violation)",
    );
    let ops: Vec<Operation> = vec![
        Insert::new(
            "Logical_Switch_Port",
            Row::new()
                .with("name", Atom::from("bad"))
                .with("tag", Atom::Integer(5000)),
        )
        .into(),
    ];
    match s.call(&Transact::new("OVN_Northbound", ops))?.into_result() {
        Err(e) => println!("    refused as expected: {e}"),
        Ok(r) => return Err(format!("the server accepted tag 5000: {r:?}").into()),
    }

    step(
        8,
        "update2 notifications received meanwhile, applied to the followed rows",
    );
    for n in std::mem::take(&mut s.notifications) {
        if let Notification::Update2 { updates, .. } = n {
            apply(&schema, &mut rows, &updates)?;
        }
    }
    let switches: Vec<String> = rows
        .values()
        .filter_map(|r| r.get("name"))
        .map(|d| d.to_string())
        .collect();
    println!("    followed rows: {} ({})", rows.len(), switches.join(", "));
    if rows.len() != 2 {
        return Err(format!("expected 2 followed rows, have {}", rows.len()).into());
    }

    drop(server);
    println!(
        "\ndemo done in {:.2} s; server stopped",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
