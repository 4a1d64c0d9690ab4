//! Every state-changing route, enumerated from the router itself, is
//! refused where it must be: a newsroom form without its session's token,
//! or from a role below the one it is for; a reader's or sign-in form
//! posted from another site; an API write without a token. A route added
//! without a line in [`guard`] fails this test, so none goes untested.

use std::collections::BTreeSet;

use kiosque_core::ports::{Accounts, Store};
use kiosque_core::types::{CommentStatus, Email, Role};
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{Newsroom, TestApp, TestDb, both_databases};

both_databases!(every_state_changing_route_is_refused_without_its_token_or_its_role);

/// What protects a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Guard {
    /// A newsroom form: the session's token first, then the role; the
    /// lowest role it is for.
    Newsroom(Role),
    /// A newsroom form sent as multipart (an upload), guarded the same way.
    Upload(Role),
    /// Sign-in and readers' forms: no session, so refused from another site.
    Public,
    /// The one-click unsubscribe mail clients post from anywhere (RFC 8058):
    /// its signed token is its guard.
    Signed,
    /// An API write: refused without a token (the APIs' own suites try each
    /// role and a read-only token).
    Token,
    /// Answers 404 to every method (the API's catch-all).
    Nothing,
}

/// The guard each state-changing route must have.
fn guard(method: &str, path: &str) -> Option<Guard> {
    use Guard::*;
    use Role::*;
    if path.starts_with("/api/v1/") || path.starts_with("/wp-json/") {
        return Some(Token);
    }
    let g = match (method, path) {
        ("POST", "/api") => Nothing,
        (
            "POST",
            "/admin/login"
            | "/admin/login/code"
            | "/admin/password-reset"
            | "/admin/password-reset/{token}"
            | "/newsletter/"
            | "/newsletter/confirm/{token}"
            | "/newsletter/preferences/{token}"
            | "/{a}/comments"
            | "/{a}/{b}/comments"
            | "/{a}/{b}/{c}/comments",
        ) => Public,
        ("POST", "/newsletter/unsubscribe/{token}") => Signed,
        (
            "POST",
            "/admin/account/app-passwords"
            | "/admin/account/app-passwords/{id}/revoke"
            | "/admin/account/editor-mode"
            | "/admin/account/password"
            | "/admin/account/tokens"
            | "/admin/account/tokens/{id}/revoke"
            | "/admin/account/totp"
            | "/admin/account/totp/disable"
            | "/admin/logout"
            | "/admin/articles/new"
            | "/admin/articles/{id}/autosave"
            | "/admin/articles/{id}/delete"
            | "/admin/articles/{id}/edit"
            | "/admin/articles/{id}/gallery"
            | "/admin/articles/{id}/presence"
            | "/admin/articles/{id}/take-over"
            | "/admin/articles/{id}/revisions/{version}/restore"
            | "/admin/preview",
        ) => Newsroom(Contributor),
        ("POST", "/admin/articles/{id}/image" | "/admin/media") => Upload(Author),
        ("POST", "/admin/media/{id}") => Newsroom(Author),
        (
            "POST",
            "/admin/authors/{id}"
            | "/admin/comments"
            | "/admin/comments/{id}/reply"
            | "/admin/front"
            | "/admin/menus"
            | "/admin/pages/new"
            | "/admin/pages/{id}"
            | "/admin/sections"
            | "/admin/sections/{id}"
            | "/admin/tags"
            | "/admin/tags/{id}"
            | "/admin/newsletters/{id}/digest"
            | "/admin/newsletters/{id}/test"
            | "/admin/newsletters/alert/{article}",
        ) => Newsroom(Editor),
        ("POST", "/admin/authors/{id}/photo") => Upload(Editor),
        (
            "POST",
            "/admin/content-keys"
            | "/admin/content-keys/{id}/revoke"
            | "/admin/settings"
            | "/admin/users"
            | "/admin/users/{id}/role"
            | "/admin/webhooks"
            | "/admin/webhooks/{id}"
            | "/admin/webhooks/{id}/deliveries/{delivery}/retry"
            | "/admin/newsletters"
            | "/admin/newsletters/{id}"
            | "/admin/newsletters/subscribers",
        ) => Newsroom(Administrator),
        ("POST", "/admin/settings/logo" | "/admin/newsletters/subscribers/import") => {
            Upload(Administrator)
        }
        _ => return None,
    };
    Some(g)
}

/// The router's routes and the methods each answers, read from its debug
/// form: axum offers no other listing. If a new axum writes it otherwise,
/// this fails loudly (no route found) rather than passing on nothing.
fn state_changing_routes(router: &axum::Router) -> BTreeSet<(String, String)> {
    let text = format!("{router:?}");
    let routes_part = &text[..text
        .find("fallback_router:")
        .expect("axum's Router debug form")];
    let methods =
        regex::Regex::new(r#"RouteId\((\d+)\): MethodRouter\(MethodRouter \{.*?allow_header: (?:Bytes\(b"([A-Z,]*)"\)|Skip)"#)
            .unwrap();
    let paths = regex::Regex::new(r#"RouteId\((\d+)\): "([^"]*)""#).unwrap();
    let path_of: std::collections::HashMap<&str, &str> = paths
        .captures_iter(routes_part)
        .map(|c| (c.get(1).unwrap().as_str(), c.get(2).unwrap().as_str()))
        .collect();
    let mut out = BTreeSet::new();
    for c in methods.captures_iter(routes_part) {
        let id = c.get(1).unwrap().as_str();
        let allowed = c.get(2).map_or("", |m| m.as_str());
        for method in allowed.split(',') {
            if matches!(method, "POST" | "PUT" | "PATCH" | "DELETE") {
                let path = path_of.get(id).expect("every route has a path");
                out.insert((method.to_owned(), (*path).to_owned()));
            }
        }
    }
    assert!(
        out.len() > 50,
        "the router's routes were not read: {} found",
        out.len()
    );
    out
}

/// Ids of things that exist, put into a route's path.
struct Ids {
    article: i64,
    author: i64,
    comment: i64,
    user: i64,
    section: i64,
    tag: i64,
    segments: Vec<String>,
}

impl Ids {
    fn path(&self, pattern: &str) -> String {
        let id = if pattern.starts_with("/admin/articles/") {
            self.article
        } else if pattern.starts_with("/admin/authors/") {
            self.author
        } else if pattern.starts_with("/admin/comments/") {
            self.comment
        } else if pattern.starts_with("/admin/users/") {
            self.user
        } else if pattern.starts_with("/admin/sections/") {
            self.section
        } else if pattern.starts_with("/admin/tags/") {
            self.tag
        } else {
            // Things this test does not make (tokens, webhooks, lists):
            // the guard comes before the lookup, so an unknown id is
            // refused as a known one would be.
            987_654
        };
        let mut path = pattern
            .replace("{id}", &id.to_string())
            .replace("{article}", &self.article.to_string())
            .replace("{version}", "1")
            .replace("{delivery}", "1")
            .replace("{delivery_id}", "1")
            .replace("{token}", "pas-un-jeton");
        for (name, value) in ["{a}", "{b}", "{c}"].iter().zip(&self.segments) {
            path = path.replace(name, value);
        }
        path
    }
}

/// The status a request is answered with.
async fn status_of(request: reqwest::RequestBuilder) -> u16 {
    request.send().await.expect("a request").status().as_u16()
}

/// A multipart form without a token, or with the session's.
async fn upload(who: &Newsroom<'_>, path: &str, with_token: bool) -> u16 {
    if with_token {
        return who
            .upload(path, &[("x", "1")], None)
            .await
            .status()
            .as_u16();
    }
    let form = reqwest::multipart::Form::new().text("x", "1");
    status_of(
        who.app()
            .client
            .post(who.app().url(path))
            .header("cookie", &who.cookie)
            .header("origin", format!("http://{}", who.app().addr))
            .multipart(form),
    )
    .await
}

async fn every_state_changing_route_is_refused_without_its_token_or_its_role(db: TestDb) {
    let app = TestApp::french(db).await;
    let built = kiosque::app::Application::build(&app.settings, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let routes = state_changing_routes(&kiosque_web::routes(built.state()));
    drop(built);
    let unlisted: Vec<_> = routes
        .iter()
        .filter(|(m, p)| guard(m, p).is_none())
        .collect();
    assert!(
        unlisted.is_empty(),
        "routes with no guard in route_guard.rs (add each, and what protects it): {unlisted:?}"
    );

    // Things the routes act on.
    let path = app
        .publish(&french_article_source("cible", None), None)
        .await;
    let article = app
        .store
        .article_by_slug(&kiosque_core::types::Slug::parse("cible").unwrap())
        .await
        .unwrap()
        .unwrap();
    let comment = app
        .store
        .add_comment(&kiosque_core::model::NewComment {
            article_id: article.id,
            parent_id: None,
            author_name: "Lectrice".into(),
            author_email: Email::parse("lectrice@example.org").unwrap(),
            author_url: None,
            body: "Un avis.".into(),
            status: CommentStatus::Pending,
            created_at: chrono::Utc::now(),
        })
        .await
        .unwrap();
    let members: Vec<(Role, Newsroom<'_>)> = {
        let mut members = Vec::new();
        for role in Role::ALL {
            let who = app
                .newsroom(&format!("{}@example.org", role.as_str()), role)
                .await;
            members.push((role, who));
        }
        members
    };
    let contributor = app
        .store
        .user_by_email(&Email::parse("contributor@example.org").unwrap())
        .await
        .unwrap()
        .unwrap();
    let ids = Ids {
        article: article.id,
        author: article.author.id,
        comment: comment.id,
        user: contributor.id,
        section: article.category.as_ref().unwrap().id,
        tag: article.tags[0].id,
        segments: path
            .trim_matches('/')
            .split('/')
            .map(str::to_owned)
            .collect(),
    };
    let admin = &members[3].1;
    let mut checked = 0;
    let mut problems = Vec::new();
    for (method, pattern) in &routes {
        let path = ids.path(pattern);
        let g = guard(method, pattern).unwrap();
        match g {
            Guard::Newsroom(lowest) | Guard::Upload(lowest) => {
                let multipart = matches!(g, Guard::Upload(_));
                // The most powerful member, without the session's token.
                let status = if multipart {
                    upload(admin, &path, false).await
                } else {
                    admin.post_raw(&path, &[("x", "1")]).await.status().as_u16()
                };
                if status != 403 {
                    problems.push(format!("{method} {path} without the token: {status}"));
                }
                checked += 1;
                // Each role below the one it is for, with the token.
                for (role, who) in members.iter().filter(|(r, _)| *r < lowest) {
                    let status = if multipart {
                        upload(who, &path, true).await
                    } else {
                        who.post(&path, &[("x", "1")]).await.status().as_u16()
                    };
                    if !matches!(status, 403 | 404) {
                        problems.push(format!("{method} {path} as {role}: {status}"));
                    }
                    checked += 1;
                }
            }
            Guard::Public => {
                let status = status_of(
                    app.client
                        .post(app.url(&path))
                        .header("origin", "https://ailleurs.example")
                        .header("sec-fetch-site", "cross-site")
                        .form(&[("x", "1")]),
                )
                .await;
                if status != 403 {
                    problems.push(format!("{method} {path} from another site: {status}"));
                }
                checked += 1;
            }
            Guard::Signed => {
                let status = status_of(
                    app.client
                        .post(app.url(&path))
                        .form(&[("List-Unsubscribe", "One-Click")]),
                )
                .await;
                if !(400..500).contains(&status) {
                    problems.push(format!("{method} {path} with a made-up token: {status}"));
                }
                checked += 1;
            }
            Guard::Token => {
                let request = app
                    .client
                    .request(method.parse().unwrap(), app.url(&path))
                    .header("content-type", "application/json")
                    .body("{}");
                let status = status_of(request).await;
                if status != 401 {
                    problems.push(format!("{method} {path} without a token: {status}"));
                }
                checked += 1;
            }
            Guard::Nothing => {
                let status = status_of(app.client.post(app.url(&path))).await;
                if status != 404 {
                    problems.push(format!("{method} {path}: {status}"));
                }
                checked += 1;
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {checked} refusals missing:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // Nothing the refused requests named was changed.
    let after = app.store.article(article.id).await.unwrap().unwrap();
    assert_eq!(after.version, article.version);
    eprintln!(
        "route guard: {} state-changing routes, {checked} refusals checked",
        routes.len()
    );
}
