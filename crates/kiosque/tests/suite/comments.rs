//! Reader comments over HTTP: validation, moderation, threading, spam
//! defences — on both databases.

use crate::common;

use std::time::Duration;

use common::plain;
use kiosque_core::model::CommentPolicy;
use kiosque_core::ports::Store;
use kiosque_core::types::{CommentStatus, Locale, Role};
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{TestApp, TestDb, both_databases};

both_databases!(
    comment_without_email_is_rejected_and_keeps_the_text,
    every_invalid_field_gets_its_own_message,
    valid_comment_waits_for_moderation_then_appears_without_its_email,
    replies_are_threaded_under_their_parent,
    replying_to_a_comment_that_is_not_visible_is_refused,
    comment_text_is_escaped_and_links_are_nofollow,
    honeypot_comments_are_kept_as_spam_and_the_robot_is_not_told,
    too_many_comments_from_one_address_get_429_with_retry_after,
    cross_site_comment_posts_are_refused,
    comments_on_unknown_articles_are_404,
    a_huge_body_is_refused_and_nothing_is_stored,
    a_database_failure_is_a_500_with_a_generic_page,
    an_exact_duplicate_is_refused_with_409,
    a_second_comment_within_seconds_is_a_flood,
    the_site_policy_decides_who_goes_live_at_once,
    comments_with_two_links_or_blocked_terms_are_held,
    comments_close_after_the_set_number_of_days,
    the_filter_learns_from_moderators_and_holds_likely_spam,
    a_flood_of_pending_comments_is_a_queue_of_pages,
    a_burst_of_posts_is_each_stored_or_refused_whole,
);

const GOOD: &[(&str, &str)] = &[
    ("comment", "Très bon article, merci.\nÀ suivre !"),
    ("name", "Kofi Mensah"),
    ("email", "kofi.secret@example.org"),
    ("url", ""),
];

fn with(field: &str, value: &'static str) -> Vec<(&'static str, &'static str)> {
    GOOD.iter()
        .map(|&(k, v)| if k == field { (k, value) } else { (k, v) })
        .collect()
}

async fn article(app: &TestApp) -> String {
    app.publish(&french_article_source("commentaires", None), None)
        .await
}

async fn count(app: &TestApp, status: CommentStatus) -> usize {
    app.store.comments_with_status(status).await.unwrap().len()
}

async fn comment_without_email_is_rejected_and_keeps_the_text(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = article(&app).await;
    let r = app
        .post_form(&format!("{path}comments"), &with("email", ""))
        .await;
    assert_eq!(r.status(), 422);
    let html = plain(&r.text().await.unwrap());
    assert!(
        html.contains("Votre commentaire n&#39;a pas été envoyé"),
        "{html}"
    );
    assert!(html.contains("Ce champ est obligatoire."));
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"email-error\""));
    assert!(html.contains(">Très bon article, merci.\nÀ suivre !</textarea>"));
    assert!(html.contains("value=\"Kofi Mensah\""));
    assert_eq!(count(&app, CommentStatus::Pending).await, 0);
}

async fn every_invalid_field_gets_its_own_message(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = article(&app).await;
    let long = "x".repeat(5001);
    let long_name = "n".repeat(101);
    let r = app
        .post_form(
            &format!("{path}comments"),
            &[
                ("comment", long.as_str()),
                ("name", long_name.as_str()),
                ("email", "pas-une-adresse"),
                ("url", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"comment-error\">Ce texte est trop long."));
    assert!(html.contains("id=\"name-error\">Ce texte est trop long."));
    assert!(html.contains("id=\"email-error\">Cette adresse e-mail n&#39;est pas valide."));
    assert!(html.contains("id=\"url-error\">Cette adresse web n&#39;est pas valide"));
    // What was typed comes back, escaped.
    assert!(html.contains("value=\"javascript:alert(1)\""));
    assert!(html.contains("value=\"pas-une-adresse\""));
    assert_eq!(count(&app, CommentStatus::Pending).await, 0);
}

async fn valid_comment_waits_for_moderation_then_appears_without_its_email(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = article(&app).await;
    let r = app.post_form(&format!("{path}comments"), GOOD).await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        location,
        format!("{path}?moderation=pending#comment-notice")
    );
    let (_, html) = app.page(&location).await;
    assert!(html.contains("sera publié après modération"));
    assert!(
        !html.contains("Très bon article"),
        "not visible before approval"
    );
    let pending = app
        .store
        .comments_with_status(CommentStatus::Pending)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    app.store
        .set_comment_status(pending[0].comment.id, CommentStatus::Approved)
        .await
        .unwrap();
    let (_, html) = app.page(&path).await;
    assert!(html.contains("1 commentaire"));
    assert!(html.contains("<b>Kofi Mensah</b> dit :"));
    assert!(html.contains("<p>Très bon article, merci.<br>\nÀ suivre !</p>"));
    assert!(
        !html.contains("kofi.secret"),
        "the e-mail must never be published"
    );
    for page in [
        "/",
        "/author/gaelle-villeneuve/",
        "/category/international/",
    ] {
        assert!(!app.page(page).await.1.contains("kofi.secret"), "{page}");
    }
}

async fn replies_are_threaded_under_their_parent(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = article(&app).await;
    app.post_form(&format!("{path}comments"), GOOD).await;
    let parent = app.approve_pending().await[0];
    let (_, html) = app.page(&format!("{path}?replytocom={parent}")).await;
    assert!(html.contains("Répondre à Kofi Mensah</h2>"));
    assert!(html.contains(&format!("name=\"parent\" value=\"{parent}\"")));
    assert!(html.contains("Annuler la réponse"));
    let parent_id = parent.to_string();
    let r = app
        .post_form(
            &format!("{path}comments"),
            &[
                ("comment", "Je réponds à Kofi."),
                ("name", "Awa"),
                ("email", "awa@example.org"),
                ("parent", parent_id.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let reply = app.approve_pending().await[0];
    assert_eq!(
        app.store.comment(reply).await.unwrap().unwrap().parent_id,
        Some(parent)
    );
    let (_, html) = app.page(&path).await;
    let outer = html.find(&format!("id=\"comment-{parent}\"")).unwrap();
    let inner = html.find(&format!("id=\"comment-{reply}\"")).unwrap();
    let nested = &html[outer..inner];
    assert!(
        nested.contains("<ol class=\"comment-list\">"),
        "the reply is in a list nested in its parent"
    );
    assert!(html.contains("2 commentaires"));
}

async fn replying_to_a_comment_that_is_not_visible_is_refused(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = article(&app).await;
    app.post_form(&format!("{path}comments"), GOOD).await;
    let pending = app
        .store
        .comments_with_status(CommentStatus::Pending)
        .await
        .unwrap()[0]
        .comment
        .id
        .to_string();
    for parent in [pending.as_str(), "999999", "abc"] {
        let mut form = GOOD.to_vec();
        form.push(("parent", parent));
        let r = app.post_form(&format!("{path}comments"), &form).await;
        assert_eq!(r.status(), 422, "parent {parent}");
        let html = r.text().await.unwrap();
        assert!(html.contains("Le commentaire auquel vous répondez n&#39;est plus disponible."));
    }
    assert_eq!(count(&app, CommentStatus::Pending).await, 1);
}

async fn comment_text_is_escaped_and_links_are_nofollow(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = article(&app).await;
    app.post_form(
        &format!("{path}comments"),
        &[
            (
                "comment",
                "<script>alert(1)</script> <b>gras</b> voir https://example.org/page?a=1&b=2",
            ),
            ("name", "<i>Pirate</i>"),
            ("email", "p@example.org"),
            ("url", "https://pirate.example.org"),
        ],
    )
    .await;
    app.approve_pending().await;
    let (_, html) = app.page(&path).await;
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;gras&lt;/b&gt;"));
    assert!(
        html.contains("<a href=\"https://example.org/page?a=1&amp;b=2\" rel=\"nofollow ugc\">")
    );
    assert!(html.contains(
        "<a href=\"https://pirate.example.org/\" rel=\"nofollow ugc external\">&lt;i&gt;Pirate&lt;/i&gt;</a>"
    ));
    assert!(!html.contains("<script>alert"));
}

async fn honeypot_comments_are_kept_as_spam_and_the_robot_is_not_told(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = article(&app).await;
    let mut form = GOOD.to_vec();
    form.push(("homepage", "http://cheap-pills.example"));
    let r = app.post_form(&format!("{path}comments"), &form).await;
    assert_eq!(r.status(), 303);
    assert_eq!(count(&app, CommentStatus::Pending).await, 0);
    assert_eq!(count(&app, CommentStatus::Spam).await, 1);
}

async fn too_many_comments_from_one_address_get_429_with_retry_after(db: TestDb) {
    let app = TestApp::start(db, Locale::Fr, |s| {
        s.web.comment_burst = 2;
        s.web.comment_interval = Duration::from_secs(600);
    })
    .await;
    let path = article(&app).await;
    for text in ["Premier avis.", "Deuxième avis."] {
        let r = app
            .post_form(&format!("{path}comments"), &with("comment", text))
            .await;
        assert_eq!(r.status(), 303);
    }
    let r = app
        .post_form(&format!("{path}comments"), &with("comment", "Troisième."))
        .await;
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&wait), "{wait}");
    let html = r.text().await.unwrap();
    assert!(html.contains("Trop de demandes"));
    assert!(html.contains(&format!("Réessayez dans {wait} secondes")));
    assert_eq!(count(&app, CommentStatus::Pending).await, 2);
}

async fn cross_site_comment_posts_are_refused(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = article(&app).await;
    let r = app
        .client
        .post(app.url(&format!("{path}comments")))
        .header("origin", "https://evil.example")
        .form(GOOD)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Action refusée"));
    let r = app
        .client
        .post(app.url(&format!("{path}comments")))
        .header("sec-fetch-site", "cross-site")
        .form(GOOD)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(count(&app, CommentStatus::Pending).await, 0);
}

async fn comments_on_unknown_articles_are_404(db: TestDb) {
    let app = TestApp::french(db).await;
    let r = app.post_form("/2024/11/absent/comments", GOOD).await;
    assert_eq!(r.status(), 404);
}

async fn a_huge_body_is_refused_and_nothing_is_stored(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = article(&app).await;
    let huge = "x".repeat(1024 * 1024);
    let r = app
        .post_form(
            &format!("{path}comments"),
            &[
                ("comment", huge.as_str()),
                ("name", "A"),
                ("email", "a@example.org"),
            ],
        )
        .await;
    assert_eq!(r.status(), 413);
    // The site's own page, in its language, not the framework's words.
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("Envoi trop volumineux"), "{html}");
    assert!(!html.contains("length limit"), "{html}");
    assert_eq!(count(&app, CommentStatus::Pending).await, 0);
    // A body that is not a form at all: the framework's 415, drawn as the
    // site's page as well.
    let r = reqwest::Client::new()
        .post(app.url(&format!("{path}comments")))
        .header("content-type", "application/json")
        .body("{\"comment\": \"un\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let html = r.text().await.unwrap();
    assert!(html.contains("Demande illisible"), "{html}");
    assert_eq!(count(&app, CommentStatus::Pending).await, 0);
}

async fn a_database_failure_is_a_500_with_a_generic_page(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = article(&app).await;
    app.db.execute("DROP TABLE comments").await;
    let r = app.post_form(&format!("{path}comments"), GOOD).await;
    assert_eq!(r.status(), 500);
    let html = r.text().await.unwrap();
    assert!(html.contains("Erreur du serveur"), "{html}");
    assert!(
        !html.to_lowercase().contains("comments"),
        "no internal detail: {html}"
    );
    let (status, html) = app.page(&path).await;
    assert_eq!(status, 500);
    assert!(!html.contains("sql"), "{html}");
    // The rest of the site keeps working.
    assert_eq!(app.page("/").await.0, 200);
}

async fn an_exact_duplicate_is_refused_with_409(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = article(&app).await;
    assert_eq!(
        app.post_form(&format!("{path}comments"), GOOD)
            .await
            .status(),
        303
    );
    let r = app.post_form(&format!("{path}comments"), GOOD).await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("Vous avez déjà envoyé ce commentaire."));
    assert!(html.contains(">Très bon article, merci.\nÀ suivre !</textarea>"));
    assert_eq!(count(&app, CommentStatus::Pending).await, 1);
}

async fn a_second_comment_within_seconds_is_a_flood(db: TestDb) {
    let app = TestApp::start(db, Locale::Fr, |s| {
        s.web.comment_min_interval = Duration::from_secs(15);
    })
    .await;
    let path = article(&app).await;
    // A form refused for a missing field does not count.
    let r = app
        .post_form(&format!("{path}comments"), &with("email", ""))
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        app.post_form(&format!("{path}comments"), GOOD)
            .await
            .status(),
        303
    );
    let r = app
        .post_form(&format!("{path}comments"), &with("comment", "Encore moi."))
        .await;
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15).contains(&wait), "{wait}");
    assert_eq!(count(&app, CommentStatus::Pending).await, 1);
}

async fn set_policy(app: &TestApp, change: impl FnOnce(&mut kiosque_core::model::CommentSettings)) {
    let mut site = app.store.site().await.unwrap().unwrap();
    change(&mut site.comments);
    app.save_site(&site).await;
}

async fn the_site_policy_decides_who_goes_live_at_once(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = article(&app).await;
    set_policy(&app, |c| c.policy = CommentPolicy::HoldFirstTime).await;
    let first = app.post_form(&format!("{path}comments"), GOOD).await;
    assert_eq!(first.status(), 303);
    assert!(
        first.headers()["location"]
            .to_str()
            .unwrap()
            .contains("moderation=pending")
    );
    app.approve_pending().await;
    // The same reader, now trusted: straight on the page.
    let second = app
        .post_form(&format!("{path}comments"), &with("comment", "Je reviens."))
        .await;
    let location = second.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("#comment-"), "{location}");
    assert!(app.page(&path).await.1.contains("Je reviens."));
    set_policy(&app, |c| c.policy = CommentPolicy::ApproveAll).await;
    app.post_form(
        &format!("{path}comments"),
        &[
            ("comment", "Nouvelle venue."),
            ("name", "Awa"),
            ("email", "awa@example.org"),
        ],
    )
    .await;
    assert!(app.page(&path).await.1.contains("Nouvelle venue."));
}

async fn comments_with_two_links_or_blocked_terms_are_held(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = article(&app).await;
    set_policy(&app, |c| {
        c.policy = CommentPolicy::ApproveAll;
        c.blocked_terms = vec!["pilules".into(), "spammeur@example.org".into()];
    })
    .await;
    app.post_form(
        &format!("{path}comments"),
        &with(
            "comment",
            "Voir https://a.example.org et https://b.example.org",
        ),
    )
    .await;
    assert_eq!(
        count(&app, CommentStatus::Pending).await,
        1,
        "two links: held"
    );
    app.post_form(
        &format!("{path}comments"),
        &with("comment", "Des PILULES pas chères"),
    )
    .await;
    app.post_form(
        &format!("{path}comments"),
        &[
            ("comment", "Un texte anodin."),
            ("name", "X"),
            ("email", "spammeur@example.org"),
        ],
    )
    .await;
    assert_eq!(
        count(&app, CommentStatus::Spam).await,
        2,
        "blocked terms: spam"
    );
    assert_eq!(count(&app, CommentStatus::Approved).await, 0);
}

async fn comments_close_after_the_set_number_of_days(db: TestDb) {
    let app = TestApp::french(db).await;
    // The fixture article is dated 1 November 2024.
    let path = article(&app).await;
    set_policy(&app, |c| c.close_after_days = 30).await;
    let (_, html) = app.page(&path).await;
    assert!(html.contains("Les commentaires sont fermés pour cet article."));
    assert!(!html.contains("<form class=\"comment-form\""));
    let r = app.post_form(&format!("{path}comments"), GOOD).await;
    assert_eq!(r.status(), 403);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Les commentaires sont fermés")
    );
    assert_eq!(count(&app, CommentStatus::Pending).await, 0);
}

async fn the_filter_learns_from_moderators_and_holds_likely_spam(db: TestDb) {
    let app = TestApp::start(db, Locale::Fr, |s| s.web.comment_burst = 100).await;
    let path = article(&app).await;
    let post = |comment: String, name: &'static str, email: &'static str| {
        let url = format!("{path}comments");
        let app = &app;
        async move {
            app.post_form(
                &url,
                &[
                    ("comment", comment.as_str()),
                    ("name", name),
                    ("email", email),
                ],
            )
            .await
            .status()
        }
    };
    for i in 0..12 {
        post(
            format!(
                "Casino en ligne bonus gratuit numéro {i}, gagnez vite https://casino.example/{i}"
            ),
            "Casino Bonus",
            "promo@casino.example",
        )
        .await;
        post(
            format!("Merci pour cet article sur la campagne, remarque {i} sur les chiffres."),
            "Awa",
            "awa@example.org",
        )
        .await;
    }
    // The moderators decide, one by one, through the queue.
    let editor = app.newsroom("mod@example.org", Role::Editor).await;
    for item in app
        .store
        .comments_with_status(CommentStatus::Pending)
        .await
        .unwrap()
    {
        let action = if item.comment.body.contains("Casino") {
            "spam"
        } else {
            "approve"
        };
        let single = format!("{action}:{}", item.comment.id);
        editor
            .post(
                "/admin/comments",
                &[("status", "pending"), ("single", single.as_str())],
            )
            .await;
    }
    assert_eq!(count(&app, CommentStatus::Spam).await, 12);
    let spam_before = count(&app, CommentStatus::Spam).await;
    let r = post(
        "Bonus casino gratuit ce soir seulement https://casino.example/vip".into(),
        "Vip Offre",
        "vip@casino.example",
    )
    .await;
    assert_eq!(r, 303, "the robot is told nothing");
    assert_eq!(
        count(&app, CommentStatus::Spam).await,
        spam_before + 1,
        "held as spam"
    );
    post(
        "Merci pour la remarque sur la campagne, les chiffres sont clairs.".into(),
        "Kofi",
        "kofi@example.org",
    )
    .await;
    assert_eq!(
        count(&app, CommentStatus::Pending).await,
        1,
        "a reader is not caught"
    );
}

/// 120 comments waiting (a spam flood): the queue shows them 50 at a time,
/// newest first, with links between pages; a page past the end is a 404.
async fn a_flood_of_pending_comments_is_a_queue_of_pages(db: TestDb) {
    let app = TestApp::french(db).await;
    article(&app).await;
    let article_id = app
        .store
        .article_by_slug(&kiosque_core::types::Slug::parse("commentaires").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let start = chrono::Utc::now() - chrono::Duration::hours(3);
    for n in 0..120 {
        app.store
            .add_comment(&kiosque_core::model::NewComment {
                article_id,
                parent_id: None,
                author_name: format!("Robot {n:03}"),
                author_email: kiosque_core::types::Email::parse("robot@example.org").unwrap(),
                author_url: None,
                body: format!("Message numéro {n:03}"),
                status: CommentStatus::Pending,
                created_at: start + chrono::Duration::seconds(n),
            })
            .await
            .unwrap();
    }
    let moderator = app.newsroom("moderation@example.org", Role::Editor).await;
    let shown = |html: &str| html.matches("class=\"queue-item\"").count();
    let (status, first) = moderator.page("/admin/comments?status=pending").await;
    assert_eq!(status, 200);
    assert_eq!(shown(&first), 50);
    assert!(first.contains("Message numéro 119"), "newest first");
    assert!(!first.contains("Message numéro 069"));
    assert!(first.contains("Page 1 sur 3"));
    assert!(first.contains("href=\"/admin/comments?status=pending&amp;page=2\""));
    assert!(first.contains("Commentaires plus anciens"));
    let (_, last) = moderator
        .page("/admin/comments?status=pending&page=3")
        .await;
    assert_eq!(shown(&last), 20);
    assert!(last.contains("Message numéro 000"));
    assert!(last.contains("Commentaires plus récents"));
    let (status, _) = moderator
        .page("/admin/comments?status=pending&page=4")
        .await;
    assert_eq!(status, 404);
}

/// Posts from many addresses at once (a flood no per-address limit stops):
/// each is acknowledged and stored, or refused with a 503 and
/// `Retry-After` and not stored — none lost, none stored unacknowledged.
async fn a_burst_of_posts_is_each_stored_or_refused_whole(db: TestDb) {
    let app = TestApp::start(db, Locale::Fr, |s| {
        s.web.behind_proxy = true;
        s.web.comment_min_interval = Duration::ZERO;
    })
    .await;
    let path = article(&app).await;
    let mut posts = tokio::task::JoinSet::new();
    for n in 0..96 {
        let request = app
            .client
            .post(app.url(&format!("{path}comments")))
            .header("origin", format!("http://{}", app.addr))
            .header(
                "x-forwarded-for",
                format!("10.9.{}.{}", n / 200, n % 200 + 1),
            )
            .form(&[
                ("comment", format!("Avis numéro {n} sur l’article.")),
                ("name", format!("Lectrice {n}")),
                ("email", format!("lectrice{n}@example.org")),
            ]);
        posts.spawn(async move { (n, request.send().await.unwrap()) });
    }
    let answers = posts.join_all().await;
    let mut acknowledged = std::collections::BTreeSet::new();
    for (n, r) in answers {
        match r.status().as_u16() {
            303 => {
                acknowledged.insert(format!("Avis numéro {n} sur l’article."));
            }
            503 => {
                assert_eq!(r.headers()["retry-after"], "2");
                let page = plain(&r.text().await.unwrap());
                assert!(page.contains("n’a pas été enregistré"), "{page}");
            }
            other => panic!("post {n}: {other}"),
        }
    }
    let stored: std::collections::BTreeSet<String> = app
        .store
        .comments_with_status(CommentStatus::Pending)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.comment.body)
        .collect();
    assert_eq!(stored, acknowledged);
    assert!(!stored.is_empty());
}
