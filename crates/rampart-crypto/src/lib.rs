//! Rampart's cryptography. Pure: no I/O, no async runtime.
//!
//! The server's master key and the sealing of secrets at rest (secret access keys, STS
//! secrets, wrapped data keys), the segment format objects are encrypted in, and the
//! recognition of SSE-C customer keys, and the one-time codes of virtual MFA devices (TOTP).

mod customer_key;
mod error;
mod master_key;
pub mod segment;
pub mod totp;

pub use customer_key::{CustomerKey, FINGERPRINT_SALT_LEN, KeyFingerprint};
pub use error::CryptoError;
pub use master_key::{MasterKey, OpenedWith, SEALED_OVERHEAD};
pub use zeroize::Zeroizing;
