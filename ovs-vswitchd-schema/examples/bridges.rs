//! Adds a bridge to an Open_vSwitch database as `ovs-vsctl add-br` does (the `Bridge`, its
//! internal `Port` and `Interface`, and the bridge added to the root row's `bridges`, in one
//! transaction), then lists the bridges.
//!
//! ```sh
//! cargo run -p ovs-vswitchd-schema --example bridges -- unix:/var/run/openvswitch/db.sock br-ex
//! ```
//!
//! Arguments: the remote (or `OVSDB_REMOTE`) and the bridge name (default `br-example`). The
//! database must have its root row (`ovs-vsctl init` makes it).

use ovs_vswitchd_schema::{Bridge, Interface, OpenVSwitch, OpenVSwitchDb, Port};
use ovsdb_client::{Client, ClientConfig};

/// Any error of this example.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Adds bridge `name`; returns every bridge name, sorted.
pub async fn run(remote: &str, name: &str) -> Result<Vec<String>, BoxError> {
    let client = Client::connect(remote, ClientConfig::default()).await?;
    let ovs = client
        .replica::<OpenVSwitchDb>()
        .table::<OpenVSwitch>()
        .table::<Bridge>()
        .start()
        .await?;
    let root = ovs
        .read()
        .table::<OpenVSwitch>()
        .iter()
        .next()
        .map(|r| r.uuid)
        .ok_or("no Open_vSwitch row (run `ovs-vsctl init`)")?;
    let mut txn = client.transaction::<OpenVSwitchDb>();
    let iface = txn.insert(Interface {
        name: name.into(),
        type_: "internal".into(),
        ..Default::default()
    });
    let port = txn.insert(Port {
        name: name.into(),
        interfaces: [iface].into(),
        ..Default::default()
    });
    let bridge = txn.insert(Bridge {
        name: name.into(),
        ports: [port].into(),
        ..Default::default()
    });
    txn.mutate::<OpenVSwitch>(
        [ovsdb_proto::Condition::eq(
            "_uuid",
            ovsdb_proto::Datum::scalar(ovsdb_proto::Atom::Uuid(root)),
        )],
        [OpenVSwitch::BRIDGES.insert(bridge)],
    );
    txn.commit().await?;
    let mut names: Vec<String> = ovs
        .read()
        .table::<Bridge>()
        .iter()
        .map(|b| b.name.to_string())
        .collect();
    names.sort();
    println!("{}", names.join("\n"));
    Ok(names)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let remote = args
        .next()
        .or_else(|| std::env::var("OVSDB_REMOTE").ok())
        .unwrap_or_else(|| "unix:/var/run/openvswitch/db.sock".into());
    let name = args.next().unwrap_or_else(|| "br-example".into());
    run(&remote, &name).await?;
    Ok(())
}
