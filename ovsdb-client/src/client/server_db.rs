//! Choosing a server by its `_Server` database (ovsdb-server(5) "_Server" schema, table
//! `Database`): leader, connected to its cluster, not staler than what was already seen.

use std::collections::{BTreeMap, HashMap};

use ovsdb_proto::update::{MonitorRequest, MonitorRequests, TableUpdates};
use ovsdb_proto::{Datum, Row, Uuid};

use crate::endpoint::Endpoint;
use crate::error::Error;

/// The monitor id of the client's own `_Server` monitor on each session.
pub(crate) const SERVER_MONITOR_ID: &str = "_Server";

/// What the client reads of each `_Server.Database` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerDbRow {
    pub name: String,
    pub model: String,
    pub connected: bool,
    pub leader: bool,
    pub index: Option<i64>,
    pub cid: Option<Uuid>,
}

impl ServerDbRow {
    fn from_row(row: &Row) -> Option<ServerDbRow> {
        let scalar = |c: &str| row.get(c).and_then(Datum::as_scalar);
        Some(ServerDbRow {
            name: scalar("name")?.as_str()?.to_owned(),
            model: scalar("model")?.as_str()?.to_owned(),
            connected: scalar("connected").and_then(|a| a.as_bool()).unwrap_or(false),
            leader: scalar("leader").and_then(|a| a.as_bool()).unwrap_or(false),
            index: scalar("index").and_then(|a| a.as_integer()),
            cid: scalar("cid").and_then(|a| a.as_uuid()),
        })
    }
}

/// The monitor request for the columns the check needs.
pub(crate) fn monitor_requests() -> MonitorRequests {
    MonitorRequests::new().with(
        "Database",
        MonitorRequest::all().columns(["name", "model", "connected", "leader", "index", "cid"]),
    )
}

/// The `_Server.Database` rows of one session, kept up to date from `update` notifications.
#[derive(Debug, Default)]
pub(crate) struct ServerRows {
    rows: BTreeMap<Uuid, ServerDbRow>,
}

impl ServerRows {
    /// Applies a monitor reply or an `update` notification (RFC 7047 §4.1.6: `new` holds every
    /// monitored column).
    pub(crate) fn apply(&mut self, updates: &TableUpdates) {
        let Some(table) = updates.0.get("Database") else {
            return;
        };
        for (uuid, u) in table {
            match u.new.as_ref().and_then(ServerDbRow::from_row) {
                Some(r) => {
                    self.rows.insert(*uuid, r);
                }
                None => {
                    self.rows.remove(uuid);
                }
            }
        }
    }

    pub(crate) fn rows(&self) -> impl Iterator<Item = &ServerDbRow> {
        self.rows.values()
    }
}

/// The highest `_Server.Database.index` seen per clustered database (and cluster id).
#[derive(Debug, Default)]
pub(crate) struct MinIndex(HashMap<(String, Option<Uuid>), i64>);

/// Whether a server qualifies: for the configured database (or, with none configured, every
/// clustered database it serves), the row must be connected to its cluster, be the leader when
/// `leader_only`, and not have an index older than one seen before. Relay and standalone
/// databases always qualify. On success the highest indexes are remembered.
///
/// # Errors
/// [`Error::NoSuchDatabase`], [`Error::NotConnectedToCluster`], [`Error::NotLeader`],
/// [`Error::StaleServer`].
pub(crate) fn check(
    rows: &ServerRows,
    database: Option<&str>,
    leader_only: bool,
    min_index: &mut MinIndex,
    endpoint: &Endpoint,
) -> Result<(), Error> {
    let relevant: Vec<&ServerDbRow> = match database {
        Some(db) => {
            let r: Vec<_> = rows.rows().filter(|r| r.name == db).collect();
            if r.is_empty() {
                return Err(Error::NoSuchDatabase {
                    endpoint: endpoint.clone(),
                    db: db.to_owned(),
                });
            }
            r
        }
        None => rows.rows().collect(),
    };
    for r in &relevant {
        if r.model != "clustered" {
            continue;
        }
        if !r.connected {
            return Err(Error::NotConnectedToCluster {
                endpoint: endpoint.clone(),
                db: r.name.clone(),
            });
        }
        if leader_only && !r.leader {
            return Err(Error::NotLeader {
                endpoint: endpoint.clone(),
                db: r.name.clone(),
            });
        }
        if let (Some(index), Some(&seen)) = (r.index, min_index.0.get(&(r.name.clone(), r.cid)))
            && index < seen
        {
            return Err(Error::StaleServer {
                endpoint: endpoint.clone(),
                db: r.name.clone(),
                index,
                min_index: seen,
            });
        }
    }
    for r in relevant {
        if r.model == "clustered"
            && let Some(index) = r.index
        {
            let e = min_index.0.entry((r.name.clone(), r.cid)).or_insert(index);
            *e = (*e).max(index);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use ovsdb_proto::update::RowUpdate;
    use ovsdb_proto::{Atom, Datum};

    use super::*;

    fn row(name: &str, model: &str, connected: bool, leader: bool, index: Option<i64>) -> Row {
        let mut r = Row::new()
            .with("name", Datum::scalar(Atom::from(name)))
            .with("model", Datum::scalar(Atom::from(model)))
            .with("connected", Datum::scalar(Atom::from(connected)))
            .with("leader", Datum::scalar(Atom::from(leader)));
        r.insert(
            "index",
            match index {
                Some(i) => Datum::scalar(Atom::from(i)),
                None => Datum::empty_set(),
            },
        );
        r
    }

    fn rows(list: &[Row]) -> ServerRows {
        let mut t = BTreeMap::new();
        for (i, r) in list.iter().enumerate() {
            t.insert(
                Uuid::from_u128(i as u128 + 1),
                RowUpdate {
                    old: None,
                    new: Some(r.clone()),
                },
            );
        }
        let mut s = ServerRows::default();
        s.apply(&TableUpdates([("Database".to_owned(), t)].into_iter().collect()));
        s
    }

    fn ep() -> Endpoint {
        "tcp:127.0.0.1:1".parse().unwrap()
    }

    #[test]
    fn leader_connected_and_fresh() {
        let mut min = MinIndex::default();
        let server = row("_Server", "standalone", true, true, None);
        let leader = rows(&[server.clone(), row("NB", "clustered", true, true, Some(10))]);
        assert!(check(&leader, Some("NB"), true, &mut min, &ep()).is_ok());
        assert!(check(&leader, None, true, &mut min, &ep()).is_ok());

        let follower = rows(&[server.clone(), row("NB", "clustered", true, false, Some(12))]);
        let e = check(&follower, Some("NB"), true, &mut min, &ep()).unwrap_err();
        assert!(matches!(e, Error::NotLeader { ref db, .. } if db == "NB"), "{e}");
        assert!(check(&follower, Some("NB"), false, &mut min, &ep()).is_ok());

        let cut_off = rows(&[row("NB", "clustered", false, false, Some(12))]);
        let e = check(&cut_off, None, false, &mut min, &ep()).unwrap_err();
        assert!(matches!(e, Error::NotConnectedToCluster { .. }), "{e}");

        // Index 12 was seen: a server at 11 is stale, with or without leader-only.
        let stale = rows(&[row("NB", "clustered", true, true, Some(11))]);
        let e = check(&stale, Some("NB"), true, &mut min, &ep()).unwrap_err();
        assert!(
            matches!(
                e,
                Error::StaleServer {
                    index: 11,
                    min_index: 12,
                    ..
                }
            ),
            "{e}"
        );
        assert!(
            check(
                &rows(&[row("NB", "clustered", true, true, Some(12))]),
                None,
                true,
                &mut min,
                &ep()
            )
            .is_ok()
        );

        let e = check(&leader, Some("SB"), true, &mut min, &ep()).unwrap_err();
        assert!(matches!(e, Error::NoSuchDatabase { .. }), "{e}");
        // Standalone and relay databases are never judged.
        let standalone = rows(&[
            row("NB", "standalone", true, true, None),
            row("SB", "relay", false, false, None),
        ]);
        assert!(check(&standalone, None, true, &mut min, &ep()).is_ok());
    }

    #[test]
    fn updates_replace_and_delete_rows() {
        let mut s = rows(&[row("NB", "clustered", true, true, Some(1))]);
        let mut t = BTreeMap::new();
        t.insert(
            Uuid::from_u128(1),
            RowUpdate {
                old: Some(Row::new()),
                new: Some(row("NB", "clustered", true, false, Some(2))),
            },
        );
        s.apply(&TableUpdates([("Database".to_owned(), t)].into_iter().collect()));
        assert!(!s.rows().next().unwrap().leader);
        assert_eq!(s.rows().next().unwrap().index, Some(2));
        let mut t = BTreeMap::new();
        t.insert(
            Uuid::from_u128(1),
            RowUpdate {
                old: Some(Row::new()),
                new: None,
            },
        );
        s.apply(&TableUpdates([("Database".to_owned(), t)].into_iter().collect()));
        assert_eq!(s.rows().count(), 0);
    }
}
