//! Virtual MFA devices end to end: boto3 drives the IAM MFA operations for a user and for the
//! account root, computes TOTP codes itself, and uses them with GetSessionToken to satisfy an
//! `aws:MultiFactorAuthPresent` condition; the aws CLI creates a device and writes its seed.

use rampart_e2e::Server;

use crate::iam::{iam_ok, json_ok};

#[tokio::test]
async fn boto3_mfa_scenario() {
    let server = Server::start();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/mfa.py");
    let output = server.python(&[script, &server.endpoint]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "tests/scripts/mfa.py failed ({}):\nstdout: {stdout}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("mfa: ok"), "{stdout}");
    // The script cleaned up after itself.
    let devices = iam_ok(&server, &[("Action", "ListVirtualMFADevices")]).await;
    assert!(
        !devices.text().contains("<SerialNumber>"),
        "{}",
        devices.text()
    );
}

#[tokio::test]
async fn cli_writes_the_seed_and_lists_devices() {
    let server = Server::start();
    let seed_file = tempfile::NamedTempFile::new().unwrap();
    let seed_path = seed_file.path().to_str().unwrap().to_owned();
    let created = json_ok(
        &server.aws(&[
            "iam",
            "create-virtual-mfa-device",
            "--virtual-mfa-device-name",
            "cli-device",
            "--outfile",
            &seed_path,
            "--bootstrap-method",
            "Base32StringSeed",
            "--output",
            "json",
        ]),
        "aws iam create-virtual-mfa-device",
    );
    let serial = created["VirtualMFADevice"]["SerialNumber"]
        .as_str()
        .expect("SerialNumber")
        .to_owned();
    assert!(serial.ends_with(":mfa/cli-device"), "{created}");
    // The CLI decoded the blob and wrote the Base32 seed itself.
    let seed = std::fs::read_to_string(&seed_path).unwrap();
    assert_eq!(seed.len(), 64, "{seed:?}");
    assert!(
        seed.bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)),
        "{seed:?}"
    );

    let listed = json_ok(
        &server.aws(&[
            "iam",
            "list-virtual-mfa-devices",
            "--assignment-status",
            "Unassigned",
            "--output",
            "json",
        ]),
        "aws iam list-virtual-mfa-devices",
    );
    assert_eq!(
        listed["VirtualMFADevices"][0]["SerialNumber"].as_str(),
        Some(serial.as_str()),
        "{listed}"
    );
    let out = server.aws(&[
        "iam",
        "enable-mfa-device",
        "--user-name",
        "nobody",
        "--serial-number",
        &serial,
        "--authentication-code1",
        "123456",
        "--authentication-code2",
        "654321",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("NoSuchEntity"), "{stderr}");
    let out = server.aws(&[
        "iam",
        "delete-virtual-mfa-device",
        "--serial-number",
        &serial,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
