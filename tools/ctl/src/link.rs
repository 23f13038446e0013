//! How an invocation reaches its database: one connection opened directly when `--db` names a
//! single remote, with the `_Server` check (ovsdb-server(7) "Database" table) sent alongside
//! the invocation's first requests instead of before them; otherwise, or when the server does
//! not qualify, the reconnecting leader-aware [`Client`] of ovsdb-client, which waits for a
//! server that does.

use std::time::Duration;

use ovsdb_client::rpc::RawReply;
use ovsdb_client::{Client, ClientConfig, Endpoint, Reply, RpcClient, RpcOptions, TlsConfig};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::error::CtlError;

/// What a database connection is made of, for [`Link::open_direct`] and [`Link::client`].
#[derive(Clone)]
pub(crate) struct LinkConfig {
    /// The `--db` text: one remote or a comma-separated list.
    pub(crate) remote: String,
    /// The database the invocation works on (`OVN_Northbound`, ...).
    pub(crate) database: &'static str,
    /// Whether a clustered database must be served by its leader (`--leader-only`, default).
    pub(crate) leader_only: bool,
    /// Whether several remotes are tried in random order (`--shuffle-remotes`).
    pub(crate) shuffle: bool,
    /// `-p`/`-c`/`-C`.
    pub(crate) tls: Option<TlsConfig>,
    /// `--timeout`, when positive.
    pub(crate) timeout: Option<Duration>,
    /// `--retry`: when false, a single remote that cannot be connected to fails the invocation
    /// at once, as the reference tools do; when true, the [`Client`] keeps trying.
    pub(crate) retry: bool,
    /// In the daemon of daemon mode: its in-process request channel (see [`Rpc::Local`]),
    /// used instead of any connection.
    pub(crate) local: Option<Rpc>,
}

impl LinkConfig {
    /// The reconnecting client's settings that follow from this configuration: database,
    /// `--leader-only`, `--shuffle-remotes`, TLS.
    pub(crate) fn client_config(&self) -> ClientConfig {
        let config = ClientConfig::default()
            .database(self.database)
            .leader_only(self.leader_only)
            .shuffle(self.shuffle);
        match &self.tls {
            Some(tls) => config.tls(tls.clone()),
            None => config,
        }
    }

    /// The error for a client that could not reach a server of [`LinkConfig::remote`].
    pub(crate) fn connection_failed(&self, e: ovsdb_client::Error) -> CtlError {
        CtlError::Connection(format!("{}: database connection failed ({e})", self.remote))
    }
}

/// The connection of one invocation.
pub(crate) enum Link {
    /// One connection, `_Server` check in flight or done.
    Direct(Direct),
    /// The reconnecting client.
    Client(Client),
    /// The daemon's own replica and session, in the same process (no `_Server` check: the
    /// daemon is a relay of this database).
    Local(Rpc),
}

/// One request of an invocation run inside the daemon: `method` and its `params` (a JSON
/// array), answered on `reply` with the JSON-RPC `result` (`Ok`) or `error` (`Err`).
pub(crate) struct LocalRequest {
    /// The JSON-RPC method (`transact`, `monitor_cond`, ...).
    pub(crate) method: &'static str,
    /// Its parameters, an array.
    pub(crate) params: Value,
    /// Where the answer goes.
    pub(crate) reply: oneshot::Sender<Result<Value, Value>>,
}

/// Where an invocation's requests go: a JSON-RPC connection, or (in the daemon of daemon mode)
/// the daemon itself through an in-process channel, which answers reads from its replica and
/// forwards writes on its session without any socket or JSON text in between.
#[derive(Clone)]
pub(crate) enum Rpc {
    /// A connection to a server (or to a daemon, as any OVSDB client).
    Remote(RpcClient),
    /// The daemon's channel (see [`LocalRequest`]).
    Local(mpsc::UnboundedSender<LocalRequest>),
}

impl Rpc {
    /// Sends a request and waits for its result, as [`RpcClient::request`] does.
    ///
    /// # Errors
    /// As [`RpcClient::request`]: [`ovsdb_client::Error::Rpc`] for an error answer,
    /// [`ovsdb_client::Error::Disconnected`] when the daemon's channel is closed.
    pub(crate) async fn request(
        &self,
        method: &'static str,
        params: Value,
    ) -> Result<Reply, ovsdb_client::Error> {
        match self {
            Rpc::Remote(r) => r.request(method, params).await,
            Rpc::Local(tx) => Ok(Reply {
                result: local_request(tx, method, params).await?,
                notifications_before: 0,
            }),
        }
    }

    /// As [`Rpc::request`], with the result as JSON text ([`RpcClient::request_raw`]).
    ///
    /// # Errors
    /// As [`Rpc::request`].
    pub(crate) async fn request_raw(
        &self,
        method: &'static str,
        params: Value,
    ) -> Result<RawReply, ovsdb_client::Error> {
        match self {
            Rpc::Remote(r) => r.request_raw(method, params).await,
            Rpc::Local(tx) => {
                let result = local_request(tx, method, params).await?;
                Ok(RawReply {
                    result: bytes::Bytes::from(serde_json::to_vec(&result).unwrap_or_default()),
                    notifications_before: 0,
                })
            }
        }
    }
}

/// A request on the daemon's in-process channel.
async fn local_request(
    tx: &mpsc::UnboundedSender<LocalRequest>,
    method: &'static str,
    params: Value,
) -> Result<Value, ovsdb_client::Error> {
    let gone = || ovsdb_client::Error::Disconnected {
        method: method.to_owned(),
    };
    let (reply, rx) = oneshot::channel();
    tx.send(LocalRequest {
        method,
        params,
        reply,
    })
    .map_err(|_| gone())?;
    match rx.await.map_err(|_| gone())? {
        Ok(result) => Ok(result),
        Err(error) => Err(ovsdb_client::Error::Rpc {
            method: method.to_owned(),
            error: Box::new(
                ovsdb_proto::error::from_value::<ovsdb_proto::OvsdbError>(error.clone()).unwrap_or_else(
                    |_| ovsdb_proto::OvsdbError::new(ovsdb_proto::ErrorKind::from_wire(&error.to_string())),
                ),
            ),
        }),
    }
}

/// A direct connection to the single remote of `--db`.
pub(crate) struct Direct {
    endpoint: Endpoint,
    rpc: RpcClient,
    /// The `_Server` check: whether the server qualifies (see [`Link::verify`]).
    check: Option<JoinHandle<bool>>,
    /// The connection's I/O task, stopped with the link.
    io: JoinHandle<Result<(), ovsdb_client::Error>>,
}

impl Drop for Direct {
    fn drop(&mut self) {
        self.io.abort();
        if let Some(c) = &self.check {
            c.abort();
        }
    }
}

/// Largest reply accepted (as `ClientConfig`'s default: a whole table of a big database).
const MAX_FRAME_LEN: usize = 1 << 30;

impl Link {
    /// Opens one connection when `cfg.remote` is a single remote and sends the `_Server` check
    /// on it without waiting for the answer; `None` when the remote is a list, or the
    /// connection fails with `--retry` (the [`Client`] then retries).
    ///
    /// # Errors
    /// Without `--retry`, a single remote refusing the connection or whose socket file is
    /// missing: ovn-nbctl's `REMOTE: database connection failed (REASON)`, at once.
    pub(crate) async fn open_direct(cfg: &LinkConfig) -> Result<Option<Link>, CtlError> {
        // Passive remotes: this end listens and the server connects (as ovs-vsctl allows).
        if let Some(path) = cfg.remote.strip_prefix("punix:") {
            return Ok(Link::accept_unix(cfg, path).await);
        }
        if let Some(spec) = cfg.remote.strip_prefix("ptcp:") {
            return Ok(Link::accept_tcp(cfg, spec).await);
        }
        if let Some(spec) = cfg.remote.strip_prefix("pssl:") {
            return Ok(Link::accept_ssl(cfg, spec).await);
        }
        let Ok(endpoints) = Endpoint::parse_list(&cfg.remote) else {
            return Ok(None);
        };
        let [endpoint] = endpoints.as_slice() else {
            return Ok(None);
        };
        let tls = match &cfg.tls {
            Some(t) => match t.connector() {
                Ok(c) => Some(c),
                Err(_) => return Ok(None),
            },
            None => None,
        };
        let connect_timeout = cfg.timeout.unwrap_or(Duration::from_secs(10));
        let bootstrapping = matches!(endpoint, Endpoint::Ssl { .. })
            && cfg
                .tls
                .as_ref()
                .is_some_and(|t| t.bootstrap && !t.ca_cert.exists());
        let stream = match ovsdb_client::transport::open(endpoint, tls.as_ref(), connect_timeout).await {
            // ovs-vsctl drops the connection on which it bootstrapped the CA certificate: that
            // invocation fails (the file is saved for the next one), unless it retries.
            Ok(_) if bootstrapping && !cfg.retry => {
                return Err(CtlError::Connection(format!(
                    "{}: database connection failed (Protocol error)",
                    cfg.remote
                )));
            }
            Ok(s) => s,
            Err(ovsdb_client::Error::Connect { source, .. })
                if !cfg.retry
                    && matches!(
                        source.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
                    ) =>
            {
                return Err(CtlError::Connection(format!(
                    "{}: database connection failed ({})",
                    cfg.remote,
                    strerror(&source)
                )));
            }
            Err(_) => return Ok(None),
        };
        let mut opts = RpcOptions::default()
            .max_frame_len(MAX_FRAME_LEN)
            .inactivity_probe(None);
        if let Some(t) = cfg.timeout {
            opts = opts.request_timeout(t);
        }
        let (rpc, _notifications, io) = ovsdb_client::rpc::connect(stream, &opts);
        let io = tokio::spawn(io);
        let check = tokio::spawn(server_check(rpc.clone(), cfg.database, cfg.leader_only));
        Ok(Some(Link::Direct(Direct {
            endpoint: endpoint.clone(),
            rpc,
            check: Some(check),
            io,
        })))
    }

    /// `punix:PATH`: listens on the Unix socket PATH (a stale socket file there is replaced)
    /// and takes the first connection, made by a server told to connect there (for
    /// ovsdb-server, `--remote=unix:PATH`); waits for it as long as `--timeout` allows, as
    /// ovs-vsctl does. The socket file is removed once the connection is made.
    async fn accept_unix(cfg: &LinkConfig, path: &str) -> Option<Link> {
        let _ = std::fs::remove_file(path);
        let listener = tokio::net::UnixListener::bind(path).ok()?;
        let accepted = listener.accept().await;
        let _ = std::fs::remove_file(path);
        let (stream, _) = accepted.ok()?;
        Some(Link::over(
            cfg,
            stream,
            Endpoint::Unix(std::path::PathBuf::from(path)),
        ))
    }

    /// `ptcp:PORT[:IP]`: listens on TCP PORT (of IP, else every address) and takes the first
    /// connection (ovsdb-server `--remote=tcp:IP:PORT`), as [`Link::accept_unix`].
    async fn accept_tcp(cfg: &LinkConfig, spec: &str) -> Option<Link> {
        let listener = listen_tcp(spec).await?;
        let (stream, peer) = listener.accept().await.ok()?;
        let _ = stream.set_nodelay(true);
        let endpoint = Endpoint::Tcp {
            host: peer.ip().to_string(),
            port: peer.port(),
        };
        Some(Link::over(cfg, stream, endpoint))
    }

    /// `pssl:PORT[:IP]`: as `ptcp:`, then TLS as the server side with `-p`/`-c`, requiring a
    /// peer certificate signed by `-C`'s CA (ovsdb-server `--remote=ssl:IP:PORT`). A peer whose
    /// handshake fails is dropped and the next connection awaited, as ovs-vsctl does.
    async fn accept_ssl(cfg: &LinkConfig, spec: &str) -> Option<Link> {
        // This end's key and certificate (`-p`, `-c`); peers whose certificate `-C`'s CA signed
        // (none while `--bootstrap-ca-cert` names a missing file).
        let acceptor = cfg.tls.as_ref()?.acceptor().ok()?;
        let listener = listen_tcp(spec).await?;
        loop {
            let Ok((stream, peer)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            match acceptor.accept(stream).await {
                Ok(stream) => {
                    let endpoint = Endpoint::Ssl {
                        host: peer.ip().to_string(),
                        port: peer.port(),
                    };
                    return Some(Link::over(cfg, stream, endpoint));
                }
                // ovs-vsctl logs a refused handshake and waits for the next connection.
                Err(e) => {
                    let why = match e.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
                        Some(rustls::Error::InvalidCertificate(_))
                        | Some(rustls::Error::NoCertificatesPresented) => {
                            "error:0A000086:SSL routines::certificate verify failed".to_owned()
                        }
                        _ => e.to_string(),
                    };
                    let peer = match peer {
                        std::net::SocketAddr::V4(a) => a.to_string(),
                        std::net::SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
                    };
                    CONNECT_LOG.with_borrow_mut(|l| {
                        l.push(format!("stream_ssl|WARN|SSL_accept: {why}"));
                        l.push(format!("jsonrpc|WARN|ssl:{peer}: send error: Protocol error"));
                        l.push(format!(
                            "reconnect|WARN|{}: connection dropped (Protocol error)",
                            cfg.remote
                        ));
                    });
                }
            }
        }
    }

    /// A direct link over an accepted connection, its `_Server` check sent.
    fn over<S>(cfg: &LinkConfig, stream: S, endpoint: Endpoint) -> Link
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
    {
        let mut opts = RpcOptions::default()
            .max_frame_len(MAX_FRAME_LEN)
            .inactivity_probe(None);
        if let Some(t) = cfg.timeout {
            opts = opts.request_timeout(t);
        }
        let (rpc, _notifications, io) = ovsdb_client::rpc::connect(stream, &opts);
        let io = tokio::spawn(io);
        let check = tokio::spawn(server_check(rpc.clone(), cfg.database, cfg.leader_only));
        Link::Direct(Direct {
            endpoint,
            rpc,
            check: Some(check),
            io,
        })
    }

    /// Connects the reconnecting client (all remotes of `cfg.remote`, waiting for a server
    /// that qualifies).
    ///
    /// # Errors
    /// [`CtlError::Connection`] naming the remote.
    pub(crate) async fn client(cfg: &LinkConfig) -> Result<Link, CtlError> {
        let mut config = cfg
            .client_config()
            .inactivity_probe(None)
            // A short-lived session: no schema conversion to survive (one round trip less).
            .db_change_aware(false);
        if let Some(t) = cfg.timeout {
            config = config.startup_timeout(t).request_timeout(t);
        }
        Client::connect(&cfg.remote, config)
            .await
            .map(Link::Client)
            .map_err(|e| cfg.connection_failed(e))
    }

    /// The request handle and the endpoint it talks to (when known).
    ///
    /// # Errors
    /// [`CtlError::Connection`] when the client has no session.
    pub(crate) async fn rpc(&self) -> Result<(Option<Endpoint>, Rpc), CtlError> {
        match self {
            Link::Direct(d) => Ok((Some(d.endpoint.clone()), Rpc::Remote(d.rpc.clone()))),
            Link::Client(c) => {
                let rpc = c.rpc().await.map_err(|e| CtlError::Connection(e.to_string()))?;
                Ok((c.current_endpoint(), Rpc::Remote(rpc)))
            }
            // No endpoint: nothing opens a connection of its own to the daemon.
            Link::Local(rpc) => Ok((None, rpc.clone())),
        }
    }

    /// Waits for the `_Server` check of a direct link (at once for the client, which checked
    /// before its first request): `false` when the server does not qualify (no such database;
    /// clustered and not connected to its cluster, or not its leader with `leader_only`), or
    /// the check failed; the invocation must then start over on [`Link::client`].
    pub(crate) async fn verify(&mut self) -> bool {
        match self {
            Link::Client(_) | Link::Local(_) => true,
            Link::Direct(d) => match d.check.take() {
                Some(h) => h.await.unwrap_or(false),
                None => true,
            },
        }
    }

    /// Closes the connection.
    pub(crate) fn shutdown(&self) {
        if let Link::Client(c) = self {
            c.shutdown();
        }
    }
}

/// Listens on `PORT[:IP]` of a passive TCP remote (every address without IP; port 6640 when
/// empty).
async fn listen_tcp(spec: &str) -> Option<tokio::net::TcpListener> {
    let (port, ip) = match spec.split_once(':') {
        Some((p, ip)) => (p, ip.trim_start_matches('[').trim_end_matches(']')),
        None => (spec, "0.0.0.0"),
    };
    let port: u16 = if port.is_empty() { 6640 } else { port.parse().ok()? };
    tokio::net::TcpListener::bind((ip, port)).await.ok()
}

thread_local! {
    /// vlog lines (`MODULE|LEVEL|TEXT`) of connections refused while the invocation waited
    /// for one (a passive TLS remote's failed handshakes), shown before the invocation's own
    /// messages, as the reference logs them while it waits.
    static CONNECT_LOG: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Takes the lines [`CONNECT_LOG`] gathered on this thread.
pub(crate) fn take_connect_log() -> Vec<String> {
    CONNECT_LOG.with_borrow_mut(std::mem::take)
}

/// Reads this database's row of `_Server.Database` and tells whether the server qualifies as
/// [`Link::verify`] says. A server without `_Server` (before OVS 2.9) is standalone: it does.
async fn server_check(rpc: RpcClient, database: &str, leader_only: bool) -> bool {
    let params = json!(["_Server", {
        "op": "select",
        "table": "Database",
        "where": [["name", "==", database]],
        "columns": ["model", "connected", "leader"],
    }]);
    let reply = match rpc.request("transact", params).await {
        Ok(r) => r,
        Err(ovsdb_client::Error::Rpc { .. }) => return true,
        Err(_) => return false,
    };
    let Some(rows) = reply
        .result
        .get(0)
        .and_then(|r| r.get("rows"))
        .and_then(Value::as_array)
    else {
        return false;
    };
    let Some(row) = rows.first() else {
        return false;
    };
    if row.get("model").and_then(Value::as_str) != Some("clustered") {
        return true;
    }
    let flag = |c: &str| row.get(c).and_then(Value::as_bool).unwrap_or(false);
    flag("connected") && (!leader_only || flag("leader"))
}

/// The C library's text for an I/O error (`No such file or directory`), without Rust's
/// ` (os error N)`.
pub(crate) fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}
