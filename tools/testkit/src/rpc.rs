//! A minimal blocking JSON-RPC 1.0 connection for tests, independent of `ovsdb-client`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::error::{Error, Result};

/// Default time [`RawConnection`] waits for a message.
pub const DEFAULT_RPC_TIMEOUT: Duration = Duration::from_secs(10);

enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Stream {
    fn set_read_timeout(&self, t: Option<Duration>) -> std::io::Result<()> {
        match self {
            Stream::Unix(s) => s.set_read_timeout(t),
            Stream::Tcp(s) => s.set_read_timeout(t),
        }
    }
    fn set_write_timeout(&self, t: Option<Duration>) -> std::io::Result<()> {
        match self {
            Stream::Unix(s) => s.set_write_timeout(t),
            Stream::Tcp(s) => s.set_write_timeout(t),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Unix(s) => s.read(buf),
            Stream::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Unix(s) => s.write(buf),
            Stream::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Unix(s) => s.flush(),
            Stream::Tcp(s) => s.flush(),
        }
    }
}

/// One JSON-RPC 1.0 connection (RFC 7047 §4) to a `unix:PATH` or `tcp:IP:PORT` remote, speaking raw
/// [`serde_json::Value`]s.
///
/// Meant for tests that must not depend on the real client: it sends what it is given verbatim,
/// splits the incoming byte stream into JSON values with serde_json's streaming deserializer, and
/// answers the server's `echo` requests (ovsdb-server(7) §4.1.11) while it waits for a reply so an
/// idle connection is not dropped. Every read is bounded by [`RawConnection::set_timeout`].
pub struct RawConnection {
    remote: String,
    stream: Stream,
    buf: Vec<u8>,
    timeout: Duration,
    /// Messages read while looking for a reply, kept for [`RawConnection::recv`].
    pending: std::collections::VecDeque<Value>,
}

impl std::fmt::Debug for RawConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawConnection")
            .field("remote", &self.remote)
            .field("buffered_bytes", &self.buf.len())
            .field("pending", &self.pending.len())
            .finish()
    }
}

impl RawConnection {
    /// Connects to `remote` (`unix:PATH` or `tcp:IP:PORT`, IPv6 as `tcp:[::1]:PORT`).
    ///
    /// Errors: [`Error::BadRemote`] for other syntaxes (`ssl:` is not supported here),
    /// [`Error::Connect`] when the connection is refused.
    pub fn connect(remote: &str) -> Result<Self> {
        let connect_err = |source| Error::Connect {
            remote: remote.to_string(),
            source,
        };
        let stream = if let Some(path) = remote.strip_prefix("unix:") {
            Stream::Unix(UnixStream::connect(path).map_err(connect_err)?)
        } else if let Some(addr) = remote.strip_prefix("tcp:") {
            if addr.rsplit_once(':').is_none() {
                return Err(Error::BadRemote {
                    remote: remote.to_string(),
                });
            }
            let stream = TcpStream::connect(addr).map_err(connect_err)?;
            // Requests are small and latency matters more than throughput here.
            let _ = stream.set_nodelay(true);
            Stream::Tcp(stream)
        } else {
            return Err(Error::BadRemote {
                remote: remote.to_string(),
            });
        };
        let mut conn = RawConnection {
            remote: remote.to_string(),
            stream,
            buf: Vec::new(),
            timeout: DEFAULT_RPC_TIMEOUT,
            pending: Default::default(),
        };
        conn.set_timeout(DEFAULT_RPC_TIMEOUT)?;
        Ok(conn)
    }

    /// The remote this connection was opened to.
    pub fn remote(&self) -> &str {
        &self.remote
    }

    /// Sets how long [`RawConnection::recv`] and [`RawConnection::call`] wait in total for a
    /// message (and how long a write may block). Default [`DEFAULT_RPC_TIMEOUT`].
    pub fn set_timeout(&mut self, timeout: Duration) -> Result<()> {
        // A zero timeout means "block forever" to the OS; use the smallest non-zero one instead.
        let t = timeout.max(Duration::from_millis(1));
        self.timeout = t;
        self.stream
            .set_write_timeout(Some(t))
            .map_err(|source| self.io_err(source))
    }

    fn io_err(&self, source: std::io::Error) -> Error {
        Error::RpcIo {
            remote: self.remote.clone(),
            source,
        }
    }

    /// Sends one JSON value (a request, a notification or a reply), verbatim.
    pub fn send(&mut self, msg: &Value) -> Result<()> {
        let bytes = serde_json::to_vec(msg).map_err(|source| Error::RpcJson {
            remote: self.remote.clone(),
            source,
        })?;
        self.send_bytes(&bytes)
    }

    /// Sends raw bytes, for tests of malformed input (the server may close the connection).
    pub fn send_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let r = self.stream.write_all(bytes).and_then(|()| self.stream.flush());
        r.map_err(|source| self.io_err(source))
    }

    /// Receives the next JSON value from the server (including `echo` requests and
    /// notifications; nothing is answered automatically here).
    ///
    /// Errors: [`Error::RpcIo`] (a timeout shows up as `WouldBlock`/`TimedOut`),
    /// [`Error::RpcClosed`], [`Error::RpcJson`].
    pub fn recv(&mut self) -> Result<Value> {
        if let Some(v) = self.pending.pop_front() {
            return Ok(v);
        }
        let deadline = Instant::now() + self.timeout;
        self.read_value(deadline)
    }

    fn read_value(&mut self, deadline: Instant) -> Result<Value> {
        loop {
            if let Some(v) = self.take_buffered()? {
                return Ok(v);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(self.io_err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "no complete JSON value within {:.1} s",
                        self.timeout.as_secs_f64()
                    ),
                )));
            }
            self.stream
                .set_read_timeout(Some((deadline - now).max(Duration::from_millis(1))))
                .map_err(|source| self.io_err(source))?;
            let mut chunk = [0u8; 16 * 1024];
            // A socket with a receive timeout is never restarted after a signal handler ran,
            // SA_RESTART or not (signal(7)): a child's SIGCHLD (tokio's reaper) would otherwise
            // fail the read with EINTR.
            let n = match self.stream.read(&mut chunk) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => r.map_err(|source| self.io_err(source))?,
            };
            if n == 0 {
                return Err(Error::RpcClosed {
                    remote: self.remote.clone(),
                });
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Parses one complete value off the front of the buffer, if there is one.
    fn take_buffered(&mut self) -> Result<Option<Value>> {
        let mut iter = serde_json::Deserializer::from_slice(&self.buf).into_iter::<Value>();
        match iter.next() {
            Some(Ok(v)) => {
                let used = iter.byte_offset();
                self.buf.drain(..used);
                Ok(Some(v))
            }
            Some(Err(e)) if e.is_eof() => Ok(None),
            Some(Err(source)) => Err(Error::RpcJson {
                remote: self.remote.clone(),
                source,
            }),
            None => Ok(None),
        }
    }

    /// Sends `request` (which must have an `"id"`) and returns the reply with the same id: the
    /// whole reply object `{"id":..,"result":..,"error":..}`.
    ///
    /// While waiting it answers the server's `echo` requests and keeps other messages
    /// (notifications such as `update`, replies to other ids) for [`RawConnection::recv`].
    pub fn call(&mut self, request: &Value) -> Result<Value> {
        let id = match request.get("id") {
            Some(id) if !id.is_null() => id.clone(),
            _ => {
                return Err(Error::RpcNoId {
                    request: request.to_string(),
                });
            }
        };
        self.send(request)?;
        let deadline = Instant::now() + self.timeout;
        loop {
            let msg = self.read_value(deadline)?;
            let is_request = msg.get("method").is_some();
            if is_request && msg.get("method").and_then(Value::as_str) == Some("echo") {
                if let Some(echo_id) = msg.get("id").filter(|i| !i.is_null()) {
                    let reply = serde_json::json!({
                        "id": echo_id,
                        "result": msg.get("params").cloned().unwrap_or(Value::Array(vec![])),
                        "error": null,
                    });
                    self.send(&reply)?;
                    continue;
                }
            }
            if !is_request && msg.get("id") == Some(&id) {
                return Ok(msg);
            }
            self.pending.push_back(msg);
        }
    }

    /// Convenience for [`RawConnection::call`]: builds `{"method":method,"params":params,"id":id}`
    /// with a fresh numeric id and returns the reply object.
    pub fn request(&mut self, method: &str, params: Value) -> Result<Value> {
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.call(&serde_json::json!({"method": method, "params": params, "id": id}))
    }
}

/// Connects to `remote`, sends `request` and returns the reply with the same `"id"` (the whole
/// reply object), with [`DEFAULT_RPC_TIMEOUT`].
///
/// ```no_run
/// let reply = ovsdb_testkit::raw_call(
///     "unix:/tmp/x/db.sock",
///     &serde_json::json!({"method": "list_dbs", "params": [], "id": 1}),
/// )?;
/// assert!(reply["error"].is_null());
/// # Ok::<(), ovsdb_testkit::Error>(())
/// ```
pub fn raw_call(remote: &str, request: &Value) -> Result<Value> {
    RawConnection::connect(remote)?.call(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bad_remotes_are_rejected() {
        for r in ["ssl:1.2.3.4:5", "punix:/x", "tcp:nocolon", "x"] {
            let err = RawConnection::connect(r).unwrap_err();
            assert!(matches!(err, Error::BadRemote { .. }), "{r}: {err}");
        }
    }

    #[test]
    fn call_answers_echo_and_skips_other_messages() {
        let (a, mut b) = UnixStream::pair().unwrap();
        let mut conn = RawConnection {
            remote: "pair".into(),
            stream: Stream::Unix(a),
            buf: Vec::new(),
            timeout: Duration::from_secs(5),
            pending: Default::default(),
        };
        let server = std::thread::spawn(move || {
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            let n = b.read(&mut buf).unwrap();
            got.push(serde_json::from_slice::<Value>(&buf[..n]).unwrap());
            // An echo request, a notification split across writes, then the reply.
            b.write_all(br#"{"method":"echo","params":["x"],"id":"e1"}"#)
                .unwrap();
            b.write_all(br#" {"method":"update","params":[null,{"#).unwrap();
            b.write_all(br#"}],"id":null}"#).unwrap();
            let n = b.read(&mut buf).unwrap();
            got.push(serde_json::from_slice::<Value>(&buf[..n]).unwrap());
            b.write_all(br#"{"id":7,"result":["db"],"error":null}"#).unwrap();
            got
        });
        let reply = conn
            .call(&json!({"method":"list_dbs","params":[],"id":7}))
            .unwrap();
        assert_eq!(reply["result"], json!(["db"]));
        let note = conn.recv().unwrap();
        assert_eq!(note["method"], "update");
        let got = server.join().unwrap();
        assert_eq!(got[0]["method"], "list_dbs");
        assert_eq!(got[1], json!({"id":"e1","result":["x"],"error":null}));
    }

    #[test]
    fn recv_times_out() {
        let (a, _b) = UnixStream::pair().unwrap();
        let mut conn = RawConnection {
            remote: "pair".into(),
            stream: Stream::Unix(a),
            buf: Vec::new(),
            timeout: Duration::from_millis(50),
            pending: Default::default(),
        };
        let err = conn.recv().unwrap_err();
        assert!(matches!(err, Error::RpcIo { .. }), "{err}");
    }

    /// A signal handler that runs while `recv` waits (a child's SIGCHLD under tokio's reaper)
    /// makes a read with a timeout fail with EINTR even under SA_RESTART (signal(7)): the
    /// receive must go on and still get the message.
    #[test]
    fn recv_survives_a_signal_handler() {
        use nix::sys::pthread::{pthread_kill, pthread_self};
        use nix::sys::signal::Signal;
        // tokio installs its handlers with SA_RESTART, as for SIGCHLD when it reaps children.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let _signals = {
            let _in_rt = rt.enter();
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::user_defined1()).unwrap()
        };
        let (a, mut b) = UnixStream::pair().unwrap();
        let mut conn = RawConnection {
            remote: "pair".into(),
            stream: Stream::Unix(a),
            buf: Vec::new(),
            timeout: Duration::from_secs(5),
            pending: Default::default(),
        };
        let reader = pthread_self();
        let peer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            pthread_kill(reader, Signal::SIGUSR1).unwrap();
            std::thread::sleep(Duration::from_millis(100));
            b.write_all(br#"{"method":"update","params":[],"id":null}"#)
                .unwrap();
        });
        let got = conn.recv();
        peer.join().unwrap();
        assert_eq!(got.unwrap()["method"], "update");
    }
}
