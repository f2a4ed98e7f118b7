//! Which IAM actions, on which resource, authorize each S3 operation — one table, as AWS's
//! "Actions, resources, and condition keys for Amazon S3" and each operation's "Permissions"
//! section document it.

use crate::router::Endpoint;

/// What an operation acts on, which decides its resource ARN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceKind {
    /// No particular resource (`*`): ListBuckets.
    Service,
    /// `arn:aws:s3:::bucket`
    Bucket,
    /// `arn:aws:s3:::bucket/key`
    Object,
}

/// The actions an operation needs (every one must be allowed) and what it acts on. `versioned`
/// says whether the request names a specific version (`versionId`), which AWS authorizes with
/// the `…Version…` actions.
pub fn s3_actions(endpoint: Endpoint, versioned: bool) -> (&'static [&'static str], ResourceKind) {
    use Endpoint as E;
    use ResourceKind::{Bucket, Object, Service};
    let pick = |plain: &'static [&'static str], version: &'static [&'static str]| {
        if versioned { version } else { plain }
    };
    match endpoint {
        E::Health
        | E::Ready
        | E::Metrics
        | E::CorsPreflight
        | E::QueryApi
        | E::NotImplemented(_) => (&[], Service),
        E::ListBuckets => (&["s3:ListAllMyBuckets"], Service),
        E::CreateBucket => (&["s3:CreateBucket"], Bucket),
        // HeadBucket: "you must have permissions to perform the s3:ListBucket action".
        E::HeadBucket | E::ListObjects | E::ListObjectsV2 => (&["s3:ListBucket"], Bucket),
        E::DeleteBucket => (&["s3:DeleteBucket"], Bucket),
        E::GetBucketLocation => (&["s3:GetBucketLocation"], Bucket),
        E::ListMultipartUploads => (&["s3:ListBucketMultipartUploads"], Bucket),
        E::GetBucketTagging => (&["s3:GetBucketTagging"], Bucket),
        E::GetBucketVersioning => (&["s3:GetBucketVersioning"], Bucket),
        E::PutBucketVersioning => (&["s3:PutBucketVersioning"], Bucket),
        E::ListObjectVersions => (&["s3:ListBucketVersions"], Bucket),
        E::GetBucketLogging => (&["s3:GetBucketLogging"], Bucket),
        E::PutBucketLogging => (&["s3:PutBucketLogging"], Bucket),
        E::GetObjectLockConfiguration => (&["s3:GetBucketObjectLockConfiguration"], Bucket),
        E::PutObjectLockConfiguration => (&["s3:PutBucketObjectLockConfiguration"], Bucket),
        // Retention and legal hold have no separate `…Version…` actions.
        E::GetObjectRetention => (&["s3:GetObjectRetention"], Object),
        E::PutObjectRetention => (&["s3:PutObjectRetention"], Object),
        E::GetObjectLegalHold => (&["s3:GetObjectLegalHold"], Object),
        E::PutObjectLegalHold => (&["s3:PutObjectLegalHold"], Object),
        // DeleteBucketTagging: "you must have permission to perform the s3:PutBucketTagging action".
        E::PutBucketTagging | E::DeleteBucketTagging => (&["s3:PutBucketTagging"], Bucket),
        E::GetBucketCors => (&["s3:GetBucketCORS"], Bucket),
        // DeleteBucketCors: "you must have permission to perform the s3:PutBucketCORS action".
        E::PutBucketCors | E::DeleteBucketCors => (&["s3:PutBucketCORS"], Bucket),
        E::GetBucketPolicy => (&["s3:GetBucketPolicy"], Bucket),
        E::PutBucketPolicy => (&["s3:PutBucketPolicy"], Bucket),
        E::DeleteBucketPolicy => (&["s3:DeleteBucketPolicy"], Bucket),
        E::GetBucketPolicyStatus => (&["s3:GetBucketPolicyStatus"], Bucket),
        E::GetPublicAccessBlock => (&["s3:GetBucketPublicAccessBlock"], Bucket),
        // DeletePublicAccessBlock: "you must have the s3:PutBucketPublicAccessBlock permission".
        E::PutPublicAccessBlock | E::DeletePublicAccessBlock => {
            (&["s3:PutBucketPublicAccessBlock"], Bucket)
        }
        E::GetBucketAcl => (&["s3:GetBucketAcl"], Bucket),
        E::GetObjectAcl => (
            pick(&["s3:GetObjectAcl"], &["s3:GetObjectVersionAcl"]),
            Object,
        ),
        E::PutObjectAcl => (
            pick(&["s3:PutObjectAcl"], &["s3:PutObjectVersionAcl"]),
            Object,
        ),
        E::PutBucketAcl => (&["s3:PutBucketAcl"], Bucket),
        E::GetBucketOwnershipControls => (&["s3:GetBucketOwnershipControls"], Bucket),
        E::GetBucketEncryption => (&["s3:GetEncryptionConfiguration"], Bucket),
        // DeleteBucketEncryption: "you must have the s3:PutEncryptionConfiguration permission".
        E::PutBucketEncryption | E::DeleteBucketEncryption => {
            (&["s3:PutEncryptionConfiguration"], Bucket)
        }
        // DeleteBucketOwnershipControls: "you must have the s3:PutBucketOwnershipControls
        // permission".
        E::PutBucketOwnershipControls | E::DeleteBucketOwnershipControls => {
            (&["s3:PutBucketOwnershipControls"], Bucket)
        }
        E::GetAccountPublicAccessBlock => (&["s3:GetAccountPublicAccessBlock"], Service),
        E::PutAccountPublicAccessBlock | E::DeleteAccountPublicAccessBlock => {
            (&["s3:PutAccountPublicAccessBlock"], Service)
        }
        // DeleteObjects is authorized per key, as s3:DeleteObject (or DeleteObjectVersion), by
        // its handler; the request itself needs no separate permission.
        E::DeleteObjects => (&[], Bucket),
        E::GetObject | E::HeadObject => (pick(&["s3:GetObject"], &["s3:GetObjectVersion"]), Object),
        E::DeleteObject => (
            pick(&["s3:DeleteObject"], &["s3:DeleteObjectVersion"]),
            Object,
        ),
        // Reading the copy source is a second decision (s3:GetObject on the source).
        E::PutObject
        | E::CopyObject
        | E::PostObject
        | E::CreateMultipartUpload
        | E::UploadPart
        | E::UploadPartCopy
        | E::CompleteMultipartUpload => (&["s3:PutObject"], Object),
        E::AbortMultipartUpload => (&["s3:AbortMultipartUpload"], Object),
        E::ListParts => (&["s3:ListMultipartUploadParts"], Object),
        E::GetObjectAttributes => (
            pick(
                &["s3:GetObject", "s3:GetObjectAttributes"],
                &["s3:GetObjectVersion", "s3:GetObjectVersionAttributes"],
            ),
            Object,
        ),
        E::GetObjectTagging => (
            pick(&["s3:GetObjectTagging"], &["s3:GetObjectVersionTagging"]),
            Object,
        ),
        E::PutObjectTagging => (
            pick(&["s3:PutObjectTagging"], &["s3:PutObjectVersionTagging"]),
            Object,
        ),
        E::DeleteObjectTagging => (
            pick(
                &["s3:DeleteObjectTagging"],
                &["s3:DeleteObjectVersionTagging"],
            ),
            Object,
        ),
    }
}

/// The ARN of an S3 resource.
pub fn s3_arn(kind: ResourceKind, bucket: Option<&str>, key: Option<&str>) -> String {
    match (kind, bucket, key) {
        (ResourceKind::Service, _, _) | (_, None, _) => "*".to_owned(),
        (ResourceKind::Bucket, Some(b), _) | (ResourceKind::Object, Some(b), None) => {
            format!("arn:aws:s3:::{b}")
        }
        (ResourceKind::Object, Some(b), Some(k)) => format!("arn:aws:s3:::{b}/{k}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each row restates an operation's "Permissions" section in the S3 API reference.
    #[test]
    fn documented_permissions() {
        use Endpoint as E;
        use ResourceKind::*;
        let rows: &[(Endpoint, bool, &[&str], ResourceKind)] = &[
            (E::ListBuckets, false, &["s3:ListAllMyBuckets"], Service),
            (E::CreateBucket, false, &["s3:CreateBucket"], Bucket),
            (E::HeadBucket, false, &["s3:ListBucket"], Bucket),
            (E::ListObjects, false, &["s3:ListBucket"], Bucket),
            (E::ListObjectsV2, false, &["s3:ListBucket"], Bucket),
            (E::DeleteBucket, false, &["s3:DeleteBucket"], Bucket),
            (
                E::GetBucketLocation,
                false,
                &["s3:GetBucketLocation"],
                Bucket,
            ),
            (E::HeadObject, false, &["s3:GetObject"], Object),
            (E::GetObject, true, &["s3:GetObjectVersion"], Object),
            (E::HeadObject, true, &["s3:GetObjectVersion"], Object),
            (E::DeleteObject, false, &["s3:DeleteObject"], Object),
            (E::DeleteObject, true, &["s3:DeleteObjectVersion"], Object),
            (E::CopyObject, false, &["s3:PutObject"], Object),
            (E::UploadPart, false, &["s3:PutObject"], Object),
            (E::CompleteMultipartUpload, false, &["s3:PutObject"], Object),
            (
                E::AbortMultipartUpload,
                false,
                &["s3:AbortMultipartUpload"],
                Object,
            ),
            (
                E::ListParts,
                false,
                &["s3:ListMultipartUploadParts"],
                Object,
            ),
            (
                E::ListMultipartUploads,
                false,
                &["s3:ListBucketMultipartUploads"],
                Bucket,
            ),
            (
                E::GetObjectAttributes,
                false,
                &["s3:GetObject", "s3:GetObjectAttributes"],
                Object,
            ),
            (
                E::GetObjectAttributes,
                true,
                &["s3:GetObjectVersion", "s3:GetObjectVersionAttributes"],
                Object,
            ),
            (
                E::GetObjectTagging,
                true,
                &["s3:GetObjectVersionTagging"],
                Object,
            ),
            (E::PutObjectTagging, false, &["s3:PutObjectTagging"], Object),
            (
                E::DeleteObjectTagging,
                true,
                &["s3:DeleteObjectVersionTagging"],
                Object,
            ),
            (
                E::DeleteBucketTagging,
                false,
                &["s3:PutBucketTagging"],
                Bucket,
            ),
            (E::DeleteBucketCors, false, &["s3:PutBucketCORS"], Bucket),
            (E::GetBucketCors, false, &["s3:GetBucketCORS"], Bucket),
            (
                E::DeleteBucketPolicy,
                false,
                &["s3:DeleteBucketPolicy"],
                Bucket,
            ),
            (E::PostObject, false, &["s3:PutObject"], Object),
            (
                E::DeletePublicAccessBlock,
                false,
                &["s3:PutBucketPublicAccessBlock"],
                Bucket,
            ),
            (
                E::GetBucketPolicyStatus,
                false,
                &["s3:GetBucketPolicyStatus"],
                Bucket,
            ),
            (
                E::DeleteAccountPublicAccessBlock,
                false,
                &["s3:PutAccountPublicAccessBlock"],
                Service,
            ),
            (
                E::DeleteBucketOwnershipControls,
                false,
                &["s3:PutBucketOwnershipControls"],
                Bucket,
            ),
        ];
        for (endpoint, versioned, actions, kind) in rows {
            assert_eq!(
                s3_actions(*endpoint, *versioned),
                (*actions, *kind),
                "{endpoint:?} versioned={versioned}"
            );
        }
    }

    #[test]
    fn every_action_is_in_the_policy_catalog() {
        use Endpoint as E;
        let all = [
            E::ListBuckets,
            E::CreateBucket,
            E::HeadBucket,
            E::DeleteBucket,
            E::GetBucketLocation,
            E::ListObjects,
            E::ListObjectsV2,
            E::DeleteObjects,
            E::PutObject,
            E::CopyObject,
            E::GetObject,
            E::HeadObject,
            E::DeleteObject,
            E::CreateMultipartUpload,
            E::UploadPart,
            E::UploadPartCopy,
            E::CompleteMultipartUpload,
            E::AbortMultipartUpload,
            E::ListParts,
            E::ListMultipartUploads,
            E::GetObjectAttributes,
            E::GetObjectTagging,
            E::PutObjectTagging,
            E::DeleteObjectTagging,
            E::GetBucketTagging,
            E::GetBucketVersioning,
            E::PutBucketVersioning,
            E::ListObjectVersions,
            E::GetObjectLockConfiguration,
            E::PutObjectLockConfiguration,
            E::GetBucketLogging,
            E::PutBucketLogging,
            E::GetObjectRetention,
            E::PutObjectRetention,
            E::GetObjectLegalHold,
            E::PutObjectLegalHold,
            E::PutBucketTagging,
            E::DeleteBucketTagging,
            E::GetBucketCors,
            E::PutBucketCors,
            E::DeleteBucketCors,
            E::GetBucketPolicy,
            E::PutBucketPolicy,
            E::DeleteBucketPolicy,
            E::GetBucketPolicyStatus,
            E::GetPublicAccessBlock,
            E::PutPublicAccessBlock,
            E::DeletePublicAccessBlock,
            E::GetAccountPublicAccessBlock,
            E::PutAccountPublicAccessBlock,
            E::DeleteAccountPublicAccessBlock,
            E::GetBucketOwnershipControls,
            E::PutBucketOwnershipControls,
            E::DeleteBucketOwnershipControls,
            E::GetBucketEncryption,
            E::PutBucketEncryption,
            E::DeleteBucketEncryption,
            E::GetBucketAcl,
            E::PutBucketAcl,
            E::GetObjectAcl,
            E::PutObjectAcl,
            E::PostObject,
        ];
        for endpoint in all {
            for versioned in [false, true] {
                for action in s3_actions(endpoint, versioned).0 {
                    assert!(rampart_policy::is_known_action(action), "{action}");
                }
            }
        }
    }

    #[test]
    fn arns() {
        assert_eq!(s3_arn(ResourceKind::Service, Some("b"), None), "*");
        assert_eq!(
            s3_arn(ResourceKind::Bucket, Some("b"), Some("k")),
            "arn:aws:s3:::b"
        );
        assert_eq!(
            s3_arn(ResourceKind::Object, Some("b"), Some("a/b c")),
            "arn:aws:s3:::b/a/b c"
        );
    }
}
