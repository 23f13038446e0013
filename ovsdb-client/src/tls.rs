//! TLS for `ssl:` remotes, with rustls.
//!
//! ovsdb-server demands a client certificate and checks it against its CA; it never checks host
//! names, and the certificates `ovs-pki` issues carry only a DNS name (never an IP address). So
//! besides the usual private key, certificate and CA certificate (PEM files, as `ovs-pki` writes
//! them and as `ovsdb-client -p/-c/-C` take them) a [`TlsConfig`] has:
//! - [`TlsConfig::server_name`]: the name to verify the server's certificate against (and send as
//!   SNI), separate from the address (`ssl:10.0.0.5:6641` with server name `ovnnb`);
//! - [`ServerNameCheck::ChainOnly`]: an explicit opt-in that verifies the chain against the CA
//!   (signature, validity dates, key usage) but not the name, which is what OVS itself does.
//!
//! TLS 1.2 and 1.3 are both offered (ovsdb-server 3.1 speaks 1.3 by default and only 1.2 when
//! `--ssl-protocols` is set). There is never a plaintext fallback.
//!
//! With TLS 1.3 a server that rejects our certificate does so after the client considers the
//! handshake complete: its alert arrives on the first read. The connection maps that alert to
//! [`TlsError::Rejected`] (via [`crate::Error::Tls`]) wherever it arrives.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{AlertDescription, CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite};

/// How the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ServerNameCheck {
    /// Chain and name (the default): the certificate must be signed by the CA and valid for
    /// [`TlsConfig::server_name`], or else for the endpoint's host (an IP address needs an IP
    /// SAN, which `ovs-pki` certificates never have).
    #[default]
    Verify,
    /// Chain only: signed by the CA, in its validity period, fit for server use; the name is not
    /// checked. This is ovsdb-server's and ovsdb-client's own behaviour; choose it explicitly for
    /// existing OVN PKIs made with `ovs-pki`.
    ChainOnly,
}

/// TLS settings for `ssl:` remotes. Paths are PEM files.
///
/// ```
/// use ovsdb_client::{ServerNameCheck, TlsConfig};
/// let tls = TlsConfig::new("/etc/ovn/cacert.pem")
///     .client_cert("/etc/ovn/ovn-privkey.pem", "/etc/ovn/ovn-cert.pem")
///     .server_name("ovnnb");
/// assert_eq!(tls.server_name.as_deref(), Some("ovnnb"));
/// assert_eq!(tls.name_check, ServerNameCheck::Verify);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsConfig {
    /// The CA certificate(s) that must have signed the server's certificate (`-C/--ca-cert`).
    pub ca_cert: PathBuf,
    /// The client's private key (`-p/--private-key`). ovsdb-server requires a client certificate.
    pub private_key: Option<PathBuf>,
    /// The client's certificate chain (`-c/--certificate`).
    pub certificate: Option<PathBuf>,
    /// The name to check the server's certificate against and send as SNI; `None` uses the
    /// endpoint's host.
    pub server_name: Option<String>,
    /// Whether the name is checked.
    pub name_check: ServerNameCheck,
    /// Whether [`TlsConfig::ca_cert`] may be bootstrapped (`--bootstrap-ca-cert`, ovs-vsctl(8)):
    /// while the file does not exist, the CA certificate the server sends at the top of its
    /// chain (ovsdb-server `--peer-ca-cert`) is trusted once, the server's certificate is
    /// verified against it, and it is saved to the file (PEM) for the following connections.
    pub bootstrap: bool,
}

impl TlsConfig {
    /// Trusts the CA certificate(s) in the PEM file `ca_cert`; no client certificate yet.
    pub fn new(ca_cert: impl Into<PathBuf>) -> Self {
        TlsConfig {
            ca_cert: ca_cert.into(),
            private_key: None,
            certificate: None,
            server_name: None,
            name_check: ServerNameCheck::Verify,
            bootstrap: false,
        }
    }

    /// As [`TlsConfig::new`], bootstrapping `ca_cert` if it does not exist yet (see
    /// [`TlsConfig::bootstrap`]; trust on first use, as ovs-vsctl's `--bootstrap-ca-cert`).
    pub fn bootstrap(ca_cert: impl Into<PathBuf>) -> Self {
        let mut t = TlsConfig::new(ca_cert);
        t.bootstrap = true;
        t
    }

    /// Sets the client's private key and certificate (PEM files).
    pub fn client_cert(mut self, private_key: impl Into<PathBuf>, certificate: impl Into<PathBuf>) -> Self {
        self.private_key = Some(private_key.into());
        self.certificate = Some(certificate.into());
        self
    }

    /// Sets [`TlsConfig::server_name`].
    pub fn server_name(mut self, name: impl Into<String>) -> Self {
        self.server_name = Some(name.into());
        self
    }

    /// Opts in to [`ServerNameCheck::ChainOnly`].
    pub fn chain_only(mut self) -> Self {
        self.name_check = ServerNameCheck::ChainOnly;
        self
    }

    /// Reads the PEM files and builds the connector.
    ///
    /// # Errors
    /// [`TlsError::Pem`] if a file cannot be read or parsed, [`TlsError::NoCertificate`] if a
    /// file has no certificate, [`TlsError::IncompleteClientAuth`] if only one of key and
    /// certificate is set, [`TlsError::Config`] if rustls refuses them (e.g. the key does not
    /// match the certificate).
    pub fn connector(&self) -> Result<TlsConnector, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        if self.bootstrap && !self.ca_cert.exists() {
            let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
                .map_err(TlsError::Config)?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(BootstrapVerifier {
                    path: self.ca_cert.clone(),
                    provider,
                    name_check: self.name_check,
                }));
            return self.finish(builder);
        }
        let roots = read_roots(&self.ca_cert)?;
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(TlsError::Config)?;
        let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider)
            .build()
            .map_err(|e| TlsError::Config(rustls::Error::General(e.to_string())))?;
        let builder = match self.name_check {
            ServerNameCheck::Verify => builder.with_webpki_verifier(webpki),
            ServerNameCheck::ChainOnly => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(ChainOnlyVerifier(webpki))),
        };
        self.finish(builder)
    }

    /// Adds the client certificate (if any) and builds the connector.
    fn finish(
        &self,
        builder: rustls::ConfigBuilder<rustls::ClientConfig, rustls::client::WantsClientCert>,
    ) -> Result<TlsConnector, TlsError> {
        let config = match (&self.private_key, &self.certificate) {
            (Some(key), Some(cert)) => {
                let (certs, key) = read_identity(key, cert)?;
                builder
                    .with_client_auth_cert(certs, key)
                    .map_err(TlsError::Config)?
            }
            (None, None) => builder.with_no_client_auth(),
            _ => return Err(TlsError::IncompleteClientAuth),
        };
        Ok(TlsConnector {
            inner: tokio_rustls::TlsConnector::from(Arc::new(config)),
            server_name: self.server_name.clone(),
        })
    }
}

impl TlsConfig {
    /// The server side, for a passive remote (`pssl:`, where the server connects to this end,
    /// ovsdb-client(1) and ovs-vsctl(8)): this end presents [`TlsConfig::certificate`] with
    /// [`TlsConfig::private_key`] and demands a client certificate signed by the CA of
    /// [`TlsConfig::ca_cert`], as OVS's stream-ssl does. While a bootstrapped CA file is missing
    /// no CA is trusted, so every handshake fails (OpenSSL's `certificate verify failed`): OVS
    /// bootstraps only as a client.
    ///
    /// # Errors
    /// [`TlsError::NoIdentity`] without the key or the certificate; [`TlsError::Pem`],
    /// [`TlsError::NoCertificate`] or [`TlsError::Config`] as [`TlsConfig::connector`].
    pub fn acceptor(&self) -> Result<tokio_rustls::TlsAcceptor, TlsError> {
        let (Some(key_file), Some(cert_file)) = (&self.private_key, &self.certificate) else {
            return Err(TlsError::NoIdentity);
        };
        let (certs, key) = read_identity(key_file, cert_file)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier: Arc<dyn rustls::server::danger::ClientCertVerifier> =
            if self.bootstrap && !self.ca_cert.exists() {
                Arc::new(NoTrustedCa(provider.clone()))
            } else {
                rustls::server::WebPkiClientVerifier::builder_with_provider(
                    read_roots(&self.ca_cert)?,
                    provider.clone(),
                )
                .build()
                .map_err(|e| TlsError::Config(rustls::Error::General(e.to_string())))?
            };
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(TlsError::Config)?
            .with_client_cert_verifier(verifier)
            .with_single_cert(certs, key)
            .map_err(TlsError::Config)?;
        Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
    }
}

/// Refuses every client certificate: the verifier of a passive remote whose CA certificate is
/// still to be bootstrapped (see [`TlsConfig::acceptor`]).
#[derive(Debug)]
struct NoTrustedCa(Arc<rustls::crypto::CryptoProvider>);

impl rustls::server::danger::ClientCertVerifier for NoTrustedCa {
    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<rustls::server::danger::ClientCertVerified, rustls::Error> {
        Err(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The CA certificates of `path` as a root store.
fn read_roots(path: &Path) -> Result<Arc<RootCertStore>, TlsError> {
    let mut roots = RootCertStore::empty();
    for ca in read_certs("CA certificate", path)? {
        roots.add(ca).map_err(TlsError::Config)?;
    }
    Ok(Arc::new(roots))
}

/// This end's certificate chain and private key.
fn read_identity(
    key: &Path,
    cert: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsError> {
    let certs = read_certs("certificate", cert)?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|source| TlsError::Pem {
        what: "private key",
        path: key.to_path_buf(),
        source,
    })?;
    Ok((certs, key))
}

fn read_certs(what: &'static str, path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem_err = |source| TlsError::Pem {
        what,
        path: path.to_path_buf(),
        source,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(pem_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(pem_err)?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate {
            what,
            path: path.to_path_buf(),
        });
    }
    Ok(certs)
}

/// A ready-to-use TLS client configuration (from [`TlsConfig::connector`]). Cheap to clone.
#[derive(Clone)]
pub struct TlsConnector {
    inner: tokio_rustls::TlsConnector,
    server_name: Option<String>,
}

impl fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConnector")
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

impl TlsConnector {
    /// The rustls client configuration, for a connection outside tokio (a blocking
    /// `rustls::StreamOwned`).
    pub fn client_config(&self) -> Arc<rustls::ClientConfig> {
        self.inner.config().clone()
    }

    /// The server name a handshake with `host` presents ([`TlsConfig::server_name`], else
    /// `host`).
    ///
    /// # Errors
    /// [`TlsError::InvalidServerName`]: the name is neither a DNS name nor an IP address.
    pub fn server_name_for(&self, host: &str) -> Result<ServerName<'static>, TlsError> {
        let name = self.server_name.as_deref().unwrap_or(host);
        ServerName::try_from(name.to_owned()).map_err(|_| TlsError::InvalidServerName {
            name: name.to_owned(),
        })
    }

    /// Runs the TLS handshake over `stream` to `host` (used as the server name unless
    /// [`TlsConfig::server_name`] is set).
    ///
    /// # Errors
    /// [`TlsError::InvalidServerName`], [`TlsError::ServerCertificate`] (we rejected the server's
    /// certificate), [`TlsError::Rejected`] (the server sent an alert), [`TlsError::Handshake`].
    pub async fn connect<S>(
        &self,
        host: &str,
        stream: S,
    ) -> Result<tokio_rustls::client::TlsStream<S>, TlsError>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let name = self.server_name.as_deref().unwrap_or(host);
        let server_name = ServerName::try_from(name.to_owned()).map_err(|_| TlsError::InvalidServerName {
            name: name.to_owned(),
        })?;
        self.inner
            .connect(server_name, stream)
            .await
            .map_err(|e| match rustls_error(&e) {
                Some(rustls::Error::AlertReceived(alert)) => rejected(*alert),
                Some(other @ rustls::Error::InvalidCertificate(_)) => TlsError::ServerCertificate {
                    name: name.to_owned(),
                    source: other.clone(),
                },
                _ => TlsError::Handshake(e),
            })
    }
}

/// TLS failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A PEM file could not be read or parsed.
    #[error("TLS {what} {}: {source}", path.display())]
    Pem {
        /// `"CA certificate"`, `"certificate"` or `"private key"`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why (I/O error, bad PEM, no key found).
        #[source]
        source: rustls::pki_types::pem::Error,
    },
    /// A PEM file holds no certificate.
    #[error("TLS {what} {}: no certificate in the file", path.display())]
    NoCertificate {
        /// `"CA certificate"` or `"certificate"`.
        what: &'static str,
        /// The file.
        path: PathBuf,
    },
    /// Only one of the private key and the certificate was given.
    #[error("TLS client authentication needs both a private key and a certificate")]
    IncompleteClientAuth,
    /// A listener ([`TlsConfig::acceptor`]) was asked for without a private key and a
    /// certificate to present.
    #[error("a TLS listener needs a private key and a certificate")]
    NoIdentity,
    /// rustls refused the configuration (a CA it cannot use, a key that does not match the
    /// certificate...).
    #[error("TLS configuration: {0}")]
    Config(#[source] rustls::Error),
    /// An `ssl:` remote was given but the client has no [`TlsConfig`].
    #[error("ssl: remote {endpoint} needs a TLS configuration (private key, certificate, CA certificate)")]
    NotConfigured {
        /// The remote.
        endpoint: String,
    },
    /// The server name is neither a DNS name nor an IP address.
    #[error("invalid TLS server name {name:?}")]
    InvalidServerName {
        /// The name.
        name: String,
    },
    /// We rejected the server's certificate (unknown CA, expired, or not valid for the name; for
    /// `ovs-pki` certificates set a server name or opt in to chain-only checking).
    #[error("the server's certificate was rejected (checked for name {name:?}): {source}")]
    ServerCertificate {
        /// The name checked.
        name: String,
        /// rustls's reason.
        #[source]
        source: rustls::Error,
    },
    /// The server ended the TLS session with a fatal alert. For a certificate alert
    /// (`CertificateRequired`, `UnknownCA`, `BadCertificate`...) the server did not accept our
    /// client certificate; with TLS 1.3 this arrives on the first read after the handshake.
    #[error("the server rejected the TLS connection with alert {alert}{}", if *client_certificate { ": our client certificate was not accepted (check -p/-c and that the server trusts its CA)" } else { "" })]
    Rejected {
        /// The alert's name, e.g. `"UnknownCA"`.
        alert: String,
        /// Whether the alert is about our certificate.
        client_certificate: bool,
    },
    /// Any other handshake failure (including I/O errors during it).
    #[error("TLS handshake failed: {0}")]
    Handshake(#[source] std::io::Error),
}

impl TlsError {
    /// Whether this is a configuration or authentication problem that reconnecting will not fix
    /// by itself (as opposed to a network failure during the handshake).
    pub fn is_permanent(&self) -> bool {
        !matches!(self, TlsError::Handshake(_))
    }
}

fn rejected(alert: AlertDescription) -> TlsError {
    let client_certificate = matches!(
        alert,
        AlertDescription::CertificateRequired
            | AlertDescription::UnknownCA
            | AlertDescription::BadCertificate
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateRevoked
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateUnknown
            | AlertDescription::AccessDenied
            | AlertDescription::DecryptError
    );
    TlsError::Rejected {
        alert: format!("{alert:?}"),
        client_certificate,
    }
}

fn rustls_error(e: &std::io::Error) -> Option<&rustls::Error> {
    e.get_ref()?.downcast_ref::<rustls::Error>()
}

/// The TLS alert inside an I/O error from a TLS stream, if any (used by the connection's reader).
pub(crate) fn alert_from_io(e: &std::io::Error) -> Option<TlsError> {
    match rustls_error(e)? {
        rustls::Error::AlertReceived(alert) => Some(rejected(*alert)),
        _ => None,
    }
}

/// Trust on first use of the CA certificate the server sends (see [`TlsConfig::bootstrap`]).
#[derive(Debug)]
struct BootstrapVerifier {
    path: PathBuf,
    provider: Arc<rustls::crypto::CryptoProvider>,
    name_check: ServerNameCheck,
}

impl ServerCertVerifier for BootstrapVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let general = |m: String| rustls::Error::General(m);
        // The top of the chain; a server that sends its certificate alone (self-signed, as
        // `ovs-pki self-sign` makes) is its own CA, which ovs-vsctl bootstraps as well.
        let ca = intermediates.last().unwrap_or(end_entity);
        let mut roots = RootCertStore::empty();
        roots.add(ca.clone().into_owned())?;
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), self.provider.clone())
            .build()
            .map_err(|e| general(e.to_string()))?;
        let rest = &intermediates[..intermediates.len().saturating_sub(1)];
        match self.name_check {
            ServerNameCheck::Verify => {
                webpki.verify_server_cert(end_entity, rest, server_name, ocsp_response, now)?
            }
            ServerNameCheck::ChainOnly => ChainOnlyVerifier(webpki).verify_server_cert(
                end_entity,
                rest,
                server_name,
                ocsp_response,
                now,
            )?,
        };
        save_pem_certificate(&self.path, ca).map_err(|e| {
            general(format!(
                "cannot save bootstrapped CA certificate {}: {e}",
                self.path.display()
            ))
        })?;
        tracing::info!(path = %self.path.display(), "bootstrapped CA certificate from the server");
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Writes `cert` to `path` as one PEM `CERTIFICATE` block, unless the file exists by then (a
/// concurrent bootstrap won; its certificate is kept).
fn save_pem_certificate(path: &Path, cert: &CertificateDer<'_>) -> std::io::Result<()> {
    use base64::Engine;
    use std::io::Write;
    let b64 = base64::engine::general_purpose::STANDARD.encode(cert.as_ref());
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(mut f) => f.write_all(pem.as_bytes()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Verifies the chain with webpki and accepts a certificate whose only fault is its name.
///
/// webpki verifies the chain (signatures, dates, usage, revocation) before the name, so
/// `NotValidForName*` is only reported for a certificate whose chain was good.
#[derive(Debug)]
struct ChainOnlyVerifier(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnlyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
