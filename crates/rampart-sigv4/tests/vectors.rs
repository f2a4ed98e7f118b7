//! AWS's SigV4 test suite (tests/fixtures/aws-sig-v4-test-suite), under S3's rules.
//!
//! For every case: our canonical request, string to sign and signature equal the
//! published ones, and the published signed request (header and presigned) verifies.
//! The cases that exercise path normalization or double encoding, which S3 does not do,
//! are checked against the S3 rule instead.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use rampart_sigv4::*;

const SUITE: &str = "tests/fixtures/aws-sig-v4-test-suite";

/// Cases whose expected canonical URI is normalized or double-encoded (not S3's rule).
const NOT_S3: &[&str] = &[
    "get-relative-normalized",
    "get-relative-relative-normalized",
    "get-slash-dot-slash-normalized",
    "get-slash-normalized",
    "get-slashes-normalized",
    "get-slash-pointless-dot-normalized",
    "double-url-encode",
    "double-encode-path",
];

struct Case {
    name: String,
    dir: PathBuf,
    secret: String,
    region: String,
    service: String,
    amz_date: String,
    token: Option<String>,
    omit_token: bool,
    sign_body: bool,
}

impl Case {
    fn load(dir: &Path) -> Option<Case> {
        let context = std::fs::read_to_string(dir.join("context.json")).ok()?;
        let c: serde_json::Value = serde_json::from_str(&context).unwrap();
        let ts = c["timestamp"].as_str().unwrap(); // 2015-08-30T12:36:00Z
        Some(Case {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            dir: dir.to_owned(),
            secret: c["credentials"]["secret_access_key"]
                .as_str()
                .unwrap()
                .to_owned(),
            region: c["region"].as_str().unwrap().to_owned(),
            service: c["service"].as_str().unwrap().to_owned(),
            amz_date: ts.replace(['-', ':'], ""),
            token: c["credentials"]["token"].as_str().map(str::to_owned),
            omit_token: c["omit_session_token"].as_bool().unwrap_or(false),
            sign_body: c["sign_body"].as_bool().unwrap_or(false),
        })
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.dir.join(file))
            .unwrap_or_else(|e| panic!("{}/{file}: {e}", self.name))
    }

    fn scope(&self) -> CredentialScope {
        CredentialScope::new(&self.amz_date[..8], &self.region, &self.service)
    }
}

/// Parses the suite's raw HTTP requests. Folded header lines (obs-fold) are joined with
/// a space, as RFC 9112 asks a recipient to do.
fn parse_http(text: &str) -> (OwnedRequest, Vec<u8>) {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let request_line = lines.next().unwrap();
    let mut words = request_line.split(' ');
    let method = words.next().unwrap();
    let rest: Vec<&str> = words.collect();
    let target = rest[..rest.len() - 1].join(" "); // a path may hold spaces
    let mut req = OwnedRequest::new(method, &target);
    for line in lines {
        if line.starts_with([' ', '\t']) {
            let last = req.headers.last_mut().unwrap();
            last.1.push(b' ');
            last.1.extend_from_slice(line.trim().as_bytes());
            continue;
        }
        let (name, value) = line.split_once(':').unwrap();
        req = req.header(name, value);
    }
    (req, body.as_bytes().to_vec())
}

fn cases() -> Vec<Case> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(SUITE)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.iter().filter_map(|d| Case::load(d)).collect()
}

#[test]
fn header_auth_vectors() {
    let mut checked = 0;
    for case in cases()
        .iter()
        .filter(|c| !NOT_S3.contains(&c.name.as_str()))
    {
        let (mut req, body) = parse_http(&case.read("request.txt"));
        let payload_hash = sha256_hex(&body);
        req = req.header("x-amz-date", &case.amz_date);
        if let (Some(token), false) = (&case.token, case.omit_token) {
            req = req.header("x-amz-security-token", token);
        }
        if case.sign_body {
            req = req.header("x-amz-content-sha256", &payload_hash);
        }
        let h = req.header_refs();
        let parts = req.parts(&h);
        let names: String = h.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(";");
        let signed = normalize_signed_headers(&names).unwrap();
        let creq = CanonicalRequest::new(&parts, &signed, &payload_hash, false);
        assert_eq!(
            creq.to_string_lossy(),
            case.read("header-canonical-request.txt"),
            "{}",
            case.name
        );
        let sts = string_to_sign(&case.amz_date, &case.scope(), creq.as_bytes());
        assert_eq!(sts, case.read("header-string-to-sign.txt"), "{}", case.name);
        let signature =
            hex::encode(SigningKey::derive(&case.secret, &case.scope()).sign(sts.as_bytes()));
        assert_eq!(
            signature,
            case.read("header-signature.txt").trim(),
            "{}",
            case.name
        );

        // As published, the request verifies the way IAM and STS verify: the suite's service
        // is not S3, so without x-amz-content-sha256 the signature covers the body's hash.
        let (published, _) = parse_http(&case.read("header-signed-request.txt"));
        let h = published.header_refs();
        let parts = published.parts(&h);
        let auth = parse_auth(&parts).unwrap().unwrap();
        if !case.sign_body {
            assert_eq!(auth.payload, PayloadMode::HashOfBody, "{}", case.name);
            assert!(
                verify(&parts, &auth, &case.secret, t(&case.amz_date), &case.region).is_err(),
                "{}: a body hash the server has not computed must not verify",
                case.name
            );
        }
        verify_with_body_hash(
            &parts,
            &auth,
            &case.secret,
            t(&case.amz_date),
            &case.region,
            Some(&payload_hash),
        )
        .unwrap_or_else(|e| panic!("{} (body hash): {e:?}", case.name));

        // The published signed request verifies. S3 requires x-amz-content-sha256; where
        // the case does not sign it, it is added unsigned with the hash the case used.
        let (mut signed_req, _) = parse_http(&case.read("header-signed-request.txt"));
        if signed_req
            .headers
            .iter()
            .all(|(n, _)| n != "x-amz-content-sha256")
        {
            signed_req = signed_req.header("x-amz-content-sha256", &payload_hash);
        }
        let h = signed_req.header_refs();
        let parts = signed_req.parts(&h);
        let auth = parse_auth(&parts).unwrap().unwrap();
        assert_eq!(auth.signature, signature);
        verify(&parts, &auth, &case.secret, t(&case.amz_date), &case.region)
            .unwrap_or_else(|e| panic!("{}: {e:?}", case.name));
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} cases ran");
}

#[test]
fn presigned_vectors() {
    let mut checked = 0;
    for case in cases()
        .iter()
        .filter(|c| !NOT_S3.contains(&c.name.as_str()))
    {
        // S3 signs the session token of a presigned URL; this case appends it unsigned.
        if case.omit_token {
            continue;
        }
        let (_, body) = parse_http(&case.read("request.txt"));
        let payload_hash = sha256_hex(&body);
        let (mut req, _) = parse_http(&case.read("query-signed-request.txt"));
        // Presigned S3 URLs sign UNSIGNED-PAYLOAD unless this header says otherwise; the
        // suite signs the body hash.
        req = req.header("x-amz-content-sha256", &payload_hash);
        let h = req.header_refs();
        let parts = req.parts(&h);
        let auth = parse_auth(&parts).unwrap().unwrap();
        assert_eq!(auth.method, AuthMethod::Presigned { expires_secs: 3600 });
        assert_eq!(auth.security_token, case.token, "{}", case.name);
        let creq = CanonicalRequest::new(&parts, &auth.signed_headers, &payload_hash, true);
        assert_eq!(
            creq.to_string_lossy(),
            case.read("query-canonical-request.txt"),
            "{}",
            case.name
        );
        let sts = string_to_sign(&case.amz_date, &case.scope(), creq.as_bytes());
        assert_eq!(sts, case.read("query-string-to-sign.txt"), "{}", case.name);
        assert_eq!(
            auth.signature,
            case.read("query-signature.txt").trim(),
            "{}",
            case.name
        );
        verify(&parts, &auth, &case.secret, t(&case.amz_date), &case.region)
            .unwrap_or_else(|e| panic!("{}: {e:?}", case.name));
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} cases ran");
}

/// S3 neither normalizes dot segments and slashes nor double-encodes: the canonical URI
/// is the request path decoded once and re-encoded.
#[test]
fn s3_does_not_normalize_paths() {
    for case in cases().iter().filter(|c| NOT_S3.contains(&c.name.as_str())) {
        let (req, _) = parse_http(&case.read("request.txt"));
        let published = case.read("header-canonical-request.txt");
        let published_uri = published.lines().nth(1).unwrap();
        let ours = canonical_uri(&req.path);
        assert_ne!(ours, published_uri, "{}", case.name);
        let expected = match case.name.as_str() {
            "get-relative-normalized" => "/example/..",
            "get-relative-relative-normalized" => "/example1/example2/../..",
            "get-slash-dot-slash-normalized" => "/./",
            "get-slash-normalized" => "//",
            "get-slashes-normalized" => "//example//",
            "get-slash-pointless-dot-normalized" => "/./example",
            "double-url-encode" => {
                "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-west-2%3A892717189312%3Afunction%3Amy-rusty-fun/invocations"
            }
            "double-encode-path" => "/test/%40connections/JBDvjfGEIAMCERw%3D",
            other => panic!("unexpected case {other}"),
        };
        assert_eq!(ours, expected, "{}", case.name);
        // Where the suite has the unnormalized twin, it expects exactly our URI.
        if let Some(twin) = case.name.strip_suffix("-normalized") {
            let twin = Case::load(&Path::new(SUITE).join(format!("{twin}-unnormalized"))).unwrap();
            let twin_uri = twin
                .read("header-canonical-request.txt")
                .lines()
                .nth(1)
                .unwrap()
                .to_owned();
            assert_eq!(ours, twin_uri, "{}", case.name);
        }
    }
}
