//! Rampart's cryptography. Pure: no I/O, no async runtime.
//!
//! The server's master key and the sealing of secrets at rest (secret access keys, STS
//! secrets, wrapped data keys), and the segment format objects are encrypted in.

mod error;
mod master_key;
pub mod segment;

pub use error::CryptoError;
pub use master_key::{MasterKey, SEALED_OVERHEAD};
pub use zeroize::Zeroizing;
