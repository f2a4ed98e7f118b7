//! Domain values shared by every Rampart crate.
//!
//! Each type validates on construction, so a value that exists is valid: a handler that
//! holds a [`BucketName`] never re-checks S3's naming rules.

mod bucket;
mod etag;
mod key;
mod owner;
mod range;

pub use bucket::{BucketName, InvalidBucketName};
pub use etag::ETag;
pub use key::{InvalidObjectKey, MAX_KEY_BYTES, ObjectKey};
pub use owner::{AccountId, CanonicalUserId, Owner};
pub use range::{ByteRange, RangeNotSatisfiable};
