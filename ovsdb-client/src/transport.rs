//! Opening a byte stream to an [`Endpoint`]: TCP, TLS over TCP, or a unix socket.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};

use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::tls::{TlsConnector, TlsError};

/// Any connected byte stream.
pub trait ByteStream: AsyncRead + AsyncWrite + Send + Unpin + 'static {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> ByteStream for T {}

/// A connected stream of any transport.
pub type BoxedStream = Box<dyn ByteStream>;

/// Connects to `endpoint` (and runs the TLS handshake for `ssl:`), all within `timeout`.
///
/// # Errors
/// [`Error::Connect`] (refused, unreachable, no socket file), [`Error::ConnectTimeout`],
/// [`Error::Tls`] (no TLS configuration for an `ssl:` remote, or the handshake failed).
pub async fn open(
    endpoint: &Endpoint,
    tls: Option<&TlsConnector>,
    timeout: Duration,
) -> Result<BoxedStream, Error> {
    match tokio::time::timeout(timeout, open_inner(endpoint, tls)).await {
        Ok(r) => r,
        Err(_) => Err(Error::ConnectTimeout {
            endpoint: endpoint.clone(),
            timeout,
        }),
    }
}

async fn open_inner(endpoint: &Endpoint, tls: Option<&TlsConnector>) -> Result<BoxedStream, Error> {
    let connect_err = |source| Error::Connect {
        endpoint: endpoint.clone(),
        source,
    };
    match endpoint {
        Endpoint::Tcp { host, port } => {
            let s = TcpStream::connect((host.as_str(), *port))
                .await
                .map_err(connect_err)?;
            let _ = s.set_nodelay(true);
            Ok(Box::new(s))
        }
        Endpoint::Ssl { host, port } => {
            let Some(tls) = tls else {
                return Err(Error::Tls(TlsError::NotConfigured {
                    endpoint: endpoint.to_string(),
                }));
            };
            let s = TcpStream::connect((host.as_str(), *port))
                .await
                .map_err(connect_err)?;
            let _ = s.set_nodelay(true);
            Ok(Box::new(tls.connect(host, s).await?))
        }
        Endpoint::Unix(path) => Ok(Box::new(UnixStream::connect(path).await.map_err(connect_err)?)),
    }
}
