//! Server addresses in Open vSwitch "remote" syntax (ovsdb-server(1) "Remote connections",
//! ovsdb(7) "Connection methods"): `tcp:HOST:PORT`, `ssl:HOST:PORT`, `unix:PATH`, and
//! comma-separated lists of them for the members of a cluster.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// The port OVS uses when a `tcp:` or `ssl:` remote has none (IANA "ovsdb", 6640).
pub const DEFAULT_PORT: u16 = 6640;

/// The unix socket of the local Open_vSwitch database, the default server of `ovsdb-client` and
/// `ovs-vsctl`.
pub const DEFAULT_OVS_SOCKET: &str = "/var/run/openvswitch/db.sock";

/// One active remote: where to connect.
///
/// ```
/// use ovsdb_client::Endpoint;
/// let e: Endpoint = "ssl:[::1]:6641".parse()?;
/// assert_eq!(e, Endpoint::Ssl { host: "::1".into(), port: 6641 });
/// assert_eq!(e.to_string(), "ssl:[::1]:6641");
/// assert_eq!("tcp:10.0.0.5".parse::<Endpoint>()?.to_string(), "tcp:10.0.0.5:6640");
/// # Ok::<(), ovsdb_client::EndpointError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `tcp:HOST[:PORT]`: plain TCP. HOST is an IPv4 address, an IPv6 address (in brackets in the
    /// text form, without them here) or a DNS name.
    Tcp {
        /// The host, without brackets.
        host: String,
        /// The port (6640 when the text had none).
        port: u16,
    },
    /// `ssl:HOST[:PORT]`: TLS over TCP (needs a [`crate::TlsConfig`]).
    Ssl {
        /// The host, without brackets.
        host: String,
        /// The port (6640 when the text had none).
        port: u16,
    },
    /// `unix:PATH`: a unix domain socket.
    Unix(PathBuf),
}

impl Endpoint {
    /// Whether this is a network remote (`tcp:` or `ssl:`), where the inactivity probe is on by
    /// default; unix sockets need none (ovsdb(7)).
    pub fn is_network(&self) -> bool {
        !matches!(self, Endpoint::Unix(_))
    }

    /// The host of a `tcp:` or `ssl:` endpoint.
    pub fn host(&self) -> Option<&str> {
        match self {
            Endpoint::Tcp { host, .. } | Endpoint::Ssl { host, .. } => Some(host),
            Endpoint::Unix(_) => None,
        }
    }

    /// Parses a comma-separated list of remotes (`"tcp:a:6641,tcp:b:6641"`), as OVS clients take
    /// them for the members of a cluster. Spaces around each entry are ignored; empty entries
    /// are an error.
    ///
    /// # Errors
    /// [`EndpointError`] naming the entry (and its position in the list) that did not parse.
    pub fn parse_list(text: &str) -> Result<Vec<Endpoint>, EndpointError> {
        let parts: Vec<&str> = text.split(',').collect();
        let mut out = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let part = part.trim();
            let at = if parts.len() > 1 { Some(i) } else { None };
            out.push(parse_one(part).map_err(|problem| EndpointError {
                remote: part.to_owned(),
                position: at,
                problem,
            })?);
        }
        Ok(out)
    }
}

impl fmt::Display for Endpoint {
    /// The canonical OVS text, with the port always written and IPv6 hosts in brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Tcp { host, port } => write!(f, "tcp:{}:{port}", Bracketed(host)),
            Endpoint::Ssl { host, port } => write!(f, "ssl:{}:{port}", Bracketed(host)),
            Endpoint::Unix(p) => write!(f, "unix:{}", p.display()),
        }
    }
}

struct Bracketed<'a>(&'a str);

impl fmt::Display for Bracketed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.contains(':') {
            write!(f, "[{}]", self.0)
        } else {
            f.write_str(self.0)
        }
    }
}

impl FromStr for Endpoint {
    type Err = EndpointError;

    /// Parses one remote (no commas).
    fn from_str(s: &str) -> Result<Endpoint, EndpointError> {
        let s = s.trim();
        parse_one(s).map_err(|problem| EndpointError {
            remote: s.to_owned(),
            position: None,
            problem,
        })
    }
}

/// A remote that did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid remote {remote:?}{}: {problem}", position.map(|p| format!(" (entry {} of the list)", p + 1)).unwrap_or_default())]
pub struct EndpointError {
    /// The remote text that did not parse (one entry of a list).
    pub remote: String,
    /// Its 0-based position in a comma-separated list, if it came from one with several entries.
    pub position: Option<usize>,
    /// What was wrong.
    pub problem: EndpointProblem,
}

/// What was wrong with a remote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointProblem {
    /// The entry is empty (`"tcp:a:1,,tcp:b:2"`, or an empty string).
    #[error("empty remote")]
    Empty,
    /// No `method:` prefix.
    #[error("no connection method: expected tcp:, ssl: or unix:")]
    NoMethod,
    /// A passive remote (`ptcp:`, `pssl:`, `punix:`): those are for servers to listen on.
    #[error("{method}: is a passive (listening) remote; a client needs tcp:, ssl: or unix:")]
    Passive {
        /// The method, e.g. `"ptcp"`.
        method: String,
    },
    /// A method this crate does not know.
    #[error("unknown connection method {method:?}: expected tcp:, ssl: or unix:")]
    UnknownMethod {
        /// The method text before the first `:`.
        method: String,
    },
    /// `tcp:` or `ssl:` with no host.
    #[error("missing host")]
    MissingHost,
    /// An IPv6 address bracket was not closed, or text follows it other than `:PORT`.
    #[error("bad bracketed IPv6 address {text:?}")]
    BadBracket {
        /// The text after the method.
        text: String,
    },
    /// The host has a `:` but is not in brackets (an IPv6 address must be written `[::1]`).
    #[error("IPv6 address {host:?} must be in brackets, as in [{host}]:PORT")]
    UnbracketedIpv6 {
        /// The host text.
        host: String,
    },
    /// The port is not a number in 1..=65535.
    #[error("bad port {port:?}: expected a number from 1 to 65535")]
    BadPort {
        /// The port text.
        port: String,
    },
    /// `unix:` with an empty path.
    #[error("missing socket path")]
    MissingPath,
}

fn parse_one(s: &str) -> Result<Endpoint, EndpointProblem> {
    if s.is_empty() {
        return Err(EndpointProblem::Empty);
    }
    let Some((method, rest)) = s.split_once(':') else {
        return Err(EndpointProblem::NoMethod);
    };
    match method {
        "tcp" => {
            let (host, port) = host_port(rest)?;
            Ok(Endpoint::Tcp { host, port })
        }
        "ssl" => {
            let (host, port) = host_port(rest)?;
            Ok(Endpoint::Ssl { host, port })
        }
        "unix" => {
            if rest.is_empty() {
                Err(EndpointProblem::MissingPath)
            } else {
                Ok(Endpoint::Unix(PathBuf::from(rest)))
            }
        }
        "ptcp" | "pssl" | "punix" => Err(EndpointProblem::Passive {
            method: method.to_owned(),
        }),
        other => Err(EndpointProblem::UnknownMethod {
            method: other.to_owned(),
        }),
    }
}

fn host_port(rest: &str) -> Result<(String, u16), EndpointProblem> {
    let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
        let Some((host, after)) = inner.split_once(']') else {
            return Err(EndpointProblem::BadBracket {
                text: rest.to_owned(),
            });
        };
        let port = match after {
            "" => None,
            p => match p.strip_prefix(':') {
                Some(p) => Some(p),
                None => {
                    return Err(EndpointProblem::BadBracket {
                        text: rest.to_owned(),
                    });
                }
            },
        };
        if host.is_empty() {
            return Err(EndpointProblem::MissingHost);
        }
        (host, port)
    } else {
        let (host, port) = match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        };
        if let Some(p) = port
            && p.contains(':')
        {
            return Err(EndpointProblem::UnbracketedIpv6 {
                host: rest.to_owned(),
            });
        }
        if host.is_empty() {
            return Err(EndpointProblem::MissingHost);
        }
        (host, port)
    };
    let port = match port {
        None => DEFAULT_PORT,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => n,
            _ => return Err(EndpointProblem::BadPort { port: p.to_owned() }),
        },
    };
    Ok((host.to_owned(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(host: &str, port: u16) -> Endpoint {
        Endpoint::Tcp {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn parses_every_form() {
        assert_eq!(
            "tcp:127.0.0.1:6641".parse::<Endpoint>().unwrap(),
            tcp("127.0.0.1", 6641)
        );
        assert_eq!(
            "tcp:ovn-central".parse::<Endpoint>().unwrap(),
            tcp("ovn-central", 6640)
        );
        assert_eq!("tcp:[::1]:6641".parse::<Endpoint>().unwrap(), tcp("::1", 6641));
        assert_eq!("tcp:[fe80::1]".parse::<Endpoint>().unwrap(), tcp("fe80::1", 6640));
        assert_eq!(
            "ssl:10.0.0.5:6642".parse::<Endpoint>().unwrap(),
            Endpoint::Ssl {
                host: "10.0.0.5".into(),
                port: 6642
            }
        );
        assert_eq!(
            "unix:/run/ovn/ovnnb_db.sock".parse::<Endpoint>().unwrap(),
            Endpoint::Unix("/run/ovn/ovnnb_db.sock".into())
        );
        // A unix path may contain colons.
        assert_eq!(
            "unix:/tmp/a:b".parse::<Endpoint>().unwrap(),
            Endpoint::Unix("/tmp/a:b".into())
        );
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "tcp:127.0.0.1:6641",
            "ssl:[::1]:1",
            "unix:/x/y.sock",
            "tcp:host:65535",
        ] {
            let e: Endpoint = s.parse().unwrap();
            assert_eq!(e.to_string(), s);
            assert_eq!(e.to_string().parse::<Endpoint>().unwrap(), e);
        }
    }

    #[test]
    fn lists() {
        let l = Endpoint::parse_list("tcp:127.0.0.1:1, tcp:[::1]:2 ,unix:/s").unwrap();
        assert_eq!(
            l,
            vec![tcp("127.0.0.1", 1), tcp("::1", 2), Endpoint::Unix("/s".into())]
        );
        let e = Endpoint::parse_list("tcp:a:1,tcp:b:0,tcp:c:3").unwrap_err();
        assert_eq!(e.remote, "tcp:b:0");
        assert_eq!(e.position, Some(1));
        assert_eq!(e.problem, EndpointProblem::BadPort { port: "0".into() });
        assert!(e.to_string().contains("\"tcp:b:0\" (entry 2 of the list)"), "{e}");
        let e = Endpoint::parse_list("tcp:a:1,,tcp:c:3").unwrap_err();
        assert_eq!((e.position, e.problem), (Some(1), EndpointProblem::Empty));
    }

    #[test]
    fn errors_name_the_problem() {
        let cases: &[(&str, EndpointProblem)] = &[
            ("", EndpointProblem::Empty),
            ("127.0.0.1", EndpointProblem::NoMethod),
            (
                "ptcp:6641",
                EndpointProblem::Passive {
                    method: "ptcp".into(),
                },
            ),
            (
                "punix:/x",
                EndpointProblem::Passive {
                    method: "punix".into(),
                },
            ),
            (
                "udp:1.2.3.4:5",
                EndpointProblem::UnknownMethod { method: "udp".into() },
            ),
            ("tcp:", EndpointProblem::MissingHost),
            ("tcp::6641", EndpointProblem::MissingHost),
            ("tcp:[]:1", EndpointProblem::MissingHost),
            (
                "tcp:[::1:6641",
                EndpointProblem::BadBracket {
                    text: "[::1:6641".into(),
                },
            ),
            (
                "tcp:[::1]6641",
                EndpointProblem::BadBracket {
                    text: "[::1]6641".into(),
                },
            ),
            (
                "tcp:::1:6641",
                EndpointProblem::UnbracketedIpv6 {
                    host: "::1:6641".into(),
                },
            ),
            ("tcp:h:http", EndpointProblem::BadPort { port: "http".into() }),
            ("ssl:h:70000", EndpointProblem::BadPort { port: "70000".into() }),
            ("tcp:h:", EndpointProblem::BadPort { port: "".into() }),
            ("unix:", EndpointProblem::MissingPath),
        ];
        for (text, want) in cases {
            let e = text.parse::<Endpoint>().unwrap_err();
            assert_eq!(&e.problem, want, "{text}");
            assert_eq!(e.remote, *text);
            assert_eq!(e.position, None);
            assert!(e.to_string().contains(&format!("{text:?}")), "{e}");
        }
    }
}
