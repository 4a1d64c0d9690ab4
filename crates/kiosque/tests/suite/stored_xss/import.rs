//! The import file is a field too.

use kiosque_core::ports::Store;

use super::{Payload, Plan, Seen, deal, desk_and_reader, plan, report, site, unseen};

/// The fields of a WordPress export the import carries into pages.
const IMPORT_FIELDS: &[&str] = &[
    "title",
    "content",
    "excerpt",
    "author_display_name",
    "category",
    "tag",
    "comment_author",
    "comment_content",
    "comment_author_url",
];

/// Text for a CDATA section, whatever it holds.
fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

/// A WordPress export whose every item carries payloads in every field.
fn hostile_export(payloads: &[Payload], items: usize, every_field: bool) -> String {
    let field = |i: usize, name: &str| {
        let j = IMPORT_FIELDS.iter().position(|f| *f == name).unwrap();
        cdata(&deal(payloads, i, (j, IMPORT_FIELDS.len()), every_field).1)
    };
    let mut out = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Le Quotidien des essais</title>
<link>https://essais.example</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://essais.example</wp:base_site_url>
"#,
    );
    for i in 0..items {
        out.push_str(&format!(
            "<wp:author><wp:author_id>{}</wp:author_id><wp:author_login>{}</wp:author_login>\
             <wp:author_email>{}</wp:author_email><wp:author_display_name>{}</wp:author_display_name></wp:author>\n",
            i + 1,
            cdata(&format!("plume{i}")),
            cdata(&format!("plume{i}@essais.example")),
            field(i, "author_display_name"),
        ));
        // Items name their terms by slug; the names are the channel's.
        out.push_str(&format!(
            "<wp:category><wp:term_id>{}</wp:term_id><wp:category_nicename>rubrique-{i}</wp:category_nicename>\
             <wp:category_parent></wp:category_parent><wp:cat_name>{}</wp:cat_name></wp:category>\n\
             <wp:tag><wp:term_id>{}</wp:term_id><wp:tag_slug>sujet-{i}</wp:tag_slug><wp:tag_name>{}</wp:tag_name></wp:tag>\n",
            1000 + i,
            field(i, "category"),
            3000 + i,
            field(i, "tag"),
        ));
    }
    for i in 0..items {
        out.push_str(&format!(
            r#"<item>
<title>{title}</title>
<link>https://essais.example/essai-{i}/</link>
<pubDate>Fri, 15 Mar 2024 08:05:00 +0000</pubDate>
<dc:creator>{login}</dc:creator>
<guid isPermaLink="false">https://essais.example/?p={id}</guid>
<description></description>
<content:encoded>{content}</content:encoded>
<excerpt:encoded>{excerpt}</excerpt:encoded>
<wp:post_id>{id}</wp:post_id>
<wp:post_date>2024-03-15 08:05:00</wp:post_date>
<wp:post_date_gmt>2024-03-15 08:05:00</wp:post_date_gmt>
<wp:comment_status>open</wp:comment_status>
<wp:post_name>essai-{i}</wp:post_name>
<wp:status>publish</wp:status>
<wp:post_parent>0</wp:post_parent>
<wp:post_type>post</wp:post_type>
<category domain="category" nicename="rubrique-{i}">{category}</category>
<category domain="post_tag" nicename="sujet-{i}">{tag}</category>
<wp:comment>
<wp:comment_id>{comment_id}</wp:comment_id>
<wp:comment_author>{comment_author}</wp:comment_author>
<wp:comment_author_email>lectrice{i}@lecteurs.example</wp:comment_author_email>
<wp:comment_author_url>{comment_url}</wp:comment_author_url>
<wp:comment_date_gmt>2024-03-15 09:00:00</wp:comment_date_gmt>
<wp:comment_content>{comment}</wp:comment_content>
<wp:comment_approved>1</wp:comment_approved>
<wp:comment_type>comment</wp:comment_type>
<wp:comment_parent>0</wp:comment_parent>
</wp:comment>
</item>
"#,
            id = 100 + i,
            comment_id = 5000 + i,
            login = cdata(&format!("plume{i}")),
            title = field(i, "title"),
            content = field(i, "content"),
            excerpt = field(i, "excerpt"),
            category = field(i, "category"),
            tag = field(i, "tag"),
            comment_author = field(i, "comment_author"),
            // An address the import keeps (it drops what is no web
            // address), with the payload where one could hide it.
            comment_url = field(i, "comment_author_url").replacen(
                "<![CDATA[",
                "<![CDATA[https://lecteurs.example/?q=",
                1
            ),
            comment = field(i, "comment_content"),
        ));
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

/// The import file is a field too: a WordPress export with payloads in
/// every text it carries (titles, bodies, excerpts, authors' names,
/// sections, tags, readers' comments), imported by `kiosque import`, then
/// every page that shows them opened.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_imported_payload_runs_in_a_browser_on_any_page() {
    let Some(Plan {
        driver,
        payloads,
        every_field,
        rounds: items,
    }) = plan(IMPORT_FIELDS.len())
    else {
        return;
    };
    let app = site(|_| {}).await;
    let file = app.db.dir.path().join("hostile.xml");
    std::fs::write(&file, hostile_export(&payloads, items, every_field)).unwrap();
    let out = crate::common::kiosque_on(
        &app,
        &["import".as_ref(), "wordpress".as_ref(), file.as_os_str()],
    )
    .await;
    crate::common::succeeded(&out);
    let (mut desk, mut reader) = desk_and_reader(&driver, &app).await;

    let site = app.store.site().await.unwrap().expect("the site");
    let mut public = std::collections::BTreeSet::new();
    let mut imported = 0;
    for i in 0..items {
        let slug = kiosque_core::types::Slug::parse(&format!("essai-{i}")).unwrap();
        let Some(article) = app.store.article_by_slug(&slug).await.unwrap() else {
            continue;
        };
        imported += 1;
        let path = article.path(&site);
        reader.open(&path).await;
        // The authors', sections' and tags' pages this article links to.
        let links: Vec<String> = serde_json::from_value(
            reader
                .browser
                .js("return [...document.querySelectorAll('a[href^=\"/author/\"], a[href^=\"/category/\"], a[href^=\"/tag/\"]')].map(a => a.getAttribute('href'))")
                .await,
        )
        .unwrap();
        public.extend(links);
        desk.open(&format!("/admin/articles/{}/edit", article.id))
            .await;
    }
    assert_eq!(imported, items, "every hostile item imported");
    for path in &public {
        reader.open(path).await;
    }
    for path in [
        "/",
        "/admin/",
        "/admin/articles",
        "/admin/comments",
        "/admin/comments?status=approved",
        "/admin/comments?status=spam",
        "/admin/authors",
        "/admin/sections",
        "/admin/tags",
        "/admin/media",
    ] {
        desk.open(path).await;
    }
    assert!(
        desk.findings.is_empty() && reader.findings.is_empty(),
        "imported payloads ran or would run:\n{}\n{}",
        desk.findings.join("\n"),
        reader.findings.join("\n"),
    );
    let mut seen = Seen::default();
    seen.add(&desk);
    seen.add(&reader);
    let unseen = unseen(IMPORT_FIELDS, items, &seen);
    assert!(
        unseen.is_empty(),
        "imported fields no page showed: {unseen:?}"
    );
    report(
        "the import",
        &payloads,
        &format!("{items} items × {} fields", IMPORT_FIELDS.len()),
        &seen,
    );
    app.stop().await;
}
