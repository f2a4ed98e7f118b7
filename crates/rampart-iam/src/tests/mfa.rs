use rampart_crypto::totp;

use super::*;
use crate::{AssignmentStatus, MfaOwner, assert_iam_err};

fn step(env: &Env) -> u64 {
    totp::step_at(env.now().duration_since(UNIX_EPOCH).unwrap().as_secs())
}

fn code(seed: &[u8], step: u64) -> String {
    totp::code(seed, step)
}

async fn device(env: &Env, name: &str) -> (String, Vec<u8>) {
    let (device, base32) = env
        .store
        .create_virtual_mfa_device(&env.acct(), "/", name)
        .await
        .unwrap();
    (device.serial, totp::base32_decode(&base32).unwrap())
}

#[tokio::test]
async fn create_enable_list_deactivate_delete() {
    let env = Env::new().await;
    let acct = env.acct();
    env.store
        .create_user(&acct, "Alice", "/", vec![])
        .await
        .unwrap();
    let (created, base32) = env
        .store
        .create_virtual_mfa_device(&acct, "/team/", "alice-phone")
        .await
        .unwrap();
    assert_eq!(
        created.serial,
        format!("arn:aws:iam::{acct}:mfa/team/alice-phone")
    );
    assert_eq!(base32.len(), 64);
    assert!(created.assigned.is_none());
    assert_iam_err!(
        env.store
            .create_virtual_mfa_device(&acct, "/", "ALICE-phone")
            .await,
        EntityAlreadyExists
    );
    let seed = totp::base32_decode(&base32).unwrap();
    let serial = created.serial.clone();
    let alice = MfaOwner::User("alice".into());
    let s = step(&env);

    // Wrong, non-consecutive and malformed codes.
    let wrong = format!(
        "{:06}",
        (code(&seed, s).parse::<u32>().unwrap() + 1) % 1_000_000
    );
    assert_iam_err!(
        env.store
            .enable_mfa_device(&acct, &alice, &serial, &wrong, &code(&seed, s + 1))
            .await,
        InvalidAuthenticationCode
    );
    assert_iam_err!(
        env.store
            .enable_mfa_device(&acct, &alice, &serial, &code(&seed, s + 1), &code(&seed, s))
            .await,
        InvalidAuthenticationCode
    );
    assert_iam_err!(
        env.store
            .enable_mfa_device(&acct, &alice, &serial, "12345", "123456")
            .await,
        ValidationError
    );
    assert_iam_err!(
        env.store
            .enable_mfa_device(
                &acct,
                &MfaOwner::User("bob".into()),
                &serial,
                "123456",
                "123456"
            )
            .await,
        NoSuchEntity
    );

    env.store
        .enable_mfa_device(&acct, &alice, &serial, &code(&seed, s), &code(&seed, s + 1))
        .await
        .unwrap();
    let listed = env.store.list_mfa_devices(&acct, &alice).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].assigned.as_ref().map(|(o, _)| o.clone()),
        Some(MfaOwner::User("Alice".into()))
    );
    assert!(
        env.store
            .list_mfa_devices(&acct, &MfaOwner::Root)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        env.store
            .list_virtual_mfa_devices(&acct, AssignmentStatus::Unassigned)
            .unwrap()
            .len(),
        0
    );
    assert_iam_err!(
        env.store
            .enable_mfa_device(&acct, &MfaOwner::Root, &serial, "123456", "123456")
            .await,
        EntityAlreadyExists
    );
    assert_iam_err!(
        env.store.delete_virtual_mfa_device(&acct, &serial).await,
        DeleteConflict,
        "MFA Device is still in use."
    );
    assert_iam_err!(
        env.store.delete_user(&acct, "alice").await,
        DeleteConflict,
        "Cannot delete entity, must delete MFA device first."
    );
    assert_iam_err!(
        env.store
            .deactivate_mfa_device(&acct, &MfaOwner::Root, &serial)
            .await,
        NoSuchEntity
    );
    env.store
        .deactivate_mfa_device(&acct, &alice, &serial)
        .await
        .unwrap();
    assert!(
        env.store
            .list_mfa_devices(&acct, &alice)
            .unwrap()
            .is_empty()
    );
    env.store
        .delete_virtual_mfa_device(&acct, &serial)
        .await
        .unwrap();
    assert_iam_err!(env.store.get_mfa_device(&acct, &serial), NoSuchEntity);
    assert!(
        env.store
            .list_virtual_mfa_devices(&acct, AssignmentStatus::Any)
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn verification_window_and_replay() {
    let env = Env::new().await;
    let acct = env.acct();
    let (serial, seed) = device(&env, "root-account-mfa-device").await;
    let s = step(&env);
    // Enabled with the previous and the current step's codes.
    env.store
        .enable_mfa_device(
            &acct,
            &MfaOwner::Root,
            &serial,
            &code(&seed, s - 1),
            &code(&seed, s),
        )
        .await
        .unwrap();
    let verify = |c: String| {
        let store = &env.store;
        let serial = serial.clone();
        let acct = acct.clone();
        async move {
            store
                .verify_mfa_code(&acct, &MfaOwner::Root, &serial, &c)
                .await
        }
    };
    // Codes used to enable are spent.
    assert_iam_err!(verify(code(&seed, s)).await, InvalidAuthenticationCode);
    // The next step is within tolerance, once.
    verify(code(&seed, s + 1)).await.unwrap();
    assert_iam_err!(verify(code(&seed, s + 1)).await, InvalidAuthenticationCode);
    // Two steps ahead is outside the window.
    assert_iam_err!(verify(code(&seed, s + 2)).await, InvalidAuthenticationCode);
    env.advance(2 * totp::STEP_SECS);
    let s = step(&env);
    verify(code(&seed, s)).await.unwrap();
    // A step before the last accepted one is refused even inside the window.
    assert_iam_err!(verify(code(&seed, s - 1)).await, InvalidAuthenticationCode);
    // Wrong owner, unknown serial, malformed code.
    env.store
        .create_user(&acct, "bob", "/", vec![])
        .await
        .unwrap();
    assert_iam_err!(
        env.store
            .verify_mfa_code(
                &acct,
                &MfaOwner::User("bob".into()),
                &serial,
                &code(&seed, s + 1)
            )
            .await,
        InvalidAuthenticationCode
    );
    assert_iam_err!(
        env.store
            .verify_mfa_code(&acct, &MfaOwner::Root, "arn:aws:iam::1:mfa/x", "123456")
            .await,
        InvalidAuthenticationCode
    );
    assert_iam_err!(verify("12345a".into()).await, InvalidAuthenticationCode);

    // A restart keeps the spent steps.
    let reopened = env.reopen().await;
    assert_iam_err!(
        reopened
            .verify_mfa_code(&acct, &MfaOwner::Root, &serial, &code(&seed, s))
            .await,
        InvalidAuthenticationCode
    );
    reopened
        .verify_mfa_code(&acct, &MfaOwner::Root, &serial, &code(&seed, s + 1))
        .await
        .unwrap();
}

#[tokio::test]
async fn resync_accepts_a_drifted_device() {
    let env = Env::new().await;
    let acct = env.acct();
    let (serial, seed) = device(&env, "drift").await;
    let s = step(&env);
    env.store
        .enable_mfa_device(
            &acct,
            &MfaOwner::Root,
            &serial,
            &code(&seed, s),
            &code(&seed, s + 1),
        )
        .await
        .unwrap();
    // The device's clock runs five steps ahead.
    assert_iam_err!(
        env.store
            .verify_mfa_code(&acct, &MfaOwner::Root, &serial, &code(&seed, s + 5))
            .await,
        InvalidAuthenticationCode
    );
    env.store
        .resync_mfa_device(
            &acct,
            &MfaOwner::Root,
            &serial,
            &code(&seed, s + 5),
            &code(&seed, s + 6),
        )
        .await
        .unwrap();
    assert_iam_err!(
        env.store
            .resync_mfa_device(
                &acct,
                &MfaOwner::Root,
                &serial,
                &code(&seed, s + 5),
                &code(&seed, s + 6)
            )
            .await,
        InvalidAuthenticationCode
    );
}

#[tokio::test]
async fn seeds_are_sealed_and_rewrapped() {
    let env = Env::new().await;
    let acct = env.acct();
    let (serial, seed) = device(&env, "sealed").await;
    let base32 = totp::base32_encode(&seed);
    for bytes in env.all_record_bytes().await {
        assert!(!bytes.windows(seed.len()).any(|w| w == seed.as_slice()));
        assert!(!bytes.windows(base32.len()).any(|w| w == base32.as_bytes()));
    }
    let next = MasterKey::generate();
    env.master.begin_rotation(&next);
    let report = env.store.rewrap_secrets().await.unwrap();
    assert_eq!(report.rewrapped, 1);
    assert_eq!(env.store.rewrap_secrets().await.unwrap().rewrapped, 0);
    env.master.finish_rotation();
    // The store, the snapshot's copy of the record included, now holds the new sealing.
    let s = step(&env);
    env.store
        .enable_mfa_device(
            &acct,
            &MfaOwner::Root,
            &serial,
            &code(&seed, s),
            &code(&seed, s + 1),
        )
        .await
        .unwrap();
    let reopened = env.reopen().await;
    reopened
        .verify_mfa_code(&acct, &MfaOwner::Root, &serial, &code(&seed, s + 1))
        .await
        .unwrap_err();
    env.advance(totp::STEP_SECS);
    reopened
        .verify_mfa_code(&acct, &MfaOwner::Root, &serial, &code(&seed, s + 2))
        .await
        .unwrap();
}
