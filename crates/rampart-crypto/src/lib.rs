//! Rampart's cryptography. Pure: no I/O, no async runtime.
//!
//! For now this is the server's master key and the sealing of secrets at rest (secret access
//! keys, STS secrets). The encryption issue adds the SSE segment format and key providers.

mod error;
mod master_key;

pub use error::CryptoError;
pub use master_key::{MasterKey, SEALED_OVERHEAD};
pub use zeroize::Zeroizing;
