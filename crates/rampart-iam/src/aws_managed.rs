//! The AWS-managed policies Rampart offers, with AWS's own documents, ids and dates
//! (from the AWS Managed Policy Reference). They can be attached, never changed.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rampart_policy::{PolicyKind, PolicyType};

use crate::IamError;
use crate::ids::AWS_POLICY_ARN_PREFIX;
use crate::snapshot::{PolicyState, VersionState, parse_policy};
use crate::validate::fold;

struct AwsPolicy {
    name: &'static str,
    id: &'static str,
    description: &'static str,
    /// The current default version, which is the only one offered.
    version: u32,
    /// Seconds since the epoch.
    created: u64,
    updated: u64,
    document: &'static str,
    /// The same document without the actions of services Rampart does not have, evaluated
    /// instead if the policy parser does not accept those (the real document is still shown).
    reduced: Option<&'static str>,
}

const POLICIES: &[AwsPolicy] = &[
    AwsPolicy {
        name: "AdministratorAccess",
        id: "ANPAIWMBCKSKIEE64ZLYK",
        description: "Provides full access to AWS services and resources.",
        version: 1,
        created: 1_423_247_986, // 2015-02-06T18:39:46Z
        updated: 1_423_247_986,
        document: r#"{
  "Version" : "2012-10-17",
  "Statement" : [
    {
      "Effect" : "Allow",
      "Action" : "*",
      "Resource" : "*"
    }
  ]
}"#,
        reduced: None,
    },
    AwsPolicy {
        name: "AmazonS3FullAccess",
        id: "ANPAIFIR6V6BVTRAHWINE",
        description: "Provides full access to all buckets via the AWS Management Console.",
        version: 2,
        created: 1_423_248_058, // 2015-02-06T18:40:58Z
        updated: 1_632_773_797, // 2021-09-27T20:16:37Z
        document: r#"{
  "Version" : "2012-10-17",
  "Statement" : [
    {
      "Effect" : "Allow",
      "Action" : [
        "s3:*",
        "s3-object-lambda:*"
      ],
      "Resource" : "*"
    }
  ]
}"#,
        reduced: Some(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":"*"}]}"#,
        ),
    },
    AwsPolicy {
        name: "AmazonS3ReadOnlyAccess",
        id: "ANPAIZTJ4DXE7G6AGAE6M",
        description: "Provides read only access to all buckets via the AWS Management Console.",
        version: 3,
        created: 1_423_248_000, // 2015-02-06T18:40Z
        updated: 1_691_703_060, // 2023-08-10T21:31Z
        document: r#"{
  "Version" : "2012-10-17",
  "Statement" : [
    {
      "Effect" : "Allow",
      "Action" : [
        "s3:Get*",
        "s3:List*",
        "s3:Describe*",
        "s3-object-lambda:Get*",
        "s3-object-lambda:List*"
      ],
      "Resource" : "*"
    }
  ]
}"#,
        reduced: Some(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*"],"Resource":"*"}]}"#,
        ),
    },
    AwsPolicy {
        name: "IAMFullAccess",
        id: "ANPAI7XKCFMBPM3QQRRVQ",
        description: "Provides full access to IAM via the AWS Management Console.",
        version: 2,
        created: 1_423_248_000, // 2015-02-06T18:40Z
        updated: 1_561_146_000, // 2019-06-21T19:40Z
        document: r#"{
  "Version" : "2012-10-17",
  "Statement" : [
    {
      "Effect" : "Allow",
      "Action" : [
        "iam:*",
        "organizations:DescribeAccount",
        "organizations:DescribeOrganization",
        "organizations:DescribeOrganizationalUnit",
        "organizations:DescribePolicy",
        "organizations:ListChildren",
        "organizations:ListParents",
        "organizations:ListPoliciesForTarget",
        "organizations:ListRoots",
        "organizations:ListPolicies",
        "organizations:ListTargetsForPolicy"
      ],
      "Resource" : "*"
    }
  ]
}"#,
        reduced: Some(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*"],"Resource":"*"}]}"#,
        ),
    },
    AwsPolicy {
        name: "IAMReadOnlyAccess",
        id: "ANPAJKSO7NDY4T57MWDSQ",
        description: "Provides read only access to IAM via the AWS Management Console.",
        version: 4,
        created: 1_423_248_000, // 2015-02-06T18:40Z
        updated: 1_516_907_460, // 2018-01-25T19:11Z
        document: r#"{
  "Version" : "2012-10-17",
  "Statement" : [
    {
      "Effect" : "Allow",
      "Action" : [
        "iam:GenerateCredentialReport",
        "iam:GenerateServiceLastAccessedDetails",
        "iam:Get*",
        "iam:List*",
        "iam:SimulateCustomPolicy",
        "iam:SimulatePrincipalPolicy"
      ],
      "Resource" : "*"
    }
  ]
}"#,
        reduced: None,
    },
];

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// The AWS-managed policies by folded name, parsed.
pub(crate) fn load() -> Result<BTreeMap<String, PolicyState>, IamError> {
    POLICIES
        .iter()
        .map(|p| {
            let arn = format!("{AWS_POLICY_ARN_PREFIX}{}", p.name);
            let parse = |text| {
                parse_policy(
                    text,
                    PolicyKind::Identity,
                    arn.clone(),
                    PolicyType::Identity,
                )
            };
            let (policy, display) = match (parse(p.document), p.reduced) {
                (Ok(policy), _) => (policy, None),
                (Err(_), Some(reduced)) => (parse(reduced)?, Some(p.document)),
                (Err(e), None) => return Err(e),
            };
            let state = PolicyState {
                arn,
                name: p.name.to_owned(),
                path: "/".to_owned(),
                policy_id: p.id.to_owned(),
                description: Some(p.description.to_owned()),
                created: at(p.created),
                updated: at(p.updated),
                default_version: p.version,
                next_version: p.version + 1,
                versions: BTreeMap::from([(
                    p.version,
                    VersionState {
                        policy,
                        created: at(p.updated),
                        display,
                    },
                )]),
            };
            Ok((fold(p.name), state))
        })
        .collect::<Result<_, IamError>>()
        .map_err(|e| IamError::Corrupt(format!("an AWS-managed policy does not parse: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_aws_managed_policy_loads_with_its_real_document() {
        let policies = load().unwrap();
        assert_eq!(policies.len(), POLICIES.len());
        for p in POLICIES {
            let state = &policies[&fold(p.name)];
            assert_eq!(state.arn, format!("arn:aws:iam::aws:policy/{}", p.name));
            let v = &state.versions[&p.version];
            assert_eq!(v.text(), p.document);
        }
    }
}
