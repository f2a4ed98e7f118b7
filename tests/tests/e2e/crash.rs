//! Durability under SIGKILL: concurrent uploads (inline-sized and blob-sized, new keys and
//! overwrites) are cut off by killing the server mid-stream; after a restart on the same data
//! directory every acknowledged PUT reads back whole, nothing partial is visible, and no
//! upload is left in `tmp/`. Three kills per metadata backend.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rampart_e2e::raw::RawRequest;
use rampart_e2e::{Server, ServerOptions, bucket_name, md5_hex, pattern};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ROUNDS: u64 = 3;
const PIECE: usize = 32 * 1024;

/// How far an upload got before the kill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// 200 received: must survive.
    Acked,
    /// The whole body was sent but no answer came: old or new contents are both fine.
    SentUnacked,
    /// The body was cut off: the upload must have no effect.
    Partial,
}

#[derive(Default)]
struct Counters {
    acked: AtomicUsize,
    large_acked: AtomicUsize,
    large_sending: AtomicUsize,
    cut_mid_body: AtomicUsize,
}

/// xorshift, seeded per backend and round, so a failing schedule reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One PUT of the plan: sent raw after `delay`, the body in pieces `pace` apart.
struct Upload {
    port: u16,
    bucket: String,
    key: String,
    body: Arc<Vec<u8>>,
    large: bool,
    delay: Duration,
    pace: Duration,
}

async fn upload(job: Upload, counters: Arc<Counters>) -> Outcome {
    let Upload {
        port,
        bucket,
        key,
        body,
        large,
        delay,
        pace,
    } = job;
    tokio::time::sleep(delay).await;
    let path = format!("/{bucket}/{key}");
    let req = RawRequest::new("PUT", &path).sign(port, Some(rampart_sigv4::UNSIGNED_PAYLOAD));
    let mut head = format!("PUT {path} HTTP/1.1\r\n");
    for (name, value) in &req.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)).await else {
        return Outcome::Partial;
    };
    if stream.write_all(head.as_bytes()).await.is_err() {
        return Outcome::Partial;
    }
    if large {
        counters.large_sending.fetch_add(1, Ordering::SeqCst);
    }
    let mut sent_all = true;
    for piece in body.chunks(PIECE) {
        if stream.write_all(piece).await.is_err() {
            sent_all = false;
            break;
        }
        if !pace.is_zero() {
            tokio::time::sleep(pace).await;
        }
    }
    if large {
        counters.large_sending.fetch_sub(1, Ordering::SeqCst);
    }
    if !sent_all {
        counters.cut_mid_body.fetch_add(1, Ordering::SeqCst);
        return Outcome::Partial;
    }
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response);
    if text.starts_with("HTTP/1.1 200") {
        let etag = format!("etag: \"{}\"", md5_hex(&body));
        assert!(
            text.to_ascii_lowercase().contains(&etag),
            "PUT {key} acknowledged with another ETag: {text}"
        );
        counters.acked.fetch_add(1, Ordering::SeqCst);
        if large {
            counters.large_acked.fetch_add(1, Ordering::SeqCst);
        }
        Outcome::Acked
    } else {
        assert!(
            response.is_empty(),
            "PUT {key} failed before the kill: {text}"
        );
        Outcome::SentUnacked
    }
}

/// What each key may hold after the restart: `None` = absent.
type Allowed = Vec<Option<Arc<Vec<u8>>>>;

async fn crash_rounds(meta: &str, seed: u64) {
    let mut server = Server::start_with(ServerOptions {
        meta: Some(meta.to_owned()),
        ..Default::default()
    });
    let bucket = bucket_name(&format!("crash-{meta}"));
    server
        .client()
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    // The contents every key is known to have (verified after the last restart).
    let mut known: BTreeMap<String, Arc<Vec<u8>>> = BTreeMap::new();
    let mut rng = Rng(seed | 1);

    for round in 0..ROUNDS {
        let counters = Arc::new(Counters::default());
        let mut plan: Vec<(String, Arc<Vec<u8>>, bool)> = Vec::new();
        for i in 0..14u64 {
            let size = match i {
                0 => 0,
                1 => 1,
                2 => 64 * 1024,
                _ => 1 + rng.below(64 * 1024) as usize,
            };
            plan.push((
                format!("r{round}/small-{i}"),
                Arc::new(pattern(size, rng.next())),
                false,
            ));
        }
        for i in 0..6u64 {
            let size = (1 + rng.below(8)) as usize * 1024 * 1024 - rng.below(1000) as usize;
            plan.push((
                format!("r{round}/large-{i}"),
                Arc::new(pattern(size, rng.next())),
                true,
            ));
        }
        // Overwrites of keys that survived earlier rounds, small over large and back.
        let existing: Vec<String> = known.keys().cloned().collect();
        for _ in 0..4.min(existing.len()) {
            let key = existing[rng.below(existing.len() as u64) as usize].clone();
            if plan.iter().any(|(k, _, _)| *k == key) {
                continue;
            }
            let large = rng.below(2) == 0;
            let size = if large {
                2 * 1024 * 1024 + rng.below(1024 * 1024) as usize
            } else {
                rng.below(60 * 1024) as usize
            };
            plan.push((key, Arc::new(pattern(size, rng.next())), large));
        }

        let tasks: Vec<_> = plan
            .iter()
            .enumerate()
            .map(|(i, (key, body, large))| {
                // Large bodies trickle at different speeds, so that some are acknowledged
                // and others are mid-body at the kill; small ones start over ~150 ms.
                let (delay, pace) = if *large {
                    // Two fast ones (acknowledged early); the others take 1.5 to 3 s, so
                    // they are still sending when the kill comes.
                    let fast = key.ends_with("large-0") || key.ends_with("large-1");
                    let pieces = body.len().div_ceil(PIECE).max(1) as u64;
                    let total_ms = if fast { 0 } else { 1500 + rng.below(1500) };
                    (
                        Duration::from_millis(rng.below(20)),
                        Duration::from_micros(total_ms * 1000 / pieces),
                    )
                } else {
                    (Duration::from_millis(i as u64 * 8), Duration::ZERO)
                };
                let job = Upload {
                    port: server.port,
                    bucket: bucket.clone(),
                    key: key.clone(),
                    body: body.clone(),
                    large: *large,
                    delay,
                    pace,
                };
                tokio::spawn(upload(job, counters.clone()))
            })
            .collect();

        // Kill once some PUTs (a large one among them) are acknowledged while other large
        // bodies are still on the wire.
        let want_acked = 6 + rng.below(8) as usize;
        let deadline = Instant::now() + Duration::from_secs(20);
        while !(counters.acked.load(Ordering::SeqCst) >= want_acked
            && counters.large_acked.load(Ordering::SeqCst) >= 1
            && counters.large_sending.load(Ordering::SeqCst) >= 2)
        {
            assert!(
                Instant::now() < deadline,
                "{meta} round {round}: never reached {want_acked} acknowledged PUTs (one large) with two large uploads in flight: {} acknowledged ({} large), {} large sending; server log:\n{}",
                counters.acked.load(Ordering::SeqCst),
                counters.large_acked.load(Ordering::SeqCst),
                counters.large_sending.load(Ordering::SeqCst),
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.below(10))).await;
        server.kill();

        let outcomes: Vec<Outcome> = futures::future::join_all(tasks)
            .await
            .into_iter()
            .map(|r| r.expect("upload task"))
            .collect();
        let cut = counters.cut_mid_body.load(Ordering::SeqCst);
        assert!(
            cut > 0,
            "round {round}: the kill cut off no body: {outcomes:?}"
        );
        assert!(outcomes.contains(&Outcome::Acked));
        let count = |o| outcomes.iter().filter(|x| **x == o).count();
        eprintln!(
            "{meta} round {round}: {} acknowledged ({} large), {} sent but unanswered, {} cut off mid-body, {} not started ({} overwrites)",
            count(Outcome::Acked),
            counters.large_acked.load(Ordering::SeqCst),
            count(Outcome::SentUnacked),
            cut,
            count(Outcome::Partial) - cut,
            plan.iter()
                .filter(|(k, _, _)| known.contains_key(k))
                .count()
        );

        // What each planned key may hold now.
        let mut allowed: BTreeMap<String, Allowed> = BTreeMap::new();
        for ((key, body, _), outcome) in plan.iter().zip(&outcomes) {
            let old = known.get(key).cloned();
            let set = match outcome {
                Outcome::Acked => vec![Some(body.clone())],
                Outcome::Partial => vec![old],
                Outcome::SentUnacked => vec![old, Some(body.clone())],
            };
            allowed.insert(key.clone(), set);
        }
        for (key, body) in &known {
            allowed
                .entry(key.clone())
                .or_insert_with(|| vec![Some(body.clone())]);
        }

        server.restart();
        let tmp = server.data_dir().join("data").join("tmp");
        let left: Vec<_> = std::fs::read_dir(&tmp)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "round {round}: data/tmp holds {left:?}");

        let s3 = server.client();
        let mut now_known = BTreeMap::new();
        for (key, options) in &allowed {
            let found = match s3.get_object().bucket(&bucket).key(key).send().await {
                Ok(got) => {
                    let etag = got.e_tag().unwrap_or_default().to_owned();
                    let body = got.body.collect().await.unwrap().into_bytes().to_vec();
                    assert_eq!(
                        etag,
                        format!("\"{}\"", md5_hex(&body)),
                        "{meta} round {round}: {key}: the ETag does not match the bytes"
                    );
                    Some(body)
                }
                Err(e) => {
                    assert_eq!(
                        e.raw_response().map(|r| r.status().as_u16()),
                        Some(404),
                        "{meta} round {round}: GET {key}: {e:?}"
                    );
                    let head = s3.head_object().bucket(&bucket).key(key).send().await;
                    assert_eq!(
                        head.err()
                            .and_then(|e| e.raw_response().map(|r| r.status().as_u16())),
                        Some(404),
                        "{meta} round {round}: HEAD {key} after GET said 404"
                    );
                    None
                }
            };
            let matched = options.iter().find(|o| match (o, &found) {
                (None, None) => true,
                (Some(want), Some(got)) => want.as_slice() == got.as_slice(),
                _ => false,
            });
            let describe = |o: &Option<Arc<Vec<u8>>>| match o {
                None => "absent".to_owned(),
                Some(b) => format!("{} bytes md5 {}", b.len(), md5_hex(b)),
            };
            assert!(
                matched.is_some(),
                "{meta} round {round}: {key} holds {}, expected one of {:?}",
                describe(&found.clone().map(Arc::new)),
                options.iter().map(describe).collect::<Vec<_>>()
            );
            if let Some(Some(body)) = matched {
                now_known.insert(key.clone(), body.clone());
            }
        }

        // The listing shows exactly the present keys.
        let listed = s3.list_objects_v2().bucket(&bucket).send().await.unwrap();
        assert_eq!(listed.is_truncated(), Some(false));
        let listed: Vec<(String, i64)> = listed
            .contents()
            .iter()
            .map(|o| (o.key().unwrap().to_owned(), o.size().unwrap()))
            .collect();
        let present: Vec<(String, i64)> = now_known
            .iter()
            .map(|(k, b)| (k.clone(), b.len() as i64))
            .collect();
        assert_eq!(listed, present, "{meta} round {round}: listing");
        known = now_known;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_upload_keeps_acknowledged_objects_whole_redb() {
    crash_rounds("redb", 0x5EED_0001).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_upload_keeps_acknowledged_objects_whole_sled() {
    crash_rounds("sled", 0x5EED_0002).await;
}

/// Overwrites of every size combination (inline over blob and back), cut off by SIGKILL
/// either one byte short of their body or right after sending all of it.
async fn interrupted_overwrites(meta: &str) {
    let mut server = Server::start_with(ServerOptions {
        meta: Some(meta.to_owned()),
        ..Default::default()
    });
    let bucket = bucket_name(&format!("over-{meta}"));
    let s3 = server.client();
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    const SMALL: usize = 10 * 1024;
    const LARGE: usize = 3 * 1024 * 1024 + 17;
    let shapes = [
        ("large-over-large", LARGE, LARGE + 4096),
        ("small-over-large", LARGE, SMALL),
        ("large-over-small", SMALL, LARGE),
        ("small-over-small", SMALL, SMALL + 1),
    ];
    let mut cases = Vec::new();
    for (i, (shape, old_len, new_len)) in shapes.into_iter().enumerate() {
        for complete in [false, true] {
            let key = format!("{shape}-{}", if complete { "sent" } else { "cut" });
            let old = pattern(old_len, 500 + i as u64);
            let new = pattern(new_len, 600 + i as u64 + u64::from(complete));
            s3.put_object()
                .bucket(&bucket)
                .key(&key)
                .body(old.clone().into())
                .send()
                .await
                .unwrap();
            cases.push((key, old, new, complete));
        }
    }
    // Start every overwrite, keep the connections open, then kill.
    let mut streams = Vec::new();
    for (key, _, new, complete) in &cases {
        let req = RawRequest::new("PUT", &format!("/{bucket}/{key}"))
            .body(new.clone())
            .sign(server.port, None);
        let sent = if *complete { new.len() } else { new.len() - 1 };
        streams.push(req.send_partial(server.port, new.len(), sent).await);
    }
    // Give the server time to spool what it received.
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.kill();
    drop(streams);
    server.restart();

    let tmp = server.data_dir().join("data").join("tmp");
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "{meta}: data/tmp"
    );
    let s3 = server.client();
    for (key, old, new, complete) in &cases {
        let got = s3
            .get_object()
            .bucket(&bucket)
            .key(key)
            .send()
            .await
            .unwrap();
        let etag = got.e_tag().unwrap().to_owned();
        let body = got.body.collect().await.unwrap().into_bytes();
        assert_eq!(etag, format!("\"{}\"", md5_hex(&body)), "{meta}: {key}");
        if *complete {
            assert!(
                body[..] == old[..] || body[..] == new[..],
                "{meta}: {key} holds {} bytes that are neither the old nor the new body",
                body.len()
            );
        } else {
            assert!(
                body[..] == old[..],
                "{meta}: {key}: a cut-off overwrite changed the object ({} bytes now)",
                body.len()
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_overwrites_leaves_old_or_new_body_whole() {
    interrupted_overwrites("redb").await;
    interrupted_overwrites("sled").await;
}
