//! The command line as an operator meets it. (Being an integration test of this crate also
//! makes `cargo test --workspace` build the `rampart` binary the end-to-end tests run.)

use std::process::Command;

fn rampart() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
}

#[test]
fn serve_help_lists_every_flag() {
    let out = rampart().args(["serve", "--help"]).output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--config",
        "--listen",
        "--data-dir",
        "--region",
        "--domain",
        "--storage-meta",
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
    for env in [
        "RAMPART_LISTEN",
        "RAMPART_DATA_DIR",
        "RAMPART_REGION",
        "RAMPART_DOMAIN",
    ] {
        assert!(help.contains(env), "{env} missing from:\n{help}");
    }
}

#[test]
fn bad_config_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "listen = 12\n").unwrap();
    let out = rampart()
        .args(["serve", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid config file"), "{err}");
}

#[test]
fn half_given_credentials_are_refused() {
    let out = rampart()
        .args(["serve"])
        .env("RAMPART_ROOT_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE")
        .env_remove("RAMPART_ROOT_SECRET_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("RAMPART_ROOT_SECRET_KEY"));
}
