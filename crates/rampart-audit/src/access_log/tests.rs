use super::*;
use crate::facts::{RequestFacts, sample_facts};

/// What AWS's Athena table for server access logs extracts from a line. Its RegexSerDe
/// expression (from AWS's "Querying Amazon S3 server access logs" DDL) is
///
/// ```text
/// ([^ ]*) ([^ ]*) \[(.*?)\] ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ("[^"]*"|-) (-|[0-9]*)
/// ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ("[^"]*"|-) ([^ ]*)(?: ([^ ]*) ([^ ]*)
/// ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*))?.*$
/// ```
///
/// `regex` is no workspace dependency, so this walks the line the way that expression must
/// match it (every `[^ ]*` is greedy and stops only at a space, so there is no backtracking to
/// emulate). `None` when the whole line does not match, as Athena then reads every column NULL.
fn athena_columns(line: &str) -> Option<Vec<String>> {
    struct Cursor<'a>(&'a str);
    impl<'a> Cursor<'a> {
        fn token(&mut self) -> &'a str {
            let end = self.0.find(' ').unwrap_or(self.0.len());
            let (t, rest) = self.0.split_at(end);
            self.0 = rest;
            t
        }
        fn lit(&mut self, s: &str) -> Option<()> {
            self.0 = self.0.strip_prefix(s)?;
            Some(())
        }
        fn quoted_or_dash(&mut self) -> Option<&'a str> {
            if let Some(rest) = self.0.strip_prefix('"') {
                let end = rest.find('"')?;
                let q = &self.0[..end + 2];
                self.0 = &rest[end + 1..];
                Some(q)
            } else {
                self.lit("-")?;
                Some("-")
            }
        }
    }
    if line.contains('\n') {
        return None;
    }
    let mut c = Cursor(line);
    let mut cols = Vec::new();
    cols.push(c.token().to_owned());
    c.lit(" ")?;
    cols.push(c.token().to_owned());
    c.lit(" [")?;
    let end = c.0.find(']')?;
    cols.push(c.0[..end].to_owned());
    c.0 = &c.0[end + 1..];
    for _ in 0..5 {
        c.lit(" ")?;
        cols.push(c.token().to_owned());
    }
    c.lit(" ")?;
    cols.push(c.quoted_or_dash()?.to_owned());
    c.lit(" ")?;
    let status = c.token();
    if status != "-" && !status.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    cols.push(status.to_owned());
    for _ in 0..6 {
        c.lit(" ")?;
        cols.push(c.token().to_owned());
    }
    c.lit(" ")?;
    cols.push(c.quoted_or_dash()?.to_owned());
    c.lit(" ")?;
    cols.push(c.token().to_owned());
    // The optional tail of eight more fields, then `.*$`.
    let mut tail = Cursor(c.0);
    let mut extra = Vec::new();
    for _ in 0..8 {
        if tail.lit(" ").is_none() {
            extra.clear();
            break;
        }
        extra.push(tail.token().to_owned());
    }
    cols.extend(extra);
    Some(cols)
}

/// The line AWS's documentation gives as its first sample record (with the Source region it now
/// ends with), as a check that the parser above reads AWS's own lines.
const AWS_SAMPLE: &str = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be 3E57427F3EXAMPLE REST.GET.VERSIONING - \"GET /amzn-s3-demo-bucket1?versioning HTTP/1.1\" 200 - 113 - 7 - \"-\" \"S3Console/0.4\" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes us-east-1";

fn with(op: Option<&str>, method: &str) -> RequestFacts {
    let mut f = sample_facts();
    f.operation = op.map(str::to_owned);
    f.method = method.to_owned();
    f
}

#[test]
fn parser_reads_aws_sample() {
    let cols = athena_columns(AWS_SAMPLE).unwrap();
    assert_eq!(cols.len(), 26);
    assert_eq!(cols[2], "06/Feb/2019:00:00:38 +0000");
    assert_eq!(cols[6], "REST.GET.VERSIONING");
    assert_eq!(cols[15], "\"-\"");
    assert_eq!(cols[25], "Yes");
}

#[test]
fn golden_get_object() {
    let line = format_record(&sample_facts());
    assert_eq!(
        line,
        "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be bucket1 \
         [06/Feb/2019:00:00:38 +0000] 192.0.2.3 arn:aws:iam::123456789012:user/alice \
         3E57427F3EXAMPLE REST.GET.OBJECT photos/cat.jpg \"GET /bucket1/photos/cat.jpg HTTP/1.1\" \
         200 - 2662992 3462992 70 10 \"-\" \"aws-cli/2.15.0\" - \
         s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6Uk= SigV4 ECDHE-RSA-AES128-GCM-SHA256 \
         AuthHeader bucket1.s3.us-west-1.example.com TLSv1.2 - - -"
    );
    let cols = athena_columns(&line).unwrap();
    assert_eq!(cols.len(), 26);
    assert_eq!(cols[7], "photos/cat.jpg");
}

#[test]
fn golden_anonymous_error_plain_http() {
    let mut f = sample_facts();
    f.requester = Default::default();
    f.auth = AuthKind::Anonymous;
    f.signature_version = None;
    f.cipher_suite = None;
    f.tls_version = None;
    f.http_status = 403;
    f.error_code = Some("AccessDenied".into());
    f.bytes_sent = Some(0);
    f.object_size = None;
    f.turn_around_time_ms = None;
    f.user_agent = None;
    f.remote_ip = None;
    f.acl_required = true;
    f.version_id = Some("3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY".into());
    assert_eq!(
        format_record(&f),
        "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be bucket1 \
         [06/Feb/2019:00:00:38 +0000] - - 3E57427F3EXAMPLE REST.GET.OBJECT photos/cat.jpg \
         \"GET /bucket1/photos/cat.jpg HTTP/1.1\" 403 AccessDenied - - 70 - \"-\" \"-\" \
         3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6Uk= - - - \
         bucket1.s3.us-west-1.example.com - - Yes -"
    );
}

#[test]
fn root_is_logged_by_canonical_id_and_presigned_as_query_string() {
    let mut f = sample_facts();
    f.requester.identity_type = Some("Root".into());
    f.requester.arn = Some("arn:aws:iam::123456789012:root".into());
    f.requester.canonical_id = Some("abcdef0123".into());
    f.auth = AuthKind::QueryString;
    let cols = athena_columns(&format_record(&f)).unwrap();
    assert_eq!(cols[4], "abcdef0123");
    assert_eq!(cols[21], "QueryString");
    assert_eq!(cols[6], "REST.GET.OBJECT");

    // Without a canonical id, the ARN still names the caller.
    f.requester.canonical_id = None;
    let cols = athena_columns(&format_record(&f)).unwrap();
    assert_eq!(cols[4], "arn:aws:iam::123456789012:root");

    // A role session: its STS ARN; a browser POST: no authentication type.
    f.requester.identity_type = Some("AssumedRole".into());
    f.requester.arn = Some("arn:aws:sts::123456789012:assumed-role/R/s".into());
    f.auth = AuthKind::Post;
    let cols = athena_columns(&format_record(&f)).unwrap();
    assert_eq!(cols[4], "arn:aws:sts::123456789012:assumed-role/R/s");
    assert_eq!(cols[21], "-");
}

#[test]
fn tricky_records_still_parse() {
    let mut f = sample_facts();
    f.key = Some("dir one/naïve \"quoted\" 日本語\n%.txt".into());
    f.request_target = "/bucket1/dir%20one/na%C3%AFve?x=\"y\" z".into();
    f.user_agent = Some("Mozilla/5.0 (X11; \"Linux\") back\\slash\r\nInjected: 1".into());
    f.referer = Some("https://example.com/a page?q=\"1\"".into());
    f.error_code = Some("Weird Code".into());
    f.host_header = Some("".into());
    f.version_id = Some("".into());
    let line = format_record(&f);
    assert!(!line.contains('\n') && !line.contains('\r'));
    let cols = athena_columns(&line).expect("the Athena expression matches");
    assert_eq!(cols.len(), 26);
    assert_eq!(
        cols[7],
        "dir%20one/na%C3%AFve%20%22quoted%22%20%E6%97%A5%E6%9C%AC%E8%AA%9E%0A%25.txt"
    );
    assert_eq!(
        cols[8],
        "\"GET /bucket1/dir%20one/na%C3%AFve?x=\\x22y\\x22 z HTTP/1.1\""
    );
    assert_eq!(cols[10], "Weird\\x20Code");
    assert_eq!(cols[15], "\"https://example.com/a\\x20page?q=\\x221\\x22\"");
    assert_eq!(
        cols[16],
        "\"Mozilla/5.0 (X11; \\x22Linux\\x22) back\\x5Cslash\\x0D\\x0AInjected: 1\""
    );
    assert_eq!(cols[17], "-");
    assert_eq!(cols[22], "-");
}

#[test]
fn unicode_separators_and_c1_controls_are_escaped() {
    let mut f = sample_facts();
    f.user_agent = Some("a\u{2028}b\u{85}c".into());
    let cols = athena_columns(&format_record(&f)).unwrap();
    assert_eq!(cols[16], "\"a\\xE2\\x80\\xA8b\\xC2\\x85c\"");
}

#[test]
fn every_field_empty_still_parses() {
    let mut f = sample_facts();
    f.bucket = None;
    f.bucket_owner = None;
    f.key = None;
    f.operation = None;
    f.request_id = String::new();
    f.host_id = String::new();
    f.bytes_sent = None;
    f.object_size = None;
    f.user_agent = None;
    f.signature_version = None;
    f.cipher_suite = None;
    f.tls_version = None;
    f.host_header = None;
    f.requester = Default::default();
    f.auth = AuthKind::Anonymous;
    let line = format_record(&f);
    let cols = athena_columns(&line).unwrap();
    assert_eq!(cols.len(), 26);
    assert_eq!(cols[6], "REST.GET.UNKNOWN");
    for i in [
        0, 1, 4, 5, 7, 10, 11, 12, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    ] {
        assert_eq!(cols[i], "-", "column {i} of {line}");
    }
}

#[test]
fn operation_names() {
    let cases = [
        ("GetObject", "GET", "REST.GET.OBJECT"),
        ("HeadObject", "HEAD", "REST.HEAD.OBJECT"),
        ("PutObject", "PUT", "REST.PUT.OBJECT"),
        ("CopyObject", "PUT", "REST.COPY.OBJECT"),
        ("DeleteObject", "DELETE", "REST.DELETE.OBJECT"),
        ("ListObjects", "GET", "REST.GET.BUCKET"),
        ("ListObjectsV2", "GET", "REST.GET.BUCKET"),
        ("ListObjectVersions", "GET", "REST.GET.BUCKETVERSIONS"),
        ("ListBuckets", "GET", "REST.GET.SERVICE"),
        ("HeadBucket", "HEAD", "REST.HEAD.BUCKET"),
        ("CreateBucket", "PUT", "REST.PUT.BUCKET"),
        ("DeleteBucket", "DELETE", "REST.DELETE.BUCKET"),
        ("GetBucketAcl", "GET", "REST.GET.ACL"),
        ("GetObjectAcl", "GET", "REST.GET.ACL"),
        ("PutObjectTagging", "PUT", "REST.PUT.OBJECT_TAGGING"),
        ("GetBucketVersioning", "GET", "REST.GET.VERSIONING"),
        ("GetBucketPolicy", "GET", "REST.GET.BUCKETPOLICY"),
        ("CreateMultipartUpload", "POST", "REST.POST.UPLOADS"),
        ("UploadPart", "PUT", "REST.PUT.PART"),
        ("UploadPartCopy", "PUT", "REST.COPY.PART"),
        ("CompleteMultipartUpload", "POST", "REST.POST.UPLOAD"),
        ("AbortMultipartUpload", "DELETE", "REST.DELETE.UPLOAD"),
        ("ListParts", "GET", "REST.GET.UPLOAD"),
        ("ListMultipartUploads", "GET", "REST.GET.UPLOADS"),
        ("DeleteObjects", "POST", "REST.POST.MULTI_OBJECT_DELETE"),
        ("PostObject", "POST", "REST.POST.OBJECT"),
        ("GetBucketLogging", "GET", "REST.GET.LOGGING_STATUS"),
        ("PutBucketLogging", "PUT", "REST.PUT.LOGGING_STATUS"),
        ("GetBucketLocation", "GET", "REST.GET.LOCATION"),
        ("CorsPreflight", "OPTIONS", "REST.OPTIONS.PREFLIGHT"),
        // Not in the table: derived from the name.
        (
            "GetBucketLifecycleConfiguration",
            "GET",
            "REST.GET.LIFECYCLE",
        ),
        ("DeleteBucketLifecycle", "DELETE", "REST.DELETE.LIFECYCLE"),
        ("GetBucketRequestPayment", "GET", "REST.GET.REQUEST_PAYMENT"),
        (
            "PutBucketIntelligentTieringConfiguration",
            "PUT",
            "REST.PUT.INTELLIGENT_TIERING",
        ),
        (
            "SelectObjectContent",
            "post",
            "REST.POST.SELECT_OBJECT_CONTENT",
        ),
        ("Get", "GET", "REST.GET.UNKNOWN"),
    ];
    for (op, method, want) in cases {
        assert_eq!(operation_name(&with(Some(op), method)), want, "{op}");
    }
    assert_eq!(operation_name(&with(None, "PATCH")), "REST.PATCH.UNKNOWN");
}

/// Every S3 operation the router names has a name whose resource is upper snake case.
#[test]
fn every_routed_operation_has_a_table_name() {
    let routed = [
        "ListBuckets",
        "CreateBucket",
        "HeadBucket",
        "DeleteBucket",
        "GetBucketLocation",
        "ListObjects",
        "ListObjectsV2",
        "DeleteObjects",
        "PutObject",
        "CopyObject",
        "GetObject",
        "HeadObject",
        "DeleteObject",
        "CreateMultipartUpload",
        "UploadPart",
        "UploadPartCopy",
        "CompleteMultipartUpload",
        "AbortMultipartUpload",
        "ListParts",
        "ListMultipartUploads",
        "GetObjectAttributes",
        "GetObjectTagging",
        "PutObjectTagging",
        "DeleteObjectTagging",
        "GetBucketTagging",
        "PutBucketTagging",
        "DeleteBucketTagging",
        "GetBucketCors",
        "PutBucketCors",
        "DeleteBucketCors",
        "GetBucketPolicy",
        "PutBucketPolicy",
        "DeleteBucketPolicy",
        "GetBucketPolicyStatus",
        "GetPublicAccessBlock",
        "PutPublicAccessBlock",
        "DeletePublicAccessBlock",
        "GetBucketAcl",
        "PutBucketAcl",
        "GetObjectAcl",
        "PutObjectAcl",
        "GetBucketOwnershipControls",
        "PutBucketOwnershipControls",
        "DeleteBucketOwnershipControls",
        "GetBucketEncryption",
        "PutBucketEncryption",
        "DeleteBucketEncryption",
        "GetBucketVersioning",
        "PutBucketVersioning",
        "ListObjectVersions",
        "GetObjectLockConfiguration",
        "PutObjectLockConfiguration",
        "GetObjectRetention",
        "PutObjectRetention",
        "GetObjectLegalHold",
        "PutObjectLegalHold",
        "GetAccountPublicAccessBlock",
        "PutAccountPublicAccessBlock",
        "DeleteAccountPublicAccessBlock",
        "PostObject",
        "CorsPreflight",
        "GetBucketLogging",
        "PutBucketLogging",
    ];
    for op in routed {
        assert!(
            OPERATION_NAMES.iter().any(|(name, _)| *name == op),
            "{op} is missing from OPERATION_NAMES"
        );
    }
    for (op, name) in OPERATION_NAMES {
        let parts: Vec<&str> = name.split('.').collect();
        assert_eq!(parts.len(), 3, "{op}");
        assert_eq!(parts[0], "REST");
        assert!(
            parts[2]
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b == b'_'),
            "{op}"
        );
    }
}

#[test]
fn golden_batch_deletion() {
    let mut f = sample_facts();
    f.operation = Some("DeleteObjects".into());
    f.method = "POST".into();
    let deleted = BatchDeletion {
        key: "photos/old cat.jpg".into(),
        version_id: Some("3HL4kqtJvjVBH40Nrjfkd".into()),
    };
    let mut line = String::new();
    format_batch_deletion_into(&f, &deleted, &mut line);
    // As AWS writes them: the request's who, when and id; the deletion's key and version;
    // unquoted `-` where the record has no HTTP request of its own.
    assert_eq!(
        line,
        "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be bucket1 \
         [06/Feb/2019:00:00:38 +0000] 192.0.2.3 arn:aws:iam::123456789012:user/alice \
         3E57427F3EXAMPLE BATCH.DELETE.OBJECT photos/old%20cat.jpg - 204 - - - - - - - \
         3HL4kqtJvjVBH40Nrjfkd s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6Uk= SigV4 \
         ECDHE-RSA-AES128-GCM-SHA256 AuthHeader bucket1.s3.us-west-1.example.com TLSv1.2 - - -"
    );
    let cols = athena_columns(&line).expect("Athena's expression reads it");
    assert_eq!(cols.len(), 26);
    assert_eq!(
        (cols[6].as_str(), cols[9].as_str()),
        ("BATCH.DELETE.OBJECT", "204")
    );
    assert_eq!(cols[8], "-");
}
