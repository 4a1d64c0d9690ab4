//! The page cache over HTTP on both databases: pages come precompressed
//! with validators and surrogate keys; the newsroom, query strings and
//! errors go around it; and each kind of change drops exactly the pages it
//! affects — here, on a second server, and from another process.

use std::io::Read as _;
use std::time::{Duration, Instant};

use kiosque_core::ports::Store;
use kiosque_core::types::{CommentStatus, Role, Slug};
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{TestApp, TestDb, both_databases};

both_databases!(
    cached_pages_come_precompressed_with_validators_and_surrogate_keys,
    the_newsroom_queries_and_errors_go_around_the_cache,
    each_change_drops_exactly_the_pages_it_affects,
    another_server_drops_a_changed_page_within_a_second,
    http2_in_clear_is_spoken_for_a_proxy_in_front,
);

/// A second article, in another section, with another tag and byline.
pub(crate) fn economy_article(slug: &str, title: &str) -> String {
    french_article_source(slug, None)
        .replace(
            "Coopération militaire : Pyongyang dit être prêt à « aider » Moscou",
            title,
        )
        .replace("category: \"International\"", "category: \"Économie\"")
        .replace("tags: [\"Corée du Nord\", \"Russie\"]", "tags: [\"Cacao\"]")
        .replace("author: \"Gaëlle Villeneuve\"", "author: \"Kofi Mensah\"")
}

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut r = app.client.get(app.url(path));
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.send().await.expect("GET")
}

/// `hit`, `miss`, or `-` when the cache was not involved.
async fn cache_state(app: &TestApp, path: &str) -> String {
    let r = get(app, path, &[]).await;
    assert_eq!(r.status(), 200, "{path}");
    header(&r, "x-kiosque-cache")
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map_or("-", |v| v.to_str().unwrap())
        .to_owned()
}

/// Requests each page until it is served from the cache.
pub(crate) async fn warm(app: &TestApp, paths: &[&str]) {
    for p in paths {
        cache_state(app, p).await;
        assert_eq!(cache_state(app, p).await, "hit", "{p} is cached");
    }
}

/// Asserts which pages are still cached (`hit`) and which were dropped.
pub(crate) async fn expect(app: &TestApp, step: &str, kept: &[&str], dropped: &[&str]) {
    for p in dropped {
        assert_eq!(cache_state(app, p).await, "miss", "{step}: {p} dropped");
    }
    for p in kept {
        assert_eq!(cache_state(app, p).await, "hit", "{step}: {p} kept");
    }
}

async fn article_id(app: &TestApp, slug: &str) -> i64 {
    app.store
        .article_by_slug(&Slug::parse(slug).unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn cached_pages_come_precompressed_with_validators_and_surrogate_keys(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = app
        .publish(&french_article_source("en-cache", None), None)
        .await;
    let id = article_id(&app, "en-cache").await;
    let first = get(&app, &path, &[]).await;
    assert_eq!(header(&first, "x-kiosque-cache"), "miss");
    let plain = first.text().await.unwrap();
    assert!(plain.contains("Coopération militaire"));

    let r = get(&app, &path, &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(header(&r, "x-kiosque-cache"), "hit");
    assert_eq!(header(&r, "content-encoding"), "br");
    assert_eq!(header(&r, "vary"), "accept-encoding");
    assert!(header(&r, "cache-control").contains("stale-while-revalidate"));
    assert!(header(&r, "content-security-policy").contains("default-src 'none'"));
    assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
    let keys = header(&r, "surrogate-key");
    let keys: Vec<&str> = keys.split(' ').collect();
    for key in [
        format!("article-{id}"),
        format!("comments-{id}"),
        "site".into(),
    ] {
        assert!(keys.contains(&key.as_str()), "{key} in {keys:?}");
    }
    for kind in ["category-", "tag-", "author-"] {
        assert!(
            keys.iter().any(|k| k.starts_with(kind)),
            "{kind} in {keys:?}"
        );
    }
    assert_eq!(header(&r, "cache-tag"), keys.join(","));
    let br_etag = header(&r, "etag");
    let compressed = r.bytes().await.unwrap();
    let mut unpacked = Vec::new();
    brotli::BrotliDecompress(&mut &compressed[..], &mut unpacked).unwrap();
    assert_eq!(String::from_utf8(unpacked).unwrap(), plain);
    assert!(
        compressed.len() * 3 < plain.len(),
        "{} bytes of brotli for {} of HTML",
        compressed.len(),
        plain.len()
    );

    let r = get(&app, &path, &[("accept-encoding", "gzip")]).await;
    assert_eq!(header(&r, "content-encoding"), "gzip");
    let gzip_etag = header(&r, "etag");
    let mut unpacked = String::new();
    flate2::read::GzDecoder::new(&r.bytes().await.unwrap()[..])
        .read_to_string(&mut unpacked)
        .unwrap();
    assert_eq!(unpacked, plain);

    // Each encoding is its own representation, with its own validator.
    let r = get(&app, &path, &[]).await;
    assert_eq!(header(&r, "content-encoding"), "-");
    let plain_etag = header(&r, "etag");
    assert!(plain_etag.starts_with('"') && plain_etag.ends_with('"'));
    assert_ne!(plain_etag, gzip_etag);
    assert_ne!(plain_etag, br_etag);

    let r = get(
        &app,
        &path,
        &[("accept-encoding", "br"), ("if-none-match", &br_etag)],
    )
    .await;
    assert_eq!(r.status(), 304);
    assert_eq!(header(&r, "etag"), br_etag);
    assert!(r.bytes().await.unwrap().is_empty());
    let r = get(&app, &path, &[("if-none-match", "\"autre\"")]).await;
    assert_eq!(r.status(), 200);

    let r = app.client.head(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "x-kiosque-cache"), "hit");
    assert_eq!(header(&r, "content-length"), plain.len().to_string());

    // Lists and feeds are cached too, and name the articles they show.
    for p in ["/", "/category/international/", "/tag/russie/", "/feed/"] {
        cache_state(&app, p).await;
        let r = get(&app, p, &[]).await;
        assert_eq!(header(&r, "x-kiosque-cache"), "hit", "{p}");
        assert!(
            header(&r, "surrogate-key").contains(&format!("article-{id}")),
            "{p}"
        );
    }
}

async fn the_newsroom_queries_and_errors_go_around_the_cache(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = app
        .publish(&french_article_source("contourne", None), None)
        .await;
    warm(&app, &[&path]).await;
    let editor = app.newsroom("chef@example.org", Role::Editor).await;
    let r = editor.get(&path).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "x-kiosque-cache"), "-");
    let r = get(&app, &format!("{path}?replytocom=1"), &[]).await;
    assert_eq!(header(&r, "x-kiosque-cache"), "-");
    for _ in 0..2 {
        let r = get(&app, "/introuvable/", &[]).await;
        assert_eq!(r.status(), 404);
        assert_eq!(header(&r, "x-kiosque-cache"), "-");
    }
    // Search results are not kept (one page per query).
    let r = get(&app, "/search?q=pyongyang", &[]).await;
    assert_eq!(header(&r, "x-kiosque-cache"), "-");
    // A reader's POST is answered by the handlers.
    let r = app
        .post_form(
            &format!("{path}comments"),
            &[("comment", ""), ("name", ""), ("email", "")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(header(&r, "x-kiosque-cache"), "-");
}

async fn each_change_drops_exactly_the_pages_it_affects(db: TestDb) {
    let app = TestApp::french(db).await;
    let a = app
        .publish(&french_article_source("pyongyang", None), None)
        .await;
    let b = app
        .publish(
            &economy_article("cacao", "Cacao : les planteurs attendent la pluie"),
            None,
        )
        .await;
    let a_lists = ["/category/international/", "/tag/russie/"];
    let b_lists = ["/category/economie/", "/tag/cacao/", "/author/kofi-mensah/"];
    let all = [
        a.as_str(),
        b.as_str(),
        "/",
        "/feed/",
        a_lists[0],
        a_lists[1],
        b_lists[0],
        b_lists[1],
        b_lists[2],
    ];
    warm(&app, &all).await;

    // A reader's comment, held for moderation, changes nothing readers see.
    let r = app
        .post_form(
            &format!("{b}comments"),
            &[
                ("comment", "Les prix au bord champ montent enfin."),
                ("name", "Awa Diop"),
                ("email", "awa@example.org"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    expect(&app, "held comment", &all, &[]).await;

    // Approved in the admin: its article's page only.
    let editor = app.newsroom("chef@example.org", Role::Editor).await;
    let held = app
        .store
        .comments_with_status(CommentStatus::Pending)
        .await
        .unwrap();
    let r = editor
        .post(
            "/admin/comments",
            &[
                ("status", "pending"),
                ("action", "approve"),
                ("ids", &held[0].comment.id.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let kept: Vec<&str> = all.iter().copied().filter(|p| *p != b).collect();
    expect(&app, "comment approved", &kept, &[&b]).await;
    assert!(app.page(&b).await.1.contains("Les prix au bord champ"));

    // An article edited (as `kiosque publish` does): its page, and the
    // lists that show it; the other article and its lists stay.
    app.publish(
        &french_article_source("pyongyang", None).replace("Pyongyang dit", "Pyongyang affirme"),
        None,
    )
    .await;
    expect(
        &app,
        "article edited",
        &[&b, b_lists[0], b_lists[1], b_lists[2]],
        &[&a, "/", "/feed/", a_lists[0], a_lists[1]],
    )
    .await;
    assert!(app.page(&a).await.1.contains("Pyongyang affirme"));

    // The site's settings show on every page.
    warm(&app, &all).await;
    let admin = app.newsroom("admin@example.org", Role::Administrator).await;
    let r = admin
        .post(
            "/admin/settings",
            &[
                ("name", "Afrique Première Tv Plus"),
                ("language", "fr"),
                ("comment_policy", "hold_all"),
                ("close_after_days", "0"),
                ("blocked_terms", ""),
                ("time_zone", "UTC"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    expect(&app, "settings", &[], &all).await;
    assert!(app.page(&b).await.1.contains("Afrique Première Tv Plus"));

    // A page added to the menu is linked from every page.
    warm(&app, &all).await;
    let r = editor
        .post(
            "/admin/pages/new",
            &[
                ("title", "À propos"),
                ("slug", ""),
                ("body", "Une rédaction indépendante."),
                ("in_menu", "on"),
                ("position", "1"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    expect(&app, "menu", &[], &all).await;
    assert!(app.page(&a).await.1.contains("href=\"/a-propos/\""));

    // A scheduled article going live (the scheduler, in the background):
    // the lists it enters; the other section's pages and articles stay.
    warm(&app, &all).await;
    let id = {
        let b_id = article_id(&app, "cacao").await;
        let mut draft = kiosque_testkit::fixtures::french_draft(
            "programme",
            chrono::Utc::now() + chrono::Duration::hours(1),
        );
        draft.title = kiosque_core::types::Title::parse("Cacao : la récolte avance").unwrap();
        draft.category = Some((Slug::parse("economie").unwrap(), "Économie".into()));
        draft.tags = vec![(Slug::parse("cacao").unwrap(), "Cacao".into())];
        draft.status = kiosque_core::types::ArticleStatus::Scheduled;
        let saved = app.store.create_article(&draft).await.unwrap().article_id;
        assert_ne!(saved, b_id);
        saved
    };
    app.settled().await;
    expect(&app, "scheduled", &all, &[]).await;
    app.db
        .execute(&format!(
            "UPDATE articles SET published_at = {} WHERE id = {id}",
            chrono::Utc::now().timestamp() - 1
        ))
        .await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while !app.page("/").await.1.contains("la récolte avance") {
        assert!(Instant::now() < deadline, "published within 5 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    expect(
        &app,
        "scheduled article published",
        &[&a, &b, a_lists[0], a_lists[1]],
        &["/feed/", b_lists[0], b_lists[1]],
    )
    .await;
}

async fn another_server_drops_a_changed_page_within_a_second(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = app
        .publish(&french_article_source("deux-serveurs", None), None)
        .await;
    let other = app.sibling().await;
    let hit = |r: &reqwest::Response| header(r, "x-kiosque-cache") == "hit";
    let fetch = |p: &str| {
        let url = format!("http://{}{p}", other.addr);
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap() }
    };
    fetch(&path).await;
    assert!(hit(&fetch(&path).await), "cached on the second server");
    let changed = Instant::now();
    app.publish(
        &french_article_source("deux-serveurs", None).replace("Pyongyang dit", "Pyongyang jure"),
        None,
    )
    .await;
    loop {
        let r = fetch(&path).await;
        if r.text().await.unwrap().contains("Pyongyang jure") {
            break;
        }
        assert!(
            changed.elapsed() < Duration::from_secs(3),
            "the second server still serves the old page"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "edited on one server, fresh on the other after {} ms",
        changed.elapsed().as_millis()
    );
}

/// HTTP/2 with prior knowledge (h2c), as a proxy or CDN in front speaks
/// it: the connection preface, then a GET of `/`, answered with 200 over
/// HTTP/2. Frames are written by hand (RFC 9113), with header fields from
/// HPACK's static table, so no HTTP/2 client is needed.
async fn http2_in_clear_is_spoken_for_a_proxy_in_front(db: TestDb) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::french(db).await;
    app.publish(&french_article_source("h2c", None), None).await;
    let mut tcp = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let mut out = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    let frame = |kind: u8, flags: u8, stream: u32, payload: &[u8]| {
        let len = payload.len() as u32;
        let mut f = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
        f.extend_from_slice(&stream.to_be_bytes());
        f.extend_from_slice(payload);
        f
    };
    out.extend(frame(0x4, 0, 0, &[])); // SETTINGS, empty
    let authority = app.addr.to_string();
    // :method GET, :scheme http, :path /, :authority (literal, indexed name 1)
    let mut block = vec![0x82, 0x86, 0x84, 0x41, authority.len() as u8];
    block.extend_from_slice(authority.as_bytes());
    out.extend(frame(0x1, 0x4 | 0x1, 1, &block)); // HEADERS, END_HEADERS | END_STREAM
    tcp.write_all(&out).await.unwrap();
    let mut status = None;
    let deadline = Instant::now() + Duration::from_secs(5);
    while status.is_none() && Instant::now() < deadline {
        let mut head = [0u8; 9];
        tokio::time::timeout(Duration::from_secs(5), tcp.read_exact(&mut head))
            .await
            .expect("a frame in time")
            .expect("an HTTP/2 frame");
        let len = (usize::from(head[0]) << 16) | (usize::from(head[1]) << 8) | usize::from(head[2]);
        let mut payload = vec![0u8; len];
        tcp.read_exact(&mut payload).await.unwrap();
        let stream = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
        if head[3] == 0x1 && stream == 1 {
            status = payload.first().copied();
        }
    }
    // 0x88 is `:status 200` from the static table.
    assert_eq!(status, Some(0x88), "HTTP/2 response with status 200");
}
