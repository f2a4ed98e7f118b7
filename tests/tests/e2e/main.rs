//! End-to-end tests: the real `rampart` binary, driven by real clients. One test binary (one
//! link of the SDK); each test starts its own server.

mod access_matrix;
mod acl;
mod acl_grants;
mod auth;
mod bucket_policy;
mod bucket_tagging;
mod buckets;
mod checksums;
mod cli;
mod clients;
mod common;
mod copy;
mod cors;
mod crash;
mod delete_objects;
mod iam;
mod iam_authz;
mod kms;
mod list;
mod master_key;
mod mfa;
mod multipart;
mod objects;
mod policy_conditions;
mod post_object;
mod protocol;
mod public_access;
mod sse;
mod sse_c;
mod sse_kms;
mod startup;
mod sts;
mod tagging;
mod tls;
mod versioning;
