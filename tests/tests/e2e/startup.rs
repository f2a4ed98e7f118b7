//! Start-up: generated bootstrap credentials, shown once and never logged.

use std::os::unix::fs::PermissionsExt;

use rampart_e2e::{Server, ServerOptions};

fn exported(banner: &str, name: &str) -> Option<String> {
    banner
        .lines()
        .find_map(|l| l.trim().strip_prefix(&format!("export {name}=")))
        .map(str::to_owned)
}

#[tokio::test]
async fn generated_credentials_are_shown_once_stored_privately_and_work() {
    let mut server = Server::start_with(ServerOptions {
        generated_credentials: true,
        ..Default::default()
    });
    let access_key = exported(&server.banner, "AWS_ACCESS_KEY_ID").expect("access key printed");
    let secret = exported(&server.banner, "AWS_SECRET_ACCESS_KEY").expect("secret printed");
    assert!(access_key.starts_with("AKIA") && access_key.len() == 20);
    assert_eq!(secret.len(), 40);
    assert!(
        server
            .banner
            .contains(&format!("aws --endpoint-url {}", server.endpoint))
    );

    let file = server.data_dir().join("data/keys/root-credentials.json");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let dir_mode = std::fs::metadata(file.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);

    let s3 = server.client_with(&access_key, &secret, |b| b);
    s3.create_bucket()
        .bucket("first-bucket")
        .send()
        .await
        .unwrap();
    assert!(
        !server.log().contains(&secret),
        "the secret reached the log"
    );

    // A restart reuses the stored pair and does not print the secret again.
    server.restart();
    assert!(exported(&server.banner, "AWS_SECRET_ACCESS_KEY").is_none());
    assert!(!server.banner.contains(&secret));
    let s3 = server.client_with(&access_key, &secret, |b| b);
    let buckets = s3.list_buckets().send().await.unwrap();
    assert_eq!(buckets.buckets().len(), 1);
    assert!(!server.log().contains(&secret));
}

#[tokio::test]
async fn acknowledged_data_survives_sigkill_on_each_metadata_engine() {
    for meta in ["redb", "sled"] {
        let mut server = Server::start_with(ServerOptions {
            meta: Some(meta.into()),
            ..Default::default()
        });
        let s3 = server.client();
        s3.create_bucket().bucket("kept").send().await.unwrap();
        let big = rampart_e2e::pattern(300_000, 5);
        crate::common::put(&s3, "kept", "big", &big).await;
        crate::common::put(&s3, "kept", "small", b"small").await;
        server.restart();
        let s3 = server.client();
        assert_eq!(crate::common::get(&s3, "kept", "big").await, big, "{meta}");
        assert_eq!(
            crate::common::get(&s3, "kept", "small").await,
            b"small",
            "{meta}"
        );
    }
}
