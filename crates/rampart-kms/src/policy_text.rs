//! The key policies AWS writes for new keys.

use rampart_types::AccountId;

/// The default key policy of a customer managed key: the account root may do everything,
/// which delegates the key to the account's IAM policies.
pub fn default_key_policy(account: &AccountId) -> String {
    format!(
        r#"{{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {{
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {{
      "AWS" : "arn:aws:iam::{account}:root"
    }},
    "Action" : "kms:*",
    "Resource" : "*"
  }} ]
}}"#
    )
}

/// The key policy of an AWS-managed key for `service` (e.g. `s3`): any principal of the
/// account may use it through that service; the account may read its metadata directly.
pub fn aws_managed_key_policy(account: &AccountId, service: &str, region: &str) -> String {
    format!(
        r#"{{
  "Version" : "2012-10-17",
  "Id" : "auto-{service}-2",
  "Statement" : [ {{
    "Sid" : "Allow access through {upper} for all principals in the account that are authorized to use {upper}",
    "Effect" : "Allow",
    "Principal" : {{
      "AWS" : "*"
    }},
    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey" ],
    "Resource" : "*",
    "Condition" : {{
      "StringEquals" : {{
        "kms:CallerAccount" : "{account}",
        "kms:ViaService" : "{service}.{region}.amazonaws.com"
      }}
    }}
  }}, {{
    "Sid" : "Allow direct access to key metadata to the account",
    "Effect" : "Allow",
    "Principal" : {{
      "AWS" : "arn:aws:iam::{account}:root"
    }},
    "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*" ],
    "Resource" : "*"
  }} ]
}}"#,
        upper = service.to_ascii_uppercase()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_policy::{Policy, PolicyKind};

    #[test]
    fn the_policies_parse_as_key_policies() {
        let account = AccountId::parse("111122223333").unwrap();
        Policy::parse(&default_key_policy(&account), PolicyKind::Resource).unwrap();
        Policy::parse(
            &aws_managed_key_policy(&account, "s3", "us-east-1"),
            PolicyKind::Resource,
        )
        .unwrap();
    }
}
