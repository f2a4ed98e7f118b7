//! Who a request comes from, and what IAM says about them.
//!
//! Accounts (12-digit id, 64-hex canonical user id, display name, a root user), and in each
//! account its own IAM namespace: users, groups, roles, long-term access keys, customer-managed
//! and inline policies, plus a few AWS-managed policies, virtual MFA devices, and STS sessions.
//! The bootstrap credentials are the root user of the first account and are held only in
//! memory.
//!
//! Everything is stored through `MetaStore` under `iam/` (MessagePack with named fields;
//! secrets sealed with the master key, session tokens only as SHA-256) and mirrored in a full
//! in-memory snapshot, loaded at open and updated after each commit, so every lookup on the
//! request path is synchronous.

mod account;
mod aws_managed;
mod credentials;
mod entities;
mod error;
mod explain;
mod group;
mod ids;
mod inline;
mod keys;
mod load;
mod mfa;
mod policies;
mod principal;
mod records;
mod resolve;
mod rewrap;
mod role;
mod sessions;
mod snapshot;
mod store;
mod target;
mod user;
mod validate;

#[cfg(test)]
mod tests;

pub use account::Account;
pub use credentials::{AccessKeyId, SecretAccessKey};
pub use entities::{
    AccessKey, Group, KeyStatus, ManagedPolicy, PolicyScope, PolicyTarget, PolicyVersion, Role,
    Tag, User,
};
pub use error::IamError;
pub use mfa::{AssignmentStatus, MfaDevice, MfaOwner};
pub use principal::{Principal, SessionInfo};
pub use resolve::{ResolvedKey, SessionTokenCheck, TokenProblem};
pub use rewrap::SecretsRewrapped;
pub use sessions::{NewSession, NewSessionKind, SessionCredentials};
pub use store::{Clock, IdentityStore};
