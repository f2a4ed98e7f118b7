//! TLS for the listener: the certificate and key files, a certificate resolver that SIGHUP
//! can swap under running connections, and rustls's server configuration.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// Only HTTP/1.1 is offered: every S3 client speaks it, and it is what the plain listener
/// is tuned for.
const ALPN_HTTP_1_1: &[u8] = b"http/1.1";

/// The certificate chain and key files, read on start and again on each reload.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Hands every new handshake the certificate loaded last; a failed reload leaves it in place.
#[derive(Debug)]
pub struct ReloadableCert {
    files: TlsFiles,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl ReloadableCert {
    pub fn load(files: TlsFiles) -> Result<Arc<Self>, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = load_certified_key(&files, &provider)?;
        Ok(Arc::new(Self {
            files,
            provider,
            current: RwLock::new(Arc::new(key)),
        }))
    }

    /// Re-reads both files; connections already open keep the certificate they started with.
    pub fn reload(&self) -> Result<(), String> {
        let key = Arc::new(load_certified_key(&self.files, &self.provider)?);
        // A poisoned lock only means a writer panicked mid-assignment of an `Arc`: the value
        // is whole either way.
        match self.current.write() {
            Ok(mut current) => *current = key,
            Err(poisoned) => *poisoned.into_inner() = key,
        }
        Ok(())
    }

    fn current(&self) -> Arc<CertifiedKey> {
        match self.current.read() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn files(&self) -> &TlsFiles {
        &self.files
    }
}

impl ResolvesServerCert for ReloadableCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

/// TLS 1.2 and 1.3 only (S3 refuses older versions too), ALPN http/1.1, no client
/// certificates.
pub fn server_config(certs: Arc<ReloadableCert>) -> Result<Arc<ServerConfig>, String> {
    let mut config = ServerConfig::builder_with_provider(certs.provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| format!("TLS configuration: {e}"))?
        .with_no_client_auth()
        .with_cert_resolver(certs);
    config.alpn_protocols = vec![ALPN_HTTP_1_1.to_vec()];
    Ok(Arc::new(config))
}

/// `s3:TlsVersion`'s value for a negotiated version; `None` for versions never offered.
pub fn version_name(version: rustls::ProtocolVersion) -> Option<&'static str> {
    match version {
        rustls::ProtocolVersion::TLSv1_2 => Some("1.2"),
        rustls::ProtocolVersion::TLSv1_3 => Some("1.3"),
        _ => None,
    }
}

/// A cipher suite as OpenSSL (and so S3's access logs) names it.
pub fn cipher_suite_name(suite: rustls::CipherSuite) -> Option<&'static str> {
    use rustls::CipherSuite as C;
    Some(match suite {
        C::TLS13_AES_128_GCM_SHA256 => "TLS_AES_128_GCM_SHA256",
        C::TLS13_AES_256_GCM_SHA384 => "TLS_AES_256_GCM_SHA384",
        C::TLS13_CHACHA20_POLY1305_SHA256 => "TLS_CHACHA20_POLY1305_SHA256",
        C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => "ECDHE-RSA-AES128-GCM-SHA256",
        C::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => "ECDHE-RSA-AES256-GCM-SHA384",
        C::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => "ECDHE-RSA-CHACHA20-POLY1305",
        C::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => "ECDHE-ECDSA-AES128-GCM-SHA256",
        C::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => "ECDHE-ECDSA-AES256-GCM-SHA384",
        C::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => "ECDHE-ECDSA-CHACHA20-POLY1305",
        _ => return None,
    })
}

fn load_certified_key(files: &TlsFiles, provider: &CryptoProvider) -> Result<CertifiedKey, String> {
    let chain = read_chain(&files.cert)?;
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| {
        format!(
            "cannot read a private key (PKCS#8, PKCS#1 or SEC1 PEM) from {}: {e}",
            files.key.display()
        )
    })?;
    CertifiedKey::from_der(chain, key, provider).map_err(|e| {
        format!(
            "the private key {} does not go with the certificate {}: {e}",
            files.key.display(),
            files.cert.display()
        )
    })
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let unreadable = |e: rustls_pki_types::pem::Error| {
        format!("cannot read a PEM certificate from {}: {e}", path.display())
    };
    let chain = CertificateDer::pem_file_iter(path)
        .map_err(unreadable)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(unreadable)?;
    if chain.is_empty() {
        return Err(format!("no PEM certificate in {}", path.display()));
    }
    Ok(chain)
}

/// Reloads the certificate on every SIGHUP, for the life of the process.
#[cfg(unix)]
pub fn reload_on_sighup(certs: Arc<ReloadableCert>) -> Result<(), String> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangups =
        signal(SignalKind::hangup()).map_err(|e| format!("cannot watch for SIGHUP: {e}"))?;
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            let reloading = certs.clone();
            let outcome = tokio::task::spawn_blocking(move || reloading.reload())
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r);
            match outcome {
                Ok(()) => tracing::info!(
                    cert = %certs.files().cert.display(),
                    "TLS certificate reloaded"
                ),
                Err(e) => tracing::error!(
                    error = %e,
                    "TLS certificate reload failed; still serving the previous certificate"
                ),
            }
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use openssl::ec::{EcGroup, EcKey};
    use openssl::nid::Nid;
    use openssl::pkey::{PKey, Private};
    use openssl::rsa::Rsa;

    use super::*;

    /// A certificate for `key`, and the files holding it with the key in `key_pem`'s form.
    fn write_pair(dir: &Path, key: &PKey<Private>, key_pem: &[u8]) -> TlsFiles {
        let pkcs8 = String::from_utf8(key.private_key_to_pem_pkcs8().unwrap()).unwrap();
        let signing = rcgen::KeyPair::from_pem(&pkcs8).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .self_signed(&signing)
            .unwrap();
        let files = TlsFiles {
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        };
        std::fs::write(&files.cert, cert.pem()).unwrap();
        std::fs::write(&files.key, key_pem).unwrap();
        files
    }

    fn ec_key() -> PKey<Private> {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
    }

    #[test]
    fn loads_pkcs8_pkcs1_and_sec1_keys() {
        let dir = tempfile::tempdir().unwrap();
        let ec = ec_key();
        let pkcs8 = ec.private_key_to_pem_pkcs8().unwrap();
        ReloadableCert::load(write_pair(dir.path(), &ec, &pkcs8)).unwrap();
        let sec1 = ec.ec_key().unwrap().private_key_to_pem().unwrap();
        assert!(String::from_utf8_lossy(&sec1).contains("BEGIN EC PRIVATE KEY"));
        ReloadableCert::load(write_pair(dir.path(), &ec, &sec1)).unwrap();
        let rsa = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let pkcs1 = rsa.rsa().unwrap().private_key_to_pem().unwrap();
        assert!(String::from_utf8_lossy(&pkcs1).contains("BEGIN RSA PRIVATE KEY"));
        ReloadableCert::load(write_pair(dir.path(), &rsa, &pkcs1)).unwrap();
    }

    #[test]
    fn errors_name_the_file_and_a_failed_reload_keeps_the_old_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let ec = ec_key();
        let files = write_pair(dir.path(), &ec, &ec.private_key_to_pem_pkcs8().unwrap());
        let certs = ReloadableCert::load(files.clone()).unwrap();
        let served = certs.current();
        let cert_pem = std::fs::read(&files.cert).unwrap();

        let other = ec_key().private_key_to_pem_pkcs8().unwrap();
        std::fs::write(&files.key, other).unwrap();
        let err = certs.reload().unwrap_err();
        assert!(
            err.contains("does not go with") && err.contains("key.pem"),
            "{err}"
        );
        std::fs::write(&files.cert, "garbage").unwrap();
        let err = certs.reload().unwrap_err();
        assert!(err.contains("cert.pem"), "{err}");
        assert!(Arc::ptr_eq(&served, &certs.current()));

        std::fs::write(&files.cert, cert_pem).unwrap();
        std::fs::remove_file(&files.key).unwrap();
        let err = ReloadableCert::load(files).unwrap_err();
        assert!(err.contains("key.pem"), "{err}");
    }
}
