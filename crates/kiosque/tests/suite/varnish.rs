//! The shipped Varnish configuration (`deploy/varnish/kiosque.vcl`) in a
//! real Varnish 7 with the xkey vmod, in front of a Kiosque server: it
//! caches public pages in each encoding a browser takes (Kiosque's Brotli
//! kept), passes the newsroom, POSTs and signed-in readers through, purges
//! by surrogate key only for the `purgers` ACL and only what the key names,
//! and answers 503 with `Retry-After` when no backend answers.
//!
//! Runs when KIOSQUE_TEST_VARNISHD names `varnishd` (`.ci/run` installs
//! Debian's `varnish` and `varnish-modules` and sets it).

use std::path::Path;
use std::time::Duration;

use kiosque_core::ports::Store;
use kiosque_core::types::Slug;
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{Engine, TestApp, TestDb, external_tool};

pub(crate) const ENV: &str = "KIOSQUE_TEST_VARNISHD";

/// A varnishd of the test's own, on a loopback port.
pub(crate) struct Varnish {
    child: tokio::process::Child,
    _dir: tempfile::TempDir,
    pub(crate) url: String,
}

impl Varnish {
    /// Starts Varnish with the shipped VCL and one backend, `backend`, on
    /// a free port.
    async fn start(varnishd: &Path, backend: std::net::SocketAddr) -> Varnish {
        let port = kiosque_testkit::free_port();
        Self::start_on(varnishd, backend, port).await
    }

    /// The same, on `port`.
    pub(crate) async fn start_on(
        varnishd: &Path,
        backend: std::net::SocketAddr,
        port: u16,
    ) -> Varnish {
        let dir = tempfile::tempdir().unwrap();
        let shipped =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/varnish/kiosque.vcl");
        std::fs::copy(&shipped, dir.path().join("kiosque.vcl")).unwrap();
        std::fs::write(
            dir.path().join("backends.vcl"),
            format!(
                "backend test_server {{ .host = \"{}\"; .port = \"{}\"; .probe = kiosque_ready; }}\n\
                 sub vcl_init {{ new kiosque = directors.round_robin(); kiosque.add_backend(test_server); }}\n",
                backend.ip(),
                backend.port()
            ),
        )
        .unwrap();
        let child = tokio::process::Command::new(varnishd)
            .arg("-F")
            .args(["-j", "none"])
            .arg("-n")
            .arg(dir.path().join("work"))
            .args(["-a", &format!("127.0.0.1:{port}")])
            .arg("-f")
            .arg(dir.path().join("kiosque.vcl"))
            .args(["-s", "malloc,32m"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start varnishd");
        let mut varnish = Varnish {
            child,
            _dir: dir,
            url: format!("http://127.0.0.1:{port}"),
        };
        // Ready once the probe has found the backend healthy.
        let client = kiosque_testkit::http_client();
        for _ in 0..200 {
            if let Ok(r) = client.get(format!("{}/", varnish.url)).send().await
                && r.status() == 200
            {
                return varnish;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = varnish.child.kill().await;
        let mut said = String::new();
        if let Some(mut stderr) = varnish.child.stderr.take() {
            let _ = tokio::io::AsyncReadExt::read_to_string(&mut stderr, &mut said).await;
        }
        panic!("Varnish never served the front page; varnishd said:\n{said}");
    }
}

/// What Varnish answered: status, `X-Cache`, `Content-Encoding`, body.
async fn fetch(
    client: &reqwest::Client,
    url: &str,
    headers: &[(&str, &str)],
) -> (u16, String, String, Vec<u8>) {
    let mut request = client.get(url);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let r = request.send().await.unwrap();
    let header = |name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (status, cache, encoding) = (
        r.status().as_u16(),
        header("x-cache"),
        header("content-encoding"),
    );
    (status, cache, encoding, r.bytes().await.unwrap().to_vec())
}

async fn purge(from: &str, url: &str, keys: &str) -> (u16, String) {
    let client = reqwest::Client::builder()
        .local_address(from.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    let r = client
        .request(
            reqwest::Method::from_bytes(b"PURGE").unwrap(),
            format!("{url}/"),
        )
        .header("xkey", keys)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_vcl_caches_public_pages_and_purges_by_surrogate_key() {
    let Some(varnishd) = external_tool(ENV, "Varnish (the shipped VCL)", "/usr/sbin/varnishd")
    else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let app = TestApp::french(db).await;
    let first = app
        .publish(&french_article_source("premier-vernis", None), None)
        .await;
    let second = app
        .publish(&french_article_source("second-vernis", None), None)
        .await;
    let id = |slug: &'static str| {
        let app = &app;
        async move {
            app.store
                .article_by_slug(&Slug::parse(slug).unwrap())
                .await
                .unwrap()
                .unwrap()
                .id
        }
    };
    let first_id = id("premier-vernis").await;
    let varnish = Varnish::start(&varnishd, app.addr).await;
    let client = kiosque_testkit::http_client();
    let at = |path: &str| format!("{}{path}", varnish.url);

    // Each encoding is cached on its own, and Brotli is kept.
    for (accept, encoding) in [
        ("br, gzip", "br"),
        ("gzip, deflate", "gzip"),
        ("identity", ""),
    ] {
        let headers = [("accept-encoding", accept)];
        let (status, cache, got, _) = fetch(&client, &at(&first), &headers).await;
        assert_eq!(
            (status, cache.as_str(), got.as_str()),
            (200, "MISS", encoding),
            "{accept}, first"
        );
        let (status, cache, got, body) = fetch(&client, &at(&first), &headers).await;
        assert_eq!(
            (status, cache.as_str(), got.as_str()),
            (200, "HIT", encoding),
            "{accept}, again"
        );
        if encoding.is_empty() {
            assert!(
                String::from_utf8(body).unwrap().contains("<html"),
                "the page itself"
            );
        }
    }
    for accept in ["br, gzip", "gzip"] {
        let (_, cache, _, _) = fetch(&client, &at(&second), &[("accept-encoding", accept)]).await;
        assert_eq!(cache, "MISS");
        let (_, cache, _, _) = fetch(&client, &at(&second), &[("accept-encoding", accept)]).await;
        assert_eq!(cache, "HIT");
    }

    // Signed in, the newsroom, the API's newsroom, readiness: never cached.
    let editor = app
        .newsroom("vernis@example.org", kiosque_core::types::Role::Editor)
        .await;
    for (path, headers) in [
        (first.as_str(), vec![("cookie", editor.cookie.as_str())]),
        ("/admin/", vec![("cookie", editor.cookie.as_str())]),
        ("/readyz", vec![]),
        ("/api/v1/newsroom/articles", vec![]),
    ] {
        for _ in 0..2 {
            let (_, cache, _, _) = fetch(&client, &at(path), &headers).await;
            assert_ne!(cache, "HIT", "{path} was served from Varnish's cache");
        }
    }
    // A POST goes through: a reader's comment reaches Kiosque.
    let r = client
        .post(at(&format!("{first}comments")))
        .header("origin", varnish.url.clone())
        .form(&[
            ("name", "Lectrice"),
            ("email", "lectrice@example.org"),
            ("comment", "Un avis passé par le cache."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "a comment through Varnish");

    // Only the purgers may purge.
    let (status, _) = purge("127.0.0.2", &varnish.url, &format!("article-{first_id}")).await;
    assert_eq!(status, 403, "a purge from outside the ACL");
    let (_, cache, _, _) = fetch(&client, &at(&first), &[("accept-encoding", "br, gzip")]).await;
    assert_eq!(cache, "HIT", "a refused purge purged");
    // A purge by key drops the pages it names, in every encoding, and no
    // others.
    let (status, said) = purge("127.0.0.1", &varnish.url, &format!("article-{first_id}")).await;
    assert_eq!(status, 200, "{said}");
    assert!(said.contains("Invalidated"), "{said}");
    for accept in ["br, gzip", "gzip", "identity"] {
        let (_, cache, _, _) = fetch(&client, &at(&first), &[("accept-encoding", accept)]).await;
        assert_eq!(cache, "MISS", "{accept}: the purged page");
    }
    let (_, cache, _, _) = fetch(&client, &at(&second), &[("accept-encoding", "br, gzip")]).await;
    assert_eq!(cache, "HIT", "a page the key does not name");
    // `site` is on every page: it empties the cache.
    let (status, said) = purge("127.0.0.1", &varnish.url, "site").await;
    assert_eq!(status, 200, "{said}");
    let (_, cache, _, _) = fetch(&client, &at(&second), &[("accept-encoding", "br, gzip")]).await;
    assert_eq!(cache, "MISS", "after a purge of `site`");

    // No backend: a page never cached is a 503 that says when to retry.
    app.stop().await;
    let r = client.get(at("/jamais-vue/")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(
        r.headers().get("retry-after").map(|v| v.to_str().unwrap()),
        Some("5")
    );
}
