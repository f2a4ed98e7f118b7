//! The principal an ARN names, for explaining authorization decisions without a request.

use std::time::Duration;

use rampart_types::AccountId;

use crate::snapshot::{no_such_role, no_such_user};
use crate::validate::fold;
use crate::{AccessKeyId, IamError, IdentityStore, Principal, SessionInfo};

/// The access key id an explained principal carries: it signed nothing.
const EXPLAIN_KEY_ID: &str = "AKIAEXPLAINPRINCIPAL";
/// The session name given to a role named by its role ARN.
const EXPLAIN_SESSION_NAME: &str = "rampart-explain";
/// How long an explained session lasts (it only matters to time conditions).
const EXPLAIN_SESSION: Duration = Duration::from_secs(3600);

fn invalid(arn: &str) -> IamError {
    IamError::InvalidInput(format!("ARN {arn} is not valid."))
}

impl IdentityStore {
    /// The principal `arn` names, as if it had signed a request: `*` or `anonymous`, an
    /// account root (`arn:aws:iam::<account>:root`), a user, a role (a session of it named
    /// `rampart-explain`) or an assumed-role session (`arn:aws:sts::<account>:assumed-role/<role>/<session>`).
    pub fn principal_for_arn(&self, arn: &str) -> Result<Principal, IamError> {
        if arn == "*" || arn == "anonymous" {
            return Ok(Principal::Anonymous);
        }
        let (service, rest) = if let Some(rest) = arn.strip_prefix("arn:aws:iam::") {
            ("iam", rest)
        } else if let Some(rest) = arn.strip_prefix("arn:aws:sts::") {
            ("sts", rest)
        } else {
            return Err(invalid(arn));
        };
        let (account, resource) = rest.split_once(':').ok_or_else(|| invalid(arn))?;
        let account = AccountId::parse(account).ok_or_else(|| invalid(arn))?;
        let access_key_id =
            AccessKeyId::parse(EXPLAIN_KEY_ID).expect("the explain key id is well formed");
        let snap = self.read();
        let acct = snap.account(&account)?;
        let now = self.now();
        let session = SessionInfo {
            issued_at: now,
            expires_at: now + EXPLAIN_SESSION,
            mfa_authenticated: false,
            source_identity: None,
        };
        let last = |r: &str| r.rsplit('/').next().unwrap_or_default().to_owned();
        match (service, resource) {
            ("iam", "root") => Ok(Principal::AccountRoot {
                account: acct.account.clone(),
                access_key_id,
                session: None,
            }),
            ("iam", r) if r.starts_with("user/") => {
                let name = last(r);
                let user = acct
                    .users
                    .get(&fold(&name))
                    .filter(|u| u.user.arn == arn)
                    .ok_or_else(|| no_such_user(&name))?;
                Ok(Principal::User {
                    account: acct.account.clone(),
                    user: user.user.clone(),
                    access_key_id,
                    session: None,
                })
            }
            ("iam", r) if r.starts_with("role/") => {
                let name = last(r);
                let role = acct
                    .roles
                    .get(&fold(&name))
                    .filter(|s| s.role.arn == arn)
                    .ok_or_else(|| no_such_role(&name))?;
                Ok(Principal::AssumedRole {
                    account: acct.account.clone(),
                    role: role.role.clone(),
                    session_name: EXPLAIN_SESSION_NAME.to_owned(),
                    access_key_id,
                    session,
                })
            }
            ("sts", r) => {
                let mut parts = r.split('/');
                let (Some("assumed-role"), Some(role_name), Some(session_name), None) =
                    (parts.next(), parts.next(), parts.next(), parts.next())
                else {
                    return Err(invalid(arn));
                };
                let role = acct
                    .roles
                    .get(&fold(role_name))
                    .ok_or_else(|| no_such_role(role_name))?;
                Ok(Principal::AssumedRole {
                    account: acct.account.clone(),
                    role: role.role.clone(),
                    session_name: session_name.to_owned(),
                    access_key_id,
                    session,
                })
            }
            _ => Err(invalid(arn)),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::{ALLOW_GET, Env, trust};
    use crate::{PolicyTarget, Principal, assert_iam_err};

    #[tokio::test]
    async fn arns_name_principals() {
        let env = Env::new().await;
        let acct = env.acct();
        let store = &env.store;
        let user = store
            .create_user(&acct, "alice", "/d/", vec![])
            .await
            .unwrap();
        store
            .put_inline_policy(&acct, &PolicyTarget::User("alice".into()), "p", ALLOW_GET)
            .await
            .unwrap();
        let role = store
            .create_role(&acct, "R", "/", &trust(&acct), None, None, vec![])
            .await
            .unwrap();

        assert!(matches!(
            store.principal_for_arn("*"),
            Ok(Principal::Anonymous)
        ));
        let root = store
            .principal_for_arn(&format!("arn:aws:iam::{acct}:root"))
            .unwrap();
        assert!(matches!(root, Principal::AccountRoot { .. }));
        assert_eq!(root.arn(), format!("arn:aws:iam::{acct}:root"));
        let alice = store.principal_for_arn(&user.arn).unwrap();
        assert_eq!(alice.arn(), user.arn);
        assert_eq!(store.identity_policies(&alice).len(), 1);
        let session = store.principal_for_arn(&role.arn).unwrap();
        assert_eq!(
            session.arn(),
            format!("arn:aws:sts::{acct}:assumed-role/R/rampart-explain")
        );
        let named = format!("arn:aws:sts::{acct}:assumed-role/R/mine");
        assert_eq!(store.principal_for_arn(&named).unwrap().arn(), named);
        assert!(store.session_policies(&session).is_none());

        assert_iam_err!(
            store.principal_for_arn(&format!("arn:aws:iam::{acct}:user/alice")),
            NoSuchEntity
        );
        assert_iam_err!(
            store.principal_for_arn("arn:aws:iam::999999999999:root"),
            NoSuchEntity
        );
        for bad in [
            "alice",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::12:root",
            &format!("arn:aws:iam::{acct}:group/g"),
            &format!("arn:aws:sts::{acct}:assumed-role/R"),
        ] {
            assert_iam_err!(store.principal_for_arn(bad), InvalidInput);
        }
    }
}
