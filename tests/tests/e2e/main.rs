//! End-to-end tests: the real `rampart` binary, driven by real clients. One test binary (one
//! link of the SDK); each test starts its own server.

mod auth;
mod buckets;
mod cli;
mod common;
mod copy;
mod crash;
mod delete_objects;
mod list;
mod objects;
mod protocol;
mod startup;
