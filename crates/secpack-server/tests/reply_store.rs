//! The store's part in two-way reporting (issue 16 part 1), on both
//! backends: a report stored with its reporter's access, found by its
//! codename's index, its follow-ups and replies, its state, and the team's
//! pull; seen from two handles on one store (two instances on PostgreSQL).

mod support;

use secpack::report::inbox::{MessageKind, ReporterAccess};
use secpack::report::state::ReportState;
use secpack_server::store::{self, Counted, Database, Store};
use support::postgres::TempPostgres;

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

async fn reporters_and_messages(one: &Store, two: &Store) {
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let a_index = "aa".repeat(32);
    let (a, _) = one
        .insert_with_access(b"cipher-a".to_vec(), "K".into(), access(&a_index, false))
        .await
        .unwrap();
    let (b, _) = two
        .insert_with_access(
            b"cipher-b".to_vec(),
            "K".into(),
            access(&"bb".repeat(32), true),
        )
        .await
        .unwrap();
    // A report without a codename (stored the old way) has no reply key.
    let (c, _) = one.insert(b"cipher-c".to_vec(), "K".into()).await.unwrap();

    let (found, got) = two.find_by_index(a_index.clone()).await.unwrap().unwrap();
    assert_eq!((found.as_str(), got), (a.as_str(), access(&a_index, false)));
    assert!(one.find_by_index("cc".repeat(32)).await.unwrap().is_none());
    // The index is unique: a second report cannot take it.
    assert!(two
        .insert_with_access(b"x".to_vec(), "K".into(), access(&a_index, false))
        .await
        .is_err());

    let f = one
        .add_message(a.clone(), MessageKind::FollowUp, None, b"more".to_vec())
        .await
        .unwrap();
    let r = two
        .add_message(
            a.clone(),
            MessageKind::Reply,
            Some("FPR".into()),
            b"answer".to_vec(),
        )
        .await
        .unwrap();
    assert!(one
        .add_message(
            "20200101-000000000000".into(),
            MessageKind::Reply,
            None,
            b"x".to_vec()
        )
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
        .set_state(a.clone(), ReportState::Published, Some(105))
        .await
        .unwrap();
    assert_eq!(
        (updated.state, updated.qsb),
        (ReportState::Published, Some(105))
    );
    let again = two
        .set_state(a.clone(), ReportState::Fixed, None)
        .await
        .unwrap();
    assert_eq!(again.qsb, Some(105), "a change without a bulletin keeps it");
    assert!(one
        .set_state("20200101-000000000000".into(), ReportState::Fixed, None)
        .await
        .is_err());

    let all = two.all_reports().await.unwrap();
    let by_id = |id: &str| all.iter().find(|v| v.report.id == id).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(by_id(&a).messages.len(), 2);
    assert!(by_id(&b).reply_key.as_ref().unwrap().own_key);
    assert!(by_id(&b).messages.is_empty());
    assert!(by_id(&c).reply_key.is_none());
    assert_eq!(by_id(&a).report.state, ReportState::Fixed);

    let after = chrono::Utc::now() + chrono::Duration::seconds(1);
    assert_eq!(
        one.count_since(Counted::FollowUps, before, after)
            .await
            .unwrap(),
        1
    );
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
    assert_eq!(pg.psql("SELECT count(*) FROM messages").trim(), "2");
}
