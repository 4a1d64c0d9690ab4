//! The CDN purger's shared state: one leader at a time, a mark that
//! survives it.

use kiosque_core::ports::{Purges, Store};
use kiosque_testkit::{Engine, TestDb};

/// Leadership, asked for every 100 ms up to 5 s (a lock let go as its
/// session ends).
async fn lead_within_5_s(store: &impl Purges) -> Option<Box<dyn kiosque_core::ports::Lead>> {
    for _ in 0..50 {
        if let Some(lead) = store.lead_purges().await.unwrap() {
            return Some(lead);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    None
}

pub async fn one_server_leads_the_purges_and_the_mark_outlives_it(db: TestDb) {
    let store = db.store().await;
    assert_eq!(store.purged_up_to().await.unwrap(), None, "no purge yet");
    store.set_purged_up_to(41).await.unwrap();
    store.set_purged_up_to(42).await.unwrap();
    assert_eq!(store.purged_up_to().await.unwrap(), Some(42));

    let mut first = store
        .lead_purges()
        .await
        .unwrap()
        .expect("nobody leads yet");
    assert!(first.holds().await);
    if db.engine == Engine::Postgres {
        // Another server (its own pool) is refused while the first leads…
        let other = db.store().await;
        assert!(other.lead_purges().await.unwrap().is_none(), "two leaders");
        // …and takes over once the first is gone.
        drop(first);
        let mut second = lead_within_5_s(&other)
            .await
            .expect("the lock was never released");
        assert!(second.holds().await);
        assert_eq!(
            other.purged_up_to().await.unwrap(),
            Some(42),
            "the mark is shared"
        );
        // Its session cut from the database's side: it knows it no longer leads.
        db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks \
             WHERE locktype = 'advisory' \
               AND objid = hashtext('kiosque.cdn_purge.' || current_schema())::oid",
        )
        .await;
        assert!(
            !second.holds().await,
            "a leader whose session ended still leads"
        );
        // The ended session lets its lock go as its process exits.
        let third = lead_within_5_s(&store).await;
        assert!(third.is_some(), "nobody could take over");
    } else {
        assert!(first.holds().await);
    }
}

pub async fn the_purger_sees_how_far_each_live_server_follows(db: TestDb) {
    let store = db.store().await;
    let now = chrono::Utc::now();
    let ago = |seconds: i64| now - chrono::TimeDelta::seconds(seconds);
    assert_eq!(store.slowest_follower(ago(6)).await.unwrap(), None);
    store.report_applied("a1", 40, ago(1)).await.unwrap();
    store.report_applied("b2", 35, ago(2)).await.unwrap();
    assert_eq!(store.slowest_follower(ago(6)).await.unwrap(), Some(35));
    // A server catches up; another falls silent and stops counting.
    store.report_applied("b2", 44, now).await.unwrap();
    assert_eq!(store.slowest_follower(ago(6)).await.unwrap(), Some(40));
    store.report_applied("c3", 12, ago(60)).await.unwrap();
    assert_eq!(store.slowest_follower(ago(6)).await.unwrap(), Some(40));
    assert_eq!(store.slowest_follower(ago(120)).await.unwrap(), Some(12));
    // A server not heard of for a day is forgotten, with the page log.
    store
        .report_applied("d4", 50, now + chrono::TimeDelta::days(2))
        .await
        .unwrap();
    store
        .prune_page_changes(now + chrono::TimeDelta::days(1))
        .await
        .unwrap();
    assert_eq!(store.slowest_follower(ago(120)).await.unwrap(), Some(50));
}
