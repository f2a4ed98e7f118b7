//! TLS clients for a server started with `ServerOptions { tls: true, .. }`: the SDK's HTTPS
//! client, and raw rustls connections where a test must choose the TLS version or see the
//! certificate the server presents.

use std::path::Path;
use std::sync::Arc;

use aws_smithy_http_client::tls::{self as smithy_tls, TlsContext, TrustStore};
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore, SupportedProtocolVersion};
use rustls_pki_types::pem::PemObject;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

pub use rustls::version::{TLS12, TLS13};

/// The SDK's HTTPS client (rustls on ring) trusting only `cert_pem`.
pub fn sdk_https_client(cert_pem: &Path) -> aws_sdk_s3::config::SharedHttpClient {
    let pem = std::fs::read(cert_pem).expect("read the server's certificate");
    let context = TlsContext::builder()
        .with_trust_store(TrustStore::empty().with_pem_certificate(pem))
        .build()
        .expect("a TLS context");
    aws_smithy_http_client::Builder::new()
        .tls_provider(smithy_tls::Provider::rustls(
            smithy_tls::rustls_provider::CryptoMode::Ring,
        ))
        .tls_context(context)
        .build_https()
}

/// The DER of the first certificate in a PEM file.
pub fn cert_der(cert_pem: &Path) -> Vec<u8> {
    CertificateDer::pem_file_iter(cert_pem)
        .expect("read the certificate")
        .next()
        .expect("a certificate in the file")
        .expect("a PEM certificate")
        .to_vec()
}

/// A rustls client configuration trusting `cert_pem`, offering only `versions`.
pub fn client_config(
    cert_pem: &Path,
    versions: &[&'static SupportedProtocolVersion],
) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(cert_der(cert_pem)))
        .expect("a usable root certificate");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .expect("supported TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// Connects to the server's HTTPS port on loopback and completes the handshake.
pub async fn connect(
    port: u16,
    config: Arc<ClientConfig>,
) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let name = ServerName::IpAddress(std::net::Ipv4Addr::LOCALHOST.into());
    TlsConnector::from(config).connect(name, tcp).await
}

/// The DER of the certificate a new connection to `port` is shown. The handshake verifies
/// it against `trusted`, so pass the certificate expected.
pub async fn presented_cert(port: u16, trusted: &Path) -> std::io::Result<Vec<u8>> {
    let stream = connect(port, client_config(trusted, &[&TLS13, &TLS12])).await?;
    let (_, connection) = stream.get_ref();
    Ok(connection
        .peer_certificates()
        .and_then(|chain| chain.first())
        .expect("the server presents a certificate")
        .to_vec())
}
