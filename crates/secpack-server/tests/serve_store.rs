//! The store's contract, on both backends: SQLite (a file) and PostgreSQL
//! (a throwaway server, two handles on one database standing for two
//! instances). Reports are stored and counted, the rate-limit budgets hold
//! across instances, a digest is claimed by one instance only, a lapsed
//! claim is taken over, a finished one never.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use secpack_server::ratelimit::{Exhausted, REFUSED_FACTOR};
use secpack_server::store::{
    self, Counted, Database, DigestClaim, DigestRecord, DigestState, Store,
};
use secpack_testsupport::TempPostgres;

const A: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
const B: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn slot(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 2, hour, 0, 0).unwrap()
}

fn digest(at: DateTime<Utc>) -> DigestState {
    DigestState {
        slot: at,
        reports: 0,
        follow_ups: 0,
        delivered: false,
        abandoned: false,
        channels: Vec::new(),
    }
}

/// Reports and counts, seen from `one` and `two` (the same store).
async fn reports_are_stored_and_counted(one: &Store, two: &Store) {
    let before = Utc::now() - chrono::Duration::seconds(1);
    one.ping().await.unwrap();
    let (a, received) = one
        .insert(b"cipher-a".to_vec(), "AAAA".into())
        .await
        .unwrap();
    let (b, _) = two
        .insert(b"cipher-b".to_vec(), "AAAA".into())
        .await
        .unwrap();
    assert_ne!(a, b);
    assert!(secpack::report::inbox::is_receipt_id(&a), "{a}");
    assert!(received >= before);
    let after = Utc::now() + chrono::Duration::seconds(1);
    for s in [one, two] {
        assert_eq!(
            s.count_in(Counted::Reports, before..after).await.unwrap(),
            2
        );
        // The window is half-open and exact.
        assert_eq!(
            s.count_in(Counted::Reports, after..after + chrono::Duration::hours(1))
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            s.count_in(
                Counted::Reports,
                before - chrono::Duration::hours(1)..before
            )
            .await
            .unwrap(),
            0
        );
        assert_eq!(
            s.count_in(Counted::FollowUps, before..after).await.unwrap(),
            0
        );
    }
}

/// Whether `instance` of `store` claims the digest of `slot` at `now`.
async fn claim(
    store: &Store,
    slot: DateTime<Utc>,
    instance: &str,
    now: DateTime<Utc>,
    lease: Duration,
) -> bool {
    let initial = digest(slot);
    let claim = DigestClaim {
        initial: &initial,
        instance,
        now,
        lease,
    };
    store.claim_digest(claim).await.unwrap()
}

/// `instance` of `store` records `state` (see `ReportStore::record_digest`).
async fn record(
    store: &Store,
    instance: &str,
    state: &DigestState,
    finished: bool,
    lease_until: DateTime<Utc>,
) {
    let record = DigestRecord {
        instance,
        state,
        finished,
        lease_until,
    };
    store.record_digest(record).await.unwrap()
}

/// One digest slot: claimed once; the claim lapses; a finished digest
/// stays finished; the last state is visible to both.
async fn digests_are_claimed_once(one: &Store, two: &Store) {
    let t = slot(9);
    assert!(one.last_digest().await.unwrap().is_none());
    let lease = Duration::from_secs(600);
    assert!(claim(one, t, "one", t, lease).await);
    assert!(!claim(two, t, "two", t, lease).await, "claimed twice");
    // Re-claiming its own claim is fine (renewal).
    assert!(claim(one, t, "one", t, lease).await);
    let mut state = digest(t);
    state.reports = 3;
    record(one, "one", &state, false, t + chrono::Duration::minutes(10)).await;
    assert_eq!(two.last_digest().await.unwrap().unwrap().reports, 3);
    // Another instance's record is ignored.
    let mut forged = state.clone();
    forged.reports = 99;
    record(two, "two", &forged, true, t).await;
    assert_eq!(one.last_digest().await.unwrap().unwrap().reports, 3);
    // "one" died: after its lease, "two" takes over.
    let later = t + chrono::Duration::minutes(11);
    assert!(claim(two, t, "two", later, lease).await);
    // Taking over keeps what was recorded.
    assert_eq!(one.last_digest().await.unwrap().unwrap().reports, 3);
    state.delivered = true;
    record(two, "two", &state, true, later).await;
    // Finished: nobody claims it again, even long after.
    let much_later = t + chrono::Duration::days(2);
    assert!(!claim(one, t, "one", much_later, lease).await);
    assert!(!claim(two, t, "two", much_later, lease).await);
    // The next slot is a new digest, and the newest is the last.
    let next = slot(10);
    assert!(claim(two, next, "two", next, lease).await);
    assert_eq!(one.last_digest().await.unwrap().unwrap().slot, next);
}

/// The budgets of `per_minute` reports, held by the store.
async fn budgets_hold(one: &Store, two: &Store, per_minute: u32, shared: bool) {
    for _ in 0..per_minute {
        one.begin_submission(A).await.unwrap();
        one.finish_submission(A, true).await;
    }
    assert!(matches!(
        one.begin_submission(A).await,
        Err(Exhausted::Stored(_))
    ));
    // Another client is not affected.
    one.begin_submission(B).await.unwrap();
    one.finish_submission(B, false).await;
    if shared {
        // The other instance sees the same budget.
        match two.begin_submission(A).await {
            Err(Exhausted::Stored(wait)) => {
                assert!(
                    wait > Duration::ZERO && wait <= Duration::from_secs(60),
                    "{wait:?}"
                )
            }
            other => panic!("the budget is not shared: {other:?}"),
        }
        // Refused submissions have their own, larger budget, also shared.
        for i in 0..(per_minute * REFUSED_FACTOR - 1) {
            let s = if i % 2 == 0 { one } else { two };
            s.begin_submission(B).await.unwrap();
            s.finish_submission(B, false).await;
        }
        assert!(matches!(
            two.begin_submission(B).await,
            Err(Exhausted::Refused(_))
        ));
    }
}

#[test]
fn sqlite_store_contract() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let db = Database::Sqlite(dir.path().join("inbox.sqlite"));
    rt.block_on(async {
        let one = store::open(&db, 3).await.unwrap();
        assert_eq!(one.backend(), "sqlite");
        reports_are_stored_and_counted(&one, &one).await;
        digests_are_claimed_once(&one, &one).await;
        budgets_hold(&one, &one, 3, false).await;
        drop(one);
        // Reopened: the digest state persists.
        let again = store::open(&db, 3).await.unwrap();
        assert_eq!(again.last_digest().await.unwrap().unwrap().slot, slot(10));
    });
}

#[test]
fn postgres_store_contract_with_two_instances() {
    let Some(pg) = TempPostgres::start() else {
        return;
    };
    let rt = runtime();
    let db = Database::parse(&pg.url()).unwrap();
    rt.block_on(async {
        // Two instances starting at once both prepare the schema.
        let (one, two) = tokio::join!(store::open(&db, 3), store::open(&db, 3));
        let (one, two) = (one.unwrap(), two.unwrap());
        assert_eq!(one.backend(), "postgres");
        reports_are_stored_and_counted(&one, &two).await;
        digests_are_claimed_once(&one, &two).await;
        budgets_hold(&one, &two, 3, true).await;
        // A third instance, later, finds the schema ready.
        let three = store::open(&db, 3).await.unwrap();
        assert_eq!(three.last_digest().await.unwrap().unwrap().slot, slot(10));
    });
    // Reports are ciphertext only, in the reports table.
    assert_eq!(pg.psql("SELECT count(*) FROM reports").trim(), "2");
    // A layout from a newer secpack is refused, with the versions.
    pg.psql("UPDATE secpack_schema SET version = 99");
    let e = rt.block_on(store::open(&db, 3)).unwrap_err();
    assert_eq!(secpack::error::Coded::code(&e), "store-layout");
    assert!(e.to_string().contains("layout version 99"), "{e}");
}

#[test]
fn an_unreachable_postgres_is_a_clear_startup_error() {
    let rt = runtime();
    // A port nobody listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let db = Database::parse(&format!("postgres://secpack:s3cret@127.0.0.1:{port}/x")).unwrap();
    let e = rt.block_on(store::open(&db, 3)).unwrap_err();
    assert_eq!(secpack::error::Coded::code(&e), "postgres-unreachable");
    let e = secpack_server::error::chain(&e);
    assert!(e.contains("PostgreSQL"), "{e}");
    assert!(!e.contains("s3cret"), "the password leaks: {e}");
}
