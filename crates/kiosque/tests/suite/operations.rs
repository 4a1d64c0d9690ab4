//! For operators: `/metrics` (checked with the Prometheus project's own
//! Python parser of the OpenMetrics format), request ids in the answers
//! and the JSON log, and a SIGTERM that lets a request under way finish.

use std::time::Duration;

use crate::common::sample;
use kiosque_core::ports::Store;
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{TestApp, TestDb, both_databases, eventually};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

both_databases!(
    metrics_count_requests_and_read_the_cache_queues_and_followers,
    metrics_answer_loopback_or_the_token_only,
    sigterm_lets_a_request_under_way_finish_and_logs_carry_its_id,
);

/// One sample's value, `None` if the line is absent.
/// Parses the scrape with `prometheus_client`'s strict OpenMetrics parser
/// (the Prometheus project's Python client); panics on any error.
fn openmetrics_parses(body: &str) {
    let Some(out) = kiosque_testkit::python_check(
        "KIOSQUE_TEST_METRICS_PYTHON",
        "OpenMetrics validity (Python prometheus_client)",
        "import sys\n\
         from prometheus_client.openmetrics.parser import text_string_to_metric_families\n\
         families = list(text_string_to_metric_families(open(sys.argv[1]).read()))\n\
         print(len(families))",
        body,
    ) else {
        return;
    };
    let families: usize = out.trim().parse().unwrap();
    assert!(families >= 15, "{families} metric families:\n{body}");
}

async fn metrics_count_requests_and_read_the_cache_queues_and_followers(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = app
        .publish(&french_article_source("mesure", None), None)
        .await;
    for _ in 0..3 {
        assert_eq!(app.get(&path).await.status(), 200);
    }
    assert_eq!(app.get("/pas-de-page-ici/").await.status(), 404);
    assert_eq!(app.get("/feed/").await.status(), 200);
    // A job the media worker may not take for an hour: waiting, not late.
    let now = chrono::Utc::now().timestamp();
    app.db
        .execute(&format!(
            "INSERT INTO media (file_name, mime, width, height, byte_size, created_at) \
             VALUES ('attente.png', 'image/png', 10, 10, 100, {now})"
        ))
        .await;
    app.db
        .execute(&format!(
            "INSERT INTO media_jobs (media_id, run_after) \
             SELECT id, {} FROM media WHERE file_name = 'attente.png'",
            now + 3600
        ))
        .await;

    let scrape = || async {
        let r = app.get("/metrics").await;
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["content-type"],
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        );
        assert_eq!(r.headers()["cache-control"], "no-store");
        assert!(r.headers().contains_key("x-request-id"));
        r.text().await.unwrap()
    };
    // The scheduler's first pass, and the search index applying the
    // article's change, come within a second or so.
    eventually(
        "the followers and the scheduler",
        Duration::from_secs(10),
        || async {
            let body = scrape().await;
            sample(&body, "kiosque_search_index_following") == Some(1.0)
                && sample(&body, "kiosque_search_index_lag_changes") == Some(0.0)
                && sample(&body, "kiosque_scheduler_runs_total{outcome=\"ok\"}").unwrap_or(0.0)
                    >= 1.0
        },
    )
    .await;
    let body = scrape().await;
    openmetrics_parses(&body);
    let pages = sample(
        &body,
        "kiosque_http_requests_total{kind=\"page\",status=\"200\"}",
    );
    assert!(pages >= Some(3.0), "{body}");
    assert!(
        sample(
            &body,
            "kiosque_http_requests_total{kind=\"page\",status=\"404\"}"
        ) >= Some(1.0),
        "{body}"
    );
    assert!(
        sample(
            &body,
            "kiosque_http_requests_total{kind=\"feed\",status=\"200\"}"
        ) >= Some(1.0),
        "{body}"
    );
    // Three readings of one page: the first renders, the others hit.
    assert!(
        sample(&body, "kiosque_page_cache_hits_total") >= Some(2.0),
        "{body}"
    );
    assert!(
        sample(&body, "kiosque_page_cache_misses_total") >= Some(1.0),
        "{body}"
    );
    assert!(
        sample(&body, "kiosque_page_cache_pages") >= Some(1.0),
        "{body}"
    );
    assert!(
        sample(&body, "kiosque_page_cache_bytes") > Some(1000.0),
        "{body}"
    );
    assert_eq!(
        sample(&body, "kiosque_page_cache_evictions_total"),
        Some(0.0)
    );
    let histogram = "kiosque_http_request_duration_seconds_count{kind=\"page\"}";
    assert!(sample(&body, histogram) >= Some(4.0), "{body}");
    assert!(
        body.contains("kiosque_http_request_duration_seconds_bucket{le=\"0.00025\",kind=\"page\"}")
            || body.contains(
                "kiosque_http_request_duration_seconds_bucket{kind=\"page\",le=\"0.00025\"}"
            ),
        "{body}"
    );
    assert_eq!(
        sample(&body, "kiosque_queue_jobs{queue=\"image_copies\"}"),
        Some(1.0),
        "{body}"
    );
    assert_eq!(
        sample(
            &body,
            "kiosque_queue_oldest_due_seconds{queue=\"image_copies\"}"
        ),
        Some(0.0)
    );
    assert_eq!(
        sample(&body, "kiosque_queue_jobs{queue=\"webhooks\"}"),
        Some(0.0)
    );
    assert_eq!(
        sample(&body, "kiosque_queue_jobs{queue=\"newsletters\"}"),
        Some(0.0)
    );
    assert!(
        sample(&body, "kiosque_db_pool_max_connections") >= Some(1.0),
        "{body}"
    );
    assert!(
        sample(&body, "kiosque_db_pool_connections") >= Some(1.0),
        "{body}"
    );
    assert_eq!(
        sample(&body, "kiosque_search_index_lag_changes"),
        Some(0.0),
        "{body}"
    );
    assert!(
        sample(&body, "kiosque_page_cache_lag_changes").is_some(),
        "{body}"
    );
    assert!(
        sample(&body, "kiosque_process_resident_memory_bytes") > Some(1_000_000.0),
        "{body}"
    );
    // Nothing private: no path, no address, no account.
    assert!(!body.contains("mesure"), "{body}");
    assert!(!body.contains("127.0.0.1"), "{body}");
}

async fn metrics_answer_loopback_or_the_token_only(db: TestDb) {
    const TOKEN: &str = "jeton-de-supervision-2026";
    let app = TestApp::start(db, kiosque_core::types::Locale::Fr, |s| {
        s.web.behind_proxy = true;
        s.web.metrics_token = Some(TOKEN.to_owned());
    })
    .await;
    let client = reqwest::Client::new();
    let from = |address: &str, token: Option<&str>| {
        let mut request = client
            .get(app.url("/metrics"))
            .header("x-forwarded-for", address);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request
    };
    // Behind the proxy, a reader elsewhere is refused, however they ask.
    for token in [None, Some("jeton-de-supervision-2025"), Some("")] {
        let r = from("203.0.113.9", token).send().await.unwrap();
        assert_eq!(r.status(), 403, "{token:?}");
        let text = r.text().await.unwrap();
        assert!(text.contains("token_file"), "{text}");
        assert!(!text.contains("kiosque_"), "{text}");
    }
    let r = from("203.0.113.9", Some(TOKEN)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("kiosque_http_requests_total")
    );
    // The machine itself needs no token.
    let r = from("127.0.0.1", None).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // A proxy's request id is kept (it is trusted like its addresses); a
    // made-up one that is not a plain token is replaced.
    let r = client
        .get(app.url("/"))
        .header("x-request-id", "lb-7f3a9c")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "lb-7f3a9c");
    let r = client
        .get(app.url("/"))
        .header("x-request-id", "<script>")
        .send()
        .await
        .unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(!id.contains('<') && !id.is_empty(), "{id}");
}

/// The real binary with JSON logs: a sign-in posted in two halves is cut
/// by SIGTERM between them. The server stops taking connections, finishes
/// that request, answers it, and exits 0; the log is JSON lines, and the
/// request's own line carries the id its answer gave.
async fn sigterm_lets_a_request_under_way_finish_and_logs_carry_its_id(db: TestDb) {
    let k = crate::cli::Kiosque::new(&db);
    k.init().await;
    let mut server = crate::common::kiosque(&k.data, &db.url)
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .env("KIOSQUE_LOG", "info,sqlx=warn")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let pid = server.id().expect("pid");
    let mut stderr = BufReader::new(server.stderr.take().unwrap()).lines();
    let address = loop {
        let line = stderr.next_line().await.unwrap().expect("serve exited");
        if let Some(rest) = line.split("serving on http://").nth(1) {
            break rest.trim().trim_end_matches('/').to_owned();
        }
    };
    let (lines_out, mut lines_in) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(line)) = stderr.next_line().await {
            let _ = lines_out.send(line);
        }
    });

    let body = "email=personne%40example.org&password=pas-le-bon&next=%2Fadmin%2F";
    let (first, rest) = body.split_at(20);
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(
            format!(
                "POST /admin/login HTTP/1.1\r\nHost: {address}\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\n\
                 Content-Length: {}\r\n\r\n{first}",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // The listener closes: a new reader is turned away at once.
    eventually("the listener closed", Duration::from_secs(5), || async {
        tokio::net::TcpStream::connect(&address).await.is_err()
    })
    .await;
    // The request under way is still heard out and answered.
    stream.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("an answer within 10 s")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    let head = answer.split("\r\n\r\n").next().unwrap();
    // A wrong password: the sign-in page again, as 401.
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
    assert!(
        answer.contains("personne@example.org"),
        "the form came back whole"
    );
    let id = head
        .lines()
        .find_map(|l| l.strip_prefix("x-request-id: "))
        .expect("a request id")
        .to_owned();
    let status = tokio::time::timeout(Duration::from_secs(40), server.wait())
        .await
        .expect("the server exits")
        .unwrap();
    assert!(status.success(), "{status}");

    let mut events = Vec::new();
    while let Ok(line) = lines_in.try_recv() {
        let event: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        events.push(event);
    }
    let failed = events
        .iter()
        .find(|e| e["message"] == "failed sign-in")
        .unwrap_or_else(|| panic!("no failed sign-in logged: {events:#?}"));
    assert_eq!(failed["level"], "INFO");
    assert_eq!(failed["span"]["id"], id.as_str(), "{failed}");
    assert_eq!(failed["span"]["path"], "/admin/login");
    assert!(failed["timestamp"].is_string(), "{failed}");
    assert!(
        events.iter().any(|e| e["message"] == "stopping"),
        "{events:#?}"
    );
    assert!(
        !serde_json::to_string(&events)
            .unwrap()
            .contains("pas-le-bon"),
        "no password in the log"
    );
}

/// A TCP relay to the database that the test can cut (every connection
/// dropped, new ones refused) and restore: the database "restarting"
/// under the server without touching the shared PostgreSQL.
struct Relay {
    addr: std::net::SocketAddr,
    open: std::sync::Arc<std::sync::atomic::AtomicBool>,
    links: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Relay {
    async fn start(upstream: String) -> Relay {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let open = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let links = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (accepting, kept) = (open.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accepting.load(Ordering::SeqCst) {
                    continue;
                }
                let upstream = upstream.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                kept.lock().unwrap().push(link.abort_handle());
            }
        });
        Relay { addr, open, links }
    }

    fn cut(&self) {
        self.open.store(false, std::sync::atomic::Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.open.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// PostgreSQL going away under a running server: pages already in the
/// cache still answer, anything that needs the database answers 503 with
/// `Retry-After` within seconds (the site's page, the API's JSON) — never
/// a hang, never a 500 — and once the database is back the server takes
/// writes again by itself within 5 s, with nothing acknowledged lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_gone_away_is_a_503_then_service_resumes_by_itself() {
    let Some(db) = TestDb::new(kiosque_testkit::Engine::Postgres).await else {
        return;
    };
    let url = url::Url::parse(&db.url).unwrap();
    let relay = Relay::start(format!(
        "{}:{}",
        url.host_str().unwrap(),
        url.port().unwrap_or(5432)
    ))
    .await;
    let mut relayed = url.clone();
    relayed.set_port(Some(relay.addr.port())).unwrap();
    let app = TestApp::start(db, kiosque_core::types::Locale::Fr, |s| {
        s.database_url = relayed.to_string();
    })
    .await;
    let path = app
        .publish(&french_article_source("coupure", None), None)
        .await;
    let comment = |text: &'static str| {
        let (app, url) = (&app, format!("{path}comments"));
        async move {
            app.post_form(
                &url,
                &[
                    ("comment", text),
                    ("name", "Awa"),
                    ("email", "awa@example.org"),
                    ("url", ""),
                ],
            )
            .await
        }
    };
    assert_eq!(comment("Avant la coupure.").await.status(), 303);
    assert_eq!(app.get(&path).await.status(), 200);

    relay.cut();
    let started = std::time::Instant::now();
    // Already rendered: still served.
    assert_eq!(app.get(&path).await.status(), 200);
    let r = comment("Pendant la coupure.").await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Service momentanément indisponible"),
        "{page}"
    );
    let r = app.get("/api/v1/articles").await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
    assert_eq!(app.get("/readyz").await.status(), 503);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "each answer came within the pool's 5 s wait: {:?}",
        started.elapsed()
    );

    relay.restore();
    let back = std::time::Instant::now();
    eventually("writes accepted again", Duration::from_secs(5), || async {
        comment("Après la coupure.").await.status() == 303
    })
    .await;
    eprintln!(
        "service resumed {:?} after the database came back",
        back.elapsed()
    );
    let stored: Vec<String> = app
        .store
        .comments_with_status(kiosque_core::types::CommentStatus::Pending)
        .await
        .unwrap()
        .into_iter()
        .chain(
            app.store
                .comments_with_status(kiosque_core::types::CommentStatus::Approved)
                .await
                .unwrap(),
        )
        .map(|c| c.comment.body)
        .collect();
    assert!(
        stored.iter().any(|b| b.contains("Avant la coupure.")),
        "{stored:?}"
    );
    assert!(
        stored.iter().any(|b| b.contains("Après la coupure.")),
        "{stored:?}"
    );
    assert!(!stored.iter().any(|b| b.contains("Pendant")), "{stored:?}");
}
