//! Evaluation of a typical request: 3 identity policies of 10 statements each plus a
//! 10-statement bucket policy (the issue's target: under 20 µs).

use criterion::{Criterion, criterion_group, criterion_main};
use rampart_policy::*;
use std::hint::black_box;
use std::sync::Arc;

const ACCT: &str = "111122223333";

fn identity_policy(n: usize) -> String {
    let actions = [
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:ListBucket",
        "s3:Get*",
        "iam:Get*",
        "kms:Decrypt",
        "s3:PutBucketTagging",
        "s3:GetObjectVersion",
        "sts:GetCallerIdentity",
        "s3:List*",
    ];
    let statements: Vec<String> = (0..10)
        .map(|i| {
            let condition = match i % 4 {
                0 => r#","Condition":{"Bool":{"aws:SecureTransport":"true"}}"#.to_string(),
                1 => r#","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}"#.to_string(),
                2 => r#","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*","shared/*"]}}"#.to_string(),
                _ => String::new(),
            };
            format!(
                r#"{{"Sid":"S{n}x{i}","Effect":"{}","Action":["{}","{}"],"Resource":["arn:aws:s3:::bucket-{n}-{i}/*","arn:aws:s3:::data/home/${{aws:username}}/*"]{condition}}}"#,
                if i == 9 { "Deny" } else { "Allow" },
                actions[i],
                actions[(i + 3) % 10]
            )
        })
        .collect();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

fn bucket_policy() -> String {
    let statements: Vec<String> = (0..10)
        .map(|i| {
            let principal = match i % 3 {
                0 => format!(r#"{{"AWS":"arn:aws:iam::{ACCT}:user/u{i}"}}"#),
                1 => r#"{"AWS":"444455556666"}"#.to_string(),
                _ => r#""*""#.to_string(),
            };
            let condition = match i % 3 {
                2 => r#","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}"#,
                _ => "",
            };
            format!(
                r#"{{"Sid":"B{i}","Effect":"Allow","Principal":{principal},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::data","arn:aws:s3:::data/public{i}/*"]{condition}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

fn bench(c: &mut Criterion) {
    let identity: Vec<NamedPolicy> = (0..3)
        .map(|n| NamedPolicy {
            name: format!("arn:aws:iam::{ACCT}:policy/P{n}"),
            kind: PolicyType::Identity,
            policy: Arc::new(Policy::parse(&identity_policy(n), PolicyKind::Identity).unwrap()),
        })
        .collect();
    let resource = NamedPolicy {
        name: "bucket policy of data".into(),
        kind: PolicyType::Resource,
        policy: Arc::new(Policy::parse(&bucket_policy(), PolicyKind::Resource).unwrap()),
    };
    let mut keys = ContextKeys::new();
    keys.set("aws:SecureTransport", "true");
    keys.set("aws:SourceIp", "10.1.2.3");
    keys.set("aws:CurrentTime", "2025-06-01T12:00:00Z");
    keys.set("aws:EpochTime", "1748779200");
    keys.set("aws:UserAgent", "aws-cli/2.15");
    keys.set("s3:prefix", "home/alice/");
    keys.set("s3:signatureversion", "AWS4-HMAC-SHA256");
    keys.set("s3:authType", "REST-HEADER");
    let ctx = RequestContext {
        principal: PrincipalInfo {
            kind: PrincipalType::User,
            arn: format!("arn:aws:iam::{ACCT}:user/alice"),
            account: Some(ACCT.into()),
            canonical_id: None,
            role_arn: None,
            user_id: Some("AIDAEXAMPLE".into()),
            username: Some("alice".into()),
        },
        action: "s3:GetObject".into(),
        resource: "arn:aws:s3:::data/home/alice/notes.txt".into(),
        resource_account: Some(ACCT.into()),
        keys,
    };
    let set = PolicySet {
        identity: &identity,
        resource: Some(&resource),
        session: None,
    };
    assert!(evaluate(&ctx, &set).is_allowed());
    c.bench_function("evaluate 3x10 identity + 10 resource statements", |b| {
        b.iter(|| evaluate(black_box(&ctx), black_box(&set)))
    });
    let text = identity_policy(0);
    c.bench_function("parse a 10-statement policy", |b| {
        b.iter(|| Policy::parse(black_box(&text), PolicyKind::Identity).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
