//! Real command-line clients: the `aws` CLI (v1 here) and a boto3 script.

use std::process::Output;

use rampart_e2e::{Server, bucket_name, md5_hex, pattern};

#[track_caller]
fn ok(output: &Output, what: &str) -> String {
    assert!(
        output.status.success(),
        "`{what}` failed ({}):\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn aws_cli_mb_cp_ls_rm_and_s3api() {
    // The CLI's defaults: the 50 MiB file goes up as a 7-part multipart upload (8 MiB parts).
    let server = Server::start();
    let bucket = bucket_name("cli");
    let url = format!("s3://{bucket}");

    ok(&server.aws(&["s3", "mb", &url]), "aws s3 mb");
    let buckets = ok(&server.aws(&["s3", "ls"]), "aws s3 ls");
    assert!(
        buckets.lines().any(|l| l.ends_with(&format!(" {bucket}"))),
        "{buckets}"
    );

    let work = tempfile::tempdir().unwrap();
    let big = pattern(50 * 1024 * 1024, 77);
    let up = work.path().join("big.bin");
    std::fs::write(&up, &big).unwrap();
    std::fs::write(work.path().join("small.txt"), b"hello").unwrap();
    let up_s = up.to_str().unwrap();
    ok(
        &server.aws(&[
            "s3",
            "cp",
            "--only-show-errors",
            up_s,
            &format!("{url}/dir/big.bin"),
        ]),
        "aws s3 cp up",
    );
    ok(
        &server.aws(&[
            "s3",
            "cp",
            "--only-show-errors",
            work.path().join("small.txt").to_str().unwrap(),
            &format!("{url}/dir/sub/small.txt"),
        ]),
        "aws s3 cp small",
    );
    ok(
        &server.aws(&[
            "s3",
            "cp",
            "--only-show-errors",
            work.path().join("small.txt").to_str().unwrap(),
            &format!("{url}/top.txt"),
        ]),
        "aws s3 cp top",
    );

    let down = work.path().join("back.bin");
    ok(
        &server.aws(&[
            "s3",
            "cp",
            "--only-show-errors",
            &format!("{url}/dir/big.bin"),
            down.to_str().unwrap(),
        ]),
        "aws s3 cp down",
    );
    let back = std::fs::read(&down).unwrap();
    assert_eq!(back.len(), big.len());
    assert!(back == big, "the 50 MiB round trip changed bytes");

    // Listing: one level, then recursive.
    let top = ok(&server.aws(&["s3", "ls", &format!("{url}/")]), "aws s3 ls");
    assert!(top.contains("PRE dir/"), "{top}");
    assert!(top.contains(" top.txt"), "{top}");
    assert!(!top.contains("big.bin"), "{top}");
    let all = ok(
        &server.aws(&["s3", "ls", "--recursive", &url]),
        "aws s3 ls --recursive",
    );
    let mut names: Vec<&str> = all
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["dir/big.bin", "dir/sub/small.txt", "top.txt"],
        "{all}"
    );
    assert!(
        all.lines()
            .any(|l| l.contains(&(50 * 1024 * 1024).to_string()) && l.ends_with("dir/big.bin")),
        "{all}"
    );

    // s3api: head-object and a delimited listing.
    let head = ok(
        &server.aws(&[
            "s3api",
            "head-object",
            "--bucket",
            &bucket,
            "--key",
            "dir/big.bin",
        ]),
        "aws s3api head-object",
    );
    // A multipart ETag: the MD5 of the parts' MD5s, then the part count.
    let part_md5s: Vec<u8> = big
        .chunks(8 * 1024 * 1024)
        .flat_map(|part| hex::decode(md5_hex(part)).unwrap())
        .collect();
    assert!(
        head.contains(&format!("\\\"{}-7\\\"", md5_hex(&part_md5s))),
        "multipart ETag missing from {head}"
    );
    assert!(head.contains("\"ContentLength\": 52428800"), "{head}");
    let listed = ok(
        &server.aws(&[
            "s3api",
            "list-objects-v2",
            "--bucket",
            &bucket,
            "--prefix",
            "dir/",
            "--delimiter",
            "/",
        ]),
        "aws s3api list-objects-v2",
    );
    assert!(listed.contains("\"Key\": \"dir/big.bin\""), "{listed}");
    assert!(listed.contains("\"Prefix\": \"dir/sub/\""), "{listed}");
    assert!(!listed.contains("small.txt"), "{listed}");
    assert!(!listed.contains("top.txt"), "{listed}");

    // rm, then the listing shrinks; a missing object fails head-object.
    ok(
        &server.aws(&[
            "s3",
            "rm",
            "--only-show-errors",
            &format!("{url}/dir/big.bin"),
        ]),
        "aws s3 rm",
    );
    let gone = server.aws(&[
        "s3api",
        "head-object",
        "--bucket",
        &bucket,
        "--key",
        "dir/big.bin",
    ]);
    assert!(!gone.status.success());
    assert!(
        String::from_utf8_lossy(&gone.stderr).contains("404"),
        "{}",
        String::from_utf8_lossy(&gone.stderr)
    );
    ok(
        &server.aws(&["s3", "rm", "--only-show-errors", "--recursive", &url]),
        "aws s3 rm --recursive",
    );
    let empty = ok(
        &server.aws(&["s3", "ls", "--recursive", &url]),
        "aws s3 ls (empty)",
    );
    assert!(empty.trim().is_empty(), "{empty}");
    ok(&server.aws(&["s3", "rb", &url]), "aws s3 rb");
}

#[tokio::test]
async fn boto3_smoke_script() {
    let server = Server::start();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/boto3_smoke.py");
    let bucket = bucket_name("boto");
    let output = server.python(&[script, &server.endpoint, &bucket]);
    let stdout = ok(&output, "python3 tests/scripts/boto3_smoke.py");
    assert!(stdout.contains("boto3 smoke: ok"), "{stdout}");
    // The script deleted its bucket.
    let e = server
        .client()
        .head_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.raw_response().unwrap().status().as_u16(), 404);
}
