//! The Rust side of `bench/replica.sh` (see `bench/README.md`): one binary, four sub-commands,
//! each printing one JSON object on its last stdout line.
//!
//! ```text
//! replica_bench raw   REMOTE nb|sb        monitor_cond_since of every table, read the reply's
//!                                         bytes to its end, parse nothing (the floor)
//!                                         -> {"first_byte_s","wire_s","bytes"}
//! replica_bench sync  REMOTE nb|sb [HOLD_S]
//!                                         typed Replica of every table; HOLD_S: stay connected
//!                                         that long afterwards (probe check)
//!                                         -> {"sync_s","rows","snapshots","sessions",...}
//! replica_bench watch REMOTE N READY_FILE OUT_FILE
//!                                         typed Replica of Logical_Switch_Port; once in sync,
//!                                         write READY_FILE, then record the wall-clock time of
//!                                         the first event showing external_ids:bench-seq=i
//!                                         for N distinct i; OUT_FILE gets "i t" lines
//! replica_bench write REMOTE N WINDOW OUT_FILE
//!                                         N single-row mutate transactions on distinct
//!                                         Logical_Switch_Port rows (external_ids bench-seq=i),
//!                                         WINDOW in flight; OUT_FILE gets "i t_sent t_reply"
//! ```
//!
//! Times in the files are wall-clock seconds (`SystemTime`), comparable across processes.
//! REMOTE is `tcp:IP:PORT` or `unix:PATH`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashSet;
use std::io::{Read, Write};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use ovn_nb::{LogicalSwitchPort, OvnNorthboundDb};
use ovn_sb::OvnSouthboundDb;
use ovsdb_client::replica::ReplicaBuilder;
use ovsdb_client::{Client, ClientConfig, ConnectionState, Event, Replica};
use ovsdb_proto::{Database, Table, TableVisitor};
use serde_json::json;

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The defaults, but a request deadline long enough for the slowest server.
fn config() -> ClientConfig {
    ClientConfig::default().request_timeout(Duration::from_secs(600))
}

/// `raw`: a minimal client that only moves bytes.
fn raw(remote: &str, db: &str, tables: &[&str]) {
    enum Stream {
        Tcp(std::net::TcpStream),
        Unix(std::os::unix::net::UnixStream),
    }
    let started = Instant::now();
    let mut s = if let Some(a) = remote.strip_prefix("tcp:") {
        Stream::Tcp(std::net::TcpStream::connect(a).unwrap())
    } else {
        let p = remote.strip_prefix("unix:").unwrap_or(remote);
        Stream::Unix(std::os::unix::net::UnixStream::connect(p).unwrap())
    };
    let reqs: serde_json::Map<String, serde_json::Value> =
        tables.iter().map(|t| ((*t).to_owned(), json!([{}]))).collect();
    let msg = json!({"id": 1, "method": "monitor_cond_since",
        "params": [db, "raw", reqs, "00000000-0000-0000-0000-000000000000"]});
    let bytes = serde_json::to_vec(&msg).unwrap();
    match &mut s {
        Stream::Tcp(t) => t.write_all(&bytes).unwrap(),
        Stream::Unix(u) => u.write_all(&bytes).unwrap(),
    }
    let mut buf = vec![0u8; 1 << 20];
    let (mut depth, mut in_str, mut esc, mut total) = (0usize, false, false, 0usize);
    let mut first_byte = None;
    'outer: loop {
        let n = match &mut s {
            Stream::Tcp(t) => t.read(&mut buf).unwrap(),
            Stream::Unix(u) => u.read(&mut buf).unwrap(),
        };
        assert!(n > 0, "server closed the connection");
        first_byte.get_or_insert_with(|| started.elapsed());
        for &b in &buf[..n] {
            total += 1;
            if in_str {
                if esc {
                    esc = false;
                } else if b == b'\\' {
                    esc = true;
                } else if b == b'"' {
                    in_str = false;
                }
                continue;
            }
            match b {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        break 'outer;
                    }
                }
                _ => {}
            }
        }
    }
    let wire = started.elapsed();
    println!(
        "{}",
        json!({"first_byte_s": first_byte.unwrap_or_default().as_secs_f64(),
               "wire_s": wire.as_secs_f64(), "bytes": total})
    );
}

/// Adds every table of `D` to a replica builder.
struct AllTables<D: Database>(Option<ReplicaBuilder<D>>);

impl<D: Database> TableVisitor<D> for AllTables<D> {
    fn visit<T: Table<Db = D>>(&mut self) {
        self.0 = self.0.take().map(|b| b.table::<T>());
    }
}

struct Count<'a, D: Database>(&'a Replica<D>, usize);

impl<D: Database> TableVisitor<D> for Count<'_, D> {
    fn visit<T: Table<Db = D>>(&mut self) {
        self.1 += self.0.read().table::<T>().len();
    }
}

async fn sync<D: Database>(remote: &str, hold: Option<f64>) {
    let started = Instant::now();
    let client = Client::connect(remote, config()).await.unwrap();
    let mut all = AllTables(Some(client.replica::<D>().sync_timeout(Duration::from_secs(600))));
    D::for_each_table(&mut all);
    let replica = all.0.unwrap().start().await.unwrap();
    let sync_s = started.elapsed().as_secs_f64();
    let mut count = Count(&replica, 0);
    D::for_each_table(&mut count);
    let rows = count.1;
    let first = replica.status().borrow().clone();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = |key: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    let (rss_mb, hwm_mb) = (kb("VmRSS:").map(|k| k / 1024), kb("VmHWM:").map(|k| k / 1024));
    if let Some(h) = hold {
        tokio::time::sleep(Duration::from_secs_f64(h)).await;
    }
    let last = replica.status().borrow().clone();
    println!(
        "{}",
        json!({"sync_s": sync_s, "rows": rows,
               "snapshots": last.snapshots, "resumes": last.resumes,
               "session_at_sync": first.session, "session_at_end": last.session,
               "client_session_at_end": client_session(&client),
               "held_s": hold.unwrap_or(0.0),
               "rss_after_sync_mb": rss_mb, "peak_rss_at_sync_mb": hwm_mb})
    );
}

/// The client's session number (counts connections from 1), if connected.
fn client_session(client: &Client) -> Option<u64> {
    match &*client.state().borrow() {
        ConnectionState::Connected { session, .. } => Some(*session),
        _ => None,
    }
}

fn seq_of(p: &LogicalSwitchPort) -> Option<usize> {
    p.external_ids.get("bench-seq").and_then(|s| s.parse().ok())
}

async fn watch(remote: &str, n: usize, ready: &str, out: &str) {
    let started = Instant::now();
    let client = Client::connect(remote, config()).await.unwrap();
    let replica = client
        .replica::<OvnNorthboundDb>()
        .table::<LogicalSwitchPort>()
        .start()
        .await
        .unwrap();
    let mut events = replica.subscribe::<LogicalSwitchPort>();
    let sync_s = started.elapsed().as_secs_f64();
    std::fs::write(ready, "ready\n").unwrap();
    let mut seen = HashSet::with_capacity(n);
    let mut times = Vec::with_capacity(n);
    let mut resynced = 0;
    let deadline = Instant::now() + Duration::from_secs(300);
    while seen.len() < n {
        let ev = tokio::time::timeout_at(deadline.into(), events.recv())
            .await
            .expect("timed out waiting for updates")
            .expect("replica stopped");
        let t = now();
        match ev {
            Event::Updated { new, .. } | Event::Inserted(new) => {
                if let Some(i) = seq_of(&new.row)
                    && seen.insert(i)
                {
                    times.push((i, t));
                }
            }
            Event::Resynced => resynced += 1,
            _ => {}
        }
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(out).unwrap());
    for (i, t) in &times {
        writeln!(f, "{i} {t:.6}").unwrap();
    }
    f.flush().unwrap();
    println!(
        "{}",
        json!({"sync_s": sync_s, "updates": seen.len(), "resynced": resynced,
               "snapshots": replica.status().borrow().snapshots})
    );
}

async fn write(remote: &str, n: usize, window: usize, out: &str) {
    let client = Client::connect(remote, config()).await.unwrap();
    let rpc = client.rpc().await.unwrap();
    let reply = rpc
        .request(
            "transact",
            json!(["OVN_Northbound", {"op": "select", "table": "Logical_Switch_Port",
                   "where": [], "columns": ["_uuid"]}]),
        )
        .await
        .unwrap();
    let mut uuids: Vec<String> = reply.result[0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["_uuid"][1].as_str().unwrap().to_owned())
        .collect();
    uuids.sort();
    assert!(uuids.len() >= n, "only {} ports for {n} updates", uuids.len());
    let started = Instant::now();
    let results: Vec<(usize, f64, f64)> = futures::stream::iter(0..n)
        .map(|i| {
            let rpc = rpc.clone();
            let uuid = uuids[i].clone();
            async move {
                let op = json!(["OVN_Northbound", {"op": "mutate", "table": "Logical_Switch_Port",
                    "where": [["_uuid", "==", ["uuid", uuid]]],
                    "mutations": [["external_ids", "insert",
                                   ["map", [["bench-seq", i.to_string()]]]]]}]);
                let sent = now();
                let r = rpc.request("transact", op).await.unwrap();
                let t = now();
                assert_eq!(r.result[0]["count"], 1, "mutate {i}: {}", r.result);
                (i, sent, t)
            }
        })
        .buffer_unordered(window)
        .collect()
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    let mut f = std::io::BufWriter::new(std::fs::File::create(out).unwrap());
    for (i, s, t) in &results {
        writeln!(f, "{i} {s:.6} {t:.6}").unwrap();
    }
    f.flush().unwrap();
    println!(
        "{}",
        json!({"commits": n, "elapsed_s": elapsed, "rate": n as f64 / elapsed})
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    match (arg(0), arg(2)) {
        ("raw", "nb") => raw(arg(1), OvnNorthboundDb::NAME, OvnNorthboundDb::TABLES),
        ("raw", "sb") => raw(arg(1), OvnSouthboundDb::NAME, OvnSouthboundDb::TABLES),
        ("sync", db) => {
            let hold = args.get(3).and_then(|h| h.parse().ok());
            match db {
                "nb" => rt.block_on(sync::<OvnNorthboundDb>(arg(1), hold)),
                "sb" => rt.block_on(sync::<OvnSouthboundDb>(arg(1), hold)),
                _ => usage(),
            }
        }
        ("watch", _) => rt.block_on(watch(arg(1), arg(2).parse().unwrap(), arg(3), arg(4))),
        ("write", _) => rt.block_on(write(
            arg(1),
            arg(2).parse().unwrap(),
            arg(3).parse().unwrap(),
            arg(4),
        )),
        _ => usage(),
    }
}

fn usage() {
    eprintln!("usage: see the doc comment of ovsdb-client/examples/replica_bench.rs");
    std::process::exit(2);
}
