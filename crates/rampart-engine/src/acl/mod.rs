//! Access control lists as Amazon S3 documents them ("Access control list (ACL) overview"):
//! grants of five permissions to canonical users or to three predefined groups, canned ACLs,
//! the `x-amz-grant-*` headers, S3 Object Ownership, and which S3 actions each permission
//! allows. Everything here is pure: callers load and store ACLs with their records.

mod actions;
mod canned;
mod headers;
mod ownership;

use rampart_types::{CanonicalUserId, Owner};
use serde::{Deserialize, Serialize};

pub use actions::{acl_permission_for_action, requires_bucket_owner_grantee};
pub use canned::CannedAcl;
pub use headers::{GrantHeaders, parse_grant_header};
pub use ownership::{AclRequest, ObjectOwnership, check_acl_allowed, object_owner};

/// The five ACL permissions, named on the wire as `READ`, `WRITE`, `READ_ACP`, `WRITE_ACP`
/// and `FULL_CONTROL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    Read,
    Write,
    ReadAcp,
    WriteAcp,
    FullControl,
}

impl Permission {
    pub const ALL: [Permission; 5] = [
        Permission::Read,
        Permission::Write,
        Permission::ReadAcp,
        Permission::WriteAcp,
        Permission::FullControl,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "READ",
            Permission::Write => "WRITE",
            Permission::ReadAcp => "READ_ACP",
            Permission::WriteAcp => "WRITE_ACP",
            Permission::FullControl => "FULL_CONTROL",
        }
    }

    /// The wire name, exactly (S3's schema is case-sensitive).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Whether holding `self` gives `needed`: "FULL_CONTROL … Allows grantee the READ, WRITE,
    /// READ_ACP, and WRITE_ACP permissions".
    pub fn implies(self, needed: Permission) -> bool {
        self == Permission::FullControl || self == needed
    }
}

/// The predefined Amazon S3 groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KnownGroup {
    /// Everyone, signed or anonymous.
    AllUsers,
    /// Any signed request (any AWS account).
    AuthenticatedUsers,
    /// The S3 server-access-log delivery service.
    LogDelivery,
}

impl KnownGroup {
    pub const ALL: [KnownGroup; 3] = [
        KnownGroup::AllUsers,
        KnownGroup::AuthenticatedUsers,
        KnownGroup::LogDelivery,
    ];

    pub fn uri(self) -> &'static str {
        match self {
            KnownGroup::AllUsers => "http://acs.amazonaws.com/groups/global/AllUsers",
            KnownGroup::AuthenticatedUsers => {
                "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
            }
            KnownGroup::LogDelivery => "http://acs.amazonaws.com/groups/s3/LogDelivery",
        }
    }

    /// The exact URI; any other is not a group S3 knows.
    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.uri() == uri)
    }

    /// Grants to these groups make a resource public (Block Public Access).
    pub fn is_public(self) -> bool {
        matches!(self, KnownGroup::AllUsers | KnownGroup::AuthenticatedUsers)
    }
}

/// Who a grant is to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Grantee {
    CanonicalUser {
        id: CanonicalUserId,
        display_name: Option<String>,
    },
    Group(KnownGroup),
}

impl Grantee {
    /// The grantee naming `owner` with its display name.
    pub fn owner(owner: &Owner) -> Self {
        Grantee::CanonicalUser {
            id: owner.canonical_id.clone(),
            display_name: Some(owner.display_name.clone()),
        }
    }

    fn is_user(&self, id: &CanonicalUserId) -> bool {
        matches!(self, Grantee::CanonicalUser { id: g, .. } if g == id)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub grantee: Grantee,
    pub permission: Permission,
}

/// Whether an ACL is on a bucket or an object: canned ACLs and the action mapping differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AclTarget {
    Bucket,
    Object,
}

/// Who is asking: the canonical id of the signing account, or `None` when anonymous.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requester {
    pub canonical_id: Option<CanonicalUserId>,
    pub authenticated: bool,
}

impl Requester {
    pub fn anonymous() -> Self {
        Self {
            canonical_id: None,
            authenticated: false,
        }
    }

    pub fn signed(id: CanonicalUserId) -> Self {
        Self {
            canonical_id: Some(id),
            authenticated: true,
        }
    }
}

/// A resource's access control policy: its owner and its grants, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acl {
    pub owner: Owner,
    pub grants: Vec<Grant>,
}

impl Acl {
    /// The default ACL of a new resource: the owner has FULL_CONTROL (canned `private`).
    pub fn private(owner: &Owner) -> Self {
        Self {
            owner: owner.clone(),
            grants: vec![Grant {
                grantee: Grantee::owner(owner),
                permission: Permission::FullControl,
            }],
        }
    }

    /// Block Public Access: an ACL is public when it grants any permission to AllUsers or
    /// AuthenticatedUsers.
    pub fn is_public(&self) -> bool {
        self.grants
            .iter()
            .any(|g| matches!(g.grantee, Grantee::Group(group) if group.is_public()))
    }

    /// Whether some grant gives `requester` the permission `needed`. FULL_CONTROL implies
    /// every permission; AllUsers matches everyone (anonymous too); AuthenticatedUsers any
    /// signed requester; LogDelivery nobody (Rampart delivers no logs). With `ignore_public`
    /// (IgnorePublicAcls) grants to AllUsers and AuthenticatedUsers are disregarded.
    pub fn allows(&self, requester: &Requester, needed: Permission, ignore_public: bool) -> bool {
        self.grants.iter().any(|g| {
            g.permission.implies(needed)
                && match &g.grantee {
                    Grantee::CanonicalUser { id, .. } => {
                        requester.canonical_id.as_ref() == Some(id)
                    }
                    Grantee::Group(group) if ignore_public && group.is_public() => false,
                    Grantee::Group(KnownGroup::AllUsers) => true,
                    Grantee::Group(KnownGroup::AuthenticatedUsers) => requester.authenticated,
                    Grantee::Group(KnownGroup::LogDelivery) => false,
                }
        })
    }

    /// Whether every grant is FULL_CONTROL to `bucket_owner` (and there is at least one): the
    /// only ACL S3 accepts, besides `bucket-owner-full-control`, when ACLs are disabled.
    pub fn grants_only_bucket_owner_full_control(&self, bucket_owner: &Owner) -> bool {
        grants_only_full_control_to(&self.grants, &bucket_owner.canonical_id)
    }
}

fn grants_only_full_control_to(grants: &[Grant], id: &CanonicalUserId) -> bool {
    !grants.is_empty()
        && grants
            .iter()
            .all(|g| g.permission == Permission::FullControl && g.grantee.is_user(id))
}

/// ACL failures, each one S3 error code (see [`AclError::code`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AclError {
    /// `InvalidArgument` (400), with S3's `ArgumentName` and `ArgumentValue`.
    #[error("{message}")]
    InvalidArgument {
        message: String,
        argument_name: String,
        argument_value: String,
    },
    /// `InvalidRequest` (400).
    #[error("{0}")]
    InvalidRequest(String),
    /// `AccessControlListNotSupported` (400): the bucket's Object Ownership is
    /// BucketOwnerEnforced.
    #[error("The bucket does not allow ACLs")]
    AccessControlListNotSupported,
    /// `UnresolvableGrantByEmailAddress` (400): Rampart has no e-mail directory, so no address
    /// resolves.
    #[error("The e-mail address you provided does not match any account on record.")]
    UnresolvableGrantByEmailAddress,
    /// `MalformedACLError` (400).
    #[error(
        "The XML you provided was not well-formed or did not validate against our published schema"
    )]
    MalformedAcl,
}

impl AclError {
    /// The S3 error code.
    pub fn code(&self) -> &'static str {
        match self {
            AclError::InvalidArgument { .. } => "InvalidArgument",
            AclError::InvalidRequest(_) => "InvalidRequest",
            AclError::AccessControlListNotSupported => "AccessControlListNotSupported",
            AclError::UnresolvableGrantByEmailAddress => "UnresolvableGrantByEmailAddress",
            AclError::MalformedAcl => "MalformedACLError",
        }
    }

    pub(crate) fn invalid_argument(
        message: impl Into<String>,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        AclError::InvalidArgument {
            message: message.into(),
            argument_name: name.into(),
            argument_value: value.into(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rampart_types::AccountId;

    pub fn owner(n: u8) -> Owner {
        let hex = format!("{n:02x}").repeat(32);
        Owner {
            account_id: AccountId::parse(&format!("{:012}", n)).unwrap(),
            canonical_id: CanonicalUserId::parse(&hex).unwrap(),
            display_name: format!("user{n}"),
        }
    }

    pub fn user_grant(o: &Owner, permission: Permission) -> Grant {
        Grant {
            grantee: Grantee::owner(o),
            permission,
        }
    }

    pub fn group_grant(g: KnownGroup, permission: Permission) -> Grant {
        Grant {
            grantee: Grantee::Group(g),
            permission,
        }
    }

    fn acl(grants: Vec<Grant>) -> Acl {
        Acl {
            owner: owner(1),
            grants,
        }
    }

    // "Permission": the wire names are READ, WRITE, READ_ACP, WRITE_ACP, FULL_CONTROL.
    #[test]
    fn permission_names_round_trip() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
        }
        assert_eq!(Permission::parse("read"), None);
        assert_eq!(Permission::parse("FULLCONTROL"), None);
    }

    // "FULL_CONTROL: Allows grantee the READ, WRITE, READ_ACP, and WRITE_ACP permissions."
    #[test]
    fn full_control_implies_everything() {
        for p in Permission::ALL {
            assert!(Permission::FullControl.implies(p));
        }
        assert!(!Permission::Read.implies(Permission::Write));
        assert!(!Permission::WriteAcp.implies(Permission::ReadAcp));
        assert!(Permission::ReadAcp.implies(Permission::ReadAcp));
    }

    // "Amazon S3 predefined groups": AllUsers, AuthenticatedUsers and LogDelivery URIs.
    #[test]
    fn group_uris() {
        assert_eq!(
            KnownGroup::from_uri("http://acs.amazonaws.com/groups/global/AllUsers"),
            Some(KnownGroup::AllUsers)
        );
        assert_eq!(
            KnownGroup::from_uri("http://acs.amazonaws.com/groups/global/AuthenticatedUsers"),
            Some(KnownGroup::AuthenticatedUsers)
        );
        assert_eq!(
            KnownGroup::from_uri("http://acs.amazonaws.com/groups/s3/LogDelivery"),
            Some(KnownGroup::LogDelivery)
        );
        assert_eq!(
            KnownGroup::from_uri("http://acs.amazonaws.com/groups/global/LogDelivery"),
            None
        );
        assert_eq!(KnownGroup::from_uri("AllUsers"), None);
    }

    // Block Public Access: "Amazon S3 considers a bucket or object ACL public if it grants any
    // permissions to members of the predefined AllUsers or AuthenticatedUsers groups."
    #[test]
    fn public_means_all_or_authenticated_users() {
        assert!(!Acl::private(&owner(1)).is_public());
        assert!(acl(vec![group_grant(KnownGroup::AllUsers, Permission::ReadAcp)]).is_public());
        assert!(
            acl(vec![group_grant(
                KnownGroup::AuthenticatedUsers,
                Permission::Write
            )])
            .is_public()
        );
        assert!(
            !acl(vec![group_grant(
                KnownGroup::LogDelivery,
                Permission::Write
            )])
            .is_public()
        );
        assert!(!acl(vec![user_grant(&owner(2), Permission::FullControl)]).is_public());
    }

    // "AllUsers … Access permission to this group allows anyone in the world access to the
    // resource. The requests can be signed (authenticated) or unsigned (anonymous)."
    #[test]
    fn all_users_match_anonymous_and_signed() {
        let a = acl(vec![group_grant(KnownGroup::AllUsers, Permission::Read)]);
        assert!(a.allows(&Requester::anonymous(), Permission::Read, false));
        let signed = Requester::signed(owner(3).canonical_id);
        assert!(a.allows(&signed, Permission::Read, false));
        assert!(!a.allows(&signed, Permission::Write, false));
    }

    // "AuthenticatedUsers … represents all AWS accounts … any authenticated request"; an
    // unsigned request is not in the group.
    #[test]
    fn authenticated_users_need_a_signature() {
        let a = acl(vec![group_grant(
            KnownGroup::AuthenticatedUsers,
            Permission::FullControl,
        )]);
        assert!(!a.allows(&Requester::anonymous(), Permission::Read, false));
        assert!(a.allows(
            &Requester::signed(owner(4).canonical_id),
            Permission::WriteAcp,
            false
        ));
    }

    // A canonical-user grant applies to that account only, and FULL_CONTROL implies the rest.
    #[test]
    fn canonical_user_grants() {
        let a = Acl::private(&owner(1));
        let me = Requester::signed(owner(1).canonical_id);
        for p in Permission::ALL {
            assert!(a.allows(&me, p, false));
        }
        assert!(!a.allows(
            &Requester::signed(owner(2).canonical_id),
            Permission::Read,
            false
        ));
        assert!(!a.allows(&Requester::anonymous(), Permission::Read, false));
    }

    // IgnorePublicAcls: "Amazon S3 ignores all public ACLs on a bucket and any objects that it
    // contains" — grants to AllUsers/AuthenticatedUsers stop counting, others still do.
    #[test]
    fn ignore_public_acls() {
        let a = acl(vec![
            group_grant(KnownGroup::AllUsers, Permission::Read),
            group_grant(KnownGroup::AuthenticatedUsers, Permission::Write),
            user_grant(&owner(2), Permission::ReadAcp),
        ]);
        let other = Requester::signed(owner(2).canonical_id);
        assert!(!a.allows(&Requester::anonymous(), Permission::Read, true));
        assert!(!a.allows(&other, Permission::Write, true));
        assert!(a.allows(&other, Permission::ReadAcp, true));
        assert!(a.allows(&other, Permission::Write, false));
    }

    // LogDelivery is the log delivery service, not a requester Rampart ever authenticates.
    #[test]
    fn log_delivery_matches_no_requester() {
        let a = acl(vec![group_grant(
            KnownGroup::LogDelivery,
            Permission::FullControl,
        )]);
        assert!(!a.allows(&Requester::anonymous(), Permission::Write, false));
        assert!(!a.allows(
            &Requester::signed(owner(5).canonical_id),
            Permission::Write,
            false
        ));
    }

    // Records are MessagePack with named fields; an ACL must survive the round trip.
    #[test]
    fn messagepack_round_trip() {
        let a = acl(vec![
            user_grant(&owner(1), Permission::FullControl),
            Grant {
                grantee: Grantee::CanonicalUser {
                    id: owner(2).canonical_id,
                    display_name: None,
                },
                permission: Permission::ReadAcp,
            },
            group_grant(KnownGroup::LogDelivery, Permission::Write),
        ]);
        let bytes = rmp_serde::to_vec_named(&a).unwrap();
        let back: Acl = rmp_serde::from_slice(&bytes).unwrap();
        assert_eq!(back, a);
    }

    // Error codes the API maps: names as S3's error-code list spells them.
    #[test]
    fn error_codes_and_messages() {
        assert_eq!(AclError::MalformedAcl.code(), "MalformedACLError");
        assert_eq!(
            AclError::AccessControlListNotSupported.to_string(),
            "The bucket does not allow ACLs"
        );
        assert_eq!(
            AclError::UnresolvableGrantByEmailAddress.code(),
            "UnresolvableGrantByEmailAddress"
        );
        assert_eq!(
            AclError::invalid_argument("Invalid id", "x-amz-grant-read", "id=1").code(),
            "InvalidArgument"
        );
        assert_eq!(
            AclError::InvalidRequest("x".into()).code(),
            "InvalidRequest"
        );
    }
}
