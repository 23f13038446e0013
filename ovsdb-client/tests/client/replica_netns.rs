//! Scenario 24 of research/reliability.md §2: a 2000-switch initial sync over a 1 Mbit/s link
//! completes without a reconnect loop. The server runs in a network namespace of its own, reached
//! over a veth pair whose server side is throttled with a `tbf` qdisc. Needs root (skipped, with
//! a message, when the namespace cannot be created).

use std::process::Command;
use std::time::{Duration, Instant};

use ovn_nb::{LogicalSwitch, OvnNorthboundDb};
use ovsdb_client::{Client, ClientConfig};
use ovsdb_testkit::OvsdbServer;

use crate::common::{blocking, nb_schema, watchdog};

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A namespace and a veth pair, removed on drop.
struct SlowLink {
    ns: String,
    host_if: String,
    server_addr: String,
}

impl SlowLink {
    fn create() -> Result<SlowLink, String> {
        let id = std::process::id() % 10_000;
        let ns = format!("ovsrep{id}");
        let host_if = format!("vrh{id}");
        let peer_if = format!("vrp{id}");
        let octet = id % 250 + 1;
        let (host_addr, server_addr) = (format!("169.254.{octet}.1"), format!("169.254.{octet}.2"));
        ip(&["netns", "add", &ns])?;
        let link = SlowLink {
            ns: ns.clone(),
            host_if: host_if.clone(),
            server_addr: server_addr.clone(),
        };
        ip(&["link", "add", &host_if, "type", "veth", "peer", "name", &peer_if])?;
        ip(&["link", "set", &peer_if, "netns", &ns])?;
        ip(&["addr", "add", &format!("{host_addr}/30"), "dev", &host_if])?;
        ip(&["link", "set", &host_if, "up"])?;
        ip(&[
            "-n",
            &ns,
            "addr",
            "add",
            &format!("{server_addr}/30"),
            "dev",
            &peer_if,
        ])?;
        ip(&["-n", &ns, "link", "set", &peer_if, "up"])?;
        ip(&["-n", &ns, "link", "set", "lo", "up"])?;
        // Server to client at 1 Mbit/s.
        let out = Command::new("ip")
            .args([
                "netns", "exec", &ns, "tc", "qdisc", "add", "dev", &peer_if, "root", "tbf",
            ])
            .args(["rate", "1mbit", "burst", "32kbit", "latency", "400ms"])
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!("tc: {}", String::from_utf8_lossy(&out.stderr)));
        }
        Ok(link)
    }
}

impl Drop for SlowLink {
    fn drop(&mut self) {
        let _ = ip(&["link", "del", &self.host_if]);
        let _ = ip(&["netns", "del", &self.ns]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_sync_over_a_slow_link() {
    let link = match blocking(SlowLink::create) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("initial_sync_over_a_slow_link skipped: cannot set up a namespace: {e}");
            return;
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    let wrapper = tmp.path().join("ovsdb-server-in-ns");
    std::fs::write(
        &wrapper,
        format!("#!/bin/sh\nexec ip netns exec {} ovsdb-server \"$@\"\n", link.ns),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let port = 6640;
    let server = blocking(|| {
        OvsdbServer::builder(nb_schema())
            .program(&wrapper)
            .arg(format!("--remote=ptcp:{port}:{}", link.server_addr))
            .start()
            .unwrap()
    });
    let unix = server.unix_remote();
    let tcp = format!("tcp:{}:{port}", link.server_addr);
    watchdog("initial_sync_over_a_slow_link", Duration::from_secs(120), async {
        // 2000 switches of about 600 bytes each, written over the (fast) unix socket.
        let local = Client::connect(&unix, ClientConfig::default()).await.unwrap();
        let blob = "y".repeat(550);
        for chunk in 0..20 {
            let mut txn = local.transaction::<OvnNorthboundDb>();
            for i in 0..100 {
                txn.insert(LogicalSwitch {
                    name: format!("ls{chunk}-{i}").into(),
                    external_ids: [("blob".into(), blob.as_str().into())].into(),
                    ..Default::default()
                });
            }
            txn.commit().await.unwrap();
        }
        let started = Instant::now();
        let client = Client::connect(&tcp, ClientConfig::default().database("OVN_Northbound"))
            .await
            .unwrap();
        let nb = client
            .replica::<OvnNorthboundDb>()
            .table::<LogicalSwitch>()
            .start()
            .await
            .unwrap();
        let took = started.elapsed();
        assert_eq!(nb.read().table::<LogicalSwitch>().len(), 2000);
        let st = nb.status().borrow().clone();
        assert_eq!(st.snapshots, 1, "{st:?}");
        assert_eq!(
            st.session,
            Some(1),
            "the client reconnected during the sync: {st:?}"
        );
        assert!(took > Duration::from_secs(3), "the link was not slow ({took:?})");
        eprintln!("2000-switch initial sync over 1 Mbit/s: {took:?}");
    })
    .await;
    drop(server);
    drop(link);
}
