//! Canned ACLs ("Canned ACL" in the ACL overview): predefined grant sets named by `x-amz-acl`.

use rampart_types::{CanonicalUserId, Owner};

use super::{Acl, AclError, AclTarget, Grant, Grantee, KnownGroup, Permission};

/// The canonical user S3 grants READ to for `aws-exec-read` ("Amazon EC2 gets READ access to
/// GET an Amazon Machine Image (AMI) bundle"). The documentation names no grantee; this id and
/// display name are the ones S3 returns in GetObjectAcl after `aws-exec-read`.
pub const EC2_BUNDLE_READER_ID: &str =
    "6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c";
pub const EC2_BUNDLE_READER_NAME: &str = "za-team";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CannedAcl {
    Private,
    PublicRead,
    PublicReadWrite,
    AuthenticatedRead,
    AwsExecRead,
    BucketOwnerRead,
    BucketOwnerFullControl,
    LogDeliveryWrite,
}

impl CannedAcl {
    pub const ALL: [CannedAcl; 8] = [
        CannedAcl::Private,
        CannedAcl::PublicRead,
        CannedAcl::PublicReadWrite,
        CannedAcl::AuthenticatedRead,
        CannedAcl::AwsExecRead,
        CannedAcl::BucketOwnerRead,
        CannedAcl::BucketOwnerFullControl,
        CannedAcl::LogDeliveryWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CannedAcl::Private => "private",
            CannedAcl::PublicRead => "public-read",
            CannedAcl::PublicReadWrite => "public-read-write",
            CannedAcl::AuthenticatedRead => "authenticated-read",
            CannedAcl::AwsExecRead => "aws-exec-read",
            CannedAcl::BucketOwnerRead => "bucket-owner-read",
            CannedAcl::BucketOwnerFullControl => "bucket-owner-full-control",
            CannedAcl::LogDeliveryWrite => "log-delivery-write",
        }
    }

    /// Parses an `x-amz-acl` value (exact, lower case); anything else is `InvalidArgument`
    /// naming the header.
    pub fn parse(s: &str) -> Result<Self, AclError> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| AclError::invalid_argument("", "x-amz-acl", s))
    }

    /// The ACL this canned ACL stands for, per S3's table. `owner` is the owner of the
    /// resource (the object's owner for objects). The owner always gets FULL_CONTROL;
    /// `bucket-owner-read` and `bucket-owner-full-control` add the bucket owner only on
    /// objects ("If you specify this canned ACL when creating a bucket, Amazon S3 ignores
    /// it"), and then only once when the bucket owner is the object owner.
    pub fn expand(self, owner: &Owner, bucket_owner: &Owner, target: AclTarget) -> Acl {
        let mut acl = Acl::private(owner);
        let group = |g, permission| Grant {
            grantee: Grantee::Group(g),
            permission,
        };
        let other_bucket_owner =
            target == AclTarget::Object && bucket_owner.canonical_id != owner.canonical_id;
        match self {
            CannedAcl::Private => {}
            CannedAcl::PublicRead => acl
                .grants
                .push(group(KnownGroup::AllUsers, Permission::Read)),
            CannedAcl::PublicReadWrite => acl.grants.extend([
                group(KnownGroup::AllUsers, Permission::Read),
                group(KnownGroup::AllUsers, Permission::Write),
            ]),
            CannedAcl::AuthenticatedRead => acl
                .grants
                .push(group(KnownGroup::AuthenticatedUsers, Permission::Read)),
            CannedAcl::AwsExecRead => acl.grants.push(Grant {
                grantee: Grantee::CanonicalUser {
                    id: CanonicalUserId::parse(EC2_BUNDLE_READER_ID)
                        .expect("the EC2 reader id is a canonical id"),
                    display_name: Some(EC2_BUNDLE_READER_NAME.to_owned()),
                },
                permission: Permission::Read,
            }),
            CannedAcl::BucketOwnerRead if target == AclTarget::Object => acl.grants.push(Grant {
                grantee: Grantee::owner(bucket_owner),
                permission: Permission::Read,
            }),
            CannedAcl::BucketOwnerFullControl if other_bucket_owner => acl.grants.push(Grant {
                grantee: Grantee::owner(bucket_owner),
                permission: Permission::FullControl,
            }),
            CannedAcl::BucketOwnerRead | CannedAcl::BucketOwnerFullControl => {}
            CannedAcl::LogDeliveryWrite => acl.grants.extend([
                group(KnownGroup::LogDelivery, Permission::Write),
                group(KnownGroup::LogDelivery, Permission::ReadAcp),
            ]),
        }
        acl
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{group_grant, owner, user_grant};
    use super::*;

    fn grants(c: CannedAcl, target: AclTarget) -> Vec<Grant> {
        let acl = c.expand(&owner(1), &owner(2), target);
        assert_eq!(acl.owner, owner(1));
        acl.grants
    }

    // x-amz-acl: "Valid Values: private | public-read | public-read-write | authenticated-read
    // | aws-exec-read | bucket-owner-read | bucket-owner-full-control" (+ log-delivery-write).
    #[test]
    fn all_eight_names_parse() {
        for c in CannedAcl::ALL {
            assert_eq!(CannedAcl::parse(c.as_str()), Ok(c));
        }
        assert_eq!(CannedAcl::ALL.len(), 8);
    }

    // An unknown canned ACL is InvalidArgument naming x-amz-acl and the value sent.
    #[test]
    fn unknown_names_are_invalid_argument() {
        for bad in [
            "Private",
            "public_read",
            "",
            "public-read ",
            "log-delivery-read",
        ] {
            match CannedAcl::parse(bad) {
                Err(AclError::InvalidArgument {
                    argument_name,
                    argument_value,
                    ..
                }) => {
                    assert_eq!(argument_name, "x-amz-acl");
                    assert_eq!(argument_value, bad);
                }
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }

    // private: "Owner gets FULL_CONTROL. No one else has access rights (default)."
    #[test]
    fn private() {
        for t in [AclTarget::Bucket, AclTarget::Object] {
            assert_eq!(
                grants(CannedAcl::Private, t),
                vec![user_grant(&owner(1), Permission::FullControl)]
            );
        }
    }

    // public-read: "Owner gets FULL_CONTROL. The AllUsers group gets READ access."
    #[test]
    fn public_read() {
        assert_eq!(
            grants(CannedAcl::PublicRead, AclTarget::Object),
            vec![
                user_grant(&owner(1), Permission::FullControl),
                group_grant(KnownGroup::AllUsers, Permission::Read)
            ]
        );
    }

    // public-read-write: "Owner gets FULL_CONTROL. The AllUsers group gets READ and WRITE
    // access."
    #[test]
    fn public_read_write() {
        assert_eq!(
            grants(CannedAcl::PublicReadWrite, AclTarget::Bucket),
            vec![
                user_grant(&owner(1), Permission::FullControl),
                group_grant(KnownGroup::AllUsers, Permission::Read),
                group_grant(KnownGroup::AllUsers, Permission::Write)
            ]
        );
    }

    // authenticated-read: "Owner gets FULL_CONTROL. The AuthenticatedUsers group gets READ
    // access."
    #[test]
    fn authenticated_read() {
        assert_eq!(
            grants(CannedAcl::AuthenticatedRead, AclTarget::Bucket),
            vec![
                user_grant(&owner(1), Permission::FullControl),
                group_grant(KnownGroup::AuthenticatedUsers, Permission::Read)
            ]
        );
    }

    // aws-exec-read: "Owner gets FULL_CONTROL. Amazon EC2 gets READ access to GET an Amazon
    // Machine Image (AMI) bundle from Amazon S3." (EC2 as the canonical user S3 shows.)
    #[test]
    fn aws_exec_read() {
        let g = grants(CannedAcl::AwsExecRead, AclTarget::Object);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0], user_grant(&owner(1), Permission::FullControl));
        assert_eq!(g[1].permission, Permission::Read);
        assert!(
            matches!(&g[1].grantee, Grantee::CanonicalUser { id, display_name }
            if id.as_str() == EC2_BUNDLE_READER_ID && display_name.as_deref() == Some("za-team"))
        );
        assert!(
            !CannedAcl::AwsExecRead
                .expand(&owner(1), &owner(1), AclTarget::Object)
                .is_public()
        );
    }

    // bucket-owner-read: "Object owner gets FULL_CONTROL. Bucket owner gets READ access. If
    // you specify this canned ACL when creating a bucket, Amazon S3 ignores it."
    #[test]
    fn bucket_owner_read() {
        assert_eq!(
            grants(CannedAcl::BucketOwnerRead, AclTarget::Object),
            vec![
                user_grant(&owner(1), Permission::FullControl),
                user_grant(&owner(2), Permission::Read)
            ]
        );
        assert_eq!(
            grants(CannedAcl::BucketOwnerRead, AclTarget::Bucket),
            vec![user_grant(&owner(1), Permission::FullControl)]
        );
    }

    // bucket-owner-full-control: "Both the object owner and the bucket owner get FULL_CONTROL
    // over the object. If you specify this canned ACL when creating a bucket, Amazon S3
    // ignores it."
    #[test]
    fn bucket_owner_full_control() {
        assert_eq!(
            grants(CannedAcl::BucketOwnerFullControl, AclTarget::Object),
            vec![
                user_grant(&owner(1), Permission::FullControl),
                user_grant(&owner(2), Permission::FullControl)
            ]
        );
        assert_eq!(
            grants(CannedAcl::BucketOwnerFullControl, AclTarget::Bucket),
            vec![user_grant(&owner(1), Permission::FullControl)]
        );
        // The bucket owner writing its own object: one owner, one grant.
        assert_eq!(
            CannedAcl::BucketOwnerFullControl
                .expand(&owner(2), &owner(2), AclTarget::Object)
                .grants,
            vec![user_grant(&owner(2), Permission::FullControl)]
        );
    }

    // log-delivery-write: "The LogDelivery group gets WRITE and READ_ACP permissions on the
    // bucket." (the owner keeps FULL_CONTROL).
    #[test]
    fn log_delivery_write() {
        assert_eq!(
            grants(CannedAcl::LogDeliveryWrite, AclTarget::Bucket),
            vec![
                user_grant(&owner(1), Permission::FullControl),
                group_grant(KnownGroup::LogDelivery, Permission::Write),
                group_grant(KnownGroup::LogDelivery, Permission::ReadAcp)
            ]
        );
    }
}
