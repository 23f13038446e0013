//! A scripted integration test of your own on an `ovn-lab` lab, as a `#[tokio::test]`:
//! a 2-chassis lab comes up, the topology is wired with the typed `ovn-nb` crate through
//! `ovsdb-client` (as your code under test would), namespace VMs are attached to the ports, and
//! the test asserts a ping and the ports' bindings in the Southbound database. A `LabGuard`
//! tears the lab down when it is dropped, so a failed assertion leaves nothing behind.
//!
//! Run it (as root: the lab makes network namespaces) with
//! `cargo test -p ovn-lab --example integration_test`.

/// Nothing to run: the test below is the example (`cargo test --example integration_test`).
fn main() {}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ovn_lab::{LabConfig, LabGuard, UpOptions};
    use ovn_nb::{LogicalSwitch, LogicalSwitchPort, OvnNorthboundDb};
    use ovn_sb::{Chassis, OvnSouthboundDb, PortBinding};
    use ovsdb_client::{Client, ClientConfig};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_chassis_ping_and_bindings() -> Result<(), Box<dyn std::error::Error>> {
        // A lab of its own: name and directory unique to this test.
        let dir = tempfile::tempdir()?;
        let mut cfg = LabConfig::new("example", Some(dir.path().join("lab")))?;
        cfg.quiet = true;
        let guard = LabGuard::up(
            cfg,
            &UpOptions {
                chassis: 2,
                ..UpOptions::default()
            },
        )
        .await?;
        // Every step is bounded: a hang fails the test (and the guard still tears down).
        tokio::time::timeout(Duration::from_secs(120), async {
            let mut lab = guard.open().await?;
            let remotes = lab.remotes();

            // The code under test: wires a switch and two ports through ovsdb-client.
            let nb = Client::connect(&remotes.nb.join(","), ClientConfig::default()).await?;
            let mut txn = nb.transaction::<OvnNorthboundDb>();
            let p1 = txn.insert(LogicalSwitchPort {
                name: "web".into(),
                addresses: ["0a:00:00:00:00:11 10.50.0.11".into()].into(),
                ..Default::default()
            });
            let p2 = txn.insert(LogicalSwitchPort {
                name: "db".into(),
                addresses: ["0a:00:00:00:00:12 10.50.0.12".into()].into(),
                ..Default::default()
            });
            txn.insert(LogicalSwitch {
                name: "app".into(),
                ports: [p1, p2].into(),
                ..Default::default()
            });
            txn.commit().await?;

            // The lab plugs a VM into each port (one per chassis) and waits until they are up.
            lab.attach("web-vm", "web", "ch1", None, Some("10.50.0.11/24"))
                .await?;
            lab.attach("db-vm", "db", "ch2", None, Some("10.50.0.12/24"))
                .await?;

            // Assertions: traffic flows across chassis, and SB binds each port where its VM is.
            lab.ping("web-vm", "db-vm").await?;
            let sb = Client::connect(&remotes.sb.join(","), ClientConfig::default()).await?;
            let replica = sb
                .replica::<OvnSouthboundDb>()
                .table::<Chassis>()
                .table::<PortBinding>()
                .start()
                .await?;
            let read = replica.read();
            let chassis_of = |port: &str| {
                let pb = read
                    .table::<PortBinding>()
                    .iter()
                    .find(|pb| pb.logical_port == port)?;
                let ch = pb.chassis.as_ref()?.uuid()?;
                Some(read.table::<Chassis>().get(&ch)?.name.clone())
            };
            assert_eq!(chassis_of("web").as_deref(), Some("ch1"));
            assert_eq!(chassis_of("db").as_deref(), Some("ch2"));
            nb.shutdown();
            sb.shutdown();
            Ok::<(), Box<dyn std::error::Error>>(())
        })
        .await??;
        // Dropping the guard would do the same; an explicit down reports failures.
        guard.down().await?;
        Ok(())
    }
}
