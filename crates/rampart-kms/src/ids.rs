//! Key ids, ARNs and alias names: generating, building and parsing them.

use rampart_types::AccountId;

use crate::error::{KmsError, Result};

/// The prefix every alias name carries.
pub const ALIAS_PREFIX: &str = "alias/";
/// Alias names under this prefix belong to AWS-managed keys.
pub const RESERVED_ALIAS_PREFIX: &str = "alias/aws/";
const MAX_ALIAS_LEN: usize = 256;

/// A fresh random (version 4) UUID, as AWS's key ids are.
pub fn new_key_id() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the operating system's random source failed");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Is `s` shaped like a key id (a lowercase or uppercase UUID)?
pub fn is_key_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

pub fn key_arn(region: &str, account: &AccountId, key_id: &str) -> String {
    format!("arn:aws:kms:{region}:{account}:key/{key_id}")
}

pub fn alias_arn(region: &str, account: &AccountId, alias_name: &str) -> String {
    format!("arn:aws:kms:{region}:{account}:{alias_name}")
}

/// What a `KeyId` parameter names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyRef {
    /// A key, by id, in `account` (the caller's, unless an ARN named another).
    Key { account: AccountId, id: String },
    /// An alias (`alias/name`) in `account`.
    Alias { account: AccountId, name: String },
}

/// Parses a key id, key ARN, alias name or alias ARN. A reference that names nothing this KMS
/// could hold (another region, a malformed ARN) is `NotFoundException`, as in AWS.
pub fn parse_key_ref(region: &str, caller: &AccountId, s: &str) -> Result<KeyRef> {
    let invalid = || KmsError::NotFound(format!("Invalid keyId '{s}'"));
    if s.is_empty() {
        return Err(KmsError::Validation(
            "1 validation error detected: Value at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1".into(),
        ));
    }
    if let Some(rest) = s.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        let [partition, service, arn_region, account, resource] = parts[..] else {
            return Err(invalid());
        };
        if !partition.starts_with("aws") || service != "kms" {
            return Err(invalid());
        }
        let account = AccountId::parse(account).ok_or_else(invalid)?;
        if arn_region != region {
            return Err(KmsError::NotFound(format!("Invalid arn {arn_region}")));
        }
        if let Some(id) = resource.strip_prefix("key/") {
            return Ok(KeyRef::Key {
                account,
                id: id.to_owned(),
            });
        }
        if resource.starts_with(ALIAS_PREFIX) {
            return Ok(KeyRef::Alias {
                account,
                name: resource.to_owned(),
            });
        }
        return Err(invalid());
    }
    if s.starts_with(ALIAS_PREFIX) {
        return Ok(KeyRef::Alias {
            account: caller.clone(),
            name: s.to_owned(),
        });
    }
    if !is_key_id(s) {
        return Err(invalid());
    }
    Ok(KeyRef::Key {
        account: caller.clone(),
        id: s.to_owned(),
    })
}

/// Checks an alias name a customer may create: `alias/` then letters, digits, `/_-`, at most
/// 256 characters in all, not under `alias/aws/`.
pub fn check_alias_name(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > MAX_ALIAS_LEN {
        return Err(KmsError::Validation(format!(
            "1 validation error detected: Value '{name}' at 'aliasName' failed to satisfy constraint: Member must have length less than or equal to {MAX_ALIAS_LEN}"
        )));
    }
    let valid_chars = name
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'_' | b'-'));
    if !valid_chars {
        return Err(KmsError::Validation(format!(
            "1 validation error detected: Value '{name}' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"
        )));
    }
    let Some(rest) = name.strip_prefix(ALIAS_PREFIX) else {
        return Err(KmsError::InvalidAliasName(
            "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html".into(),
        ));
    };
    if rest.is_empty() {
        return Err(KmsError::InvalidAliasName(format!(
            "Alias name {name} is not valid"
        )));
    }
    if name.starts_with(RESERVED_ALIAS_PREFIX) {
        return Err(KmsError::InvalidAliasName(format!(
            "Alias {name} is reserved for AWS managed keys; alias names cannot begin with alias/aws/"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(s: &str) -> AccountId {
        AccountId::parse(s).unwrap()
    }

    #[test]
    fn key_ids_are_v4_uuids() {
        let id = new_key_id();
        assert!(is_key_id(&id), "{id}");
        assert_eq!(&id[14..15], "4");
        assert_ne!(new_key_id(), id);
        assert!(!is_key_id("1234"));
    }

    #[test]
    fn references() {
        let me = acct("111122223333");
        let id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        assert_eq!(
            parse_key_ref("us-east-1", &me, id).unwrap(),
            KeyRef::Key {
                account: me.clone(),
                id: id.into()
            }
        );
        let arn = format!("arn:aws:kms:us-east-1:444455556666:key/{id}");
        assert_eq!(
            parse_key_ref("us-east-1", &me, &arn).unwrap(),
            KeyRef::Key {
                account: acct("444455556666"),
                id: id.into()
            }
        );
        assert_eq!(
            parse_key_ref("us-east-1", &me, "alias/app").unwrap(),
            KeyRef::Alias {
                account: me.clone(),
                name: "alias/app".into()
            }
        );
        assert_eq!(
            parse_key_ref(
                "us-east-1",
                &me,
                "arn:aws:kms:us-east-1:111122223333:alias/app"
            )
            .unwrap(),
            KeyRef::Alias {
                account: me.clone(),
                name: "alias/app".into()
            }
        );
        for bad in [
            "nope",
            "arn:aws:kms:eu-west-1:111122223333:key/x",
            "arn:aws:s3:::b",
        ] {
            assert!(
                matches!(
                    parse_key_ref("us-east-1", &me, bad),
                    Err(KmsError::NotFound(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn alias_names() {
        check_alias_name("alias/my-app_key/1").unwrap();
        assert!(matches!(
            check_alias_name("alias/aws/s3"),
            Err(KmsError::InvalidAliasName(_))
        ));
        assert!(matches!(
            check_alias_name("myalias"),
            Err(KmsError::InvalidAliasName(_))
        ));
        assert!(matches!(
            check_alias_name("alias/white space"),
            Err(KmsError::Validation(_))
        ));
        assert!(check_alias_name(&format!("alias/{}", "a".repeat(251))).is_err());
    }
}
