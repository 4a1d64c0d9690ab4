//! `kiosque import wordpress` on a site of photo stories and embeds (the
//! `fr-front.xml` fixture), both databases: no shortcode or block marker
//! reaches a reader, galleries hold every photo in WordPress's order with
//! its caption, embeds are placeholders.

use kiosque_core::ports::Store;
use kiosque_testkit::{TestApp, TestDb, both_databases};

use crate::common;

both_databases!(
    photo_stories_keep_their_galleries_and_embeds,
    wordpress_menus_become_the_header_and_footer_menus,
    sticky_posts_lead_the_front_page_under_the_sites_tagline,
);

const CLASSIC: &str = "/2024/05/marche-treichville-en-images/";
const BLOCKS: &str = "/2024/05/carnaval-abidjan-parade/";

use common::import_front_site as import_front;

async fn photo_stories_keep_their_galleries_and_embeds(db: TestDb) {
    let app = TestApp::french(db).await;
    let report = import_front(&app).await;
    assert!(!report.contains("[gallery]"), "{report}");
    assert!(!report.contains("[embed]"), "{report}");
    for path in [CLASSIC, BLOCKS] {
        let (status, page) = app.page(path).await;
        assert_eq!(status, 200, "{path}");
        for raw in ["[gallery", "[embed", "<!-- wp:", "```", "<iframe"] {
            assert!(!page.contains(raw), "{raw} on {path}: {page}");
        }
    }

    // The shortcode's gallery: attachments 21, 22, 23 with the library's
    // texts (alt text, and the caption WordPress kept as the excerpt).
    let page = common::plain(&app.page(CLASSIC).await.1);
    common::assert_in_order(
        &page,
        &[
            "<div class=\"gallery gallery-cols-3\"",
            "alt=\"Des étals de poisson fumé au marché de Treichville\"",
            "<figcaption>Les premières vendeuses, à 5 heures.</figcaption>",
            "alt=\"Une vendeuse pèse des tomates\"",
            "<figcaption>La pesée, au poids et à l&#39;œil.</figcaption>",
            "alt=\"Des pirogues déchargées sur la plage\"",
            "<figcaption>Le poisson arrive de la lagune.</figcaption>",
            "</ul>",
            "data-player=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1\"",
            "data-player=\"https://player.vimeo.com/video/76979871?dnt=1&amp;autoplay=1\"",
            "Les prix du poisson",
        ],
    );

    // The block gallery: its own order, alt texts and captions.
    let page = common::plain(&app.page(BLOCKS).await.1);
    common::assert_in_order(
        &page,
        &[
            "<div class=\"gallery gallery-cols-2\"",
            "alt=\"Les chars décorés sur le boulevard\"",
            "<figcaption>Les chars, au départ du cortège</figcaption>",
            "alt=\"Des danseurs masqués\"",
            "<figcaption>Les masques de la région de Man</figcaption>",
            "</ul>",
            "<figure class=\"embed embed-post embed-x\">",
            "href=\"https://x.com/lagune_info/status/1791234567890123456\"",
            "<p>Le cortège en direct</p>",
            "La prochaine édition",
        ],
    );
    assert_eq!(page.matches("<li><figure>").count(), 2, "{page}");
}

async fn wordpress_menus_become_the_header_and_footer_menus(db: TestDb) {
    let app = TestApp::french(db).await;
    let report = import_front(&app).await;
    assert!(report.contains("menu items: 9 new"), "{report}");
    let (_, home) = app.page("/").await;
    let nav = &home[home.find("<nav class=\"site-nav\"").unwrap()..];
    let nav = &nav[..nav.find("</nav>").unwrap()];
    // WordPress's order, labels and sub-menu; custom links kept.
    common::assert_in_order(
        nav,
        &[
            "<summary>Afrique</summary>",
            "<a href=\"/category/afrique/\">Afrique</a>",
            "<a href=\"/category/senegal/\">Sénégal</a>",
            "<a href=\"/category/cote-d-ivoire/\">Côte d&#39;Ivoire</a>",
            "</details>",
            "<a href=\"/category/economie/\">Économie</a>",
            "<a href=\"/category/culture/\">Culture</a>",
            "<a href=\"/a-propos/\">Qui sommes-nous ?</a>",
            "<a href=\"https://radio-lagune.example/direct\">Radio en direct</a>",
        ],
    );
    let footer = &home[home.find("<footer class=\"colophon\">").unwrap()..];
    common::assert_in_order(
        footer,
        &[
            "<a href=\"/contact/\">Contact</a>",
            "<a href=\"/feed/\">Fil RSS</a>",
        ],
    );
    // Run again: the menus the site now has are left as they are.
    let again = import_front(&app).await;
    assert!(again.contains("menu left as it is here"), "{again}");
    assert_eq!(app.store.menu_items().await.unwrap().len(), 9);
}

async fn sticky_posts_lead_the_front_page_under_the_sites_tagline(db: TestDb) {
    let app = TestApp::french(db).await;
    let report = import_front(&app).await;
    assert!(report.contains("pinned stories: 2 new"), "{report}");
    let (_, home) = app.page("/").await;
    // WordPress shows sticky posts newest first.
    common::assert_in_order(
        &home,
        &[
            "<p class=\"tagline\">L&#39;actualité africaine et internationale, en continu</p>",
            "<div class=\"lead-story\">",
            &format!("href=\"{BLOCKS}\""),
            &format!("href=\"{CLASSIC}\""),
            "Dernières nouvelles",
        ],
    );
    // Every post is listed in each of its WordPress categories; the
    // first is the one in its address.
    for (section, posts) in [
        (
            "cote-d-ivoire",
            vec![CLASSIC, BLOCKS, "/2024/05/port-san-pedro-record/"],
        ),
        ("economie", vec![CLASSIC, "/2024/05/port-san-pedro-record/"]),
        ("culture", vec![BLOCKS]),
        ("afrique", vec![BLOCKS, "/2024/05/senegal-peche-kayar/"]),
    ] {
        let (_, list) = app.page(&format!("/category/{section}/")).await;
        for post in posts {
            assert!(
                list.contains(&format!("href=\"{post}\"")),
                "{post} in {section}"
            );
        }
    }
    let (_, story) = app.page(BLOCKS).await;
    assert!(
        common::plain(&story).contains(
            "Aussi dans : <a href=\"/category/afrique/\">Afrique</a>, \
             <a href=\"/category/cote-d-ivoire/\">Côte d&#39;Ivoire</a>"
        ),
        "{story}"
    );
    // A second run leaves the newsroom's front page alone.
    app.store.set_front_pins(&[]).await.unwrap();
    let again = import_front(&app).await;
    assert!(!again.contains("pinned stories:"), "{again}");
    assert!(app.store.front_page().await.unwrap().pins.is_empty());
}
