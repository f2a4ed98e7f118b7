//! The `<AccessControlPolicy>` document of GetBucketAcl/GetObjectAcl responses and
//! PutBucketAcl/PutObjectAcl bodies.

use rampart_engine::acl::{Acl, AclError, Grant, Grantee, KnownGroup, Permission};
use rampart_types::{CanonicalUserId, Owner};
use serde::{Deserialize, Serialize};

use super::S3_NAMESPACE;

pub const XSI_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema-instance";

#[derive(Serialize, Deserialize, Debug, Default)]
#[serde(rename = "AccessControlPolicy")]
pub struct AccessControlPolicy {
    #[serde(rename = "@xmlns", default, skip_deserializing)]
    pub xmlns: &'static str,
    #[serde(rename = "Owner", default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<OwnerElement>,
    #[serde(rename = "AccessControlList", default)]
    pub access_control_list: Option<AccessControlListXml>,
}

#[derive(Serialize, Deserialize, Debug, Default)]
pub struct OwnerElement {
    #[serde(rename = "ID", default)]
    pub id: String,
    #[serde(
        rename = "DisplayName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub display_name: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Default)]
pub struct AccessControlListXml {
    #[serde(rename = "Grant", default)]
    pub grants: Vec<GrantXml>,
}

#[derive(Serialize, Deserialize, Debug)]
pub struct GrantXml {
    #[serde(rename = "Grantee")]
    pub grantee: GranteeXml,
    #[serde(rename = "Permission")]
    pub permission: String,
}

#[derive(Serialize, Deserialize, Debug)]
pub struct GranteeXml {
    #[serde(rename = "@xmlns:xsi", default, skip_deserializing)]
    pub xmlns_xsi: &'static str,
    /// `CanonicalUser`, `Group` or `AmazonCustomerByEmail`. quick-xml matches attributes by
    /// local name, so any prefix bound to the XSI namespace is read.
    #[serde(rename = "@xsi:type", alias = "@type")]
    pub xsi_type: String,
    #[serde(rename = "ID", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(
        rename = "DisplayName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub display_name: Option<String>,
    #[serde(
        rename = "EmailAddress",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub email_address: Option<String>,
    #[serde(rename = "URI", default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

impl From<&Acl> for AccessControlPolicy {
    fn from(acl: &Acl) -> Self {
        Self {
            xmlns: S3_NAMESPACE,
            owner: Some(OwnerElement {
                id: acl.owner.canonical_id.as_str().to_owned(),
                display_name: Some(acl.owner.display_name.clone()),
            }),
            access_control_list: Some(AccessControlListXml {
                grants: acl.grants.iter().map(GrantXml::from).collect(),
            }),
        }
    }
}

impl From<&Grant> for GrantXml {
    fn from(g: &Grant) -> Self {
        let grantee = match &g.grantee {
            Grantee::CanonicalUser { id, display_name } => GranteeXml {
                xmlns_xsi: XSI_NAMESPACE,
                xsi_type: "CanonicalUser".into(),
                id: Some(id.as_str().to_owned()),
                display_name: display_name.clone(),
                email_address: None,
                uri: None,
            },
            Grantee::Group(group) => GranteeXml {
                xmlns_xsi: XSI_NAMESPACE,
                xsi_type: "Group".into(),
                id: None,
                display_name: None,
                email_address: None,
                uri: Some(group.uri().to_owned()),
            },
        };
        Self {
            grantee,
            permission: g.permission.as_str().to_owned(),
        }
    }
}

impl AccessControlPolicy {
    /// The grants of a PutBucketAcl/PutObjectAcl body, as the ACL of a resource owned by
    /// `owner` (the body's `<Owner>` does not change who owns the resource). A missing
    /// `<AccessControlList>`, an unknown permission or grantee type, or a grantee without its
    /// identifying element is MalformedACLError; an id that is not a canonical user id or a
    /// URI that is not a predefined group is InvalidArgument; an e-mail grantee is
    /// UnresolvableGrantByEmailAddress.
    pub fn into_acl(self, owner: &Owner) -> Result<Acl, AclError> {
        let list = self.access_control_list.ok_or(AclError::MalformedAcl)?;
        let grants = list
            .grants
            .into_iter()
            .map(GrantXml::into_grant)
            .collect::<Result<_, _>>()?;
        Ok(Acl {
            owner: owner.clone(),
            grants,
        })
    }
}

impl GrantXml {
    pub(crate) fn into_grant(self) -> Result<Grant, AclError> {
        let permission = Permission::parse(self.permission.trim()).ok_or(AclError::MalformedAcl)?;
        let g = self.grantee;
        let invalid = |message: &str, value: &str| AclError::InvalidArgument {
            message: message.into(),
            argument_name: String::new(),
            argument_value: value.into(),
        };
        let grantee = match g.xsi_type.as_str() {
            "CanonicalUser" => {
                let id = g.id.ok_or(AclError::MalformedAcl)?;
                let id = id.trim();
                Grantee::CanonicalUser {
                    id: CanonicalUserId::parse(id).ok_or_else(|| invalid("Invalid id", id))?,
                    display_name: None,
                }
            }
            "Group" => {
                let uri = g.uri.ok_or(AclError::MalformedAcl)?;
                let uri = uri.trim();
                Grantee::Group(
                    KnownGroup::from_uri(uri).ok_or_else(|| invalid("Invalid group uri", uri))?,
                )
            }
            "AmazonCustomerByEmail" if g.email_address.is_some() => {
                return Err(AclError::UnresolvableGrantByEmailAddress);
            }
            _ => return Err(AclError::MalformedAcl),
        };
        Ok(Grant {
            grantee,
            permission,
        })
    }
}

/// Parses a PutBucketAcl/PutObjectAcl body: XML that is not an `AccessControlPolicy` is
/// MalformedACLError (not MalformedXML).
pub fn parse_policy(body: &[u8], owner: &Owner) -> Result<Acl, AclError> {
    let text = std::str::from_utf8(body).map_err(|_| AclError::MalformedAcl)?;
    let doc: AccessControlPolicy =
        quick_xml::de::from_str(text).map_err(|_| AclError::MalformedAcl)?;
    doc.into_acl(owner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::to_document;
    use rampart_engine::acl::{AclTarget, CannedAcl};
    use rampart_types::AccountId;

    const DOC_ID: &str = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a";
    const OTHER_ID: &str = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be";

    fn doc_owner() -> Owner {
        Owner {
            account_id: AccountId::parse("111122223333").unwrap(),
            canonical_id: CanonicalUserId::parse(DOC_ID).unwrap(),
            display_name: "CustomersName@amazon.com".into(),
        }
    }

    fn render(acl: &Acl) -> String {
        String::from_utf8(
            to_document(&AccessControlPolicy::from(acl))
                .unwrap()
                .to_vec(),
        )
        .unwrap()
    }

    fn parse(body: &str) -> Result<Acl, AclError> {
        parse_policy(body.as_bytes(), &doc_owner())
    }

    /// The GetBucketAcl API reference's example response, whitespace and all.
    const GET_BUCKET_ACL_EXAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<AccessControlPolicy>
  <Owner>
    <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
    <DisplayName>CustomersName@amazon.com</DisplayName>
  </Owner>
  <AccessControlList>
    <Grant>
      <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
			xsi:type="CanonicalUser">
        <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
        <DisplayName>CustomersName@amazon.com</DisplayName>
      </Grantee>
      <Permission>FULL_CONTROL</Permission>
    </Grant>
  </AccessControlList>
</AccessControlPolicy>"#;

    // GetBucketAcl of a private bucket: the reference example, as S3 sends it (compact, in
    // S3's namespace, the Grantee carrying xmlns:xsi and xsi:type="CanonicalUser").
    #[test]
    fn golden_private_bucket() {
        let acl = CannedAcl::Private.expand(&doc_owner(), &doc_owner(), AclTarget::Bucket);
        assert_eq!(
            render(&acl),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <AccessControlPolicy xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Owner><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>\
             <DisplayName>CustomersName@amazon.com</DisplayName></Owner>\
             <AccessControlList><Grant>\
             <Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\">\
             <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>\
             <DisplayName>CustomersName@amazon.com</DisplayName></Grantee>\
             <Permission>FULL_CONTROL</Permission></Grant></AccessControlList>\
             </AccessControlPolicy>"
        );
    }

    // The reference example itself parses back to the private ACL (whitespace, line breaks
    // inside the Grantee tag, no default namespace).
    #[test]
    fn reference_example_parses() {
        let acl = parse(GET_BUCKET_ACL_EXAMPLE).unwrap();
        let mut expected = Acl::private(&doc_owner());
        // Display names in requests are informational; Rampart keeps none from a body.
        expected.grants[0].grantee = Grantee::CanonicalUser {
            id: doc_owner().canonical_id,
            display_name: None,
        };
        assert_eq!(acl, expected);
    }

    // "Grantee … xsi:type Group … URI": a group grant is rendered with its URI only.
    #[test]
    fn golden_group_grant() {
        let acl = CannedAcl::PublicRead.expand(&doc_owner(), &doc_owner(), AclTarget::Object);
        let xml = render(&acl);
        assert!(xml.contains(
            "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Group\">\
             <URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee>\
             <Permission>READ</Permission></Grant>"
        ));
    }

    // Rendering then parsing gives the same grants for every canned ACL (minus display names).
    #[test]
    fn round_trip() {
        for c in CannedAcl::ALL {
            let other = Owner {
                canonical_id: CanonicalUserId::parse(OTHER_ID).unwrap(),
                ..doc_owner()
            };
            let acl = c.expand(&doc_owner(), &other, AclTarget::Object);
            let back = parse(&render(&acl)).unwrap();
            assert_eq!(back.grants.len(), acl.grants.len(), "{c:?}");
            for (a, b) in acl.grants.iter().zip(&back.grants) {
                assert_eq!(a.permission, b.permission);
                match (&a.grantee, &b.grantee) {
                    (
                        Grantee::CanonicalUser { id: x, .. },
                        Grantee::CanonicalUser { id: y, .. },
                    ) => {
                        assert_eq!(x, y)
                    }
                    (x, y) => assert_eq!(x, y),
                }
            }
        }
    }

    // PutObjectAcl body with a canonical user and a Group grantee (AllUsers READ).
    #[test]
    fn put_object_acl_with_group() {
        let body = format!(
            r#"<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Owner><ID>{DOC_ID}</ID><DisplayName>CustomersName@amazon.com</DisplayName></Owner>
  <AccessControlList>
    <Grant>
      <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">
        <ID>{OTHER_ID}</ID><DisplayName>someone</DisplayName>
      </Grantee>
      <Permission>WRITE_ACP</Permission>
    </Grant>
    <Grant>
      <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group">
        <URI>http://acs.amazonaws.com/groups/global/AllUsers</URI>
      </Grantee>
      <Permission>READ</Permission>
    </Grant>
  </AccessControlList>
</AccessControlPolicy>"#
        );
        let acl = parse(&body).unwrap();
        assert_eq!(acl.owner, doc_owner());
        assert_eq!(
            acl.grants,
            vec![
                Grant {
                    grantee: Grantee::CanonicalUser {
                        id: CanonicalUserId::parse(OTHER_ID).unwrap(),
                        display_name: None
                    },
                    permission: Permission::WriteAcp
                },
                Grant {
                    grantee: Grantee::Group(KnownGroup::AllUsers),
                    permission: Permission::Read
                }
            ]
        );
        assert!(acl.is_public());
    }

    // An empty AccessControlList is a valid (if self-locking) ACL with no grants.
    #[test]
    fn empty_grant_list() {
        let acl = parse("<AccessControlPolicy><AccessControlList/></AccessControlPolicy>").unwrap();
        assert!(acl.grants.is_empty());
    }

    // Bodies that are not well-formed or do not match the schema: MalformedACLError.
    #[test]
    fn malformed_bodies() {
        let grant = |grantee: &str, perm: &str| {
            format!(
                "<AccessControlPolicy><AccessControlList><Grant>{grantee}<Permission>{perm}</Permission></Grant></AccessControlList></AccessControlPolicy>"
            )
        };
        let user = format!(
            "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\"><ID>{OTHER_ID}</ID></Grantee>"
        );
        for body in [
            "not xml".to_owned(),
            "<AccessControlPolicy><AccessControlList><Grant>".to_owned(),
            "<AccessControlPolicy><Owner><ID>x</ID></Owner></AccessControlPolicy>".to_owned(),
            grant(&user, "READ_WRITE"),
            grant(&user, "read"),
            grant(&format!("<Grantee><ID>{OTHER_ID}</ID></Grantee>"), "READ"),
            grant(
                "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\"></Grantee>",
                "READ",
            ),
            grant(
                "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Group\"><ID>x</ID></Grantee>",
                "READ",
            ),
            grant(
                "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Robot\"><ID>x</ID></Grantee>",
                "READ",
            ),
            grant(&user, ""),
        ] {
            assert_eq!(parse(&body), Err(AclError::MalformedAcl), "{body}");
        }
        assert_eq!(
            parse_policy(b"\xff\xfe", &doc_owner()),
            Err(AclError::MalformedAcl)
        );
    }

    // Well-formed grants naming no account or group S3 knows: InvalidArgument, and e-mail
    // grantees: UnresolvableGrantByEmailAddress.
    #[test]
    fn unresolvable_grantees() {
        let one = |grantee: &str| {
            parse(&format!(
                "<AccessControlPolicy><AccessControlList><Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" {grantee}</Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>"
            ))
        };
        assert!(matches!(
            one("xsi:type=\"CanonicalUser\"><ID>111122223333</ID>"),
            Err(AclError::InvalidArgument { message, .. }) if message == "Invalid id"
        ));
        assert!(matches!(
            one("xsi:type=\"Group\"><URI>http://acs.amazonaws.com/groups/global/Everyone</URI>"),
            Err(AclError::InvalidArgument { message, .. }) if message == "Invalid group uri"
        ));
        assert_eq!(
            one("xsi:type=\"AmazonCustomerByEmail\"><EmailAddress>xyz@amazon.com</EmailAddress>"),
            Err(AclError::UnresolvableGrantByEmailAddress)
        );
    }
}
