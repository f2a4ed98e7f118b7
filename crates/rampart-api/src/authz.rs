//! The one authorization decision every request passes through before any side effect.
//!
//! Today an account's root may do anything with its own buckets and nothing with another
//! account's; anonymous requests are denied. Policies, ACLs and Block Public Access extend this
//! function, never bypass it.

use rampart_iam::Principal;
use rampart_types::Owner;

use crate::error::{ApiError, S3ErrorCode};
use crate::router::Endpoint;

pub fn authorize(
    principal: &Principal,
    endpoint: Endpoint,
    bucket_owner: Option<&Owner>,
) -> Result<(), ApiError> {
    if endpoint == Endpoint::Health {
        return Ok(());
    }
    let Some(account) = principal.account() else {
        return Err(ApiError::new(S3ErrorCode::AccessDenied));
    };
    match bucket_owner {
        Some(owner) if owner.account_id != account.id => {
            Err(ApiError::new(S3ErrorCode::AccessDenied))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_iam::{AccessKeyId, Account};

    fn root(account: &Account) -> Principal {
        Principal::AccountRoot {
            account: account.clone(),
            access_key_id: AccessKeyId::generate(),
        }
    }

    #[test]
    fn owners_may_act_on_their_buckets_only() {
        let a = Account::generate("a");
        let b = Account::generate("b");
        assert!(authorize(&root(&a), Endpoint::GetObject, Some(&a.owner())).is_ok());
        assert!(authorize(&root(&a), Endpoint::ListBuckets, None).is_ok());
        let denied = authorize(&root(&b), Endpoint::GetObject, Some(&a.owner())).unwrap_err();
        assert_eq!(denied.code, S3ErrorCode::AccessDenied);
    }

    #[test]
    fn anonymous_is_denied_everything_but_health() {
        let a = Account::generate("a");
        for endpoint in [
            Endpoint::ListBuckets,
            Endpoint::GetObject,
            Endpoint::CreateBucket,
        ] {
            let e = authorize(&Principal::Anonymous, endpoint, Some(&a.owner())).unwrap_err();
            assert_eq!(e.code, S3ErrorCode::AccessDenied);
        }
        assert!(authorize(&Principal::Anonymous, Endpoint::Health, None).is_ok());
    }
}
