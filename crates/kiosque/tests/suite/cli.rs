//! The real `kiosque` binary, driven as a newsroom would, on both databases.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use common::{assert_in_order, plain};
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{TestDb, both_databases};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

both_databases!(
    a_newsroom_publishes_and_moderates_end_to_end,
    publishing_the_same_file_again_updates_the_article,
    bad_article_files_are_refused_with_the_file_and_problem_named,
    init_refuses_to_overwrite_a_site,
    commands_without_a_site_say_how_to_create_one,
    moderating_an_unknown_comment_fails_clearly,
    the_demo_creates_a_browsable_site,
    an_acknowledged_comment_survives_kill_9,
    a_webhook_event_committed_before_kill_9_is_sent_after_restart,
);

pub(crate) struct Kiosque<'a> {
    db: &'a TestDb,
    pub(crate) data: PathBuf,
}

impl<'a> Kiosque<'a> {
    pub(crate) fn new(db: &'a TestDb) -> Self {
        Kiosque {
            data: db.dir.path().join("data"),
            db,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = crate::common::kiosque(&self.data, &self.db.url);
        c.args(args);
        c
    }

    async fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().await.expect("run kiosque")
    }

    /// Runs a command that must succeed; returns its stdout.
    async fn ok(&self, args: &[&str]) -> String {
        crate::common::succeeded(&self.run(args).await)
    }

    /// Runs a command that must fail; returns its stderr.
    async fn fails(&self, args: &[&str]) -> String {
        crate::common::failed(&self.run(args).await)
    }

    pub(crate) async fn init(&self) {
        self.ok(&[
            "init",
            "--site-name",
            "Afrique Première Tv",
            "--language",
            "fr",
            "--base-url",
            "https://news.example.org",
        ])
        .await;
    }

    /// Starts `kiosque serve` on a free port; returns the process and its base URL.
    pub(crate) async fn serve(&self) -> (Child, String) {
        let mut child = self
            .command(&["serve", "--listen", "127.0.0.1:0"])
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn serve");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        while let Some(line) = lines.next_line().await.expect("read stderr") {
            if let Some(rest) = line.split("serving on ").nth(1) {
                let base = rest.trim().trim_end_matches('/').to_owned();
                tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
                return (child, base);
            }
        }
        panic!("kiosque serve exited without serving");
    }

    /// Starts a server, posts a reader's comment under the article at
    /// `path` (acknowledged: 303), then kills the server with SIGKILL: no
    /// shutdown, no flush, no chance to finish anything.
    async fn comment_then_kill_9(&self, path: &str, text: &str) {
        let (mut server, base) = self.serve().await;
        let r = client()
            .post(format!("{base}{}comments", path.trim()))
            .form(&[
                ("comment", text),
                ("name", "Kofi"),
                ("email", "kofi@example.org"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        server.start_kill().unwrap();
        server.wait().await.unwrap();
    }
}

fn write_article(dir: &Path, name: &str, text: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// GET a URL and return the body.
async fn fetch(url: &str) -> String {
    client()
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The page once it contains `text` (changes made by another process reach
/// a server's page cache within a second); panics after five.
async fn fetch_until(url: &str, text: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let html = fetch(url).await;
        if html.contains(text) {
            return html;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{url} still lacks {text:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn client() -> reqwest::Client {
    kiosque_testkit::http_client()
}

async fn a_newsroom_publishes_and_moderates_end_to_end(db: TestDb) {
    let k = Kiosque::new(&db);
    k.init().await;
    let src = db.dir.path().join("redaction");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        src.join("lavrov.png"),
        kiosque_media::demo_photo(7, 800, 450, false),
    )
    .unwrap();
    let file = write_article(
        &src,
        "article.md",
        &french_article_source("pyongyang-moscou", Some("lavrov.png")),
    );
    let path = k.ok(&["publish", file.to_str().unwrap()]).await;
    assert_eq!(path.trim(), "/2024/11/pyongyang-moscou/");
    let (_server, base) = k.serve().await;
    let http = client();
    let url = format!("{base}{}", path.trim());

    let html = plain(&fetch(&url).await);
    assert_in_order(
        &html,
        &[
            "<h1>Coopération militaire : Pyongyang",
            ">Partager</h2>",
            "<figure",
            "<figcaption>Photo de Sergueï Lavrov",
            "Selon l'agence de presse russe TASS",
            "Par : <a rel=\"author\" href=\"/author/gaelle-villeneuve/\">Gaëlle Villeneuve</a> / Afrique Première Tv",
            "1er novembre 2024",
            "Laisser un commentaire</h2>",
            "Votre adresse e-mail ne sera pas publiée. Les champs obligatoires sont indiqués avec *",
        ],
    );
    // The image's copies were queued by `publish`, with no server running;
    // the server's worker makes them (the queue outlives any process).
    let mut copies = false;
    for _ in 0..100 {
        if fetch(&url).await.contains("-640.webp 640w") {
            copies = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(copies, "the copies appear once `serve` runs");

    let comment_url = format!("{url}comments");
    let r = http
        .post(&comment_url)
        .form(&[
            ("comment", "Merci pour ce suivi précis."),
            ("name", "Awa Traoré"),
            ("email", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains(">Merci pour ce suivi précis.</textarea>")
    );

    let r = http
        .post(&comment_url)
        .form(&[
            ("comment", "Merci pour ce suivi précis."),
            ("name", "Awa Traoré"),
            ("email", "awa.traore@example.org"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = fetch(&url).await;
    assert!(!html.contains("Merci pour ce suivi précis."));

    let pending = k.ok(&["comments", "pending"]).await;
    let line = pending
        .lines()
        .find(|l| l.contains("Awa Traoré"))
        .unwrap_or_else(|| panic!("pending list: {pending}"));
    assert!(line.contains("Coopération militaire"), "{line}");
    assert!(line.contains("Merci pour ce suivi précis."), "{line}");
    let id = line.split_whitespace().next().unwrap();
    assert_eq!(
        k.ok(&["comments", "approve", id]).await.trim(),
        format!("comment {id} approved")
    );

    // Approved by another process: the server's page cache follows the
    // database's change log and drops the page within a second.
    let html = fetch_until(&url, "Merci pour ce suivi précis.").await;
    assert!(html.contains("<b>Awa Traoré</b>"));
    assert!(!html.contains("awa.traore@example.org"));
    assert!(k.ok(&["comments", "pending"]).await.trim().is_empty());
}

async fn publishing_the_same_file_again_updates_the_article(db: TestDb) {
    let k = Kiosque::new(&db);
    k.init().await;
    let dir = db.dir.path().join("src");
    let source = french_article_source("mise-a-jour", None);
    let file = write_article(&dir, "a.md", &source);
    let first = k.ok(&["publish", file.to_str().unwrap()]).await;
    // The update brings a correction note and a headline for search
    // engines; publishing it twice records the note once.
    let updated = source
        .replace("Aucun détail chiffré", "Un nouveau détail")
        .replacen(
            "---\n",
            "---\nseo_title: \"Pyongyang prêt à aider Moscou\"\ncorrection: \"Le nom de l'agence a été précisé.\"\n",
            1,
        );
    write_article(&dir, "a.md", &updated);
    for _ in 0..2 {
        let out = k.run(&["publish", file.to_str().unwrap()]).await;
        assert_eq!(crate::common::succeeded(&out), first);
        assert!(String::from_utf8_lossy(&out.stderr).contains("updated"));
    }
    let (_server, base) = k.serve().await;
    let home = fetch(&format!("{base}/")).await;
    assert_eq!(home.matches("href=\"/2024/11/mise-a-jour/\"").count(), 1);
    let article = fetch(&format!("{base}/2024/11/mise-a-jour/")).await;
    assert!(article.contains("Un nouveau détail"));
    assert!(article.contains("<title>Pyongyang prêt à aider Moscou – Afrique Première Tv</title>"));
    assert_eq!(
        article
            .matches("Le nom de l&#39;agence a été précisé.")
            .count(),
        1,
        "{article}"
    );
}

async fn bad_article_files_are_refused_with_the_file_and_problem_named(db: TestDb) {
    let k = Kiosque::new(&db);
    k.init().await;
    let dir = db.dir.path().join("bad");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("page.jpg"),
        "<html><script>alert(1)</script></html>",
    )
    .unwrap();
    let good = french_article_source("refus", None);
    let cases: Vec<(&str, String, &str)> =
        vec![
        ("nofm.md", "# Titre\n\nTexte sans en-tête.\n".into(), "no front matter"),
        (
            "notitle.md",
            good.replace(
                "title: \"Coopération militaire : Pyongyang dit être prêt à « aider » Moscou\"\n",
                "",
            ),
            "title",
        ),
        (
            "baddate.md",
            good.replace("date: 2024-11-01T18:30:00Z", "date: le 1er novembre"),
            "date",
        ),
        (
            "noimage.md",
            good.replace(
                "slug: \"refus\"\n",
                "slug: \"refus\"\nimage: absente.png\nimage_alt: Un port\n",
            ),
            "absente.png",
        ),
        (
            "noalt.md",
            good.replace("slug: \"refus\"\n", "slug: \"refus\"\nimage: page.jpg\n"),
            "image_alt",
        ),
        (
            "fakeimage.md",
            good.replace(
                "slug: \"refus\"\n",
                "slug: \"refus\"\nimage: page.jpg\nimage_alt: Un port\n",
            ),
            "not a readable JPEG, PNG, WebP or GIF image",
        ),
        (
            "elsewhere.md",
            format!("{good}\n![Carte](https://cdn.example.net/carte.png)\n"),
            "the image `https://cdn.example.net/carte.png` is on another site",
        ),
    ];
    for (name, text, problem) in &cases {
        let file = write_article(&dir, name, text);
        let err = k.fails(&["publish", file.to_str().unwrap()]).await;
        assert!(err.contains(name), "{name}: {err}");
        assert!(err.contains(problem), "{name}: {err}");
    }
    let missing = dir.join("missing.md");
    let err = k.fails(&["publish", missing.to_str().unwrap()]).await;
    assert!(
        err.contains("missing.md") && err.contains("cannot read"),
        "{err}"
    );
    // Nothing was published, no media stored.
    let (_server, base) = k.serve().await;
    let home = fetch(&format!("{base}/")).await;
    assert!(home.contains("Aucun article pour le moment."), "{home}");
    let media = k.data.join("media");
    assert!(!media.exists() || std::fs::read_dir(&media).unwrap().next().is_none());
}

async fn init_refuses_to_overwrite_a_site(db: TestDb) {
    let k = Kiosque::new(&db);
    let err = k
        .fails(&["init", "--site-name", "X", "--time-zone", "Mars/Olympus"])
        .await;
    assert!(
        err.contains("--time-zone must be a tz database name"),
        "{err}"
    );
    k.init().await;
    let err = k
        .fails(&["init", "--site-name", "Autre", "--language", "en"])
        .await;
    assert!(err.contains("a site already exists"), "{err}");
    assert!(err.contains("Afrique Première Tv"), "{err}");
    let err = Kiosque::new(&db)
        .fails(&["init", "--site-name", "X", "--language", "de"])
        .await;
    assert!(err.contains("--language must be fr or en"), "{err}");
    assert!(k.data.join("kiosque.toml").exists());
}

async fn commands_without_a_site_say_how_to_create_one(db: TestDb) {
    let k = Kiosque::new(&db);
    let err = k.fails(&["serve", "--listen", "127.0.0.1:0"]).await;
    assert!(err.contains("kiosque init"), "{err}");
    let file = write_article(
        &db.dir.path().join("s"),
        "a.md",
        &french_article_source("x", None),
    );
    let err = k.fails(&["publish", file.to_str().unwrap()]).await;
    assert!(err.contains("kiosque init"), "{err}");
}

async fn moderating_an_unknown_comment_fails_clearly(db: TestDb) {
    let k = Kiosque::new(&db);
    k.init().await;
    for action in ["approve", "spam", "delete"] {
        let err = k.fails(&["comments", action, "4242"]).await;
        assert!(err.contains("there is no comment with id 4242"), "{err}");
    }
    let err = k.fails(&["comments", "approve", "abc"]).await;
    assert!(err.contains("invalid value 'abc'"), "{err}");
}

async fn the_demo_creates_a_browsable_site(db: TestDb) {
    let k = Kiosque::new(&db);
    let first = k.run(&["demo", "--no-serve"]).await;
    let said = String::from_utf8(first.stderr).unwrap();
    assert!(first.status.success(), "{said}");
    // The newsroom's way in: the admin's address, an account, a password.
    assert!(said.contains("/admin/"), "{said}");
    assert!(
        said.contains("e-mail:   redaction@kiosque-demo.example"),
        "{said}"
    );
    let password = said
        .lines()
        .find_map(|l| l.trim().strip_prefix("password: "))
        .expect("a password")
        .trim()
        .to_owned();
    assert_eq!(password.len(), 16, "{said}");
    // Running it again is harmless, and says the same password again.
    let again = String::from_utf8(k.run(&["demo", "--no-serve"]).await.stderr).unwrap();
    assert!(again.contains(&format!("password: {password}")), "{again}");
    let (_server, base) = k.serve().await;
    let home = fetch(&format!("{base}/")).await;
    // The front page a newsroom sets up: a banner that ends by itself,
    // pinned stories with the photo story as the lead, a section block,
    // sections in the menu, then the river of all five articles.
    assert_in_order(
        &home,
        &[
            "<aside class=\"breaking\"",
            "disparaît de lui-même",
            "<nav class=\"site-nav\"",
            "<a href=\"/category/international/\">International</a>",
            "<summary>Économie</summary>",
            "<div class=\"lead-story\">",
            "En images",
            "<section class=\"front-block\"",
            "Dernières nouvelles",
        ],
    );
    let river = home.split("Dernières nouvelles").nth(1).unwrap();
    assert_eq!(river.matches("<article class=\"card\">").count(), 5);
    // The photo story: a gallery of three photos and an embed to click.
    let story = fetch(&format!("{base}/2024/11/en-images-matinee-port-de-peche/")).await;
    assert_eq!(
        story.matches("<a class=\"gallery-photo\"").count(),
        3,
        "{story}"
    );
    assert!(story.contains("data-player=\"https://www.youtube-nocookie.com/embed/"));
    // The account signs in.
    let r = client()
        .post(format!("{base}/admin/login"))
        .form(&[
            ("email", "redaction@kiosque-demo.example"),
            ("password", password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers().get("set-cookie").is_some());
    let article = plain(
        &fetch(&format!(
            "{base}/2024/11/cooperation-militaire-pyongyang-se-dit-pret-a-soutenir-moscou/"
        ))
        .await,
    );
    assert_in_order(
        &article,
        &[
            "<h1>Coopération militaire : Pyongyang",
            "<figure",
            "Par : ",
            "2 commentaires",
            "Laisser un commentaire",
        ],
    );
    assert!(!article.contains("@example.org"));
}

async fn an_acknowledged_comment_survives_kill_9(db: TestDb) {
    let k = Kiosque::new(&db);
    k.init().await;
    let file = write_article(
        &db.dir.path().join("src"),
        "a.md",
        &french_article_source("durable", None),
    );
    let path = k.ok(&["publish", file.to_str().unwrap()]).await;
    k.comment_then_kill_9(&path, "Ce commentaire doit survivre.")
        .await;
    let pending = k.ok(&["comments", "pending"]).await;
    assert!(
        pending.contains("Ce commentaire doit survivre."),
        "{pending}"
    );
    // A reader that has stopped reading (`| head`): the command ends
    // quietly, with a shell's status for SIGPIPE, not a panic.
    let mut child = k
        .command(&["comments", "pending"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
}

/// The outbox is written in the change's own transaction: a comment
/// acknowledged just before `kill -9` (no shutdown, no flush) still
/// reaches the webhook once a server runs again.
async fn a_webhook_event_committed_before_kill_9_is_sent_after_restart(db: TestDb) {
    use kiosque_core::model::{WebhookEvent, WebhookSettings};
    use kiosque_core::ports::Webhooks;
    use kiosque_testkit::{Answer, WebhookReceiver};

    let k = Kiosque::new(&db);
    k.init().await;
    std::fs::write(
        k.data.join("kiosque.toml"),
        "[webhooks]\nallow_hosts = [\"127.0.0.1\"]\nretry_seconds = [0.2, 0.2, 0.2, 0.2, 0.2, 0.2]\n",
    )
    .unwrap();
    let file = write_article(
        &db.dir.path().join("src"),
        "a.md",
        &french_article_source("durable", None),
    );
    let path = k.ok(&["publish", file.to_str().unwrap()]).await;
    // The receiver fails while the first server runs, so nothing is
    // delivered before the kill.
    let receiver = WebhookReceiver::start().await;
    receiver.answer(std::iter::repeat_n(Answer::Status(503), 10_000));
    db.store()
        .await
        .create_webhook(
            &WebhookSettings {
                url: receiver.url("/comments"),
                description: String::new(),
                events: vec![WebhookEvent::CommentCreated],
                enabled: true,
            },
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    k.comment_then_kill_9(&path, "Ce commentaire doit être annoncé.")
        .await;
    assert!(
        receiver.received().iter().all(|m| m.answered == 503),
        "nothing was delivered before the kill"
    );

    receiver.clear_answers();
    let (_server, _) = k.serve().await;
    // A delivery the killed server was attempting stays leased to it (50 s
    // with the default timeout) before the new one may take it.
    let delivered = loop {
        let got = receiver
            .wait_for(
                receiver.received().len() + 1,
                std::time::Duration::from_secs(70),
            )
            .await;
        if let Some(m) = got.iter().find(|m| m.answered == 204) {
            break m.clone();
        }
    };
    let message = delivered.json();
    assert_eq!(message["type"], "comment.created");
    assert_eq!(
        message["data"]["object"]["body"],
        "Ce commentaire doit être annoncé."
    );
    assert_eq!(message["data"]["object"]["status"], "pending");
    assert!(
        !delivered.body.contains("kofi@example.org"),
        "no address leaves Kiosque"
    );
}
