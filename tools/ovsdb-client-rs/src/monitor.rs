//! The commands that run on a connection until interrupted (`monitor`, `monitor-cond`,
//! `monitor-cond-since`, `lock`, `steal`, `unlock`) and `wait`, as ovsdb-client runs them;
//! and `monitor` across a cluster on the reconnecting client.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::Write;
use std::time::Duration;

use ovsdb_client::{Client, ClientConfig, MonitorEvent};
use ovsdb_proto::schema::{ColumnType, TableSchema};
use ovsdb_proto::update::{MonitorRequest, MonitorRequests, RowUpdate2, TableUpdates2};
use ovsdb_proto::{Condition, Datum, Row, Uuid};
use serde_json::{Value, json};

use crate::format::{Cell, Table};
use crate::{CliError, Ctx, Session, ovs_order, time};

/// One monitored table: its name, schema and the columns printed, in request order.
struct Monitored {
    name: String,
    schema: TableSchema,
    columns: Vec<(String, ColumnType)>,
}

/// Adds the columns of one `COLUMN,...` argument (ovsdb-client's `parse_monitor_columns`);
/// returns the monitor request for it.
fn parse_monitor_columns(arg: &str, server: &str, db: &str, mt: &mut Monitored) -> Result<Value, CliError> {
    let (mut initial, mut insert, mut delete, mut modify) = (true, true, true, true);
    let mut names: Vec<String> = Vec::new();
    let add = |mt: &mut Monitored, name: &str, names: &mut Vec<String>| -> Result<(), CliError> {
        if mt.columns.iter().any(|(c, _)| c == name) {
            return Err(CliError::DuplicateColumn {
                server: server.to_owned(),
                column: name.to_owned(),
            });
        }
        let ty =
            mt.schema
                .column(name)
                .map(|c| c.type_.clone())
                .ok_or_else(|| CliError::MonitorNoColumn {
                    server: server.to_owned(),
                    table: mt.name.clone(),
                    db: db.to_owned(),
                    column: name.to_owned(),
                })?;
        mt.columns.push((name.to_owned(), ty));
        names.push(name.to_owned());
        Ok(())
    };
    for token in arg.split(',').filter(|t| !t.is_empty()) {
        match token {
            "!initial" => initial = false,
            "!insert" => insert = false,
            "!delete" => delete = false,
            "!modify" => modify = false,
            c => add(mt, c, &mut names)?,
        }
    }
    if names.is_empty() {
        let all: Vec<String> = mt.schema.columns.keys().cloned().collect();
        for c in all.iter().chain(std::iter::once(&"_version".to_owned())) {
            add(mt, c, &mut names)?;
        }
    }
    let mut mr = json!({"columns": names});
    if !(initial && insert && delete && modify) {
        mr["select"] = json!({"initial": initial, "insert": insert, "delete": delete, "modify": modify});
    }
    Ok(mr)
}

/// Builds the monitor requests for `TABLE [COLUMN,...]...` (or `ALL`).
fn monitored_tables(
    schema: &ovsdb_proto::DatabaseSchema,
    server: &str,
    db: &str,
    args: &[String],
    condition: Option<&Value>,
) -> Result<(Vec<Monitored>, Value), CliError> {
    let table_name = &args[0];
    let names: Vec<String> = if table_name == "ALL" {
        if condition.is_some() {
            return Err(CliError::AllWithCondition);
        }
        schema.tables.keys().cloned().collect()
    } else {
        if !schema.tables.contains_key(table_name) {
            return Err(CliError::MonitorNoTable {
                server: server.to_owned(),
                db: db.to_owned(),
                table: table_name.clone(),
            });
        }
        vec![table_name.clone()]
    };
    let mut mts = Vec::new();
    let mut requests = serde_json::Map::new();
    for n in names {
        let mut mt = Monitored {
            name: n.clone(),
            schema: schema.tables[&n].clone(),
            columns: Vec::new(),
        };
        let column_args: Vec<&str> = if args.len() > 1 {
            args[1..].iter().map(String::as_str).collect()
        } else {
            vec![""]
        };
        let mut array = Vec::new();
        for (i, a) in column_args.iter().enumerate() {
            let mut mr = parse_monitor_columns(a, server, db, &mut mt)?;
            if i == 0
                && let Some(c) = condition
            {
                mr["where"] = c.clone();
            }
            array.push(mr);
        }
        requests.insert(n, Value::Array(array));
        mts.push(mt);
    }
    Ok((mts, Value::Object(requests)))
}

/// The keys of a JSON object in the order ovsdb-client iterates its parse of them.
fn in_ovs_order(obj: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let entries: Vec<(&String, &Value)> = obj.iter().collect();
    let keys: Vec<&String> = entries.iter().map(|e| e.0).collect();
    ovs_order::shash_order(&keys)
        .into_iter()
        .map(|i| entries[i])
        .collect()
}

/// A printer of monitor updates.
struct UpdatePrinter<'a> {
    mts: &'a [Monitored],
    timestamp: bool,
}

impl UpdatePrinter<'_> {
    fn new_table(&self, mt: &Monitored) -> Table {
        let mut headings = vec!["row".to_owned(), "action".to_owned()];
        headings.extend(mt.columns.iter().map(|c| c.0.clone()));
        Table {
            caption: (self.mts.len() > 1).then(|| mt.name.clone()),
            timestamp: self.timestamp.then(time::table_timestamp),
            headings,
            rows: Vec::new(),
        }
    }

    fn row(&self, mt: &Monitored, t: &mut Table, row: Option<&Value>, action: &str, uuid: &str) {
        let Some(row) = row else {
            eprintln!("ovsdb-client-rs: missing {action} row");
            return;
        };
        let Some(obj) = row.as_object() else {
            eprintln!("ovsdb-client-rs: <row> is not object");
            return;
        };
        let mut cells = vec![Cell::text(uuid), Cell::text(action)];
        for (c, ty) in &mt.columns {
            cells.push(match obj.get(c) {
                Some(v) => Cell::datum(v.clone(), ty),
                None => Cell::default(),
            });
        }
        t.rows.push(cells);
    }

    /// `update` (monitor v1) contents: `initial`, `insert`, `delete`, `old` + `new` lines.
    fn v1(&self, updates: &Value, initial: bool) -> Vec<Table> {
        let mut out = Vec::new();
        let Some(updates) = updates.as_object() else {
            eprintln!("ovsdb-client-rs: <table-updates> is not object");
            return out;
        };
        for mt in self.mts {
            let Some(tu) = updates.get(&mt.name) else { continue };
            let Some(tu) = tu.as_object() else {
                eprintln!(
                    "ovsdb-client-rs: <table-update> for table {} is not object",
                    mt.name
                );
                continue;
            };
            let mut t = self.new_table(mt);
            for (uuid, ru) in in_ovs_order(tu) {
                let (old, new) = (ru.get("old"), ru.get("new"));
                if initial {
                    self.row(mt, &mut t, new, "initial", uuid);
                } else if old.is_none() {
                    self.row(mt, &mut t, new, "insert", uuid);
                } else if new.is_none() {
                    self.row(mt, &mut t, old, "delete", uuid);
                } else {
                    self.row(mt, &mut t, old, "old", uuid);
                    self.row(mt, &mut t, new, "new", "");
                }
            }
            out.push(t);
        }
        out
    }

    /// `update2` contents: `initial`, `insert`, `modify` (the changed columns), `delete`.
    fn v2(&self, updates: &Value) -> Vec<Table> {
        let mut out = Vec::new();
        let Some(updates) = updates.as_object() else {
            eprintln!("ovsdb-client-rs: <table-updates2> is not object");
            return out;
        };
        for mt in self.mts {
            let Some(tu) = updates.get(&mt.name) else { continue };
            let Some(tu) = tu.as_object() else {
                eprintln!(
                    "ovsdb-client-rs: <table-update> for table {} is not object",
                    mt.name
                );
                continue;
            };
            let mut t = self.new_table(mt);
            for (uuid, ru) in in_ovs_order(tu) {
                for op in ["delete", "initial", "modify", "insert"] {
                    let Some(row) = ru.get(op) else { continue };
                    if op == "delete" {
                        if row.is_null() {
                            t.rows.push(vec![Cell::text(uuid.clone()), Cell::text("delete")]);
                        } else {
                            eprintln!("ovsdb-client-rs: delete method does not expect <row>");
                        }
                    } else {
                        self.row(mt, &mut t, Some(row), op, uuid);
                    }
                    break;
                }
            }
            out.push(t);
        }
        out
    }
}

/// `monitor`, `monitor-cond`, `monitor-cond-since` on the session, until `stop`.
pub(crate) async fn run(
    ctx: &mut Ctx<'_>,
    out: &mut (dyn Write + Send),
    s: Session,
    db: &str,
    command: &str,
    mut args: Vec<String>,
    stop: impl Future<Output = ()> + Send,
) -> Result<(), CliError> {
    let style = ctx.style;
    let server = s.name.clone();
    let mut last_id = None;
    let mut condition = None;
    if command != "monitor" {
        if command == "monitor-cond-since" {
            last_id = Some(match args[0].parse::<Uuid>() {
                Ok(u) => {
                    args.remove(0);
                    u
                }
                Err(_) => Uuid::nil(),
            });
        }
        if args.len() < 2 {
            return Err(CliError::InvalidSyntax("monitor-cond-since"));
        }
        let (schema, _) = s.fetch_schema(db, &style).await?;
        let Some(ts) = schema.tables.get(&args[1]) else {
            return Err(CliError::MonitorNoTable {
                server: String::new(),
                db: db.to_owned(),
                table: args[1].clone(),
            });
        };
        let c = crate::parse_json_arg(&args[0])?;
        check_condition(&args[1], ts, &c)?;
        condition = Some(c);
        args.remove(0);
    }
    if let Some(remotes) = &s.list
        && command != "monitor-cond-since"
        && args[0] != "ALL"
    {
        let remotes = remotes.clone();
        drop(s);
        return follow(ctx, out, &remotes, db, &args, condition, stop).await;
    }
    let (schema, _) = s.fetch_schema(db, &style).await?;
    let (mts, requests) = monitored_tables(&schema, &server, db, &args, condition.as_ref())?;
    s.send_db_change_aware(ctx.cli.db_change_aware()).await?;
    let (method, params) = match last_id {
        None if command == "monitor" => ("monitor", json!([db, null, requests])),
        None => ("monitor_cond", json!([db, null, requests])),
        Some(id) => ("monitor_cond_since", json!([db, null, requests, id.to_string()])),
    };
    let printer = UpdatePrinter {
        mts: &mts,
        timestamp: ctx.cli.timestamp,
    };
    let Session { rpc, mut notes, .. } = s;
    let result = rpc
        .request(method, params)
        .await
        .map_err(|e| match e {
            ovsdb_client::Error::Rpc { error, .. } => CliError::ServerError(crate::format::to_json_text(
                &serde_json::to_value(&*error).unwrap_or(Value::Null),
                true,
                style.pretty,
            )),
            e => CliError::ReceiveFailed {
                server: server.clone(),
                reason: crate::failure_reason(&e),
            },
        })?
        .result;
    let tables = match method {
        "monitor" => printer.v1(&result, true),
        "monitor_cond" => printer.v2(&result),
        _ => {
            let found = result.get(0).and_then(Value::as_bool).unwrap_or(false);
            let last = result.get(1).and_then(Value::as_str).unwrap_or_default();
            writeln!(out, "found: {found}, last_id: {last}")?;
            printer.v2(result.get(2).unwrap_or(&Value::Null))
        }
    };
    for t in &tables {
        ctx.print(out, t)?;
    }
    out.flush()?;
    tokio::pin!(stop);
    loop {
        let note = tokio::select! {
            n = notes.recv() => n,
            () = &mut stop => return Ok(()),
        };
        let Some(note) = note else {
            return Err(CliError::ReceiveFailed {
                server,
                reason: "End of file".into(),
            });
        };
        let p = &note.params;
        let tables = match note.method.as_str() {
            "update" if p.get(0) == Some(&Value::Null) && p.as_array().is_some_and(|a| a.len() == 2) => {
                printer.v1(&p[1], false)
            }
            "update2"
                if method == "monitor_cond"
                    && p.get(0) == Some(&Value::Null)
                    && p.as_array().is_some_and(|a| a.len() == 2) =>
            {
                printer.v2(&p[1])
            }
            "update3"
                if method == "monitor_cond_since"
                    && p.get(0) == Some(&Value::Null)
                    && p.as_array().is_some_and(|a| a.len() == 3) =>
            {
                write!(out, "\nlast_id: {}", p[1].as_str().unwrap_or_default())?;
                printer.v2(&p[2])
            }
            "monitor_canceled" => {
                return Err(CliError::DatabaseRemoved {
                    server,
                    db: db.to_owned(),
                });
            }
            _ => Vec::new(),
        };
        for t in &tables {
            ctx.print(out, t)?;
        }
        out.flush()?;
    }
}

/// Checks a monitor condition against the table as ovsdb-server would parse it.
fn check_condition(table: &str, ts: &TableSchema, c: &Value) -> Result<(), CliError> {
    let conds: Vec<Condition> = serde_json::from_value(c.clone())
        .map_err(|e| CliError::BadCondition(format!("syntax \"{c}\": syntax error: {e}")))?;
    for (cond, json) in conds.iter().zip(c.as_array().into_iter().flatten()) {
        if let Some(col) = condition_column(cond)
            && ts.column(col).is_none()
        {
            return Err(CliError::BadCondition(format!(
                "syntax \"{json}\": unknown column: No column {col} in table {table}."
            )));
        }
    }
    Ok(())
}

fn condition_column(c: &Condition) -> Option<&str> {
    match c {
        Condition::Clause { column, .. } => Some(column.as_str()),
        _ => None,
    }
}

/// `lock`, `steal`, `unlock`: sends the request, prints its result and every notification
/// (method name, then params), until `stop`.
pub(crate) async fn lock(
    ctx: &Ctx<'_>,
    out: &mut (dyn Write + Send),
    s: Session,
    method: &str,
    name: &str,
    stop: impl Future<Output = ()> + Send,
) -> Result<(), CliError> {
    let Session {
        rpc,
        mut notes,
        name: server,
        ..
    } = s;
    tokio::pin!(stop);
    let reply = tokio::select! {
        r = rpc.request(method, json!([name])) => r,
        () = &mut stop => return Ok(()),
    };
    match reply {
        Ok(r) => {
            ctx.print_json(out, &r.result)?;
            out.flush()?;
        }
        Err(ovsdb_client::Error::Rpc { .. }) => {}
        Err(e) => {
            return Err(CliError::ReceiveFailed {
                server,
                reason: crate::failure_reason(&e),
            });
        }
    }
    loop {
        let note = tokio::select! {
            n = notes.recv() => n,
            () = &mut stop => return Ok(()),
        };
        let Some(note) = note else {
            return Err(CliError::ReceiveFailed {
                server,
                reason: "End of file".into(),
            });
        };
        writeln!(out, "{}", note.method)?;
        ctx.print_json(out, &note.params)?;
        out.flush()?;
    }
}

/// `wait [SERVER] DATABASE STATE`: reconnects until the server answers, then waits (a `wait`
/// operation on `_Server`) until DATABASE is `connected`, `added` or `removed`.
pub(crate) async fn wait(ctx: &Ctx<'_>, args: &[String]) -> Result<(), CliError> {
    let db = &args[args.len() - 2];
    let state = &args[args.len() - 1];
    let op = match state.as_str() {
        "connected" => json!({"op": "wait", "table": "Database", "where": [["name", "==", db]],
            "columns": ["connected"], "until": "==", "rows": [{"connected": true}]}),
        "added" => json!({"op": "wait", "table": "Database", "where": [["name", "==", db]],
            "columns": [], "until": "==", "rows": [{}]}),
        "removed" => json!({"op": "wait", "table": "Database", "where": [["name", "==", db]],
            "columns": [], "until": "==", "rows": []}),
        _ => return Err(CliError::UnknownState(state.clone())),
    };
    let remote = if args.len() > 2 {
        args[0].clone()
    } else {
        crate::default_remote()
    };
    let log = |msg: String| time::vlog("reconnect", "INFO", &format!("{remote}: {msg}"));
    // As OVS's reconnect: one quiet retry after a second, then waits of 2, 4, 8, 8... seconds.
    let mut backoff: Option<Duration> = None;
    loop {
        log("connecting...".into());
        let s = match ctx.connect(&remote).await {
            Ok(s) => s,
            Err(e) => {
                let reason = match &e {
                    CliError::Connect { reason, .. } => reason.clone(),
                    other => other.to_string(),
                };
                log(format!("connection attempt failed ({reason})"));
                let wait = match backoff {
                    None => Duration::from_secs(1),
                    Some(b) => {
                        log(format!("waiting {} seconds before reconnect", b.as_secs()));
                        b
                    }
                };
                tokio::time::sleep(wait).await;
                backoff =
                    Some(backoff.map_or(Duration::from_secs(2), |b| (b * 2).min(Duration::from_secs(8))));
                continue;
            }
        };
        log("connected".into());
        let aware = s.rpc.request("set_db_change_aware", json!([true]));
        let txn = s.rpc.request("transact", json!(["_Server", op]));
        let (aware, txn) = tokio::join!(aware, txn);
        if let Err(ovsdb_client::Error::Rpc { error, .. }) = aware {
            return Err(CliError::DbChangeAware {
                server: s.name.clone(),
                error: serde_json::to_value(&*error).unwrap_or(Value::Null).to_string(),
            });
        }
        match txn {
            Ok(r) => return check_transaction_reply(&r.result),
            Err(ovsdb_client::Error::Rpc { error, .. }) => {
                return Err(CliError::ErrorReply(crate::format::to_json_text(
                    &serde_json::to_value(&*error).unwrap_or(Value::Null),
                    true,
                    false,
                )));
            }
            Err(_) => {
                log("connection dropped".into());
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// ovsdb-client's `check_transaction_reply`: any operation error fails the command.
pub(crate) fn check_transaction_reply(result: &Value) -> Result<(), CliError> {
    let Some(results) = result.as_array() else {
        return Err(CliError::BadReply("result is not array".into()));
    };
    for r in results {
        let Some(o) = r.as_object() else {
            return Err(CliError::BadReply("result array element is not object".into()));
        };
        if o.contains_key("error") {
            return Err(CliError::ErrorReply(crate::format::to_json_text(r, true, false)));
        }
    }
    Ok(())
}

/// `monitor`/`monitor-cond` over a list of remotes: on the reconnecting client, printing every
/// change once across reconnects.
async fn follow(
    ctx: &mut Ctx<'_>,
    out: &mut (dyn Write + Send),
    remotes: &str,
    db: &str,
    args: &[String],
    condition: Option<Value>,
    stop: impl Future<Output = ()> + Send,
) -> Result<(), CliError> {
    let mut config = ClientConfig::default()
        .leader_only(!ctx.cli.no_leader_only)
        .startup_timeout(Duration::from_secs(30))
        .database(db);
    if let Some(tls) = ctx.tls_config() {
        config = config.tls(tls);
    }
    let client = Client::connect(remotes, config).await?;
    let (schema, _) = {
        let s = client.get_schema(db).await?;
        (s, ())
    };
    let table = args[0].clone();
    let ts = schema
        .tables
        .get(&table)
        .ok_or_else(|| CliError::MonitorNoTable {
            server: remotes.to_owned(),
            db: db.to_owned(),
            table: table.clone(),
        })?;
    let mut mt = Monitored {
        name: table.clone(),
        schema: ts.clone(),
        columns: Vec::new(),
    };
    for a in if args.len() > 1 { &args[1..] } else { &[][..] } {
        parse_monitor_columns(a, remotes, db, &mut mt)?;
    }
    if mt.columns.is_empty() {
        parse_monitor_columns("", remotes, db, &mut mt)?;
    }
    let columns: Vec<String> = mt.columns.iter().map(|c| c.0.clone()).collect();
    let mut req = MonitorRequest::all().columns(columns.clone());
    if let Some(c) = condition {
        let conds: Vec<Condition> =
            serde_json::from_value(c).map_err(|e| CliError::BadCondition(format!("syntax error: {e}")))?;
        req = req.where_(conds);
    }
    let mut stream = client.monitor(db, MonitorRequests::new().with(table.clone(), req));
    let mut view = View::new(table, ts.clone(), columns);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            ev = stream.recv() => match ev {
                Some(Ok(ev)) => {
                    if let Some(t) = view.apply(ev) {
                        ctx.print(out, &t)?;
                        out.flush()?;
                    }
                }
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            () = &mut stop => return Ok(()),
        }
    }
}

/// What a following monitor has printed: the rows, to print each change once even across
/// resyncs.
struct View {
    table: String,
    schema: TableSchema,
    columns: Vec<String>,
    rows: BTreeMap<Uuid, Row>,
    synced: bool,
}

impl View {
    fn new(table: String, schema: TableSchema, columns: Vec<String>) -> View {
        View {
            table,
            schema,
            columns,
            rows: BTreeMap::new(),
            synced: false,
        }
    }

    /// A row with every monitored column, defaults for those the update omitted.
    fn full(&self, r: &Row) -> Row {
        let mut full = Row::new();
        for c in &self.columns {
            let d = r.get(c).cloned().unwrap_or_else(|| {
                self.schema
                    .column(c)
                    .map(|cs| cs.type_.default_datum())
                    .unwrap_or_else(Datum::empty_set)
            });
            full.insert(c.clone(), d);
        }
        full
    }

    fn line(&self, uuid: &Uuid, action: &str, row: &Row) -> Vec<Cell> {
        let mut cells = vec![Cell::text(uuid.to_string()), Cell::text(action)];
        for c in &self.columns {
            let d = row.get(c).cloned().unwrap_or_else(Datum::empty_set);
            cells.push(match self.schema.column(c) {
                Some(cs) => Cell::datum(d.to_json(), &cs.type_),
                None => Cell::json(d.to_json()),
            });
        }
        cells
    }

    /// Applies an event; returns the table of changes to print, if any.
    fn apply(&mut self, ev: MonitorEvent) -> Option<Table> {
        let mut lines = Vec::new();
        match ev {
            MonitorEvent::Reset { updates, .. } => {
                let new: BTreeMap<Uuid, Row> = rows_of(&updates, &self.table)
                    .filter_map(|(u, r)| match r {
                        RowUpdate2::Initial(r) | RowUpdate2::Insert(r) => Some((*u, self.full(r))),
                        _ => None,
                    })
                    .collect();
                let initial = !self.synced;
                for (u, r) in &new {
                    match self.rows.get(u) {
                        None => lines.push(self.line(u, if initial { "initial" } else { "insert" }, r)),
                        Some(old) if old != r => lines.push(self.line(u, "new", r)),
                        Some(_) => {}
                    }
                }
                for (u, r) in &self.rows {
                    if !new.contains_key(u) {
                        lines.push(self.line(u, "delete", r));
                    }
                }
                self.rows = new;
                self.synced = true;
            }
            MonitorEvent::Update { updates, .. } => {
                let initial = !self.synced;
                self.synced = true;
                let changes: Vec<(Uuid, RowUpdate2)> = rows_of(&updates, &self.table)
                    .map(|(u, r)| (*u, r.clone()))
                    .collect();
                for (u, change) in changes {
                    match change {
                        RowUpdate2::Initial(r) | RowUpdate2::Insert(r) => {
                            let r = self.full(&r);
                            let action = if initial { "initial" } else { "insert" };
                            lines.push(self.line(&u, action, &r));
                            self.rows.insert(u, r);
                        }
                        RowUpdate2::Modify(diff) => {
                            if let Some(mut old) = self.rows.get(&u).cloned()
                                && ovsdb_proto::diff::apply_row_diff(&self.schema, &mut old, &diff).is_ok()
                            {
                                lines.push(self.line(&u, "new", &old));
                                self.rows.insert(u, old);
                            }
                        }
                        RowUpdate2::Delete => {
                            if let Some(old) = self.rows.remove(&u) {
                                lines.push(self.line(&u, "delete", &old));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        if lines.is_empty() {
            return None;
        }
        let mut headings = vec!["row".to_owned(), "action".to_owned()];
        headings.extend(self.columns.iter().cloned());
        Some(Table {
            headings,
            rows: lines,
            ..Table::default()
        })
    }
}

fn rows_of<'a>(u: &'a TableUpdates2, table: &str) -> impl Iterator<Item = (&'a Uuid, &'a RowUpdate2)> {
    u.0.get(table).into_iter().flatten()
}
