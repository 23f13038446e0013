//! Shared helpers: schema paths, watchdogs, blocking test-kit calls from async tests.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use ovsdb_client::rpc::{self, Notifications, RpcClient, RpcOptions};
use ovsdb_client::{Endpoint, transport};

/// The OVN Northbound schema of the workspace's test data.
pub(crate) fn nb_schema() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/schemas/ovn-nb.ovsschema")
}

/// Runs a test body under a process-wide watchdog (the test kit's, which also kills the
/// daemons) and a tokio timeout, so a hang fails fast.
pub(crate) async fn watchdog<F: Future>(name: &str, limit: Duration, body: F) -> F::Output {
    let _dog = ovsdb_testkit::Watchdog::arm(name, limit + Duration::from_secs(10));
    match tokio::time::timeout(limit, body).await {
        Ok(v) => v,
        Err(_) => panic!("{name}: still running after {limit:?}"),
    }
}

/// Runs a blocking test-kit call from a multi-threaded tokio test.
pub(crate) fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

/// Opens a low-level connection to `remote` and spawns its connection future.
pub(crate) async fn rpc_connect(remote: &str) -> (RpcClient, Notifications) {
    let endpoint: Endpoint = remote.parse().unwrap();
    let stream = transport::open(&endpoint, None, Duration::from_secs(5))
        .await
        .unwrap();
    let (client, notes, conn) = rpc::connect(
        stream,
        &RpcOptions::default().request_timeout(Duration::from_secs(10)),
    );
    tokio::spawn(conn);
    (client, notes)
}

/// The next notification, within 5 s.
pub(crate) async fn next_note(notes: &mut Notifications) -> ovsdb_proto::notify::Notification {
    let n = tokio::time::timeout(Duration::from_secs(5), notes.recv())
        .await
        .expect("no notification within 5 s")
        .expect("connection closed");
    n.decode().unwrap()
}

/// How many of this process's file descriptors are TCP sockets connected to 127.0.0.1:`port`
/// (tests run in parallel, so only sockets to a test's own server tell about leaks).
pub(crate) fn sockets_to(port: u16) -> usize {
    let inodes: std::collections::HashSet<String> = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter_map(|l| {
            let l = l.to_string_lossy().into_owned();
            Some(l.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned())
        })
        .collect();
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    table
        .lines()
        .skip(1)
        .filter(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let remote_port = f
                .get(2)
                .and_then(|a| a.rsplit(':').next())
                .and_then(|p| u16::from_str_radix(p, 16).ok());
            remote_port == Some(port) && f.get(9).is_some_and(|i| inodes.contains(*i))
        })
        .count()
}
