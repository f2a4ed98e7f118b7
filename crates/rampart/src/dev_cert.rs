//! `rampart dev-cert`: a self-signed certificate for trying TLS on one machine, without a
//! CA. Not for production: clients must be told to trust this very certificate.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use crate::credentials::write_private;

/// Long enough not to expire under a developer; short enough to be obviously not a CA's.
const VALIDITY: Duration = Duration::from_secs(365 * 24 * 60 * 60);
/// Names the certificate covers: what a local client puts in its endpoint URL.
const NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
pub const CERT_FILE: &str = "cert.pem";
pub const KEY_FILE: &str = "key.pem";

#[derive(Args, Debug)]
pub struct DevCertArgs {
    /// Directory to write cert.pem and key.pem into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

pub fn run(args: DevCertArgs) -> Result<(), String> {
    let (cert, key) = write(&args.out)?;
    println!("wrote {}", cert.display());
    println!("wrote {} (mode 0600)", key.display());
    println!(
        "serve with: rampart serve --tls-cert {} --tls-key {}",
        cert.display(),
        key.display()
    );
    println!(
        "self-signed: make clients trust it, e.g. `aws --ca-bundle {}` or boto3 `verify=\"{}\"`",
        cert.display(),
        cert.display()
    );
    Ok(())
}

/// Writes a fresh key and certificate into `dir`; returns their paths.
pub fn write(dir: &Path) -> Result<(PathBuf, PathBuf), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let names: Vec<String> = NAMES.iter().map(|n| (*n).to_owned()).collect();
    let mut params =
        rcgen::CertificateParams::new(names).map_err(|e| format!("certificate parameters: {e}"))?;
    let now = time::OffsetDateTime::now_utc();
    // A little slack for clocks slightly behind this one.
    params.not_before = now - time::Duration::hours(1);
    params.not_after = now + VALIDITY;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "rampart development certificate");
    let key = rcgen::KeyPair::generate().map_err(|e| format!("cannot generate a key: {e}"))?;
    let cert = params
        .self_signed(&key)
        .map_err(|e| format!("cannot sign the certificate: {e}"))?;

    let key_path = dir.join(KEY_FILE);
    let cert_path = dir.join(CERT_FILE);
    write_private(&key_path, key.serialize_pem().as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", key_path.display()))?;
    std::fs::write(&cert_path, cert.pem())
        .map_err(|e| format!("cannot write {}: {e}", cert_path.display()))?;
    Ok((cert_path, key_path))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use super::*;
    use crate::tls::{ReloadableCert, TlsFiles};

    #[test]
    fn writes_a_private_key_and_a_certificate_the_server_loads() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = write(&dir.path().join("tls")).unwrap();
        assert_eq!(std::fs::metadata(&key).unwrap().mode() & 0o777, 0o600);
        let pem = std::fs::read_to_string(&cert).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
        ReloadableCert::load(TlsFiles { cert, key }).unwrap();
    }
}
