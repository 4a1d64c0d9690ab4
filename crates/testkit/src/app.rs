//! The real application on a random loopback port, for HTTP tests.

use std::net::SocketAddr;
use std::path::PathBuf;

use kiosque::Settings;
use kiosque::app::Application;
use kiosque_core::model::Site;
use kiosque_core::model::{NewUser, User};
use kiosque_core::ports::Accounts;
use kiosque_core::ports::Store;
use kiosque_core::service::auth;
use kiosque_core::types::{CommentStatus, Email, Locale, Role};
use kiosque_store::SqlStore;
use tokio::sync::oneshot;

use crate::TestDb;

/// A running Kiosque with its own database, and an HTTP client that does not
/// follow redirects (tests look at them).
pub struct TestApp {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The resolved settings it runs with.
    pub settings: Settings,
    /// A store on the same database, to look behind the pages.
    pub store: SqlStore,
    /// The client.
    pub client: reqwest::Client,
    /// The server's page cache (the tests look at what it holds).
    pub cache: Option<std::sync::Arc<kiosque_web::cache::PageCache>>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    /// Held so the database lives as long as the app.
    pub db: TestDb,
}

impl TestApp {
    /// A French site named "Afrique Première Tv".
    pub async fn french(db: TestDb) -> TestApp {
        Self::start(db, Locale::Fr, |_| {}).await
    }

    /// A site in `language`; `tweak` may change the settings before start.
    pub async fn start(db: TestDb, language: Locale, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        db.store()
            .await
            .save_site(&Site::new(
                match language {
                    Locale::Fr => "Afrique Première Tv",
                    Locale::En => "Africa First TV",
                },
                language,
                "https://news.example.org",
            ))
            .await
            .expect("save site");
        Self::open(db, tweak).await
    }

    /// The site already in `db` (restored, imported), served from the data
    /// directory `DIR/data` of the database's scratch directory.
    pub async fn open(db: TestDb, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        // Server errors show up in a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter("warn,kiosque_web=warn")
            .try_init();
        let data: PathBuf = db.dir.path().join("data");
        let mut settings = Settings::load(&data, Some(db.url.clone())).expect("settings");
        // Tests post many comments from 127.0.0.1 in a row; the flood test
        // turns this back on.
        settings.web.comment_min_interval = std::time::Duration::ZERO;
        tweak(&mut settings);
        let store = db.store().await;
        let server = Server::launch(&settings).await;
        TestApp {
            addr: server.addr,
            settings,
            store,
            client: crate::http_client(),
            cache: server.cache,
            stop: Some(server.stop),
            server: Some(server.task),
            db,
        }
    }

    /// Makes the section `name` if the site has none by that name (an
    /// editor's act: writers file under existing sections only).
    pub async fn ensure_section(&self, name: &str) {
        let slug = kiosque_core::types::Slug::from_text(name).expect("a section name");
        if self.store.category_by_slug(&slug).await.unwrap().is_none() {
            self.store
                .create_term(kiosque_core::model::TermKind::Category, &slug, name)
                .await
                .unwrap();
        }
    }

    /// Absolute URL of a path on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// GET a path.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// GET a path and return status and body.
    pub async fn page(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        (status, r.text().await.expect("body"))
    }

    /// POST a form as a browser on this site would (with a same-origin `Origin`).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("origin", format!("http://{}", self.addr))
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    /// Publishes an article file (and its image bytes, if any) the way
    /// `kiosque publish` does; returns the article's path.
    pub async fn publish(&self, source: &str, image: Option<(&str, &[u8])>) -> String {
        let dir = self.db.dir.path().join("sources");
        std::fs::create_dir_all(&dir).expect("sources dir");
        if let Some((name, bytes)) = image {
            std::fs::write(dir.join(name), bytes).expect("write image");
        }
        let file = dir.join("article.md");
        std::fs::write(&file, source).expect("write article");
        let site = self.store.site().await.expect("site").expect("a site");
        let media = self.settings.media_store().expect("media storage");
        let path = kiosque::cli::publish_file(
            &self.store,
            &site,
            media.as_ref(),
            self.settings.media_limits,
            &file,
        )
        .await
        .expect("publish")
        .0;
        // As `kiosque publish` in another process would be, within a
        // quarter of a second; the tests of that delay are in cli.rs and
        // page_cache.rs.
        self.settled().await;
        path
    }

    /// Puts a picture in the media library with the newsroom's texts, as an
    /// upload would; returns it as stored.
    pub async fn add_to_library(
        &self,
        bytes: &[u8],
        text: kiosque_core::model::MediaText,
    ) -> kiosque_core::model::MediaAsset {
        let ingested = kiosque_media::ingest(bytes, self.settings.media_limits).expect("a picture");
        let media = self.settings.media_store().expect("media storage");
        media
            .put(&ingested.meta.file_name, ingested.bytes.clone())
            .await
            .expect("stored file");
        let asset = self.store.save_media(&ingested.meta).await.expect("saved");
        self.store
            .set_media_text(asset.id, &text)
            .await
            .expect("texts saved");
        self.store
            .media_asset(asset.id)
            .await
            .expect("read back")
            .expect("present")
    }

    /// Waits (up to 10 s) for the media worker to make the copies of a
    /// library picture.
    pub async fn wait_for_asset_copies(&self, id: i64) -> Vec<u32> {
        for _ in 0..200 {
            let asset = self.store.media_asset(id).await.expect("asset");
            if let Some(asset) = asset.filter(|a| !a.variants.is_empty()) {
                self.settled().await;
                return asset.variants;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the media worker made no copies within 10 s");
    }

    /// The image of the published article `slug`, as stored now.
    pub async fn article_image(&self, slug: &str) -> kiosque_core::model::MediaAsset {
        let slug = kiosque_core::types::Slug::parse(slug).expect("a slug");
        let article = self.store.article_by_slug(&slug).await.expect("article");
        article
            .and_then(|a| a.image)
            .expect("a published article with an image")
            .asset
    }

    /// Waits (up to 10 s) for the media worker to make the copies of the
    /// image of the published article `slug`; returns their widths.
    pub async fn wait_for_copies(&self, slug: &str) -> Vec<u32> {
        for _ in 0..200 {
            let asset = self.article_image(slug).await;
            if !asset.variants.is_empty() {
                self.settled().await;
                return asset.variants;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the media worker made no copies within 10 s");
    }

    /// Approves every pending comment, as a moderator would; returns their ids.
    pub async fn approve_pending(&self) -> Vec<i64> {
        let mut ids = Vec::new();
        for item in self
            .store
            .comments_with_status(CommentStatus::Pending)
            .await
            .expect("pending comments")
        {
            self.store
                .set_comment_status(item.comment.id, CommentStatus::Approved)
                .await
                .expect("approve");
            ids.push(item.comment.id);
        }
        self.settled().await;
        ids
    }

    /// Creates a newsroom account with this password.
    pub async fn create_user(&self, email: &str, role: Role, password: &str) -> User {
        self.store
            .create_user(&NewUser {
                email: Email::parse(email).expect("valid e-mail"),
                name: format!("{role} {}", email.split('@').next().unwrap_or_default()),
                role,
                password_hash: Some(auth::hash_password(password).expect("hash")),
                created_at: chrono::Utc::now(),
            })
            .await
            .expect("create user")
    }

    /// Signs in through the login form; returns the session cookie (as a
    /// `Cookie` header value) and the raw response.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
    ) -> (Option<String>, reqwest::Response) {
        let r = self
            .post_form(
                "/admin/login",
                &[
                    ("email", email),
                    ("password", password),
                    ("next", "/admin/"),
                ],
            )
            .await;
        (crate::session_cookie(&r), r)
    }

    /// A signed-in newsroom member's browser.
    pub async fn newsroom(&self, email: &str, role: Role) -> Newsroom<'_> {
        let password = "un mot de passe solide";
        self.create_user(email, role, password).await;
        let (cookie, r) = self.sign_in(email, password).await;
        assert_eq!(r.status(), 303, "sign-in of {email}");
        Newsroom {
            app: self,
            cookie: cookie.expect("a session cookie"),
        }
    }

    /// A second server on the same database, with a data directory (and so
    /// a search index) of its own, as when a site runs on several machines.
    pub async fn sibling(&self) -> Sibling {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut settings =
            Settings::load(&dir.path().join("data"), Some(self.db.url.clone())).expect("settings");
        settings.web = self.settings.web.clone();
        settings.stats = self.settings.stats.clone();
        settings.media_storage = self.settings.media_storage.clone();
        let server = Server::launch(&settings).await;
        Sibling {
            addr: server.addr,
            client: crate::http_client(),
            _stop: server.stop,
            _dir: dir,
        }
    }

    /// Saves the site's settings behind the server's back, as the CLI or
    /// another server would, and waits until this server has seen it.
    pub async fn save_site(&self, site: &kiosque_core::model::Site) {
        self.store.save_site(site).await.expect("site saved");
        self.settled().await;
    }

    /// Waits until the server's page cache has applied every change
    /// logged so far, as after a write made behind its back (the store,
    /// raw SQL): its follower reads the log every 250 ms.
    pub async fn settled(&self) {
        let Some(cache) = &self.cache else { return };
        let latest = self.store.latest_page_change().await.expect("page changes");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while cache.applied() < latest {
            assert!(
                std::time::Instant::now() < deadline,
                "the page cache did not follow the change log within 5 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// An article's public path with the site's current settings.
    pub async fn path_of(&self, article: &kiosque_core::model::Article) -> String {
        let site = self.store.site().await.expect("site").expect("a site");
        article.path(&site)
    }

    /// Stops the server and starts it again on the same database and data
    /// directory, with `tweak` applied to its settings.
    pub async fn restart(mut self, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        tweak(&mut self.settings);
        let server = Server::launch(&self.settings).await;
        self.addr = server.addr;
        self.cache = server.cache;
        self.stop = Some(server.stop);
        self.server = Some(server.task);
        self
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A server started in the test's runtime.
struct Server {
    addr: SocketAddr,
    cache: Option<std::sync::Arc<kiosque_web::cache::PageCache>>,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn launch(settings: &Settings) -> Server {
        let app = Application::build(settings, "127.0.0.1:0".parse().expect("address"))
            .await
            .expect("start the application");
        let addr = app.local_addr();
        let cache = app.page_cache();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            app.run_until(async {
                let _ = stopped.await;
            })
            .await
            .expect("server ran");
        });
        Server {
            addr,
            cache,
            stop,
            task,
        }
    }
}

/// Another server on a [`TestApp`]'s database; stops when dropped.
pub struct Sibling {
    /// Where it listens.
    pub addr: SocketAddr,
    client: reqwest::Client,
    _stop: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

impl Sibling {
    /// GET a path.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("http://{}{}", self.addr, path))
            .send()
            .await
            .expect("GET")
    }

    /// GET a path and return status and body.
    pub async fn page(&self, path: &str) -> (u16, String) {
        let r = self
            .client
            .get(format!("http://{}{}", self.addr, path))
            .send()
            .await
            .expect("GET");
        let status = r.status().as_u16();
        (status, r.text().await.expect("body"))
    }
}

/// A signed-in browser: sends the session cookie, and the session's
/// anti-forgery token on forms.
pub struct Newsroom<'a> {
    app: &'a TestApp,
    /// `kiosque_session=…`
    pub cookie: String,
}

impl<'a> Newsroom<'a> {
    /// A member signed in elsewhere in the test, by their session cookie.
    pub fn with_cookie(app: &'a TestApp, cookie: String) -> Newsroom<'a> {
        Newsroom { app, cookie }
    }
}

impl Newsroom<'_> {
    /// The site this member is signed in to.
    pub fn app(&self) -> &TestApp {
        self.app
    }

    /// GET with the session cookie.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.app
            .client
            .get(self.app.url(path))
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("GET")
    }

    /// GET and return status and body.
    pub async fn page(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        (status, r.text().await.expect("body"))
    }

    /// The anti-forgery token of this session, read from the account page
    /// (which every signed-in member can always reach).
    pub async fn csrf(&self) -> String {
        let (_, html) = self.page("/admin/account").await;
        html.split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a csrf field on the account page")
            .to_owned()
    }

    /// POST a form with the cookie; the token is added unless `csrf` is given.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        if !fields.iter().any(|(k, _)| *k == "csrf") {
            all.push(("csrf", &token));
        }
        self.post_raw(path, &all).await
    }

    /// POST a multipart form (text fields and one file) with the cookie and
    /// this session's token.
    pub async fn upload(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, Vec<u8>)>,
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new().text("csrf", self.csrf().await);
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        if let Some((name, bytes)) = file {
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
            );
        }
        self.app
            .client
            .post(self.app.url(path))
            .header("cookie", &self.cookie)
            .header("origin", format!("http://{}", self.app.addr))
            .multipart(form)
            .send()
            .await
            .expect("POST multipart")
    }

    /// POST exactly these fields with the cookie.
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.app
            .client
            .post(self.app.url(path))
            .header("cookie", &self.cookie)
            .header("origin", format!("http://{}", self.app.addr))
            .form(fields)
            .send()
            .await
            .expect("POST")
    }
}
