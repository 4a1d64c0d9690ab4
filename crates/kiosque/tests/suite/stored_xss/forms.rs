//! Every form of the site and the newsroom, filled with payloads in the
//! browser, then every page that shows what they stored.

use kiosque_core::ports::Store;
use serde_json::json;

use super::detector::Watched;
use kiosque_testkit::TestApp;

use super::{PASSWORD, Payload, Plan, Seen, deal, desk_and_reader, plan, report, site, unseen};

/// The fields, in the order payloads are dealt to them.
const FIELDS: &[&str] = &[
    "settings.name",
    "settings.tagline",
    "settings.blocked_terms",
    "menu.label",
    "menu.url",
    "front.banner_text",
    "front.banner_url",
    "author.name",
    "author.bio",
    "author.expertise",
    "author.links",
    "article.title",
    "article.excerpt",
    "article.body",
    "article.author",
    "article.category",
    "article.tags",
    "article.seo_title",
    "article.seo_description",
    "article.contributors",
    "article.sources",
    "article.correction",
    "photo.caption",
    "photo.credit",
    "photo.alt",
    "media.caption",
    "media.credit",
    "media.alt",
    "page.title",
    "page.body",
    "comment.name",
    "comment.comment",
    "comment.url",
    "reply.text",
    "user.name",
    "webhook.description",
    "webhook.url",
    "token.name",
    "term.name",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_stored_payload_runs_in_a_browser_on_any_page() {
    let Some(Plan {
        driver,
        payloads,
        every_field,
        rounds,
    }) = plan(FIELDS.len())
    else {
        return;
    };
    let (mut placed, mut refused, mut seen) = (0, 0, Seen::default());
    for first_round in (0..rounds).step_by(ROUNDS_PER_SITE) {
        let mut site = Newsroom::open(&driver).await;
        for round in first_round..rounds.min(first_round + ROUNDS_PER_SITE) {
            let (p, r) = site.round(&payloads, every_field, round).await;
            placed += p;
            refused += r;
        }
        seen.add(&site.desk);
        seen.add(&site.reader);
        site.app.stop().await;
    }
    report(
        "the forms",
        &payloads,
        &format!(
            "{rounds} rounds on {} sites, {placed} placements in {} fields ({refused} sendings refused \
             something, each refusal page opened)",
            rounds.div_ceil(ROUNDS_PER_SITE),
            FIELDS.len()
        ),
        &seen,
    );
    assert_eq!(
        placed,
        rounds * FIELDS.len(),
        "every field filled in every round"
    );
    let unseen = unseen(FIELDS, rounds, &seen);
    assert!(
        unseen.is_empty(),
        "fields whose payloads no page showed: {unseen:?}"
    );
}

/// Rounds on one site before a fresh one: its lists stay the length a
/// newsroom's are, so a round's pages do not grow with the run (on one
/// site, the long form's rounds slowed from 16 s to 45 s by the 72nd).
const ROUNDS_PER_SITE: usize = 10;

/// A site, its newsroom's administrator and a reader in watched browsers,
/// an article with a photo, and a comment the desk can answer.
struct Newsroom {
    app: TestApp,
    desk: Watched,
    reader: Watched,
    first: String,
    first_id: i64,
    media_path: String,
    author_path: String,
}

impl Newsroom {
    async fn open(driver: &std::path::Path) -> Newsroom {
        let app = site(|s| s.web.comment_burst = 100_000).await;
        // An article with a photo (its library entry is the media item), the
        // newsroom's administrator, and the reader.
        let png = crate::common::png(7);
        let first = app
            .publish(
                &kiosque_testkit::fixtures::french_article_source("premiere", Some("photo.png")),
                Some(("photo.png", &png)),
            )
            .await;
        let (mut desk, mut reader) = desk_and_reader(driver, &app).await;
        // Comments go live at once, so readers' pages show them.
        desk.submit(
            "/admin/settings",
            "form[action=\"/admin/settings\"]",
            &[("comment_policy", "approve_all")],
            "button[type=submit]",
            &[],
        )
        .await;
        let first_id = app
            .store
            .article_by_slug(&kiosque_core::types::Slug::parse("premiere").unwrap())
            .await
            .unwrap()
            .unwrap()
            .id;
        desk.open("/admin/media").await;
        let media_path = desk
            .browser
            .js("return document.querySelector('a[href^=\"/admin/media/\"]').getAttribute('href')")
            .await
            .as_str()
            .unwrap()
            .to_owned();
        desk.open("/admin/authors").await;
        let author_path = desk
            .browser
            .js("return document.querySelector('a[href^=\"/admin/authors/\"]').getAttribute('href')")
            .await
            .as_str()
            .unwrap()
            .to_owned();

        // A comment the desk can answer from the first round on.
        reader
            .submit(
                &first,
                "form.comment-form",
                &[
                    ("name", "Lectrice"),
                    ("email", "lectrice@example.org"),
                    ("comment", "Un premier avis, sans rien de plus."),
                ],
                "button[type=submit]",
                &[],
            )
            .await;

        Newsroom {
            app,
            desk,
            reader,
            first,
            first_id,
            media_path,
            author_path,
        }
    }

    /// One round: every field filled with its payload, then every page
    /// that shows them opened; how many payloads were placed and how many
    /// sendings were refused something.
    async fn round(
        &mut self,
        payloads: &[Payload],
        every_field: bool,
        round: usize,
    ) -> (usize, usize) {
        let Newsroom {
            app,
            desk,
            reader,
            first,
            first_id,
            media_path,
            author_path,
        } = self;
        let (mut placed, mut refused) = (0, 0);
        let p = |field: &str| {
            let j = FIELDS.iter().position(|f| *f == field).unwrap();
            deal(payloads, round, (j, FIELDS.len()), every_field).1
        };
        let title_fallback = format!("Article {round}");
        let article_edit = format!("/admin/articles/{first_id}/edit");
        let newsroom = [
            Sending {
                page: "/admin/settings".into(),
                form: "form[action=\"/admin/settings\"]",
                values: vec![
                    ("name", p("settings.name")),
                    ("tagline", p("settings.tagline")),
                    ("blocked_terms", p("settings.blocked_terms")),
                    ("show_tagline", "on".into()),
                ],
                submit: "button[type=submit]",
                fallback: vec![
                    ("name", format!("Site {round}")),
                    ("blocked_terms", "".into()),
                ],
            },
            Sending {
                page: "/admin/menus".into(),
                form: "form.menu-add",
                values: vec![("label", p("menu.label")), ("url", p("menu.url"))],
                submit: "button[type=submit]",
                fallback: vec![("label", "Rubrique".into()), ("url", "/".into())],
            },
            Sending {
                page: "/admin/front".into(),
                form: "form:has([name=banner_text])",
                values: vec![
                    ("banner_text", p("front.banner_text")),
                    ("banner_url", p("front.banner_url")),
                ],
                submit: "button[type=submit]",
                fallback: vec![("banner_text", "Alerte".into()), ("banner_url", "/".into())],
            },
            Sending {
                page: author_path.clone(),
                form: "form:has([name=bio])",
                values: vec![
                    ("name", p("author.name")),
                    ("bio", p("author.bio")),
                    ("expertise", p("author.expertise")),
                    ("links", p("author.links")),
                ],
                submit: "button[type=submit]",
                fallback: vec![
                    ("name", "Gaëlle Villeneuve".into()),
                    ("expertise", "".into()),
                    ("links", "".into()),
                ],
            },
            Sending {
                page: "/admin/articles/new".into(),
                form: "form.editor",
                values: vec![
                    ("title", p("article.title")),
                    ("excerpt", p("article.excerpt")),
                    ("body", p("article.body")),
                    ("author", p("article.author")),
                    ("category", p("article.category")),
                    ("tags", p("article.tags")),
                    ("seo_title", p("article.seo_title")),
                    ("seo_description", p("article.seo_description")),
                    ("contributors", p("article.contributors")),
                    ("sources", p("article.sources")),
                    ("correction", p("article.correction")),
                ],
                submit: "button[name=status][value=published]",
                fallback: vec![
                    ("title", title_fallback.clone()),
                    ("body", "Un texte.".into()),
                    ("author", "Gaëlle Villeneuve".into()),
                    ("category", "International".into()),
                ],
            },
            Sending {
                page: article_edit.clone(),
                form: "form[action$=\"/image\"]",
                values: vec![
                    ("caption", p("photo.caption")),
                    ("credit", p("photo.credit")),
                    ("alt", p("photo.alt")),
                ],
                submit: "button[name=action][value=save]",
                fallback: vec![
                    ("caption", "".into()),
                    ("credit", "".into()),
                    ("alt", "".into()),
                ],
            },
            Sending {
                page: media_path.clone(),
                form: "form:has([name=caption])",
                values: vec![
                    ("caption", p("media.caption")),
                    ("credit", p("media.credit")),
                    ("alt", p("media.alt")),
                ],
                submit: "button[type=submit]",
                fallback: vec![
                    ("caption", "".into()),
                    ("credit", "".into()),
                    ("alt", "".into()),
                ],
            },
            Sending {
                page: "/admin/pages/new".into(),
                form: "form:has([name=title])",
                values: vec![
                    ("title", p("page.title")),
                    ("body", p("page.body")),
                    ("in_menu", "on".into()),
                ],
                submit: "button[name=action][value=save]",
                fallback: vec![
                    ("title", title_fallback.clone()),
                    ("body", "Une page.".into()),
                ],
            },
            Sending {
                page: "/admin/users".into(),
                form: "form[action=\"/admin/users\"]",
                values: vec![
                    ("name", p("user.name")),
                    ("email", format!("plume{round}@example.org")),
                    ("password", PASSWORD.into()),
                    ("role", "contributor".into()),
                ],
                submit: "button[type=submit]",
                fallback: vec![("name", "Plume".into())],
            },
            Sending {
                page: "/admin/webhooks".into(),
                form: "form[action=\"/admin/webhooks\"]",
                values: vec![
                    ("description", p("webhook.description")),
                    ("url", p("webhook.url")),
                ],
                submit: "button[type=submit]",
                fallback: vec![
                    ("description", "".into()),
                    ("url", "http://127.0.0.1:9/hook".into()),
                ],
            },
            Sending {
                page: "/admin/account".into(),
                form: "form[action=\"/admin/account/tokens\"]",
                values: vec![("name", p("token.name")), ("expires", "".into())],
                submit: "button[type=submit]",
                fallback: vec![("name", "Jeton".into())],
            },
            Sending {
                page: "/admin/tags".into(),
                form: "form.comment-form[action=\"/admin/tags\"]",
                values: vec![("name", p("term.name"))],
                submit: "button[type=submit]",
                fallback: vec![("name", title_fallback.clone())],
            },
        ];
        let mut tally = |(payloads, whole): (usize, bool)| {
            placed += payloads;
            refused += usize::from(!whole);
        };
        for sending in &newsroom {
            tally(sending.send(desk, round).await);
        }

        // A reader comments on the first article, and the desk answers.
        let comment = Sending {
            page: first.clone(),
            form: "form.comment-form",
            values: vec![
                ("name", p("comment.name")),
                ("email", "lectrice@example.org".into()),
                ("comment", p("comment.comment")),
                ("url", p("comment.url")),
            ],
            submit: "button[type=submit]",
            fallback: vec![
                ("name", "Lectrice".into()),
                ("comment", "Un avis.".into()),
                ("url", "".into()),
            ],
        };
        tally(comment.send(reader, round).await);
        let reply = Sending {
            page: "/admin/comments?status=approved".into(),
            form: "form[action$=\"/reply\"]",
            values: vec![("text", p("reply.text"))],
            submit: "button[type=submit]",
            fallback: vec![("text", "Merci.".into())],
        };
        tally(reply.send(desk, round).await);

        // Every page that shows them.
        let newest = app
            .store
            .articles(
                &kiosque_core::model::ArticleQuery::default(),
                kiosque_core::model::PageRequest {
                    number: 1,
                    per_page: 1,
                },
            )
            .await
            .unwrap()
            .items;
        let mut pages = vec![
            "/".to_owned(),
            first.clone(),
            format!("/search?q=kx{round}"),
            "/admin/".to_owned(),
            "/admin/articles".to_owned(),
            article_edit.clone(),
            "/admin/comments".to_owned(),
            "/admin/comments?status=approved".to_owned(),
            "/admin/comments?status=spam".to_owned(),
            "/admin/media".to_owned(),
            media_path.clone(),
            "/admin/settings".to_owned(),
            "/admin/menus".to_owned(),
            "/admin/front".to_owned(),
            "/admin/authors".to_owned(),
            author_path.clone(),
            "/admin/users".to_owned(),
            "/admin/pages".to_owned(),
            "/admin/webhooks".to_owned(),
            "/admin/account".to_owned(),
            "/admin/tags".to_owned(),
            "/admin/sections".to_owned(),
            "/admin/newsletters".to_owned(),
        ];
        if let Some(row) = newest.first() {
            pages.push(format!("/admin/articles/{}/edit", row.id));
        }
        // This round's page, in the newsroom and in public.
        desk.open("/admin/pages").await;
        let round_pages: Vec<String> = serde_json::from_value(
            desk.browser
                .client
                .execute(
                    "const [marker, fallback] = arguments;
                     return [...document.querySelectorAll('table.articles tr')]
                       .filter(tr => tr.textContent.includes(marker) || tr.textContent.includes(fallback))
                       .flatMap(tr => [...tr.querySelectorAll('a')].map(a => a.getAttribute('href')));",
                    vec![
                        json!(format!("kx{round}x{}", FIELDS.iter().position(|f| *f == "page.title").unwrap())),
                        json!(title_fallback),
                    ],
                )
                .await
                .unwrap(),
        )
        .unwrap();
        assert!(
            !round_pages.is_empty(),
            "round {round}: the new page is not listed"
        );
        pages.extend(round_pages);
        for path in &pages {
            desk.open(path).await;
        }
        // The round's article in the visual editor, which builds its
        // editing surface from the stored text in the page's own script;
        // then back to Markdown, the mode the next round's forms fill.
        if let Some(row) = newest.first() {
            desk.open(&format!("/admin/articles/{}/edit", row.id)).await;
            desk.browser.visual_mode().await;
            desk.look("the visual editor").await;
            desk.browser.markdown_mode().await;
        }
        // The public pages linked from the article the reader commented on
        // and from the home page: sections, tags, authors, the new page
        // and the new article.
        let mut public = site_links(reader).await;
        reader.open("/").await;
        public.extend(site_links(reader).await);
        public.sort();
        public.dedup();
        for path in &public {
            reader.open(path).await;
        }
        assert!(
            desk.findings.is_empty() && reader.findings.is_empty(),
            "round {round}: payloads ran or would run:\n{}\n{}\nthe payloads of this round:\n{}",
            desk.findings.join("\n"),
            reader.findings.join("\n"),
            (0..FIELDS.len())
                .map(|j| {
                    let (i, text) = deal(payloads, round, (j, FIELDS.len()), every_field);
                    format!("{} ← {} #{i}: {text:?}", FIELDS[j], payloads[i].source)
                })
                .collect::<Vec<_>>()
                .join("\n")
        );
        (placed, refused)
    }
}

/// The site's own pages the current page links to (not the newsroom's,
/// not files or feeds), at most 40.
async fn site_links(watched: &Watched) -> Vec<String> {
    serde_json::from_value(
        watched
            .browser
            .js("return [...new Set([...document.querySelectorAll('a[href^=\"/\"]')].map(a => a.getAttribute('href')))]
                 .filter(h => !h.startsWith('/admin') && !h.startsWith('/media') && !h.includes('.xml') && !h.includes('/feed'))
                 .slice(0, 40)")
            .await,
    )
    .unwrap()
}

/// The pairs as the detector's form filler takes them.
fn borrowed<'a>(values: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    values.iter().map(|(n, v)| (*n, v.as_str())).collect()
}

/// One form of a round: where it is, which one on the page, what goes in
/// its fields, the button that sends it, and what replaces a refused value.
struct Sending {
    page: String,
    form: &'static str,
    values: Vec<(&'static str, String)>,
    submit: &'static str,
    fallback: Vec<(&'static str, String)>,
}

impl Sending {
    /// Sends it in `watched`; returns how many payloads went in (the
    /// values carrying this round's marker) and whether all were taken.
    async fn send(&self, watched: &mut Watched, round: usize) -> (usize, bool) {
        let whole = watched
            .submit(
                &self.page,
                self.form,
                &borrowed(&self.values),
                self.submit,
                &borrowed(&self.fallback),
            )
            .await;
        let marker = format!("kx{round}x");
        let payloads = self
            .values
            .iter()
            .filter(|(_, v)| v.contains(&marker))
            .count();
        (payloads, whole)
    }
}
