//! Untyped access to any database, whatever its schema: a `DynamicReplica` of every table,
//! rows as column-name → datum maps.
//!
//! ```sh
//! cargo run -p ovsdb-tokio --example dynamic -- unix:/var/run/openvswitch/db.sock Open_vSwitch
//! ```
//!
//! Arguments: the remote (or `OVSDB_REMOTE`) and the database (default: the server's first
//! database that is not `_Server`). Prints each table's row count and the `name` column of its
//! rows when it has one.

use std::collections::BTreeMap;

use ovsdb_client::{Client, ClientConfig};

/// Any error of this example.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Replicates every table of `db` (or the first user database); returns the row count of each
/// table.
pub async fn run(remote: &str, db: Option<&str>) -> Result<BTreeMap<String, usize>, BoxError> {
    let client = Client::connect(remote, ClientConfig::default().leader_only(false)).await?;
    let db = match db {
        Some(d) => d.to_owned(),
        None => client
            .list_dbs()
            .await?
            .into_iter()
            .find(|d| d != "_Server")
            .ok_or("the server has no database")?,
    };
    let schema = client.get_schema(&db).await?;
    let mut builder = client.dynamic_replica(&db);
    for table in schema.tables.keys() {
        builder = builder.table(table);
    }
    let replica = builder.start().await?;
    let read = replica.read();
    let mut counts = BTreeMap::new();
    for table in schema.tables.keys() {
        let rows = read.table(table);
        let names: Vec<String> = rows
            .iter()
            .filter_map(|r| r.get("name").map(|d| d.to_string()))
            .collect();
        println!("{db}.{table}: {} rows {}", rows.len(), names.join(" "));
        counts.insert(table.clone(), rows.len());
    }
    Ok(counts)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let remote = args
        .next()
        .or_else(|| std::env::var("OVSDB_REMOTE").ok())
        .unwrap_or_else(|| "unix:/var/run/openvswitch/db.sock".into());
    let db = args.next();
    run(&remote, db.as_deref()).await?;
    Ok(())
}
