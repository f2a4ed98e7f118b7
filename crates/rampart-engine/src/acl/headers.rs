//! The `x-amz-grant-*` request headers: "Specify access permissions explicitly", each a
//! comma-separated list of `type="value"` grantees, `type` one of `id`, `uri`, `emailAddress`.

use rampart_types::{CanonicalUserId, Owner};

use super::{Acl, AclError, Grant, Grantee, KnownGroup, Permission};

/// The five grant headers of one request, as sent (absent headers are `None`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GrantHeaders {
    pub read: Option<String>,
    pub write: Option<String>,
    pub read_acp: Option<String>,
    pub write_acp: Option<String>,
    pub full_control: Option<String>,
}

impl GrantHeaders {
    /// Each header's name and permission, in the order S3 documents them.
    pub const HEADERS: [(&'static str, Permission); 5] = [
        ("x-amz-grant-read", Permission::Read),
        ("x-amz-grant-write", Permission::Write),
        ("x-amz-grant-read-acp", Permission::ReadAcp),
        ("x-amz-grant-write-acp", Permission::WriteAcp),
        ("x-amz-grant-full-control", Permission::FullControl),
    ];

    /// Fills the headers from a lookup by (lower-case) header name.
    pub fn from_lookup<'a>(mut get: impl FnMut(&str) -> Option<&'a str>) -> Self {
        let mut h = GrantHeaders::default();
        for (name, permission) in Self::HEADERS {
            *h.slot(permission) = get(name).map(str::to_owned);
        }
        h
    }

    fn slot(&mut self, permission: Permission) -> &mut Option<String> {
        match permission {
            Permission::Read => &mut self.read,
            Permission::Write => &mut self.write,
            Permission::ReadAcp => &mut self.read_acp,
            Permission::WriteAcp => &mut self.write_acp,
            Permission::FullControl => &mut self.full_control,
        }
    }

    fn get(&self, permission: Permission) -> Option<&str> {
        match permission {
            Permission::Read => self.read.as_deref(),
            Permission::Write => self.write.as_deref(),
            Permission::ReadAcp => self.read_acp.as_deref(),
            Permission::WriteAcp => self.write_acp.as_deref(),
            Permission::FullControl => self.full_control.as_deref(),
        }
    }

    pub fn is_empty(&self) -> bool {
        Permission::ALL.into_iter().all(|p| self.get(p).is_none())
    }

    /// Every grant the headers name, header by header in the documented order.
    pub fn grants(&self) -> Result<Vec<Grant>, AclError> {
        let mut grants = Vec::new();
        for (name, permission) in Self::HEADERS {
            if let Some(value) = self.get(permission) {
                grants.extend(parse_grant_header(name, value, permission)?);
            }
        }
        Ok(grants)
    }

    /// The ACL the headers set on a resource owned by `owner`: exactly the grants named (the
    /// owner gets nothing it is not granted), or `None` when no grant header was sent.
    pub fn to_acl(&self, owner: &Owner) -> Result<Option<Acl>, AclError> {
        if self.is_empty() {
            return Ok(None);
        }
        Ok(Some(Acl {
            owner: owner.clone(),
            grants: self.grants()?,
        }))
    }
}

/// Parses one grant header: `id="…"`, `uri="…"` or `emailAddress="…"` items separated by
/// commas. Whitespace around items, keys and values is ignored; values may be double-quoted
/// (as documented) or bare; keys are matched without regard to case. Errors:
/// - an item that is not `key=value`, an unknown key or an empty value: InvalidArgument
///   "Argument format not recognized";
/// - an id that is not a canonical user id: InvalidArgument "Invalid id";
/// - a URI that is not a predefined group: InvalidArgument "Invalid group uri";
/// - an e-mail address: UnresolvableGrantByEmailAddress (no address resolves here).
pub fn parse_grant_header(
    header: &str,
    value: &str,
    permission: Permission,
) -> Result<Vec<Grant>, AclError> {
    let invalid = |message: &str| AclError::invalid_argument(message, header, value);
    let mut grants = Vec::new();
    for item in value.split(',') {
        let (key, raw) = item
            .split_once('=')
            .ok_or_else(|| invalid("Argument format not recognized"))?;
        let key = key.trim();
        let raw = raw.trim();
        let unquoted = match raw.strip_prefix('"') {
            Some(rest) => rest
                .strip_suffix('"')
                .ok_or_else(|| invalid("Argument format not recognized"))?,
            None => raw,
        };
        if unquoted.is_empty() || unquoted.contains('"') {
            return Err(invalid("Argument format not recognized"));
        }
        let grantee = if key.eq_ignore_ascii_case("id") {
            Grantee::CanonicalUser {
                id: CanonicalUserId::parse(unquoted).ok_or_else(|| invalid("Invalid id"))?,
                display_name: None,
            }
        } else if key.eq_ignore_ascii_case("uri") {
            Grantee::Group(
                KnownGroup::from_uri(unquoted).ok_or_else(|| invalid("Invalid group uri"))?,
            )
        } else if key.eq_ignore_ascii_case("emailAddress") {
            return Err(AclError::UnresolvableGrantByEmailAddress);
        } else {
            return Err(invalid("Argument format not recognized"));
        };
        grants.push(Grant {
            grantee,
            permission,
        });
    }
    Ok(grants)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{group_grant, owner};
    use super::*;

    const ID_A: &str = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be";
    const ID_B: &str = "0101010101010101010101010101010101010101010101010101010101010101";

    fn user(id: &str, permission: Permission) -> Grant {
        Grant {
            grantee: Grantee::CanonicalUser {
                id: CanonicalUserId::parse(id).unwrap(),
                display_name: None,
            },
            permission,
        }
    }

    fn argument_error(r: Result<Vec<Grant>, AclError>) -> String {
        match r {
            Err(AclError::InvalidArgument {
                message,
                argument_name,
                ..
            }) => {
                assert!(argument_name.starts_with("x-amz-grant-"));
                message
            }
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    // "x-amz-grant-read: id=\"11112222333\", id=\"444455556666\"" — a comma-separated list of
    // quoted grantees, each given the header's permission.
    #[test]
    fn documented_form() {
        let v = format!("id=\"{ID_A}\", id=\"{ID_B}\"");
        assert_eq!(
            parse_grant_header("x-amz-grant-read", &v, Permission::Read).unwrap(),
            vec![user(ID_A, Permission::Read), user(ID_B, Permission::Read)]
        );
    }

    // "uri – if you are granting permissions to a predefined group".
    #[test]
    fn group_uris() {
        let v = "uri=\"http://acs.amazonaws.com/groups/global/AllUsers\",uri=\"http://acs.amazonaws.com/groups/s3/LogDelivery\"";
        assert_eq!(
            parse_grant_header("x-amz-grant-write", v, Permission::Write).unwrap(),
            vec![
                group_grant(KnownGroup::AllUsers, Permission::Write),
                group_grant(KnownGroup::LogDelivery, Permission::Write)
            ]
        );
    }

    // Whitespace around items, keys and values is tolerated, as are bare values and upper
    // case keys.
    #[test]
    fn whitespace_and_quotes() {
        let v = format!(
            "  ID = \"{ID_A}\" ,uri={}  ",
            KnownGroup::AuthenticatedUsers.uri()
        );
        assert_eq!(
            parse_grant_header("x-amz-grant-read-acp", &v, Permission::ReadAcp).unwrap(),
            vec![
                user(ID_A, Permission::ReadAcp),
                group_grant(KnownGroup::AuthenticatedUsers, Permission::ReadAcp)
            ]
        );
    }

    // Malformed lists are InvalidArgument naming the header.
    #[test]
    fn malformed_items() {
        for v in [
            "",
            "id",
            &format!("id=\"{ID_A}\","),
            &format!("id=\"{ID_A}"),
            "id=\"\"",
            &format!("name=\"{ID_A}\""),
            &format!("id=\"{ID_A}\"\"x\""),
        ] {
            let m = argument_error(parse_grant_header("x-amz-grant-read", v, Permission::Read));
            assert_eq!(m, "Argument format not recognized", "{v:?}");
        }
    }

    // The id is a canonical user id; others (e.g. 12-digit account ids, which Rampart cannot
    // resolve) are "Invalid id".
    #[test]
    fn invalid_ids_and_uris() {
        let m = argument_error(parse_grant_header(
            "x-amz-grant-full-control",
            "id=\"111122223333\"",
            Permission::FullControl,
        ));
        assert_eq!(m, "Invalid id");
        let m = argument_error(parse_grant_header(
            "x-amz-grant-read",
            "uri=\"http://acs.amazonaws.com/groups/global/Nobody\"",
            Permission::Read,
        ));
        assert_eq!(m, "Invalid group uri");
    }

    // "emailAddress – if the value specified is the email address of an AWS account": Rampart
    // has no account e-mail directory, so S3's UnresolvableGrantByEmailAddress.
    #[test]
    fn email_grantees_do_not_resolve() {
        assert_eq!(
            parse_grant_header(
                "x-amz-grant-read",
                "emailAddress=\"xyz@amazon.com\"",
                Permission::Read
            ),
            Err(AclError::UnresolvableGrantByEmailAddress)
        );
    }

    // Grant headers combine into one ACL of exactly the grants named, header order
    // read, write, read-acp, write-acp, full-control.
    #[test]
    fn headers_combine_into_an_acl() {
        let h = GrantHeaders::from_lookup(|name| match name {
            "x-amz-grant-full-control" => {
                Some("id=\"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be\"")
            }
            "x-amz-grant-read" => Some("uri=\"http://acs.amazonaws.com/groups/global/AllUsers\""),
            _ => None,
        });
        let acl = h.to_acl(&owner(1)).unwrap().unwrap();
        assert_eq!(acl.owner, owner(1));
        assert_eq!(
            acl.grants,
            vec![
                group_grant(KnownGroup::AllUsers, Permission::Read),
                user(ID_A, Permission::FullControl)
            ]
        );
        assert!(GrantHeaders::default().to_acl(&owner(1)).unwrap().is_none());
        let bad = GrantHeaders {
            write_acp: Some("id=1".into()),
            ..Default::default()
        };
        assert!(bad.to_acl(&owner(1)).is_err());
    }
}
