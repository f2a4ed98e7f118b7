use super::*;

fn lines(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix} record {i}")).collect()
}

#[test]
fn append_seal_read_remove() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = Spool::open(tmp.path().join("spool/access")).unwrap();
    assert_eq!(spool.seal("logs/a").unwrap(), None);
    spool.append("logs/a", &lines("a", 3)).unwrap();
    spool.append("logs/a", &lines("b", 2)).unwrap();
    let pending = spool.pending("logs/a").unwrap();
    assert_eq!(pending.lines, 5);
    let seg = spool.seal("logs/a").unwrap().unwrap();
    assert_eq!(seg.stream, "logs/a");
    assert_eq!(seg.lines, 5);
    assert_eq!(spool.pending("logs/a"), None);
    let text = String::from_utf8(spool.read(&seg).unwrap()).unwrap();
    assert_eq!(
        text,
        "a record 0\na record 1\na record 2\nb record 0\nb record 1\n"
    );
    assert_eq!(spool.sealed().unwrap(), vec![seg.clone()]);
    spool.remove(&seg).unwrap();
    spool.remove(&seg).unwrap(); // idempotent
    assert!(spool.sealed().unwrap().is_empty());
}

#[test]
fn sealed_survive_reopen_and_open_segments_become_sealed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let spool = Spool::open(&dir).unwrap();
    spool.append("x", &lines("one", 2)).unwrap();
    let first = spool.seal("x").unwrap().unwrap();
    spool.append("x", &lines("two", 3)).unwrap();
    drop(spool);

    let spool = Spool::open(&dir).unwrap();
    let sealed = spool.sealed().unwrap();
    assert_eq!(sealed.len(), 2);
    assert_eq!(sealed[0], first);
    assert_eq!(sealed[1].lines, 3);
    assert_eq!(
        spool.read(&sealed[1]).unwrap(),
        b"two record 0\ntwo record 1\ntwo record 2\n"
    );
    // New appends go to a new segment, sealed after the recovered ones.
    spool.append("x", &lines("three", 1)).unwrap();
    let third = spool.seal("x").unwrap().unwrap();
    assert_eq!(spool.sealed().unwrap().last(), Some(&third));
}

#[test]
fn torn_last_line_is_dropped_on_open() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let spool = Spool::open(&dir).unwrap();
    spool.append("torn", &lines("ok", 2)).unwrap();
    let open_path = spool
        .stream_state("torn")
        .lock()
        .unwrap()
        .open
        .as_ref()
        .unwrap()
        .path
        .clone();
    drop(spool);
    // A crash in the middle of a write: half a line after the last complete one.
    let mut f = OpenOptions::new().append(true).open(&open_path).unwrap();
    f.write_all(b"half a li").unwrap();
    drop(f);

    let spool = Spool::open(&dir).unwrap();
    let sealed = spool.sealed().unwrap();
    assert_eq!(sealed.len(), 1);
    assert_eq!(sealed[0].lines, 2);
    assert_eq!(
        spool.read(&sealed[0]).unwrap(),
        b"ok record 0\nok record 1\n"
    );
    assert!(!open_path.exists());
}

#[test]
fn open_segment_with_only_a_torn_line_is_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let stream_dir = dir.join(hex::encode("t"));
    fs::create_dir_all(&stream_dir).unwrap();
    fs::write(stream_dir.join("open-5.log"), b"no newline").unwrap();
    fs::write(stream_dir.join("open-6.log"), b"").unwrap();
    let spool = Spool::open(&dir).unwrap();
    assert!(spool.sealed().unwrap().is_empty());
    assert_eq!(fs::read_dir(&stream_dir).unwrap().count(), 0);
}

#[test]
fn many_streams_oldest_first_long_and_odd_names() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let spool = Spool::open(&dir).unwrap();
    let long = format!("target-bucket/{}", "p".repeat(400));
    let streams = [
        "b1/logs/".to_owned(),
        "b2/ünïcödé prefix/".to_owned(),
        "../escape".to_owned(),
        long.clone(),
    ];
    for (i, s) in streams.iter().enumerate() {
        spool.append(s, &lines(s, i + 1)).unwrap();
        spool.seal(s).unwrap().unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
    drop(spool);
    let spool = Spool::open(&dir).unwrap();
    let sealed = spool.sealed().unwrap();
    let got: Vec<(&str, u64)> = sealed
        .iter()
        .map(|s| (s.stream.as_str(), s.lines))
        .collect();
    assert_eq!(
        got,
        vec![
            ("b1/logs/", 1),
            ("b2/ünïcödé prefix/", 2),
            ("../escape", 3),
            (long.as_str(), 4)
        ]
    );
    for seg in &sealed {
        assert!(seg.path.starts_with(&dir));
        assert!(seg.path.file_name().unwrap().len() < 255);
    }
}

#[test]
fn concurrent_appends_lose_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = Arc::new(Spool::open(tmp.path()).unwrap());
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let spool = spool.clone();
            std::thread::spawn(move || {
                for i in 0..20 {
                    let stream = format!("s{}", t % 3);
                    spool
                        .append(&stream, &lines(&format!("{t}-{i}"), 3))
                        .unwrap();
                    if i % 7 == 0 {
                        spool.seal(&stream).unwrap();
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    for s in ["s0", "s1", "s2"] {
        spool.seal(s).unwrap();
    }
    let sealed = spool.sealed().unwrap();
    let total: u64 = sealed.iter().map(|s| s.lines).sum();
    assert_eq!(total, 8 * 20 * 3);
    let read: usize = sealed
        .iter()
        .map(|s| {
            spool
                .read(s)
                .unwrap()
                .iter()
                .filter(|b| **b == b'\n')
                .count()
        })
        .sum();
    assert_eq!(read, 8 * 20 * 3);
}

#[test]
fn rejects_line_breaks_and_foreign_segments() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = Spool::open(tmp.path().join("a")).unwrap();
    assert!(matches!(
        spool.append("s", &["two\nlines".to_owned()]),
        Err(AuditError::LineBreakInRecord)
    ));
    let foreign = SealedSegment {
        stream: "s".into(),
        path: PathBuf::from("/etc/passwd"),
        created: UNIX_EPOCH,
        lines: 1,
        seq: 1,
    };
    assert!(matches!(
        spool.read(&foreign),
        Err(AuditError::ForeignSegment(_))
    ));
    assert!(matches!(
        spool.remove(&foreign),
        Err(AuditError::ForeignSegment(_))
    ));
}

#[test]
fn hashed_stream_recovers_a_missing_name_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let long = "x".repeat(300);
    let spool = Spool::open(&dir).unwrap();
    spool.append(&long, &lines("a", 1)).unwrap();
    let stream_dir = spool.stream_dir(&long);
    drop(spool);
    // As if a crash had come between creating the directory and naming it.
    fs::remove_file(stream_dir.join(STREAM_NAME_FILE)).unwrap();
    let spool = Spool::open(&dir).unwrap();
    assert!(spool.sealed().unwrap().is_empty());
    spool.append(&long, &lines("b", 1)).unwrap();
    spool.seal(&long).unwrap().unwrap();
    // Both the earlier segment and the new one are found once the name is back.
    let spool = Spool::open(&dir).unwrap();
    let sealed = spool.sealed().unwrap();
    assert_eq!(sealed.len(), 2);
    assert!(sealed.iter().all(|s| s.stream == long));
}

#[test]
fn unsynced_appends_are_kept_and_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(dir.path()).unwrap();
    spool.append_unsynced("s", "one\ntwo\n").unwrap();
    spool.sync().unwrap();
    spool.append_unsynced("s", "three\n").unwrap();
    // Only whole lines are taken.
    assert!(spool.append_unsynced("s", "torn").is_err());
    // The process goes away without a sync: what reached the kernel is still there.
    drop(spool);
    let reopened = Spool::open(dir.path()).unwrap();
    let sealed = reopened.sealed().unwrap();
    assert_eq!(sealed.len(), 1);
    assert_eq!(sealed[0].lines, 3);
    assert_eq!(reopened.read(&sealed[0]).unwrap(), b"one\ntwo\nthree\n");
}
