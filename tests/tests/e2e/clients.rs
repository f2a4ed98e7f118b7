//! Real S3 clients moving real amounts of data: the `aws` CLI (large multipart `cp`, `sync` of
//! a tree), boto3's TransferManager, rclone and s3cmd. Every client runs with its default
//! behaviour unless a setting is needed to reach the server (endpoint, credentials, path
//! style) or to make a small file take the multipart path.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Output;

use base64::Engine as _;
use rampart_e2e::{Server, bucket_name, pattern};
use sha2::{Digest, Sha256};

const MIB: usize = 1024 * 1024;

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

/// Deterministic file content, written 1 MiB at a time (never the whole file in memory).
fn write_pattern_file(path: &Path, len: usize, seed: u64) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut written = 0;
    let mut chunk_seed = seed;
    while written < len {
        let n = MIB.min(len - written);
        file.write_all(&pattern(n, chunk_seed)).unwrap();
        written += n;
        chunk_seed += 1;
    }
    file.flush().unwrap();
}

/// Asserts two files hold the same bytes, comparing them 1 MiB at a time.
#[track_caller]
fn assert_same_file(expected: &Path, actual: &Path) {
    let len = |p: &Path| std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    assert_eq!(
        len(actual).len(),
        len(expected).len(),
        "{} and {} differ in length",
        actual.display(),
        expected.display()
    );
    let mut a = std::io::BufReader::new(std::fs::File::open(expected).unwrap());
    let mut b = std::io::BufReader::new(std::fs::File::open(actual).unwrap());
    let (mut buf_a, mut buf_b) = (vec![0; MIB], vec![0; MIB]);
    let mut offset = 0;
    loop {
        let n = read_full(&mut a, &mut buf_a);
        let m = read_full(&mut b, &mut buf_b);
        assert_eq!(n, m);
        if n == 0 {
            return;
        }
        if buf_a[..n] != buf_b[..n] {
            let at = buf_a[..n].iter().zip(&buf_b[..n]).position(|(x, y)| x != y);
            panic!(
                "{} differs from {} at byte {}",
                actual.display(),
                expected.display(),
                offset + at.unwrap_or(0)
            );
        }
        offset += n;
    }
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> usize {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]).unwrap() {
            0 => break,
            n => filled += n,
        }
    }
    filled
}

/// Every regular file under `root`: relative path ('/'-separated) → (length, SHA-256).
fn tree(root: &Path) -> BTreeMap<String, (u64, String)> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, (u64, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                let rel: Vec<_> = rel
                    .components()
                    .map(|c| c.as_os_str().to_str().unwrap())
                    .collect();
                let mut hasher = Sha256::new();
                let mut file = std::fs::File::open(&path).unwrap();
                let mut buf = vec![0; MIB];
                let mut len = 0;
                loop {
                    let n = read_full(&mut file, &mut buf);
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n]);
                    len += n as u64;
                }
                out.insert(rel.join("/"), (len, hex::encode(hasher.finalize())));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

#[track_caller]
fn assert_same_tree(expected: &Path, actual: &Path) {
    let (want, got) = (tree(expected), tree(actual));
    let missing: Vec<_> = want.keys().filter(|k| !got.contains_key(*k)).collect();
    let extra: Vec<_> = got.keys().filter(|k| !want.contains_key(*k)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "trees differ: missing {missing:?}, unexpected {extra:?}"
    );
    for (name, value) in &want {
        assert_eq!(&got[name], value, "{name}: content differs");
    }
}

/// The values of `"key": value` in pretty-printed JSON (as the aws CLI prints it), strings
/// without their quotes (and without the escaped quotes of an ETag).
fn json_values(text: &str, key: &str) -> Vec<String> {
    let needle = format!("\"{key}\": ");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(&needle) {
        rest = &rest[at + needle.len()..];
        let value = if let Some(s) = rest.strip_prefix('"') {
            let mut end = 0;
            let bytes = s.as_bytes();
            while end < bytes.len() && bytes[end] != b'"' {
                end += if bytes[end] == b'\\' { 2 } else { 1 };
            }
            s[..end].replace("\\\"", "")
        } else {
            let end = rest.find([',', '\n', '}']).unwrap_or(rest.len());
            rest[..end].trim().to_owned()
        };
        out.push(value);
    }
    out
}

#[track_caller]
fn json_value(text: &str, key: &str) -> String {
    let values = json_values(text, key);
    assert!(!values.is_empty(), "no \"{key}\" in {text}");
    values[0].clone()
}

/// CRC-32 (IEEE, as S3's ChecksumCRC32), big-endian bytes.
fn crc32(data: &[u8]) -> [u8; 4] {
    let table: Vec<u32> = (0..256u32)
        .map(|n| {
            (0..8).fold(n, |c, _| {
                if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                }
            })
        })
        .collect();
    let crc = data.iter().fold(!0u32, |c, &b| {
        table[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8)
    });
    (!crc).to_be_bytes()
}

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

async fn head_etag(server: &Server, bucket: &str, key: &str) -> String {
    server
        .client()
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("HEAD {key}: {e:?}"))
        .e_tag()
        .unwrap_or_default()
        .to_owned()
}

async fn list_keys(server: &Server, bucket: &str, prefix: &str) -> Vec<String> {
    let s3 = server.client();
    let mut keys = Vec::new();
    let mut token = None;
    loop {
        let page = s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_continuation_token(token)
            .send()
            .await
            .expect("list_objects_v2");
        keys.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_owned)),
        );
        token = page.next_continuation_token().map(str::to_owned);
        if token.is_none() {
            return keys;
        }
    }
}

/// `aws s3 cp` of 200 MiB with the CLI's defaults: a 25-part multipart upload (8 MiB parts)
/// with CRC32 checksums, a ranged multi-connection download, then the object's checksum and
/// attributes.
#[tokio::test]
async fn aws_cli_cp_200_mib_multipart_with_checksums() {
    const SIZE: usize = 200 * MIB;
    const PART: usize = 8 * MIB;
    const PARTS: usize = SIZE / PART;
    let server = Server::start();
    let bucket = bucket_name("cp200");
    let url = format!("s3://{bucket}/big/200.bin");
    ok(
        &server.aws(&["s3", "mb", &format!("s3://{bucket}")]),
        "aws s3 mb",
    );

    let work = tempfile::tempdir().unwrap();
    let up = work.path().join("up.bin");
    let down = work.path().join("down.bin");
    write_pattern_file(&up, SIZE, 200);
    ok(
        &server.aws(&["s3", "cp", "--no-progress", up.to_str().unwrap(), &url]),
        "aws s3 cp (upload, 200 MiB)",
    );
    ok(
        &server.aws(&["s3", "cp", "--no-progress", &url, down.to_str().unwrap()]),
        "aws s3 cp (download, 200 MiB)",
    );
    assert_same_file(&up, &down);

    let head = ok(
        &server.aws(&[
            "s3api",
            "head-object",
            "--checksum-mode",
            "ENABLED",
            "--bucket",
            &bucket,
            "--key",
            "big/200.bin",
        ]),
        "aws s3api head-object --checksum-mode ENABLED",
    );
    assert_eq!(
        json_value(&head, "ContentLength"),
        SIZE.to_string(),
        "{head}"
    );
    let etag = json_value(&head, "ETag");
    assert!(etag.ends_with(&format!("-{PARTS}")), "ETag {etag}: {head}");
    // The CLI creates the upload with CRC32 (botocore's default since 1.36) and sends each
    // part's CRC32: the object's checksum is the composite one, CRC32 of the parts' CRC32s.
    let checksum = json_values(&head, "ChecksumCRC32");
    assert_eq!(
        checksum.len(),
        1,
        "no ChecksumCRC32 in head-object --checksum-mode ENABLED: {head}"
    );
    let checksum = &checksum[0];
    assert!(
        checksum.ends_with(&format!("-{PARTS}")),
        "composite checksum {checksum}: {head}"
    );
    assert_eq!(json_value(&head, "ChecksumType"), "COMPOSITE", "{head}");

    let attrs = ok(
        &server.aws(&[
            "s3api",
            "get-object-attributes",
            "--bucket",
            &bucket,
            "--key",
            "big/200.bin",
            "--object-attributes",
            "ETag",
            "Checksum",
            "ObjectParts",
            "StorageClass",
            "ObjectSize",
        ]),
        "aws s3api get-object-attributes",
    );
    assert_eq!(json_value(&attrs, "ETag"), etag, "{attrs}");
    assert_eq!(
        json_value(&attrs, "ObjectSize"),
        SIZE.to_string(),
        "{attrs}"
    );
    assert_eq!(json_value(&attrs, "StorageClass"), "STANDARD", "{attrs}");
    assert_eq!(
        json_value(&attrs, "TotalPartsCount"),
        PARTS.to_string(),
        "{attrs}"
    );
    assert_eq!(json_value(&attrs, "IsTruncated"), "false", "{attrs}");
    let part_numbers = json_values(&attrs, "PartNumber");
    let want_numbers: Vec<String> = (1..=PARTS).map(|n| n.to_string()).collect();
    assert_eq!(part_numbers, want_numbers, "{attrs}");
    assert!(
        json_values(&attrs, "Size")
            .iter()
            .all(|s| *s == PART.to_string()),
        "{attrs}"
    );
    // ChecksumCRC32 values: the object's first, then one per part.
    let crcs = json_values(&attrs, "ChecksumCRC32");
    assert_eq!(crcs.len(), PARTS + 1, "{attrs}");
    let object_crc = checksum.split('-').next().unwrap();
    assert_eq!(crcs[0].split('-').next().unwrap(), object_crc, "{attrs}");
    let mut raw = Vec::new();
    for part in &crcs[1..] {
        raw.extend(
            base64::engine::general_purpose::STANDARD
                .decode(part)
                .unwrap(),
        );
    }
    assert_eq!(
        b64(&crc32(&raw)),
        object_crc,
        "composite CRC32 is not the CRC32 of the parts'"
    );
    // The first and last parts' checksums are those of the bytes sent.
    let mut file = std::fs::File::open(&up).unwrap();
    let mut part = vec![0; PART];
    assert_eq!(read_full(&mut file, &mut part), PART);
    assert_eq!(crcs[1], b64(&crc32(&part)), "part 1 checksum");
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start((SIZE - PART) as u64)).unwrap();
    assert_eq!(read_full(&mut file, &mut part), PART);
    assert_eq!(crcs[PARTS], b64(&crc32(&part)), "part {PARTS} checksum");
}

/// The names of the sync tree: nested directories, and a few keys that need encoding.
fn sync_tree_name(i: usize) -> String {
    match i {
        0 => "with space/file name.txt".to_owned(),
        1 => "ünïcødé/日本語のファイル.txt".to_owned(),
        2 => "emoji 🎉/party 🎈.txt".to_owned(),
        3 => "plus+sign/a+b=c.txt".to_owned(),
        4 => "percent/100% done & (more).txt".to_owned(),
        5 => "tilde~dir/x~y'z.txt".to_owned(),
        6 => "top level.txt".to_owned(),
        _ => format!("d{}/e{}/f{}/file-{i:03}.dat", i % 5, i % 3, i % 2),
    }
}

/// `aws s3 sync --no-progress FROM TO`: one `upload:`/`download:`/`delete:` line per change.
///
/// botocore before 1.43.77 sends `Expect: 100-continue` on zero-length PUTs and, when the
/// server answers with the final status at once (as S3 does), parses the next response on that
/// pooled connection against the stale status line and hangs until the connection idles out
/// (boto/botocore#3755). `BOTO_EXPERIMENTAL__NO_EMPTY_CONTINUE` makes botocore leave out the
/// header for empty bodies, so the empty files of the tree do not stall the sync.
fn aws_sync(server: &Server, from: &str, to: &str, extra: &[&str]) -> Output {
    let mut args = vec!["s3", "sync", "--no-progress"];
    args.extend_from_slice(extra);
    args.extend([from, to]);
    server.aws_with_env(&args, &[("BOTO_EXPERIMENTAL__NO_EMPTY_CONTINUE", "true")])
}

/// `aws s3 sync` of 500 small files up and back; a second sync is a no-op; `--delete`
/// removes what was deleted locally.
#[tokio::test]
async fn aws_cli_sync_500_files() {
    const FILES: usize = 500;
    let server = Server::start();
    let bucket = bucket_name("sync");
    let remote = format!("s3://{bucket}/tree/");
    ok(
        &server.aws(&["s3", "mb", &format!("s3://{bucket}")]),
        "aws s3 mb",
    );

    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    let back = work.path().join("back");
    std::fs::create_dir_all(&back).unwrap();
    for i in 0..FILES {
        let path = src.join(sync_tree_name(i));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let len = if i % 97 == 0 { 0 } else { (i * 37) % 3000 + 1 };
        std::fs::write(&path, pattern(len, i as u64)).unwrap();
        // Listings date objects to the second: a file modified in the same second as its
        // upload would look newer than its copy to the next sync. Date the files earlier.
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| {
                f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(10))
            })
            .unwrap();
    }

    let up = ok(
        &aws_sync(&server, src.to_str().unwrap(), &remote, &[]),
        "aws s3 sync (upload)",
    );
    let uploads = up.lines().filter(|l| l.starts_with("upload: ")).count();
    assert_eq!(uploads, FILES, "{up}");
    let mut keys = list_keys(&server, &bucket, "tree/").await;
    keys.sort();
    let mut want: Vec<String> = (0..FILES)
        .map(|i| format!("tree/{}", sync_tree_name(i)))
        .collect();
    want.sort();
    assert_eq!(keys, want);

    let down = ok(
        &aws_sync(&server, &remote, back.to_str().unwrap(), &[]),
        "aws s3 sync (download)",
    );
    assert_eq!(
        down.lines().filter(|l| l.starts_with("download: ")).count(),
        FILES,
        "{down}"
    );
    assert_same_tree(&src, &back);

    // Nothing changed: a second sync in either direction transfers nothing.
    let again = ok(
        &aws_sync(&server, src.to_str().unwrap(), &remote, &[]),
        "aws s3 sync (second upload)",
    );
    assert!(
        again.trim().is_empty(),
        "the second sync transferred something:\n{again}"
    );
    let again = ok(
        &aws_sync(&server, &remote, back.to_str().unwrap(), &[]),
        "aws s3 sync (second download)",
    );
    assert!(
        again.trim().is_empty(),
        "the second sync transferred something:\n{again}"
    );

    // Delete two files locally (one with a unicode name); --delete removes them remotely.
    for i in [1, 10] {
        std::fs::remove_file(src.join(sync_tree_name(i))).unwrap();
    }
    let deleted = ok(
        &aws_sync(&server, src.to_str().unwrap(), &remote, &["--delete"]),
        "aws s3 sync --delete",
    );
    let mut lines: Vec<&str> = deleted.lines().collect();
    lines.sort_unstable();
    let mut want_lines = vec![
        format!("delete: {remote}{}", sync_tree_name(1)),
        format!("delete: {remote}{}", sync_tree_name(10)),
    ];
    want_lines.sort();
    assert_eq!(lines, want_lines, "{deleted}");
    let keys = list_keys(&server, &bucket, "tree/").await;
    assert_eq!(keys.len(), FILES - 2);
    for i in [1, 10] {
        let key = format!("tree/{}", sync_tree_name(i));
        assert!(!keys.contains(&key), "{key} is still listed");
        let head = server
            .client()
            .head_object()
            .bucket(&bucket)
            .key(&key)
            .send()
            .await;
        assert!(head.is_err(), "{key} still exists after sync --delete");
    }
}

/// boto3's TransferManager: upload_file and download_file of 100 MiB in 8 MiB parts with 8
/// threads (tests/scripts/boto3_transfer.py).
#[tokio::test]
async fn boto3_transfer_manager_100_mib() {
    let server = Server::start();
    let work = tempfile::tempdir().unwrap();
    let up = work.path().join("up.bin");
    let down = work.path().join("down.bin");
    write_pattern_file(&up, 100 * MIB, 100);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/boto3_transfer.py");
    let bucket = bucket_name("xfer");
    let output = server.python(&[
        std::ffi::OsStr::new(script),
        server.endpoint.as_ref(),
        bucket.as_ref(),
        up.as_os_str(),
        down.as_os_str(),
    ]);
    if output.status.code() == Some(2) {
        panic!(
            "python3 cannot run the boto3 script (is boto3 installed? `pip install boto3`; `.ci/run` installs it):\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let stdout = ok(&output, "python3 tests/scripts/boto3_transfer.py");
    assert!(stdout.contains("boto3 transfer: ok (13 parts)"), "{stdout}");
    assert_same_file(&up, &down);
}

/// A directory of 50 files in nested directories, one of 20 MiB (multipart with 5 MiB parts).
fn client_tree(root: &Path) -> Vec<(String, usize)> {
    let mut files = vec![
        ("big/twenty.bin".to_owned(), 20 * MIB),
        ("sub dir/file one.txt".to_owned(), 11),
        ("ünïcødé/naïve.txt".to_owned(), 300),
        ("empty.txt".to_owned(), 0),
    ];
    for i in files.len()..50 {
        files.push((
            format!("a{}/b{}/f{i:02}.bin", i % 3, i % 4),
            (i * 1013) % 70_000 + 1,
        ));
    }
    for (n, (name, len)) in files.iter().enumerate() {
        write_pattern_file(&root.join(name), *len, 5000 + n as u64);
    }
    files
}

/// The keys and sizes an `ls`-style listing printed: lines whose last field(s) end with one
/// of the expected names, each with its size.
#[track_caller]
fn assert_listing(listing: &str, prefix: &str, files: &[(String, usize)]) {
    for (name, len) in files {
        let key = format!("{prefix}{name}");
        assert!(
            listing.lines().any(|l| {
                l.ends_with(&key) && l.split_whitespace().any(|f| f == len.to_string())
            }),
            "{key} ({len} bytes) is not in the listing:\n{listing}"
        );
    }
    let lines = listing.lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(lines, files.len(), "{listing}");
}

#[tokio::test]
async fn rclone_copy_tree_up_and_back() {
    let server = Server::start();
    let bucket = bucket_name("rclone");
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    let back = work.path().join("back");
    let files = client_tree(&src);
    let remote = format!("rampart:{bucket}/up");

    // rclone's defaults, except a 5 MiB cut-off so the 20 MiB file goes multipart (4 parts).
    // Its default ACL is `private`: it sends `x-amz-acl: private` on every PutObject and
    // CreateMultipartUpload. On a bucket with ACLs disabled (BucketOwnerEnforced) S3 accepts
    // that from the bucket owner, since it grants exactly what bucket-owner-full-control does
    // (the owner is the bucket owner); only ACLs granting anything more are refused with
    // AccessControlListNotSupported.
    ok(
        &server.rclone(&["mkdir", &format!("rampart:{bucket}")]),
        "rclone mkdir",
    );
    ok(
        &server.rclone(&[
            "copy",
            "--retries",
            "1",
            "--s3-upload-cutoff",
            "5M",
            "--s3-chunk-size",
            "5M",
            src.to_str().unwrap(),
            &remote,
        ]),
        "rclone copy (upload)",
    );
    let listing = ok(&server.rclone(&["ls", &remote]), "rclone ls");
    assert_listing(&listing, "", &files);
    let etag = head_etag(&server, &bucket, "up/big/twenty.bin").await;
    assert!(
        etag.ends_with("-4\""),
        "rclone did not upload 20 MiB in 4 parts: ETag {etag}"
    );

    ok(
        &server.rclone(&["copy", "--retries", "1", &remote, back.to_str().unwrap()]),
        "rclone copy (download)",
    );
    assert_same_tree(&src, &back);
    ok(
        &server.rclone(&["check", src.to_str().unwrap(), &remote]),
        "rclone check",
    );
}

#[tokio::test]
async fn s3cmd_put_get_tree_up_and_back() {
    let server = Server::start();
    let bucket = bucket_name("s3cmd");
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    let back = work.path().join("back");
    std::fs::create_dir_all(&back).unwrap();
    let files = client_tree(&src);
    let remote = format!("s3://{bucket}/up/");

    ok(
        &server.s3cmd(&["mb", &format!("s3://{bucket}")]),
        "s3cmd mb",
    );
    // 5 MiB parts (s3cmd's default is 15 MiB), so the 20 MiB file is a 4-part upload.
    let src_arg = format!("{}/", src.display());
    ok(
        &server.s3cmd(&[
            "put",
            "--recursive",
            "--multipart-chunk-size-mb=5",
            &src_arg,
            &remote,
        ]),
        "s3cmd put --recursive",
    );
    let listing = ok(
        &server.s3cmd(&["ls", "--recursive", &remote]),
        "s3cmd ls --recursive",
    );
    assert_listing(&listing, &remote, &files);
    let top = ok(&server.s3cmd(&["ls", &remote]), "s3cmd ls");
    for dir in ["a0/", "big/", "sub dir/", "ünïcødé/"] {
        assert!(
            top.lines()
                .any(|l| l.contains("DIR") && l.ends_with(&format!("{remote}{dir}"))),
            "{dir} missing from:\n{top}"
        );
    }
    assert!(
        top.lines()
            .any(|l| l.ends_with(&format!("{remote}empty.txt"))),
        "{top}"
    );
    let etag = head_etag(&server, &bucket, "up/big/twenty.bin").await;
    assert!(
        etag.ends_with("-4\""),
        "s3cmd did not upload 20 MiB in 4 parts: ETag {etag}"
    );

    let back_arg = format!("{}/", back.display());
    ok(
        &server.s3cmd(&["get", "--recursive", &remote, &back_arg]),
        "s3cmd get --recursive",
    );
    assert_same_tree(&src, &back);
}
