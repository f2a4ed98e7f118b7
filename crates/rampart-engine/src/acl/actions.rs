//! "Mapping of ACL permissions and access policy permissions": which ACL permission lets a
//! grantee perform an S3 action on a bucket or an object.

use super::{AclTarget, Permission};

/// The ACL permission that allows `action` (an IAM action name such as `s3:GetObject`) on
/// `target`, or `None` when no ACL permission grants it (those actions are the owner's or a
/// policy's to allow). FULL_CONTROL implies each of these (see [`Permission::implies`]).
///
/// Bucket WRITE allows `s3:PutObject` and `s3:DeleteObject`; it allows
/// `s3:DeleteObjectVersion` only "when the grantee is the bucket owner": callers check
/// [`requires_bucket_owner_grantee`].
pub fn acl_permission_for_action(action: &str, target: AclTarget) -> Option<Permission> {
    use Permission::*;
    let permission = match (target, action) {
        (
            AclTarget::Bucket,
            "s3:ListBucket" | "s3:ListBucketVersions" | "s3:ListBucketMultipartUploads",
        ) => Read,
        (AclTarget::Bucket, "s3:PutObject" | "s3:DeleteObject" | "s3:DeleteObjectVersion") => Write,
        (AclTarget::Bucket, "s3:GetBucketAcl") => ReadAcp,
        (AclTarget::Bucket, "s3:PutBucketAcl") => WriteAcp,
        (AclTarget::Object, "s3:GetObject" | "s3:GetObjectVersion" | "s3:GetObjectTorrent") => Read,
        (AclTarget::Object, "s3:GetObjectAcl" | "s3:GetObjectVersionAcl") => ReadAcp,
        (AclTarget::Object, "s3:PutObjectAcl" | "s3:PutObjectVersionAcl") => WriteAcp,
        _ => return None,
    };
    Some(permission)
}

/// Whether a bucket WRITE grant allows `action` only when its grantee is the bucket owner.
pub fn requires_bucket_owner_grantee(action: &str) -> bool {
    action == "s3:DeleteObjectVersion"
}

#[cfg(test)]
mod tests {
    use super::*;
    use AclTarget::{Bucket, Object};
    use Permission::*;

    // The table "Mapping of ACL permissions and access policy permissions", row by row:
    // READ (bucket) → s3:ListBucket, s3:ListBucketVersions, s3:ListBucketMultipartUploads;
    // READ (object) → s3:GetObject, s3:GetObjectVersion, s3:GetObjectTorrent;
    // WRITE (bucket) → s3:PutObject (and deletes; DeleteObjectVersion for the bucket owner);
    // WRITE (object) → not applicable;
    // READ_ACP (bucket) → s3:GetBucketAcl; (object) → s3:GetObjectAcl, s3:GetObjectVersionAcl;
    // WRITE_ACP (bucket) → s3:PutBucketAcl; (object) → s3:PutObjectAcl, s3:PutObjectVersionAcl.
    #[test]
    fn documented_table() {
        let table: &[(AclTarget, &str, Option<Permission>)] = &[
            (Bucket, "s3:ListBucket", Some(Read)),
            (Bucket, "s3:ListBucketVersions", Some(Read)),
            (Bucket, "s3:ListBucketMultipartUploads", Some(Read)),
            (Bucket, "s3:PutObject", Some(Write)),
            (Bucket, "s3:DeleteObject", Some(Write)),
            (Bucket, "s3:DeleteObjectVersion", Some(Write)),
            (Bucket, "s3:GetBucketAcl", Some(ReadAcp)),
            (Bucket, "s3:PutBucketAcl", Some(WriteAcp)),
            (Object, "s3:GetObject", Some(Read)),
            (Object, "s3:GetObjectVersion", Some(Read)),
            (Object, "s3:GetObjectTorrent", Some(Read)),
            (Object, "s3:GetObjectAcl", Some(ReadAcp)),
            (Object, "s3:GetObjectVersionAcl", Some(ReadAcp)),
            (Object, "s3:PutObjectAcl", Some(WriteAcp)),
            (Object, "s3:PutObjectVersionAcl", Some(WriteAcp)),
        ];
        for (target, action, expected) in table {
            assert_eq!(
                acl_permission_for_action(action, *target),
                *expected,
                "{action} on {target:?}"
            );
        }
    }

    // "WRITE … Not applicable" to objects, and permissions apply to their own resource kind:
    // object actions are not granted by a bucket's ACL and vice versa.
    #[test]
    fn target_matters() {
        assert_eq!(acl_permission_for_action("s3:PutObject", Object), None);
        assert_eq!(acl_permission_for_action("s3:DeleteObject", Object), None);
        assert_eq!(acl_permission_for_action("s3:GetObject", Bucket), None);
        assert_eq!(acl_permission_for_action("s3:ListBucket", Object), None);
        assert_eq!(acl_permission_for_action("s3:GetBucketAcl", Object), None);
        assert_eq!(acl_permission_for_action("s3:PutObjectAcl", Bucket), None);
    }

    // Actions outside the table are not ACL-grantable (policy or owner only).
    #[test]
    fn other_actions_are_not_acl_grantable() {
        for action in [
            "s3:PutBucketPolicy",
            "s3:DeleteBucket",
            "s3:PutBucketOwnershipControls",
            "s3:GetBucketPolicy",
            "s3:PutObjectTagging",
            "GetObject",
            "s3:getobject",
        ] {
            assert_eq!(acl_permission_for_action(action, Bucket), None, "{action}");
            assert_eq!(acl_permission_for_action(action, Object), None, "{action}");
        }
    }

    // "when the grantee is the bucket owner, granting WRITE permission in a bucket ACL allows
    // the s3:DeleteObjectVersion action to be performed on any version in that bucket."
    #[test]
    fn delete_object_version_needs_bucket_owner_grantee() {
        assert!(requires_bucket_owner_grantee("s3:DeleteObjectVersion"));
        assert!(!requires_bucket_owner_grantee("s3:DeleteObject"));
        assert!(!requires_bucket_owner_grantee("s3:PutObject"));
    }
}
