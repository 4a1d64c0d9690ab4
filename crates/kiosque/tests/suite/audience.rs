//! Audience statistics over HTTP on both databases: a known traffic log
//! (readers from several addresses and browsers, referrers of every kind,
//! robots and link previewers, prefetches, HEAD, errors, the newsroom's
//! own views, cache hits, misses and 304s) replayed through the real
//! server, and the exact views, visitors, sources and devices read back
//! from the admin's page, its CSV exports and `kiosque stats`; the same
//! log as beacons; two servers on one database; and nothing personal left
//! on disk.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsStr;
use std::time::{Duration, Instant};

use kiosque_core::model::audience::{By, Period, local_day};
use kiosque_core::ports::{Audience, Store};
use kiosque_core::service::audience;
use kiosque_core::types::Role;
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{Engine, TestApp, TestDb, both_databases};

use crate::common::{kiosque_on, succeeded};

both_databases!(
    a_replayed_traffic_log_is_counted_exactly_by_page_source_and_device,
    the_beacon_counts_the_same_log_and_the_server_then_counts_nothing,
    two_servers_on_one_database_add_up_exactly,
);

/// Readers: an address, a browser, the screen it is.
const READERS: [(&str, &str, &str); 5] = [
    (
        "203.0.113.10",
        "Mozilla/5.0 (Linux; Android 14; Pixel 7a Zqreader0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        "phone",
    ),
    (
        "203.0.113.11",
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X; Zqreader1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "tablet",
    ),
    (
        "198.51.100.12",
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0; Zqreader2) Gecko/20100101 Firefox/133.0",
        "desktop",
    ),
    (
        "198.51.100.13",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X; Zqreader3) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "phone",
    ),
    // The same address as the third, another browser: another visitor.
    (
        "198.51.100.12",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Zqreader4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "desktop",
    ),
];

/// Robots and link previewers, none of which may count.
const ROBOTS: [&str; 7] = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "WhatsApp/2.23.20.0 A",
    "Twitterbot/1.0",
    "TelegramBot (like TwitterBot)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
];

#[derive(Clone, Copy, PartialEq)]
enum Page {
    First,
    Second,
    Home,
    Missing,
    Feed,
}

#[derive(Clone, Copy, PartialEq)]
enum How {
    Get,
    /// With `If-None-Match` from the reader's last answer: a 304.
    Revalidate,
    Head,
    Prefetch(&'static str, &'static str),
    /// Signed in to the newsroom.
    Newsroom,
}

struct Visit {
    reader: usize,
    /// A robot's user agent instead of the reader's.
    robot: Option<&'static str>,
    page: Page,
    query: &'static str,
    referrer: Option<&'static str>,
    how: How,
    /// The source it counts under; `None`: not counted.
    counts_as: Option<&'static str>,
}

const fn visit(
    reader: usize,
    page: Page,
    referrer: Option<&'static str>,
    counts_as: &'static str,
) -> Visit {
    Visit {
        reader,
        robot: None,
        page,
        query: "",
        referrer,
        how: How::Get,
        counts_as: Some(counts_as),
    }
}

fn log() -> Vec<Visit> {
    let mut log = vec![
        visit(0, Page::First, Some("https://www.google.fr/"), "google"),
        visit(0, Page::First, None, "direct"),
        Visit {
            how: How::Revalidate,
            ..visit(0, Page::First, None, "direct")
        },
        visit(
            1,
            Page::First,
            Some("https://l.facebook.com/l.php?u=x"),
            "facebook",
        ),
        visit(1, Page::Second, Some("https://t.co/Zq12"), "x"),
        visit(
            2,
            Page::Second,
            Some("https://news.google.com/articles/abc"),
            "google-news",
        ),
        visit(
            2,
            Page::Home,
            Some("https://news.example.org/politique/"),
            "internal",
        ),
        Visit {
            query: "?utm_source=whatsapp",
            ..visit(3, Page::Second, None, "whatsapp")
        },
        Visit {
            query: "?utm_source=lettre-du-matin&utm_medium=email",
            ..visit(3, Page::First, None, "newsletter")
        },
        visit(
            4,
            Page::First,
            Some("https://blog.example.net/billet"),
            "blog.example.net",
        ),
        visit(
            4,
            Page::Second,
            Some("https://www.bing.com/search?q=cacao"),
            "bing",
        ),
        visit(
            2,
            Page::First,
            Some("https://duckduckgo.com/"),
            "duckduckgo",
        ),
        visit(
            0,
            Page::Second,
            Some("https://www.linkedin.com/feed/"),
            "linkedin",
        ),
        visit(1, Page::Home, Some("https://t.me/s/chaine"), "telegram"),
        visit(3, Page::Home, None, "direct"),
        visit(0, Page::Second, None, "direct"),
    ];
    let not_counted = |reader, page, how| Visit {
        how,
        counts_as: None,
        ..visit(reader, page, None, "")
    };
    for robot in ROBOTS {
        log.push(Visit {
            robot: Some(robot),
            ..not_counted(0, Page::First, How::Get)
        });
    }
    log.extend([
        not_counted(0, Page::First, How::Prefetch("sec-purpose", "prefetch")),
        not_counted(2, Page::Second, How::Prefetch("purpose", "prefetch")),
        not_counted(1, Page::First, How::Head),
        not_counted(2, Page::Missing, How::Get),
        not_counted(0, Page::Feed, How::Get),
        not_counted(3, Page::First, How::Newsroom),
    ]);
    log
}

/// What the log must come to: views and visitors (distinct readers) per
/// path, source and device, and in all.
#[derive(Debug, Default, PartialEq)]
struct Expected {
    views: i64,
    visitors: i64,
    pages: BTreeMap<String, (i64, i64)>,
    sources: BTreeMap<String, (i64, i64)>,
    devices: BTreeMap<String, (i64, i64)>,
}

fn expected(log: &[Visit], paths: &Paths) -> Expected {
    let mut by: [HashMap<String, (i64, BTreeSet<usize>)>; 3] = Default::default();
    let mut everyone = BTreeSet::new();
    let mut views = 0;
    for v in log {
        let Some(source) = v.counts_as else { continue };
        views += 1;
        everyone.insert(v.reader);
        let keys = [
            paths.of(v.page).to_owned(),
            source.to_owned(),
            READERS[v.reader].2.to_owned(),
        ];
        for (map, key) in by.iter_mut().zip(keys) {
            let e = map.entry(key).or_default();
            e.0 += 1;
            e.1.insert(v.reader);
        }
    }
    let flat = |m: &HashMap<String, (i64, BTreeSet<usize>)>| {
        m.iter()
            .map(|(k, (n, who))| (k.clone(), (*n, who.len() as i64)))
            .collect()
    };
    Expected {
        views,
        visitors: everyone.len() as i64,
        pages: flat(&by[0]),
        sources: flat(&by[1]),
        devices: flat(&by[2]),
    }
}

struct Paths {
    first: String,
    second: String,
}

impl Paths {
    fn of(&self, page: Page) -> &str {
        match page {
            Page::First => &self.first,
            Page::Second => &self.second,
            Page::Home => "/",
            Page::Missing => "/nulle-part/",
            Page::Feed => "/feed/",
        }
    }
}

async fn counting_app(db: TestDb) -> (TestApp, Paths) {
    let app = TestApp::start(db, kiosque_core::types::Locale::Fr, |s| {
        // Readers' addresses come in X-Forwarded-For, as behind a proxy.
        s.web.behind_proxy = true;
        s.stats.flush = Duration::from_millis(500);
    })
    .await;
    let first = app
        .publish(&french_article_source("pyongyang-moscou", None), None)
        .await;
    let second = app
        .publish(
            &crate::page_cache::economy_article(
                "cacao-pluie",
                "Cacao : les planteurs attendent la pluie",
            ),
            None,
        )
        .await;
    (app, Paths { first, second })
}

/// Sends the log to `base` (one server, or per reader among several).
/// Returns every answer's headers, to look at afterwards.
async fn replay(
    app: &TestApp,
    newsroom_cookie: &str,
    log: &[Visit],
    paths: &Paths,
    base_for: impl Fn(usize) -> String,
) -> Vec<(u16, reqwest::header::HeaderMap)> {
    let mut etags: HashMap<(usize, String), String> = HashMap::new();
    let mut answers = Vec::new();
    for v in log {
        let (ip, browser, _) = READERS[v.reader];
        let ua = v.robot.unwrap_or(browser);
        let path = format!("{}{}", paths.of(v.page), v.query);
        let url = format!("{}{}", base_for(v.reader), path);
        let mut r = if v.how == How::Head {
            app.client.head(&url)
        } else {
            app.client.get(&url)
        };
        r = r.header("user-agent", ua).header("x-forwarded-for", ip);
        if let Some(referrer) = v.referrer {
            r = r.header("referer", referrer);
        }
        match v.how {
            How::Revalidate => {
                let etag = etags
                    .get(&(v.reader, path.clone()))
                    .expect("a validator from the reader's last visit");
                r = r.header("if-none-match", etag);
            }
            How::Prefetch(name, value) => r = r.header(name, value),
            How::Newsroom => r = r.header("cookie", newsroom_cookie),
            How::Get | How::Head => {}
        }
        let response = r.send().await.expect("request");
        let status = response.status().as_u16();
        if v.how == How::Revalidate {
            assert_eq!(status, 304, "{path} revalidated");
        }
        if let Some(etag) = response.headers().get("etag") {
            etags.insert((v.reader, path.clone()), etag.to_str().unwrap().to_owned());
        }
        answers.push((status, response.headers().clone()));
    }
    answers
}

/// Waits until the flushed sums hold `views` for today, then a little
/// longer to be sure nothing more arrives.
async fn flushed(app: &TestApp, views: i64) -> Period {
    let site = app.store.site().await.unwrap().unwrap();
    let today = Period::parse("today", local_day(site.time_zone, chrono::Utc::now())).unwrap();
    let total = || async {
        app.store
            .stats(&audience::over(&today, site.time_zone, By::Total, 1))
            .await
            .unwrap()[0]
            .views
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while total().await < views {
        assert!(
            Instant::now() < deadline,
            "{} views written of {views}",
            total().await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(total().await, views, "no view counted beyond the log's");
    today
}

fn csv_map(csv: &str, key_columns: usize) -> BTreeMap<String, (i64, i64)> {
    let mut lines = csv.lines();
    lines.next();
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let n = cells.len();
            let _ = key_columns;
            (
                cells[0].to_owned(),
                (cells[n - 2].parse().unwrap(), cells[n - 1].parse().unwrap()),
            )
        })
        .collect()
}

fn figure(html: &str, id: &str) -> i64 {
    let marker = format!("id=\"{id}\">");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("{id} in the page"))
        + marker.len();
    html[at..]
        .split('<')
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// The admin's numbers, its CSV and the CLI's all say `want`.
async fn the_newsroom_reads(
    app: &TestApp,
    editor: &kiosque_testkit::Newsroom<'_>,
    want: &Expected,
) {
    let (status, html) = editor.page("/admin/stats?period=today").await;
    assert_eq!(status, 200);
    assert_eq!(
        figure(&html, "total-views"),
        want.views,
        "views on the page"
    );
    assert_eq!(
        figure(&html, "total-visitors"),
        want.visitors,
        "visitors on the page"
    );
    let csv = |what: &'static str| async move {
        let r = editor
            .get(&format!("/admin/stats/export.csv?period=today&what={what}"))
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["content-type"].to_str().unwrap(),
            "text/csv; charset=utf-8"
        );
        r.text().await.unwrap()
    };
    let pages = csv("pages").await;
    assert!(pages.starts_with("path,title,views,visitors\n"), "{pages}");
    assert_eq!(csv_map(&pages, 2), want.pages, "pages:\n{pages}");
    let sources = csv("sources").await;
    assert!(sources.starts_with("source,views,visitors\n"), "{sources}");
    assert_eq!(csv_map(&sources, 1), want.sources, "sources:\n{sources}");
    let devices = csv("devices").await;
    assert_eq!(csv_map(&devices, 1), want.devices, "devices:\n{devices}");
    // `kiosque stats` writes the admin's exports, byte for byte.
    for (what, admin) in [("pages", &pages), ("sources", &sources)] {
        let out = kiosque_on(
            app,
            &[
                OsStr::new("stats"),
                OsStr::new(what),
                OsStr::new("--period"),
                OsStr::new("today"),
                OsStr::new("--csv"),
            ],
        )
        .await;
        assert_eq!(&succeeded(&out), admin, "kiosque stats {what}");
    }
}

/// Every file under the test's directory (the SQLite database, the data
/// directory) or, on PostgreSQL, every row of every table: none holds a
/// reader's address or browser.
async fn nothing_personal_is_stored(app: &TestApp) {
    let markers: Vec<&str> = READERS
        .iter()
        .flat_map(|(ip, ua, _)| [*ip, *ua, ua.split("; ").nth(1).unwrap_or(ua)])
        .chain(READERS.iter().map(|r| {
            let at = r.1.find("Zqreader").unwrap();
            &r.1[at..at + 9]
        }))
        .collect();
    match app.db.engine {
        Engine::Sqlite => {
            for entry in walk(app.db.dir.path()) {
                let bytes = std::fs::read(&entry).unwrap_or_default();
                for m in &markers {
                    assert!(
                        !bytes.windows(m.len()).any(|w| w == m.as_bytes()),
                        "{m} found in {}",
                        entry.display()
                    );
                }
            }
        }
        Engine::Postgres => {
            let tables = kiosque_store::TABLES
                .iter()
                .map(|t| t.name)
                .chain(kiosque_store::LEFT_OUT.iter().map(|(n, _)| *n))
                .filter(|n| !n.starts_with('_'));
            for table in tables {
                for m in &markers {
                    let found = app
                        .db
                        .number(&format!(
                            "SELECT COUNT(*) FROM {table} t WHERE t::text LIKE '%{}%'",
                            m.replace('\'', "''")
                        ))
                        .await;
                    assert_eq!(found, 0, "{m} found in {table}");
                }
            }
        }
    }
}

/// The id of the log's first article.
async fn first_article_id(app: &TestApp) -> i64 {
    app.store
        .article_by_slug(&kiosque_core::types::Slug::parse("pyongyang-moscou").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

async fn a_replayed_traffic_log_is_counted_exactly_by_page_source_and_device(db: TestDb) {
    let (app, paths) = counting_app(db).await;
    let editor = app.newsroom("redaction@example.org", Role::Editor).await;
    let log = log();
    let answers = replay(&app, &editor.cookie, &log, &paths, |_| app.url("")).await;
    // The log went through the cache both ways, and no public answer set
    // a cookie.
    let states: BTreeSet<String> = answers
        .iter()
        .filter_map(|(_, h)| h.get("x-kiosque-cache"))
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        states.contains("hit") && states.contains("miss"),
        "{states:?}"
    );
    for (status, headers) in &answers {
        assert!(
            headers.get("set-cookie").is_none(),
            "a {status} answer set a cookie"
        );
    }
    let want = expected(&log, &paths);
    assert_eq!((want.views, want.visitors), (16, 5));
    flushed(&app, want.views).await;
    the_newsroom_reads(&app, &editor, &want).await;
    // The article's own page: its views, and where it came from.
    let id = first_article_id(&app).await;
    let (status, html) = editor
        .page(&format!("/admin/stats/articles/{id}?period=today"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(figure(&html, "total-views"), want.pages[&paths.first].0);
    assert_eq!(figure(&html, "total-visitors"), want.pages[&paths.first].1);
    assert!(
        html.contains("Au rang 1 des 2 articles lus aujourd’hui"),
        "{html}"
    );
    // Reachable from the article list (its views column) and the editor.
    let (_, list) = editor.page("/admin/articles").await;
    let link = format!(
        "<a href=\"/admin/stats/articles/{id}\" aria-label=\"{} : audience de",
        want.pages[&paths.first].0
    );
    let at = list
        .find(&link)
        .unwrap_or_else(|| panic!("{link} in {list}"));
    let cell = &list[at..at + list[at..].find("</a>").unwrap()];
    assert!(
        cell.ends_with(&format!(">{}", want.pages[&paths.first].0)),
        "{cell}"
    );
    let (_, form) = editor.page(&format!("/admin/articles/{id}/edit")).await;
    assert!(
        form.contains(&format!("<a href=\"/admin/stats/articles/{id}\">")),
        "{form}"
    );
    // Readers see "Les plus lus" on the front page and under articles (a
    // query string goes around pages cached before the counts were
    // written), the most read first.
    for page in ["/?apres=1".to_owned(), format!("{}?apres=1", paths.second)] {
        let (status, html) = app.page(&page).await;
        assert_eq!(status, 200);
        let block = &html[html.find("class=\"most-read\"").expect("Les plus lus")..];
        let first = block.find(&format!("href=\"{}\"", paths.first)).unwrap();
        let second = block.find(&format!("href=\"{}\"", paths.second)).unwrap();
        assert!(first < second, "{block}");
    }
    // Authors see their own articles only: this one made none.
    let author = app.newsroom("pigiste@example.org", Role::Author).await;
    let (status, html) = author.page("/admin/stats?period=today").await;
    assert_eq!(status, 200);
    assert_eq!(figure(&html, "total-views"), 0);
    assert_eq!(
        author
            .get(&format!("/admin/stats/articles/{id}"))
            .await
            .status(),
        404
    );
    let contributor = app
        .newsroom("stagiaire@example.org", Role::Contributor)
        .await;
    assert_eq!(contributor.get("/admin/stats").await.status(), 403);
    nothing_personal_is_stored(&app).await;
}

async fn the_beacon_counts_the_same_log_and_the_server_then_counts_nothing(db: TestDb) {
    let (app, paths) = counting_app(db).await;
    let editor = app.newsroom("redaction@example.org", Role::Editor).await;
    let mut site = app.store.site().await.unwrap().unwrap();
    site.stats_beacon = true;
    app.save_site(&site).await;
    // The pages carry the beacon, with an image for browsers without
    // scripts; the server no longer counts them (within a flush).
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (_, html) = app.page(&paths.first).await;
    assert!(html.contains("data-hit=\"/stats/hit\""), "{html}");
    assert!(
        html.contains("<noscript><img class=\"beacon\" src=\"/stats/hit?p="),
        "{html}"
    );
    let log = log();
    // A CDN in front answers the readers' page requests; the server sees
    // them too here, and must not count them.
    replay(&app, &editor.cookie, &log, &paths, |_| app.url("")).await;
    // Each page view as the beacon reports it. Prefetched pages and HEAD
    // requests run no script: no beacon.
    for v in &log {
        if matches!(v.how, How::Head | How::Prefetch(..)) {
            continue;
        }
        let (ip, browser, _) = READERS[v.reader];
        let page = format!("{}{}", paths.of(v.page), v.query);
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("p", &page)
            .append_pair("r", v.referrer.unwrap_or(""))
            .append_pair("js", "1")
            .finish();
        let mut r = app
            .client
            .get(app.url(&format!("/stats/hit?{query}")))
            .header("user-agent", v.robot.unwrap_or(browser))
            .header("x-forwarded-for", ip);
        if v.how == How::Newsroom {
            r = r.header("cookie", &editor.cookie);
        }
        let answer = r.send().await.unwrap();
        assert_eq!(answer.status(), 204);
        assert!(answer.headers().get("set-cookie").is_none());
    }
    // The image fallback answers a GIF.
    let pixel = app
        .client
        .get(app.url(&format!("/stats/hit?p={}", paths.first)))
        .header("user-agent", "Mozilla/5.0 (compatible; Googlebot/2.1)")
        .send()
        .await
        .unwrap();
    assert_eq!(pixel.headers()["content-type"], "image/gif");
    let want = expected(&log, &paths);
    flushed(&app, want.views).await;
    the_newsroom_reads(&app, &editor, &want).await;
    nothing_personal_is_stored(&app).await;
}

async fn two_servers_on_one_database_add_up_exactly(db: TestDb) {
    let (app, paths) = counting_app(db).await;
    let editor = app.newsroom("redaction@example.org", Role::Editor).await;
    let other = app.sibling().await;
    let log = log();
    // A balancer hashing the client's address (HAProxy `balance source`)
    // sends each reader to one server.
    let bases = [app.url(""), format!("http://{}", other.addr)];
    replay(&app, &editor.cookie, &log, &paths, |reader| {
        let (ip, _, _) = READERS[reader];
        bases[usize::from(ip.ends_with(['1', '3']))].clone()
    })
    .await;
    let want = expected(&log, &paths);
    flushed(&app, want.views).await;
    the_newsroom_reads(&app, &editor, &want).await;
    // The day's salt lives in each server's memory, not on disk nor in the
    // database: the other server does not know reader 0, who counts there
    // as a new visitor.
    let again = [visit(0, Page::Home, None, "direct")];
    replay(&app, &editor.cookie, &again, &paths, |_| bases[1].clone()).await;
    let today = flushed(&app, want.views + 1).await;
    let site = app.store.site().await.unwrap().unwrap();
    let total = app
        .store
        .stats(&audience::over(&today, site.time_zone, By::Total, 1))
        .await
        .unwrap();
    assert_eq!(total[0].visitors, want.visitors + 1);
}

/// The audience pages in Chromium, on a phone and on a desktop: readable
/// without sideways scrolling, axe-core clean, the figures as the server
/// wrote them; screenshots for docs/screenshots/.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audience_pages_read_well_on_a_phone_and_a_desktop() {
    use kiosque_testkit::external_tool;
    let Some(driver) = external_tool(
        crate::browser::DRIVER_ENV,
        "Browser (Chromium)",
        "/usr/bin/chromedriver",
    ) else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let (app, paths) = counting_app(db).await;
    let password = "un mot de passe solide";
    app.create_user("chef@example.org", Role::Editor, password)
        .await;
    // (No newsroom signed in over HTTP here.)
    let log: Vec<Visit> = log()
        .into_iter()
        .filter(|v| v.how != How::Newsroom)
        .collect();
    replay(&app, "", &log, &paths, |_| app.url("")).await;
    let want = expected(&log, &paths);
    flushed(&app, want.views).await;
    let id = first_article_id(&app).await;
    for (device, size) in [("phone", (360, 740)), ("desktop", (1280, 900))] {
        let browser = crate::browser::Browser::start_sized(&driver, &[], size).await;
        browser.sign_in(&app, "chef@example.org", password).await;
        browser
            .client
            .goto(&app.url("/admin/stats?period=today"))
            .await
            .unwrap();
        let views = browser
            .js("return document.getElementById('total-views').textContent.trim()")
            .await;
        assert_eq!(views, serde_json::json!(want.views.to_string()));
        // Readers now, as the page's script fetches them.
        let now = browser
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 fetch('/admin/stats/now').then(r => r.json()).then(j => done(j.readers_5));",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(now, serde_json::json!(want.visitors), "{device}");
        browser.assert_no_sideways_scroll().await;
        browser
            .assert_accessible(&format!("the audience page ({device})"))
            .await;
        browser.screenshot(&format!("admin-stats-{device}")).await;
        browser
            .js("document.getElementById('curve-caption').scrollIntoView()")
            .await;
        browser
            .screenshot(&format!("admin-stats-charts-{device}"))
            .await;
        browser
            .client
            .goto(&app.url(&format!("/admin/stats/articles/{id}?period=today")))
            .await
            .unwrap();
        browser.assert_no_sideways_scroll().await;
        browser
            .assert_accessible(&format!("an article's audience ({device})"))
            .await;
        browser
            .screenshot(&format!("admin-stats-article-{device}"))
            .await;
        browser.client.close().await.unwrap();
    }
}
