//! The store's part in two-way reporting (issue 16 part 1), on both
//! backends: a report stored with its reporter's access, found by its
//! codename's index, its follow-ups and replies, its state, and the team's
//! pull; seen from two handles on one store (two instances on PostgreSQL).

use secpack::report::inbox::{MessageKind, ReporterAccess};
use secpack::report::remote::StateChange;
use secpack::report::state::ReportState;
use secpack_server::store::{self, Counted, Database, NewMessage, NewReport, Store};
use secpack_testsupport::TempPostgres;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn access(index: &str, own_key: bool) -> ReporterAccess {
    ReporterAccess {
        index: index.to_string(),
        salt: vec![7; 16],
        verifier: vec![9; 32],
        reply_key: format!("KEY-{index}"),
        own_key,
    }
}

fn report(ciphertext: &[u8], access: ReporterAccess) -> NewReport {
    NewReport {
        ciphertext: ciphertext.to_vec(),
        key: "K".into(),
        access,
    }
}

fn message(report: &str, kind: MessageKind, author: Option<&str>, text: &[u8]) -> NewMessage {
    NewMessage {
        report: report.to_string(),
        kind,
        author: author.map(str::to_string),
        ciphertext: text.to_vec(),
    }
}

fn change(state: ReportState, qsb: Option<u32>) -> StateChange {
    StateChange { state, qsb }
}

async fn reporters_and_messages(one: &Store, two: &Store) {
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let a_index = "aa".repeat(32);
    let (a, _) = one
        .insert_with_access(report(b"cipher-a", access(&a_index, false)))
        .await
        .unwrap();
    let (b, _) = two
        .insert_with_access(report(b"cipher-b", access(&"bb".repeat(32), true)))
        .await
        .unwrap();
    // A report without a codename (stored the old way) has no reply key.
    let (c, _) = one.insert(b"cipher-c".to_vec(), "K".into()).await.unwrap();

    let (found, got) = two.find_by_index(a_index.clone()).await.unwrap().unwrap();
    assert_eq!((found.as_str(), got), (a.as_str(), access(&a_index, false)));
    assert!(one.find_by_index("cc".repeat(32)).await.unwrap().is_none());
    // The index is unique: a second report cannot take it.
    assert!(two
        .insert_with_access(report(b"x", access(&a_index, false)))
        .await
        .is_err());

    let f = one
        .add_message(message(&a, MessageKind::FollowUp, None, b"more"))
        .await
        .unwrap();
    let r = two
        .add_message(message(&a, MessageKind::Reply, Some("FPR"), b"answer"))
        .await
        .unwrap();
    assert!(one
        .add_message(message(
            "20200101-000000000000",
            MessageKind::Reply,
            None,
            b"x"
        ))
        .await
        .is_err());

    let view = two.report(a.clone()).await.unwrap().unwrap();
    assert_eq!(view.report.ciphertext, b"cipher-a");
    assert_eq!(
        view.reply_key.as_ref().unwrap().armored,
        format!("KEY-{a_index}")
    );
    assert!(!view.reply_key.as_ref().unwrap().own_key);
    let ids: Vec<_> = view.messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, [f.id.as_str(), r.id.as_str()]);
    assert_eq!(view.messages[1].author.as_deref(), Some("FPR"));
    assert_eq!(view.messages[1].ciphertext, b"answer");
    assert!(one
        .report("20200101-000000000000".into())
        .await
        .unwrap()
        .is_none());

    let updated = one
        .set_state(a.clone(), change(ReportState::Published, Some(105)))
        .await
        .unwrap();
    assert_eq!(
        (updated.state, updated.qsb),
        (ReportState::Published, Some(105))
    );
    let again = two
        .set_state(a.clone(), change(ReportState::Fixed, None))
        .await
        .unwrap();
    assert_eq!(again.qsb, Some(105), "a change without a bulletin keeps it");
    assert!(one
        .set_state(
            "20200101-000000000000".into(),
            change(ReportState::Fixed, None)
        )
        .await
        .is_err());

    let all = two.changed_since(None).await.unwrap();
    let by_id = |id: &str| all.iter().find(|v| v.report.id == id).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(by_id(&a).messages.len(), 2);
    assert!(by_id(&b).reply_key.as_ref().unwrap().own_key);
    assert!(by_id(&b).messages.is_empty());
    assert!(by_id(&c).reply_key.is_none());
    assert_eq!(by_id(&a).report.state, ReportState::Fixed);

    let after = chrono::Utc::now() + chrono::Duration::seconds(1);
    assert_eq!(
        one.count_in(Counted::FollowUps, before..after)
            .await
            .unwrap(),
        1
    );

    // The team's pull from a cursor: only what changed since.
    let settle = || tokio::time::sleep(std::time::Duration::from_millis(20));
    settle().await;
    let mark = chrono::Utc::now();
    settle().await;
    assert!(one.changed_since(Some(mark)).await.unwrap().is_empty());
    let late = two
        .add_message(message(&b, MessageKind::FollowUp, None, b"later"))
        .await
        .unwrap();
    one.set_state(c.clone(), change(ReportState::Rejected, None))
        .await
        .unwrap();
    let (d, _) = two.insert(b"cipher-d".to_vec(), "K".into()).await.unwrap();
    let changed = one.changed_since(Some(mark)).await.unwrap();
    let mut ids: Vec<_> = changed.iter().map(|v| v.report.id.clone()).collect();
    ids.sort();
    let mut want = vec![b.clone(), c.clone(), d.clone()];
    want.sort();
    assert_eq!(ids, want, "a's messages and state are older than the mark");
    let by_id = |id: &str| changed.iter().find(|v| v.report.id == id).unwrap();
    let b_messages: Vec<_> = by_id(&b).messages.iter().map(|m| m.id.clone()).collect();
    assert_eq!(b_messages, std::slice::from_ref(&late.id));
    assert!(by_id(&b).reply_key.as_ref().unwrap().own_key);
    assert_eq!(by_id(&c).report.state, ReportState::Rejected);
    assert_eq!(by_id(&d).report.ciphertext, b"cipher-d");
    // Without a cursor: everything, every message.
    let all = two.changed_since(None).await.unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(all.iter().map(|v| v.messages.len()).sum::<usize>(), 3);
}

#[test]
fn sqlite_reporters_and_messages() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let db = Database::Sqlite(dir.path().join("inbox.sqlite"));
    rt.block_on(async {
        let one = store::open(&db, 0).await.unwrap();
        reporters_and_messages(&one, &one).await;
    });
}

#[test]
fn postgres_reporters_and_messages_with_two_instances() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let rt = runtime();
    let db = Database::parse(&pg.url()).unwrap();
    rt.block_on(async {
        let (one, two) = tokio::join!(store::open(&db, 0), store::open(&db, 0));
        reporters_and_messages(&one.unwrap(), &two.unwrap()).await;
    });
    assert_eq!(pg.psql("SELECT count(*) FROM messages").trim(), "3");
}

/// The inbox API's nonces and the codename-guessing budget, seen from two
/// handles on one store (two instances on PostgreSQL). `rows` counts the
/// rows of the nonce table holding a nonce.
async fn nonces_and_guesses(one: &Store, two: &Store, rows: impl Fn(&str) -> i64) {
    use secpack::report::auth::AuthError;
    use std::time::Duration;
    const LIFETIME: Duration = Duration::from_secs(120);

    // Issued by one, accepted once by the other, then replayed everywhere.
    let n = one.issue_nonce(LIFETIME).await.unwrap();
    assert_eq!(n.len(), 64);
    assert_eq!(two.redeem_nonce(n.clone()).await.unwrap(), Ok(()));
    assert_eq!(
        two.redeem_nonce(n.clone()).await.unwrap(),
        Err(AuthError::ReplayedNonce)
    );
    assert_eq!(
        one.redeem_nonce(n.clone()).await.unwrap(),
        Err(AuthError::ReplayedNonce)
    );
    // Never issued.
    assert_eq!(
        one.redeem_nonce("ab".repeat(32)).await.unwrap(),
        Err(AuthError::UnknownNonce)
    );
    // Two redemptions at once, one on each handle: exactly one wins.
    for _ in 0..5 {
        let n = two.issue_nonce(LIFETIME).await.unwrap();
        let (a, b) = tokio::join!(one.redeem_nonce(n.clone()), two.redeem_nonce(n.clone()));
        let mut outcomes = [a.unwrap(), b.unwrap()];
        outcomes.sort_by_key(|o| o.is_err());
        assert_eq!(outcomes, [Ok(()), Err(AuthError::ReplayedNonce)]);
    }
    // Expired (a lifetime of zero): refused, and purged by the next issue.
    let expired = one.issue_nonce(Duration::ZERO).await.unwrap();
    assert_eq!(rows(&expired), 1);
    assert_eq!(
        two.redeem_nonce(expired.clone()).await.unwrap(),
        Err(AuthError::UnknownNonce)
    );
    let fresh = two.issue_nonce(LIFETIME).await.unwrap();
    assert_eq!(rows(&expired), 0, "an expired nonce is purged");
    assert_eq!(rows(&fresh), 1);
    assert_eq!(one.redeem_nonce(fresh).await.unwrap(), Ok(()));

    // The guessing budget (3 a minute here) is one per client, whichever
    // handle counts it.
    let a: std::net::IpAddr = "192.0.2.1".parse().unwrap();
    let b: std::net::IpAddr = "2001:db8::1".parse().unwrap();
    assert_eq!(one.take_guess(a).await.unwrap(), Ok(()));
    assert_eq!(two.take_guess(a).await.unwrap(), Ok(()));
    assert_eq!(one.take_guess(a).await.unwrap(), Ok(()));
    let wait = two.take_guess(a).await.unwrap().unwrap_err();
    assert!(
        wait > Duration::ZERO && wait <= Duration::from_secs(20),
        "{wait:?}"
    );
    assert!(one.take_guess(a).await.unwrap().is_err());
    // Another client has its own budget.
    assert_eq!(two.take_guess(b).await.unwrap(), Ok(()));
    // A refund (a right codename) gives one attempt back, on any handle.
    one.refund_guess(a).await.unwrap();
    assert_eq!(two.take_guess(a).await.unwrap(), Ok(()));
    assert!(one.take_guess(a).await.unwrap().is_err());
    // Refunds never raise the budget above its burst.
    for _ in 0..10 {
        two.refund_guess(b).await.unwrap();
    }
    for _ in 0..3 {
        assert_eq!(one.take_guess(b).await.unwrap(), Ok(()));
    }
    assert!(two.take_guess(b).await.unwrap().is_err());
}

#[test]
fn sqlite_nonces_and_guesses() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inbox.sqlite");
    let db = Database::Sqlite(path.clone());
    let rows = |nonce: &str| -> i64 {
        rusqlite::Connection::open(&path)
            .unwrap()
            .query_row(
                "SELECT count(*) FROM secpack_nonces WHERE nonce = ?1",
                [nonce],
                |r| r.get(0),
            )
            .unwrap()
    };
    rt.block_on(async {
        let one = store::open(&db, 3).await.unwrap();
        // A second handle on the same file (a restarted server, say).
        let two = store::open(&db, 3).await.unwrap();
        nonces_and_guesses(&one, &two, rows).await;
    });
}

#[test]
fn postgres_nonces_and_guesses_with_two_instances() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let rt = runtime();
    let db = Database::parse(&pg.url()).unwrap();
    let rows = |nonce: &str| -> i64 {
        pg.psql(&format!(
            "SELECT count(*) FROM secpack_nonces WHERE nonce = '{nonce}'"
        ))
        .trim()
        .parse()
        .unwrap()
    };
    rt.block_on(async {
        let (one, two) = tokio::join!(store::open(&db, 3), store::open(&db, 3));
        nonces_and_guesses(&one.unwrap(), &two.unwrap(), rows).await;
    });
}
