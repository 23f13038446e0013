//! The OpenFlow 1.5 connection `--ovs` uses (OpenFlow Switch Specification 1.5.1): version
//! negotiation by `OFPT_HELLO` with a version bitmap (§7.5.1), `OFPT_ECHO_REQUEST` answered,
//! and the `OFPMP_FLOW_DESC` multipart request and its replies (§7.3.5.2), over `unix:` or
//! `tcp:` as ovs-vswitchd's management sockets offer.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use super::DecodeError;

/// OpenFlow 1.5's `ofp_header.version`.
const OFP15_VERSION: u8 = 0x06;
const OFPT_HELLO: u8 = 0;
const OFPT_ERROR: u8 = 1;
const OFPT_ECHO_REQUEST: u8 = 2;
const OFPT_ECHO_REPLY: u8 = 3;
const OFPT_MULTIPART_REQUEST: u8 = 18;
const OFPT_MULTIPART_REPLY: u8 = 19;
/// `OFPMP_FLOW_DESC` (`OFPMP_FLOW` before 1.5).
const OFPMP_FLOW_DESC: u16 = 1;
/// `OFPMPF_REPLY_MORE`.
const OFPMPF_REPLY_MORE: u16 = 1;
/// `OFPHET_VERSIONBITMAP`.
const OFPHET_VERSIONBITMAP: u16 = 1;
/// The default OpenFlow port of `tcp:` and `ssl:` remotes without one (IANA).
const OFP_PORT: u16 = 6653;
/// At most this many flow-stats requests are outstanding in [`Vconn::dump_flows_many`]:
/// enough to keep the switch busy, few enough that its replies never wait on our reads while
/// we wait on its (ovs-vswitchd stops reading a connection with ~100 replies queued).
const WINDOW: usize = 32;
/// The size of `ofp_header`.
const OFP_HEADER_LEN: usize = 8;

/// One flow of a flow-stats reply (`ofp_flow_desc`, OpenFlow 1.5.1 §7.3.5.2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FlowStats {
    /// The table the flow is in.
    pub(crate) table_id: u8,
    /// Priority (32768 is OpenFlow's default).
    pub(crate) priority: u16,
    /// Idle timeout in seconds (0: none).
    pub(crate) idle_timeout: u16,
    /// Hard timeout in seconds (0: none).
    pub(crate) hard_timeout: u16,
    /// `OFPFF_*` flags.
    pub(crate) flags: u16,
    /// Eviction importance.
    pub(crate) importance: u16,
    /// The flow's cookie.
    pub(crate) cookie: u64,
    /// Time in the table: seconds and nanoseconds (OXS `duration`).
    pub(crate) duration: Option<(u32, u32)>,
    /// Seconds since the flow last matched a packet (OXS `idle_time`, whole seconds).
    pub(crate) idle_age: Option<u32>,
    /// Packets matched (OXS `packet_count`).
    pub(crate) packet_count: Option<u64>,
    /// Bytes matched (OXS `byte_count`).
    pub(crate) byte_count: Option<u64>,
    /// The `oxm_fields` of the flow's `ofp_match`, padding excluded.
    pub(crate) oxm: Vec<u8>,
    /// The instructions after the match and the stats.
    pub(crate) instructions: Vec<u8>,
}

/// Why talking to the switch failed; `Display` is the reason ovn-sbctl puts in parentheses
/// (`strerror` wording).
#[derive(Debug, thiserror::Error)]
pub(crate) enum WireError {
    /// The socket could not be opened, or failed.
    #[error("{}", io_reason(.0))]
    Io(#[from] std::io::Error),
    /// The peer speaks no OpenFlow 1.5, sent something that is not OpenFlow, or answered
    /// the request with an error or a malformed reply (vconn's `EPROTO`).
    #[error("Protocol error")]
    Protocol(String),
    /// The remote's syntax or method is not one this tool opens.
    #[error("{0}")]
    Remote(&'static str),
    /// The connection failed earlier in a pipelined dump, for this reason.
    #[error("{0}")]
    Failed(String),
}

/// `strerror(3)`'s wording of an I/O error ([`crate::link::strerror`]); an end of file and a
/// read timeout get vconn's words for them.
fn io_reason(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        return "End of file".into();
    }
    if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut {
        return "Connection timed out".into();
    }
    crate::link::strerror(e)
}

enum Stream {
    Unix(std::os::unix::net::UnixStream),
    Tcp(std::net::TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, std::net::TcpStream>>),
}

impl Stream {
    fn io(&mut self) -> &mut dyn ReadWrite {
        match self {
            Stream::Unix(s) => s,
            Stream::Tcp(s) => s,
            Stream::Tls(s) => s.as_mut(),
        }
    }
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// The TLS settings of `ssl:` remotes (`-p`, `-c`, `-C` or `--bootstrap-ca-cert`).
#[derive(Default)]
pub(crate) struct Ssl {
    /// The client configuration, when every setting is there.
    pub(crate) config: Option<ovsdb_client::TlsConfig>,
    /// The settings missing, as OVS names them (`Private key`, `Certificate`,
    /// `CA certificate`).
    pub(crate) missing: Vec<&'static str>,
}

/// An OpenFlow 1.5 connection to a switch, negotiated.
pub(crate) struct Vconn {
    stream: Stream,
    deadline: Duration,
    next_xid: u32,
}

impl Vconn {
    /// Connects to `remote` (`unix:PATH`, `tcp:IP[:PORT]`, `ssl:IP[:PORT]`, port 6653 by
    /// default) and negotiates OpenFlow 1.5 only, as `ovn-sbctl --ovs` does; every read is
    /// bounded by `timeout`. `ssl:` takes `tls` (`-p`, `-c`, `-C` or `--bootstrap-ca-cert`).
    /// The warnings the reference logs on the way (`MODULE|LEVEL|TEXT`: the default port, SSL
    /// settings missing) are appended to `log`.
    ///
    /// # Errors
    /// The socket cannot be opened (`No such file or directory`, `Connection refused`), the
    /// remote's method is none of those (`Address family not supported by protocol`), `ssl:`
    /// without its settings (`Protocol not available`), or the peer does not speak OpenFlow
    /// 1.5 or fails the TLS handshake (`Protocol error`).
    pub(crate) fn open(
        remote: &str,
        timeout: Duration,
        ssl: &Ssl,
        log: &mut Vec<String>,
    ) -> Result<Vconn, WireError> {
        let tcp = |spec: &str, log: &mut Vec<String>| -> Result<std::net::TcpStream, WireError> {
            let addr = tcp_addr(spec, log).ok_or(WireError::Remote("Invalid argument"))?;
            let s = std::net::TcpStream::connect_timeout(&addr, timeout)?;
            s.set_read_timeout(Some(timeout))?;
            s.set_write_timeout(Some(timeout))?;
            let _ = s.set_nodelay(true);
            Ok(s)
        };
        let stream = if let Some(path) = remote.strip_prefix("unix:") {
            let s = std::os::unix::net::UnixStream::connect(path)?;
            s.set_read_timeout(Some(timeout))?;
            s.set_write_timeout(Some(timeout))?;
            Stream::Unix(s)
        } else if let Some(spec) = remote.strip_prefix("tcp:") {
            Stream::Tcp(tcp(spec, log)?)
        } else if let Some(spec) = remote.strip_prefix("ssl:") {
            let Some(tls) = ssl.config.as_ref().filter(|_| ssl.missing.is_empty()) else {
                // OVS's stream-ssl names each setting that is missing, then refuses.
                let _ = tcp_addr(spec, log);
                for m in &ssl.missing {
                    log.push(format!("stream_ssl|ERR|{m} must be configured to use SSL"));
                }
                return Err(WireError::Remote("Protocol not available"));
            };
            let connector = tls.connector().map_err(|e| WireError::Protocol(e.to_string()))?;
            let host = spec
                .rsplit_once(':')
                .filter(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
                .map_or(spec, |(h, _)| h)
                .trim_start_matches('[')
                .trim_end_matches(']');
            let name = connector
                .server_name_for(host)
                .map_err(|e| WireError::Protocol(e.to_string()))?;
            let conn = rustls::ClientConnection::new(connector.client_config(), name)
                .map_err(|e| WireError::Protocol(e.to_string()))?;
            Stream::Tls(Box::new(rustls::StreamOwned::new(conn, tcp(spec, log)?)))
        } else {
            return Err(WireError::Remote("Address family not supported by protocol"));
        };
        let mut vconn = Vconn {
            stream,
            deadline: timeout,
            next_xid: 1,
        };
        vconn.hello().map_err(|e| match e {
            // A refused TLS handshake (vconn's EPROTO).
            WireError::Io(io) if io.get_ref().is_some_and(|i| i.is::<rustls::Error>()) => {
                WireError::Protocol(io.to_string())
            }
            e => e,
        })?;
        Ok(vconn)
    }

    fn xid(&mut self) -> u32 {
        let x = self.next_xid;
        self.next_xid = self.next_xid.wrapping_add(1);
        x
    }

    /// Sends our hello (version bitmap {1.5}) and checks the peer's.
    fn hello(&mut self) -> Result<(), WireError> {
        let xid = self.xid();
        let mut msg = header(OFPT_HELLO, 16, xid);
        msg.extend_from_slice(&OFPHET_VERSIONBITMAP.to_be_bytes());
        msg.extend_from_slice(&8u16.to_be_bytes());
        msg.extend_from_slice(&(1u32 << OFP15_VERSION).to_be_bytes());
        self.stream.io().write_all(&msg)?;
        let (version, kind, _, body) = self.recv()?;
        if kind != OFPT_HELLO {
            return Err(WireError::Protocol(format!(
                "expected a hello, received OpenFlow message type {kind}"
            )));
        }
        if peer_versions(version, &body) & (1 << OFP15_VERSION) == 0 {
            return Err(WireError::Protocol(
                "the switch does not speak OpenFlow 1.5".into(),
            ));
        }
        Ok(())
    }

    /// Reads one message: `(version, type, xid, body)`.
    fn recv(&mut self) -> Result<(u8, u8, u32, Vec<u8>), WireError> {
        let started = Instant::now();
        let mut head = [0u8; OFP_HEADER_LEN];
        self.read_exact(&mut head, started)?;
        let length = usize::from(u16::from_be_bytes([head[2], head[3]]));
        if length < OFP_HEADER_LEN {
            return Err(WireError::Protocol(format!(
                "OpenFlow message claims length {length}"
            )));
        }
        let mut body = vec![0u8; length - OFP_HEADER_LEN];
        self.read_exact(&mut body, started)?;
        let xid = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
        Ok((head[0], head[1], xid, body))
    }

    /// `read_exact`, retried after a signal, bounded by the connection's timeout.
    fn read_exact(&mut self, mut buf: &mut [u8], started: Instant) -> Result<(), WireError> {
        while !buf.is_empty() {
            match self.stream.io().read(buf) {
                Ok(0) => return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof).into()),
                Ok(n) => buf = &mut buf[n..],
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                    if started.elapsed() >= self.deadline {
                        return Err(std::io::Error::from(std::io::ErrorKind::TimedOut).into());
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Dumps the flows of every table whose cookie, masked by `cookie_mask`, is `cookie`
    /// (`OFPMP_FLOW_DESC` with `OFPTT_ALL`, `OFPP_ANY`, `OFPG_ANY` and an empty match), in
    /// the order the switch sends them.
    ///
    /// # Errors
    /// The connection fails or times out; the switch answers with an `OFPT_ERROR` or a reply
    /// that does not parse (`Protocol error`, as vconn's).
    #[cfg(test)]
    pub(crate) fn dump_flows(&mut self, cookie: u64, cookie_mask: u64) -> Result<Vec<FlowStats>, WireError> {
        self.dump_flows_many(&[cookie], cookie_mask)
            .pop()
            .unwrap_or_else(|| Err(WireError::Protocol("no reply".into())))
    }

    /// [`Vconn::dump_flows`] for each of `cookies`, one result per cookie in their order. The
    /// requests are pipelined, at most [`WINDOW`] outstanding, so the switch answers them
    /// back to back instead of one per round trip; each request and its replies are the
    /// same as a single dump's.
    ///
    /// # Errors
    /// Per cookie, as [`Vconn::dump_flows`]; once the connection fails, every dump not yet
    /// answered fails with its reason.
    pub(crate) fn dump_flows_many(
        &mut self,
        cookies: &[u64],
        cookie_mask: u64,
    ) -> Vec<Result<Vec<FlowStats>, WireError>> {
        let n = cookies.len();
        let mut results: Vec<Option<Result<Vec<FlowStats>, WireError>>> = (0..n).map(|_| None).collect();
        let mut partial: Vec<Vec<FlowStats>> = vec![Vec::new(); n];
        let mut pending: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
        let (mut next, mut done) = (0, 0);
        let mut broken: Option<String> = None;
        while done < n && broken.is_none() {
            while pending.len() < WINDOW && next < n {
                let xid = self.xid();
                if let Err(e) = self.send_dump(xid, cookies[next], cookie_mask) {
                    broken = Some(e.to_string());
                    break;
                }
                pending.insert(xid, next);
                next += 1;
            }
            if broken.is_some() {
                break;
            }
            let (kind, rxid, body) = match self.recv() {
                Ok((_, kind, rxid, body)) => (kind, rxid, body),
                Err(e) => {
                    broken = Some(e.to_string());
                    break;
                }
            };
            if kind == OFPT_ECHO_REQUEST {
                let mut reply = header(OFPT_ECHO_REPLY, OFP_HEADER_LEN + body.len(), rxid);
                reply.extend_from_slice(&body);
                if let Err(e) = self.stream.io().write_all(&reply) {
                    broken = Some(io_reason(&e));
                }
                continue;
            }
            let Some(&i) = pending.get(&rxid) else {
                continue;
            };
            let outcome = match kind {
                OFPT_MULTIPART_REPLY => match parse_flow_reply(&body, &mut partial[i]) {
                    Ok(true) => continue,
                    Ok(false) => Ok(std::mem::take(&mut partial[i])),
                    Err(e) => Err(WireError::Protocol(e.0)),
                },
                OFPT_ERROR => Err(WireError::Protocol(
                    "the switch answered the flow dump with an error".into(),
                )),
                other => Err(WireError::Protocol(format!(
                    "received OpenFlow message type {other} in reply to a flow dump"
                ))),
            };
            results[i] = Some(outcome);
            pending.remove(&rxid);
            done += 1;
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(WireError::Failed(broken.clone().unwrap_or_default()))))
            .collect()
    }

    /// Sends one flow-stats request.
    fn send_dump(&mut self, xid: u32, cookie: u64, cookie_mask: u64) -> Result<(), WireError> {
        let mut msg = header(OFPT_MULTIPART_REQUEST, 56, xid);
        msg.extend_from_slice(&OFPMP_FLOW_DESC.to_be_bytes());
        msg.extend_from_slice(&[0; 6]); // flags, pad
        msg.push(0xff); // table_id: OFPTT_ALL
        msg.extend_from_slice(&[0; 3]);
        msg.extend_from_slice(&u32::MAX.to_be_bytes()); // out_port: OFPP_ANY
        msg.extend_from_slice(&u32::MAX.to_be_bytes()); // out_group: OFPG_ANY
        msg.extend_from_slice(&[0; 4]);
        msg.extend_from_slice(&cookie.to_be_bytes());
        msg.extend_from_slice(&cookie_mask.to_be_bytes());
        msg.extend_from_slice(&[0, 1, 0, 4, 0, 0, 0, 0]); // ofp_match: OFPMT_OXM, no field
        self.stream.io().write_all(&msg)?;
        Ok(())
    }
}

/// `tcp:IP[:PORT]` (IPv6 in brackets), OpenFlow's port 6653 by default (with the warning
/// OVS's stream layer logs then).
fn tcp_addr(spec: &str, log: &mut Vec<String>) -> Option<std::net::SocketAddr> {
    if let Ok(a) = spec.parse::<std::net::SocketAddr>() {
        return Some(a);
    }
    log.push("stream|WARN|The default OpenFlow port number has changed from 6633 to 6653".into());
    let host = spec.trim_start_matches('[').trim_end_matches(']');
    host.parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| std::net::SocketAddr::new(ip, OFP_PORT))
}

/// An `ofp_header` for a message of `length` bytes in all.
fn header(kind: u8, length: usize, xid: u32) -> Vec<u8> {
    let mut h = Vec::with_capacity(length);
    h.push(OFP15_VERSION);
    h.push(kind);
    h.extend_from_slice(&(length as u16).to_be_bytes());
    h.extend_from_slice(&xid.to_be_bytes());
    h
}

/// The versions a peer's hello offers: its bitmap element when it has one, else every
/// version up to the header's (OpenFlow 1.5.1 §7.5.1).
fn peer_versions(version: u8, body: &[u8]) -> u64 {
    let mut rest = body;
    while rest.len() >= 4 {
        let kind = u16::from_be_bytes([rest[0], rest[1]]);
        let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
        if len < 4 || len > rest.len() {
            break;
        }
        if kind == OFPHET_VERSIONBITMAP && len >= 8 {
            return u64::from(u32::from_be_bytes([rest[4], rest[5], rest[6], rest[7]]));
        }
        rest = &rest[len.next_multiple_of(8).min(rest.len())..];
    }
    if version >= 63 {
        return u64::MAX;
    }
    (1u64 << (version + 1)) - 2
}

/// Appends the flows of one `OFPMP_FLOW_DESC` reply body (after the `ofp_header`) to
/// `flows`; returns whether more replies follow (`OFPMPF_REPLY_MORE`).
///
/// # Errors
/// A reply of another multipart type, or an entry whose lengths do not add up.
pub(crate) fn parse_flow_reply(body: &[u8], flows: &mut Vec<FlowStats>) -> Result<bool, DecodeError> {
    let bad = |what: String| DecodeError(format!("OFPST_FLOW reply: {what}"));
    if body.len() < 8 {
        return Err(bad(format!("{} bytes, shorter than its header", body.len())));
    }
    let kind = u16::from_be_bytes([body[0], body[1]]);
    if kind != OFPMP_FLOW_DESC {
        return Err(bad(format!("multipart type {kind}, expected {OFPMP_FLOW_DESC}")));
    }
    let more = u16::from_be_bytes([body[2], body[3]]) & OFPMPF_REPLY_MORE != 0;
    let mut rest = &body[8..];
    let mut offset = 8 + OFP_HEADER_LEN;
    while !rest.is_empty() {
        let (flow, used) = parse_flow_desc(rest).map_err(|e| bad(format!("at byte {offset}: {}", e.0)))?;
        flows.push(flow);
        rest = &rest[used..];
        offset += used;
    }
    Ok(more)
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be64(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_be_bytes(x)
}

/// One `ofp_flow_desc`: 24 fixed bytes, the match (padded to 8), the OXS stats (padded to
/// 8), the instructions.
fn parse_flow_desc(b: &[u8]) -> Result<(FlowStats, usize), DecodeError> {
    const FIXED: usize = 24;
    if b.len() < FIXED {
        return Err(DecodeError(format!("{} leftover bytes at end", b.len())));
    }
    let length = usize::from(be16(b, 0));
    if length < FIXED || length > b.len() {
        return Err(DecodeError(format!("entry claims invalid length {length}")));
    }
    let entry = &b[..length];
    let mut fs = FlowStats {
        table_id: entry[4],
        priority: be16(entry, 6),
        idle_timeout: be16(entry, 8),
        hard_timeout: be16(entry, 10),
        flags: be16(entry, 12),
        importance: be16(entry, 14),
        cookie: be64(entry, 16),
        ..FlowStats::default()
    };
    // ofp_match: type, length (header included, padding excluded), OXM fields.
    let m = &entry[FIXED..];
    if m.len() < 4 || be16(m, 0) != 1 {
        return Err(DecodeError("bad match (not OXM)".into()));
    }
    let match_len = usize::from(be16(m, 2));
    let padded = match_len.next_multiple_of(8);
    if match_len < 4 || padded > m.len() {
        return Err(DecodeError(format!("bad match length {match_len}")));
    }
    fs.oxm = m[4..match_len].to_vec();
    // ofp_stats: reserved, length (header included), OXS fields.
    let s = &m[padded..];
    if s.len() < 4 {
        return Err(DecodeError("bad stats (truncated)".into()));
    }
    let stats_len = usize::from(be16(s, 2));
    let stats_padded = stats_len.next_multiple_of(8);
    if stats_len < 4 || stats_padded > s.len() {
        return Err(DecodeError(format!("bad stats length {stats_len}")));
    }
    parse_oxs(&s[4..stats_len], &mut fs)?;
    fs.instructions = s[stats_padded..].to_vec();
    Ok((fs, length))
}

/// The OXS stat fields OpenFlow 1.5 defines (class `0x8002`); others are skipped.
fn parse_oxs(mut b: &[u8], fs: &mut FlowStats) -> Result<(), DecodeError> {
    while !b.is_empty() {
        if b.len() < 4 {
            return Err(DecodeError("partial OXS entry".into()));
        }
        let class = be16(b, 0);
        let field = b[2] >> 1;
        let len = usize::from(b[3]);
        let hdr = if class == 0xffff { 8 } else { 4 };
        if b.len() < 4 + len || len + 4 < hdr {
            return Err(DecodeError("partial OXS entry".into()));
        }
        let v = &b[hdr..4 + len];
        if class == 0x8002 {
            match (field, v.len()) {
                (0, 8) => {
                    let d = be64(v, 0);
                    fs.duration = Some(((d >> 32) as u32, d as u32));
                }
                (1, 8) => fs.idle_age = Some((be64(v, 0) >> 32) as u32),
                (4, 8) => fs.packet_count = Some(be64(v, 0)),
                (5, 8) => fs.byte_count = Some(be64(v, 0)),
                _ => {}
            }
        }
        b = &b[4 + len..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A flow-stats reply body: one entry with a 12-byte match (padded to 16), the four OXS
    /// stats, and 8 bytes of instructions.
    fn one_flow() -> Vec<u8> {
        let mut e = vec![0, 0, 0, 0, 3, 0, 0x80, 0x00, 0, 30, 0, 60, 0, 1, 0, 7];
        e.extend_from_slice(&0x417045ceu64.to_be_bytes());
        e.extend_from_slice(&[0, 1, 0, 12, 0x80, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 0]);
        let mut oxs = Vec::new();
        for (field, v) in [(0u8, (9u64 << 32) | 500_000_000), (1, 4 << 32), (4, 2), (5, 84)] {
            oxs.extend_from_slice(&[0x80, 0x02, field << 1, 8]);
            oxs.extend_from_slice(&v.to_be_bytes());
        }
        e.extend_from_slice(&[0, 0]);
        e.extend_from_slice(&((4 + oxs.len()) as u16).to_be_bytes());
        e.extend_from_slice(&oxs);
        e.resize(e.len().next_multiple_of(8), 0);
        e.extend_from_slice(&[0, 4, 0, 8, 0, 0, 0, 0]);
        let len = e.len() as u16;
        e[..2].copy_from_slice(&len.to_be_bytes());
        let mut body = vec![0, 1, 0, 1, 0, 0, 0, 0];
        body.extend_from_slice(&e);
        body
    }

    #[test]
    fn a_flow_desc_decodes_field_by_field() {
        let mut flows = Vec::new();
        let more = parse_flow_reply(&one_flow(), &mut flows).expect("decodes");
        assert!(more);
        let f = &flows[0];
        assert_eq!(
            (f.table_id, f.priority, f.idle_timeout, f.hard_timeout),
            (3, 0x8000, 30, 60)
        );
        assert_eq!((f.flags, f.importance, f.cookie), (1, 7, 0x417045ce));
        assert_eq!(f.oxm, [0x80, 0, 0, 4, 0, 0, 0, 5]);
        assert_eq!(f.duration, Some((9, 500_000_000)));
        assert_eq!(
            (f.idle_age, f.packet_count, f.byte_count),
            (Some(4), Some(2), Some(84))
        );
        assert_eq!(f.instructions, [0, 4, 0, 8, 0, 0, 0, 0]);
    }

    #[test]
    fn truncated_replies_are_errors_naming_the_offset() {
        let body = one_flow();
        for cut in [4, 20, 40, body.len() - 3] {
            let e = parse_flow_reply(&body[..cut], &mut Vec::new()).unwrap_err();
            assert!(e.0.starts_with("OFPST_FLOW reply: "), "{e}");
        }
        let e = parse_flow_reply(&body[..40], &mut Vec::new()).unwrap_err();
        assert!(e.0.contains("at byte 16"), "{e}");
        let mut other = body.clone();
        other[1] = 2;
        let e = parse_flow_reply(&other, &mut Vec::new()).unwrap_err();
        assert!(e.0.contains("multipart type 2"), "{e}");
    }

    #[test]
    fn hello_versions_from_the_bitmap_or_the_header() {
        assert_eq!(peer_versions(6, &[0, 1, 0, 8, 0, 0, 0, 0x52]), 0x52);
        assert_eq!(peer_versions(4, &[]), 0b11110);
        assert_eq!(
            peer_versions(6, &[0, 9, 0, 4, 0, 0, 0, 0, 0, 1, 0, 8, 0, 0, 0, 0x40]),
            0x40
        );
    }

    proptest! {
        #[test]
        fn random_replies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_flow_reply(&body, &mut Vec::new());
            let _ = peer_versions(body.first().copied().unwrap_or(0), &body);
        }

        #[test]
        fn mutated_replies_never_panic(at in 0usize..120, byte in any::<u8>()) {
            let mut body = one_flow();
            let i = at % body.len();
            body[i] = byte;
            let _ = parse_flow_reply(&body, &mut Vec::new());
        }
    }
}
