//! S3 Object Ownership ("Controlling ownership of objects and disabling ACLs for your
//! bucket") and the ACL a request asks for.

use rampart_types::Owner;
use serde::{Deserialize, Serialize};

use super::{Acl, AclError, AclTarget, CannedAcl, GrantHeaders, grants_only_full_control_to};

/// The bucket's Object Ownership setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ObjectOwnership {
    /// "ACLs are disabled, and the bucket owner automatically owns and has full control over
    /// every object in the bucket." The default for new buckets.
    #[default]
    BucketOwnerEnforced,
    /// "The bucket owner owns and has full control over new objects that other accounts write
    /// to the bucket with the bucket-owner-full-control canned ACL."
    BucketOwnerPreferred,
    /// "The AWS account that uploads an object owns the object."
    ObjectWriter,
}

impl ObjectOwnership {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectOwnership::BucketOwnerEnforced => "BucketOwnerEnforced",
            ObjectOwnership::BucketOwnerPreferred => "BucketOwnerPreferred",
            ObjectOwnership::ObjectWriter => "ObjectWriter",
        }
    }

    /// The value of `x-amz-object-ownership` or `<ObjectOwnership>`, exactly.
    pub fn parse(s: &str) -> Option<Self> {
        [
            ObjectOwnership::BucketOwnerEnforced,
            ObjectOwnership::BucketOwnerPreferred,
            ObjectOwnership::ObjectWriter,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }

    pub fn acls_enabled(self) -> bool {
        self != ObjectOwnership::BucketOwnerEnforced
    }
}

/// Who owns an object `writer` uploads to a bucket owned by `bucket_owner`, given the canned
/// ACL the upload carries.
pub fn object_owner(
    ownership: ObjectOwnership,
    writer: &Owner,
    bucket_owner: &Owner,
    canned: Option<CannedAcl>,
) -> Owner {
    match ownership {
        ObjectOwnership::BucketOwnerEnforced => bucket_owner.clone(),
        ObjectOwnership::BucketOwnerPreferred
            if canned == Some(CannedAcl::BucketOwnerFullControl) =>
        {
            bucket_owner.clone()
        }
        ObjectOwnership::BucketOwnerPreferred | ObjectOwnership::ObjectWriter => writer.clone(),
    }
}

/// The ACL a request sets: a canned ACL (`x-amz-acl`), grant headers, or an
/// `AccessControlPolicy` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AclRequest {
    Canned(CannedAcl),
    Grants(GrantHeaders),
    Policy(Acl),
}

impl AclRequest {
    /// The ACL request in a request's headers: `x-amz-acl` or the grant headers, or `None`.
    /// Both at once is InvalidRequest "Specifying both Canned ACLs and Header Grants is not
    /// allowed"; a bad canned ACL is InvalidArgument. Grant values are parsed by
    /// [`AclRequest::resolve`].
    pub fn from_headers(
        canned: Option<&str>,
        grants: GrantHeaders,
    ) -> Result<Option<Self>, AclError> {
        match (canned, grants.is_empty()) {
            (Some(_), false) => Err(AclError::InvalidRequest(
                "Specifying both Canned ACLs and Header Grants is not allowed".into(),
            )),
            (Some(c), true) => Ok(Some(AclRequest::Canned(CannedAcl::parse(c)?))),
            (None, false) => Ok(Some(AclRequest::Grants(grants))),
            (None, true) => Ok(None),
        }
    }

    /// The ACL to store for a resource owned by `owner` in a bucket owned by `bucket_owner`.
    pub fn resolve(
        &self,
        owner: &Owner,
        bucket_owner: &Owner,
        target: AclTarget,
    ) -> Result<Acl, AclError> {
        match self {
            AclRequest::Canned(c) => Ok(c.expand(owner, bucket_owner, target)),
            AclRequest::Grants(h) => Ok(h.to_acl(owner)?.unwrap_or_else(|| Acl::private(owner))),
            AclRequest::Policy(acl) => Ok(Acl {
                owner: owner.clone(),
                grants: acl.grants.clone(),
            }),
        }
    }

    pub fn canned(&self) -> Option<CannedAcl> {
        match self {
            AclRequest::Canned(c) => Some(*c),
            _ => None,
        }
    }
}

/// Whether a request may set `request` on a bucket with `ownership`. With ACLs disabled
/// (BucketOwnerEnforced) "requests to set ACLs or update ACLs fail … AccessControlList-
/// NotSupported", except "bucket owner full control ACLs": the `bucket-owner-full-control`
/// canned ACL and ACLs that grant FULL_CONTROL to the bucket owner only. Under enforcement
/// the bucket owner owns every resource, so on a bucket `private` is such an ACL too; on an
/// object S3 refuses it (the canned ACL clients such as rclone send by default).
pub fn check_acl_allowed(
    ownership: ObjectOwnership,
    request: Option<&AclRequest>,
    bucket_owner: &Owner,
    target: super::AclTarget,
) -> Result<(), AclError> {
    if ownership.acls_enabled() {
        return Ok(());
    }
    let only_owner =
        |grants: &[super::Grant]| grants_only_full_control_to(grants, &bucket_owner.canonical_id);
    let allowed = match request {
        None => true,
        Some(AclRequest::Canned(CannedAcl::BucketOwnerFullControl)) => true,
        Some(AclRequest::Canned(CannedAcl::Private)) => target == super::AclTarget::Bucket,
        Some(AclRequest::Canned(_)) => false,
        Some(AclRequest::Grants(h)) => only_owner(&h.grants()?),
        Some(AclRequest::Policy(acl)) => only_owner(&acl.grants),
    };
    if allowed {
        Ok(())
    } else {
        Err(AclError::AccessControlListNotSupported)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{group_grant, owner, user_grant};
    use super::super::{KnownGroup, Permission};
    use super::*;

    // "Object Ownership has three settings": BucketOwnerEnforced, BucketOwnerPreferred,
    // ObjectWriter; "By default, Object Ownership is set to the Bucket owner enforced setting".
    #[test]
    fn ownership_names_and_default() {
        for o in [
            ObjectOwnership::BucketOwnerEnforced,
            ObjectOwnership::BucketOwnerPreferred,
            ObjectOwnership::ObjectWriter,
        ] {
            assert_eq!(ObjectOwnership::parse(o.as_str()), Some(o));
        }
        assert_eq!(ObjectOwnership::parse("bucketownerenforced"), None);
        assert_eq!(
            ObjectOwnership::default(),
            ObjectOwnership::BucketOwnerEnforced
        );
        assert!(!ObjectOwnership::default().acls_enabled());
    }

    // "Bucket owner enforced … the bucket owner automatically owns … every object".
    #[test]
    fn enforced_owner_is_bucket_owner() {
        for canned in [
            None,
            Some(CannedAcl::Private),
            Some(CannedAcl::BucketOwnerFullControl),
        ] {
            assert_eq!(
                object_owner(
                    ObjectOwnership::BucketOwnerEnforced,
                    &owner(1),
                    &owner(2),
                    canned
                ),
                owner(2)
            );
        }
    }

    // "Bucket owner preferred – The bucket owner owns … new objects that other accounts write
    // to the bucket with the bucket-owner-full-control canned ACL"; otherwise the writer.
    #[test]
    fn preferred_needs_bucket_owner_full_control() {
        let p = ObjectOwnership::BucketOwnerPreferred;
        assert_eq!(
            object_owner(
                p,
                &owner(1),
                &owner(2),
                Some(CannedAcl::BucketOwnerFullControl)
            ),
            owner(2)
        );
        assert_eq!(object_owner(p, &owner(1), &owner(2), None), owner(1));
        assert_eq!(
            object_owner(p, &owner(1), &owner(2), Some(CannedAcl::BucketOwnerRead)),
            owner(1)
        );
    }

    // "Object writer – The AWS account that uploads an object owns the object".
    #[test]
    fn object_writer_owns() {
        assert_eq!(
            object_owner(
                ObjectOwnership::ObjectWriter,
                &owner(1),
                &owner(2),
                Some(CannedAcl::BucketOwnerFullControl)
            ),
            owner(1)
        );
    }

    // "You cannot specify access permission using both the body and the request headers" /
    // S3: "Specifying both Canned ACLs and Header Grants is not allowed" (InvalidRequest).
    #[test]
    fn canned_and_grant_headers_conflict() {
        let grants = GrantHeaders {
            read: Some(format!("uri=\"{}\"", KnownGroup::AllUsers.uri())),
            ..Default::default()
        };
        assert_eq!(
            AclRequest::from_headers(Some("private"), grants.clone()),
            Err(AclError::InvalidRequest(
                "Specifying both Canned ACLs and Header Grants is not allowed".into()
            ))
        );
        assert_eq!(
            AclRequest::from_headers(None, grants.clone()),
            Ok(Some(AclRequest::Grants(grants)))
        );
        assert_eq!(
            AclRequest::from_headers(Some("public-read"), GrantHeaders::default()),
            Ok(Some(AclRequest::Canned(CannedAcl::PublicRead)))
        );
        assert_eq!(
            AclRequest::from_headers(None, GrantHeaders::default()),
            Ok(None)
        );
        assert!(matches!(
            AclRequest::from_headers(Some("nope"), GrantHeaders::default()),
            Err(AclError::InvalidArgument { .. })
        ));
    }

    // A request's ACL resolves against the resource's owner; a body's Owner is not taken.
    #[test]
    fn resolve_requests() {
        let canned = AclRequest::Canned(CannedAcl::BucketOwnerRead);
        assert_eq!(
            canned
                .resolve(&owner(1), &owner(2), AclTarget::Object)
                .unwrap()
                .grants,
            vec![
                user_grant(&owner(1), Permission::FullControl),
                user_grant(&owner(2), Permission::Read)
            ]
        );
        let body = AclRequest::Policy(Acl {
            owner: owner(9),
            grants: vec![group_grant(KnownGroup::AllUsers, Permission::Read)],
        });
        let acl = body
            .resolve(&owner(1), &owner(1), AclTarget::Bucket)
            .unwrap();
        assert_eq!(acl.owner, owner(1));
        assert!(acl.is_public());
        assert_eq!(body.canned(), None);
        assert_eq!(canned.canned(), Some(CannedAcl::BucketOwnerRead));
    }

    // "All S3 PUT requests must either specify the bucket-owner-full-control canned ACL or not
    // specify an ACL" under Bucket owner enforced; other canned ACLs fail with
    // AccessControlListNotSupported.
    #[test]
    fn enforced_rejects_acls() {
        let e = ObjectOwnership::BucketOwnerEnforced;
        let b = owner(2);
        assert_eq!(
            check_acl_allowed(e, None, &b, super::super::AclTarget::Bucket),
            Ok(())
        );
        assert_eq!(
            check_acl_allowed(
                e,
                Some(&AclRequest::Canned(CannedAcl::BucketOwnerFullControl)),
                &b,
                super::super::AclTarget::Bucket
            ),
            Ok(())
        );
        // An object refuses the canned `private` that a bucket accepts.
        let private = AclRequest::Canned(CannedAcl::Private);
        assert_eq!(
            check_acl_allowed(e, Some(&private), &b, super::super::AclTarget::Object),
            Err(AclError::AccessControlListNotSupported)
        );
        for c in [
            CannedAcl::PublicRead,
            CannedAcl::PublicReadWrite,
            CannedAcl::AuthenticatedRead,
            CannedAcl::AwsExecRead,
            CannedAcl::BucketOwnerRead,
            CannedAcl::LogDeliveryWrite,
        ] {
            assert_eq!(
                check_acl_allowed(
                    e,
                    Some(&AclRequest::Canned(c)),
                    &b,
                    super::super::AclTarget::Bucket
                ),
                Err(AclError::AccessControlListNotSupported),
                "{c:?}"
            );
        }
    }

    // "…you must either specify bucket owner full control ACLs or not specify an ACL": ACLs
    // that give FULL_CONTROL to the bucket owner alone pass, anything more fails.
    #[test]
    fn enforced_accepts_bucket_owner_full_control_only() {
        let e = ObjectOwnership::BucketOwnerEnforced;
        let b = owner(2);
        let policy = |grants| {
            AclRequest::Policy(Acl {
                owner: owner(2),
                grants,
            })
        };
        assert_eq!(
            check_acl_allowed(
                e,
                Some(&policy(vec![user_grant(&b, Permission::FullControl)])),
                &b,
                super::super::AclTarget::Bucket
            ),
            Ok(())
        );
        for grants in [
            vec![],
            vec![user_grant(&b, Permission::Read)],
            vec![user_grant(&owner(3), Permission::FullControl)],
            vec![
                user_grant(&b, Permission::FullControl),
                group_grant(KnownGroup::AllUsers, Permission::Read),
            ],
        ] {
            assert_eq!(
                check_acl_allowed(
                    e,
                    Some(&policy(grants)),
                    &b,
                    super::super::AclTarget::Bucket
                ),
                Err(AclError::AccessControlListNotSupported)
            );
        }
        let header = |v: String| {
            AclRequest::Grants(GrantHeaders {
                full_control: Some(v),
                ..Default::default()
            })
        };
        let mine = header(format!("id=\"{}\"", b.canonical_id));
        assert_eq!(
            check_acl_allowed(e, Some(&mine), &b, super::super::AclTarget::Bucket),
            Ok(())
        );
        let theirs = header(format!("id=\"{}\"", owner(3).canonical_id));
        assert_eq!(
            check_acl_allowed(e, Some(&theirs), &b, super::super::AclTarget::Bucket),
            Err(AclError::AccessControlListNotSupported)
        );
    }

    // ACLs enabled (BucketOwnerPreferred, ObjectWriter): any ACL may be set.
    #[test]
    fn enabled_accepts_any_acl() {
        for o in [
            ObjectOwnership::BucketOwnerPreferred,
            ObjectOwnership::ObjectWriter,
        ] {
            assert_eq!(
                check_acl_allowed(
                    o,
                    Some(&AclRequest::Canned(CannedAcl::PublicReadWrite)),
                    &owner(2),
                    super::super::AclTarget::Bucket
                ),
                Ok(())
            );
        }
    }
}
