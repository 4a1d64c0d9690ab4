//! The operators' probes: `/healthz` answers while the process runs;
//! `/readyz` answers 200 only when the database holds this build's schema
//! and the search index follows it, else 503 with `Retry-After` and a
//! word on what is wrong — never the database's own message.

use std::time::Duration;

use kiosque_testkit::{TestApp, TestDb, both_databases, eventually};

both_databases!(the_probes_say_alive_and_ready_and_what_is_not,);

async fn the_probes_say_alive_and_ready_and_what_is_not(db: TestDb) {
    let app = TestApp::french(db).await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.text().await.unwrap(), "ok\n");
    eventually("ready", Duration::from_secs(10), || async {
        app.get("/readyz").await.status() == 200
    })
    .await;
    assert_eq!(app.get("/readyz").await.text().await.unwrap(), "ready\n");

    // A database whose last migration is not applied: not ready.
    let latest = "(SELECT MAX(version) FROM _sqlx_migrations)";
    app.db
        .execute(&format!(
            "UPDATE _sqlx_migrations SET success = FALSE WHERE version = {latest}"
        ))
        .await;
    let r = app.get("/readyz").await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body = r.text().await.unwrap();
    assert_eq!(body, "database: not ready\n");
    // Alive all the same.
    assert_eq!(app.get("/healthz").await.status(), 200);
    app.db
        .execute("UPDATE _sqlx_migrations SET success = TRUE WHERE success = FALSE")
        .await;
    assert_eq!(app.get("/readyz").await.status(), 200);
}
