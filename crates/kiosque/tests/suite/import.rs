//! `kiosque import wordpress`, the real binary, on both databases: a French
//! news site's export with its uploads folder, browsed afterwards; run
//! again (nothing duplicated, changes applied); a cut-short file refused
//! with its line.

use std::path::Path;

use kiosque_testkit::{TestApp, TestDb, both_databases};

both_databases!(a_wordpress_site_moves_in_and_a_second_import_duplicates_nothing,);

use crate::common::{WXR_FIXTURE as FIXTURE, wordpress_uploads as uploads};

/// Runs `kiosque import wordpress FILE [--uploads DIR]`: (success, stdout,
/// stderr).
async fn import(app: &TestApp, file: &Path, uploads: Option<&Path>) -> (bool, String, String) {
    let mut args = vec!["import".as_ref(), "wordpress".as_ref(), file.as_os_str()];
    if let Some(uploads) = uploads {
        args.extend(["--uploads".as_ref(), uploads.as_os_str()]);
    }
    let output = crate::common::kiosque_on(app, &args).await;
    (
        output.status.success(),
        String::from_utf8(output.stdout).expect("utf-8"),
        String::from_utf8(output.stderr).expect("utf-8"),
    )
}

fn line<'a>(report: &'a str, kind: &str) -> &'a str {
    report
        .lines()
        .find(|l| l.starts_with(&format!("{kind}:")))
        .unwrap_or_else(|| panic!("no {kind} line in {report}"))
}

const STORY: &str = "/2024/03/port-abidjan-dockers-reprennent-le-travail/";

async fn a_wordpress_site_moves_in_and_a_second_import_duplicates_nothing(db: TestDb) {
    let app = TestApp::french(db).await;
    let dir = tempfile::tempdir().unwrap();
    let uploads = uploads(dir.path());

    let (ok, report, stderr) = import(&app, Path::new(FIXTURE), Some(&uploads)).await;
    assert!(ok, "import failed: {stderr}");
    assert_eq!(
        line(&report, "articles"),
        "articles: 3 new, 0 updated, 0 unchanged"
    );
    assert_eq!(
        line(&report, "comments"),
        "comments: 6 new, 0 updated, 0 unchanged"
    );
    assert_eq!(
        line(&report, "accounts"),
        "accounts: 2 new, 0 updated, 0 unchanged"
    );
    assert_eq!(
        line(&report, "sections"),
        "sections: 3 new, 0 updated, 0 unchanged"
    );
    assert_eq!(line(&report, "tags"), "tags: 2 new, 0 updated, 0 unchanged");
    assert_eq!(
        line(&report, "photos"),
        "photos: 1 new, 0 updated, 0 unchanged"
    );
    assert_eq!(
        line(&report, "pages"),
        "pages: 1 new, 0 updated, 0 unchanged"
    );
    assert!(report.contains("[contact-form-7] in 1"), "{report}");
    // A post in two categories: in its first's address, in both lists.
    assert!(!report.contains("further categories"), "{report}");
    for section in ["/category/cote-d-ivoire/", "/category/economie/"] {
        let (_, list) = app.page(section).await;
        assert!(
            list.contains("href=\"/2024/03/elections-bouake-ete-debats/\""),
            "{section}: {list}"
        );
    }

    // The story, as a reader finds it: headline, byline, the photo with its
    // caption, the text, and the approved comments in their thread.
    let (status, page) = app.page(STORY).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("les dockers reprennent le travail"), "{page}");
    assert!(page.contains("Gaëlle Villeneuve"));
    assert!(
        page.contains("<figcaption>Les quais, vendredi à l'aube. Photo : Kofi Mensah</figcaption>"),
        "{page}"
    );
    assert!(
        page.contains("src=\"/media/"),
        "the photo is the imported file"
    );
    assert!(
        page.contains("Kofi Mensah / Écho"),
        "the photo's credit, from WordPress's metadata"
    );
    assert!(
        !page.contains("echo-lagune.example/wp-content"),
        "no address of the old site's files is left"
    );
    assert!(page.contains("Enfin une bonne nouvelle pour les familles des dockers"));
    assert!(page.contains("Le premier versement est prévu fin mars"));
    for hidden in [
        "Achetez maintenant",
        "conducteurs de grues",
        "Message retiré",
    ] {
        assert!(!page.contains(hidden), "{hidden} is not approved");
    }
    for private in [
        "eloise@lecteurs.example",
        "203.0.113.7",
        "gaelle@echo-lagune.example",
    ] {
        assert!(!page.contains(private), "{private} must stay private");
    }
    // WordPress's main menu is the header's: its section, then its page.
    crate::common::assert_in_order(
        &page,
        &[
            "<li><a href=\"/category/afrique/\">Afrique</a></li>",
            "<li><a href=\"/qui-sommes-nous/\">Qui sommes-nous ?</a></li></ul>",
        ],
    );
    assert!(report.contains("menu items: 2 new"), "{report}");
    // Accented slugs get Kiosque's form; the draft stays in the newsroom.
    let (status, _) = app.page("/2024/03/elections-bouake-ete-debats/").await;
    assert_eq!(status, 200);
    let (status, about) = app.page("/qui-sommes-nous/").await;
    assert_eq!(status, 200);
    assert!(about.contains("quotidien indépendant fondé à Abidjan"));
    let (_, home) = app.page("/").await;
    assert!(!home.contains("Budget 2025"), "a draft is not public");

    // Every address the old site had leads to the same thing here.
    let photo = page
        .split("src=\"/media/")
        .nth(1)
        .and_then(|rest| rest.split(['"', ' ']).next())
        .map(|file| format!("/media/{file}"))
        .expect("the photo's address");
    let feed = format!("{STORY}feed/");
    for (old, new) in [
        (STORY, None),
        ("/?p=42", Some(STORY)),
        (feed.as_str(), Some(STORY)),
        ("/?p=57", Some("/2024/03/elections-bouake-ete-debats/")),
        (
            "/2024/03/%c3%a9lections-bouak%c3%a9-%c3%a9t%c3%a9-d%c3%a9bats/",
            Some("/2024/03/elections-bouake-ete-debats/"),
        ),
        (
            "/2024/03/%C3%A9lections-bouak%C3%A9-%C3%A9t%C3%A9-d%C3%A9bats",
            Some("/2024/03/elections-bouake-ete-debats/"),
        ),
        ("/?page_id=2", Some("/qui-sommes-nous/")),
        (
            "/category/afrique/cote-d-ivoire/",
            Some("/category/cote-d-ivoire/"),
        ),
        (
            "/category/afrique/cote-d-ivoire/feed/",
            Some("/category/cote-d-ivoire/feed/"),
        ),
        ("/category/%c3%a9conomie/", Some("/category/economie/")),
        ("/?cat=5", Some("/category/cote-d-ivoire/")),
        ("/tag/%c3%a9lections/", Some("/tag/elections/")),
        ("/tag/%c3%a9lections/feed/", Some("/tag/elections/feed/")),
        ("/author/gaelle/", Some("/author/gaelle-villeneuve/")),
        ("/?author=2", Some("/author/gaelle-villeneuve/")),
        (
            "/wp-content/uploads/2024/03/port-abidjan.jpg",
            Some(photo.as_str()),
        ),
        ("/?attachment_id=31", Some(photo.as_str())),
        (
            "/wp-content/uploads/2024/03/port-abidjan-1024x683.jpg",
            Some(photo.as_str()),
        ),
        ("/?s=port+abidjan", Some("/search?q=port+abidjan")),
    ] {
        let response = app.get(old).await;
        match new {
            None => assert_eq!(response.status(), 200, "{old}"),
            Some(new) => {
                assert_eq!(response.status(), 301, "{old}");
                assert_eq!(response.headers()["location"], new, "{old}");
                assert_eq!(app.get(new).await.status(), 200, "{old} → {new}");
            }
        }
    }
    // The draft's old address shows nothing of it.
    let (status, _) = app.page("/?p=60").await;
    assert_eq!(status, 200, "the home page, as for any unknown post");
    let (status, _) = app.page("/2024/03/nowhere-at-all/").await;
    assert_eq!(status, 404);

    // Again: nothing new, nothing doubled.
    let (ok, again, stderr) = import(&app, Path::new(FIXTURE), Some(&uploads)).await;
    assert!(ok, "second import failed: {stderr}");
    assert_eq!(
        line(&again, "articles"),
        "articles: 0 new, 0 updated, 3 unchanged"
    );
    assert_eq!(
        line(&again, "comments"),
        "comments: 0 new, 0 updated, 6 unchanged"
    );
    for kind in ["accounts", "sections", "tags", "photos", "pages"] {
        let (_, counts) = line(&again, kind).split_once(": ").unwrap();
        assert!(counts.starts_with("0 new, 0 updated, "), "{kind}: {counts}");
    }
    let (_, page_again) = app.page(STORY).await;
    assert_eq!(
        page_again.matches("Enfin une bonne nouvelle").count(),
        page.matches("Enfin une bonne nouvelle").count()
    );

    // A change made in WordPress since: applied to the same article. The
    // site also moved to another permalink shape (`/%category%/%postname%/`):
    // both old addresses lead to the article.
    let edited = dir.path().join("edited.xml");
    std::fs::write(
        &edited,
        std::fs::read_to_string(FIXTURE)
            .unwrap()
            .replace(
                "les dockers reprennent le travail après trois jours de grève]]></title>",
                "les dockers reprennent le travail après quatre jours de grève]]></title>",
            )
            .replace(
                "<link>https://echo-lagune.example/2024/03/%c3%a9lections-bouak%c3%a9-%c3%a9t%c3%a9-d%c3%a9bats/</link>",
                "<link>https://echo-lagune.example/politique/%c3%a9lections-bouak%c3%a9-%c3%a9t%c3%a9-d%c3%a9bats/</link>",
            ),
    )
    .unwrap();
    let (ok, changed, stderr) = import(&app, &edited, Some(&uploads)).await;
    assert!(ok, "{stderr}");
    assert_eq!(
        line(&changed, "articles"),
        "articles: 0 new, 1 updated, 2 unchanged"
    );
    let mut page = String::new();
    for _ in 0..40 {
        page = app.page(STORY).await.1;
        if page.contains("quatre jours") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        page.contains("quatre jours de grève"),
        "the change shows at the same address"
    );
    for old in [
        "/politique/%C3%A9lections-bouak%C3%A9-%C3%A9t%C3%A9-d%C3%A9bats/",
        "/2024/03/%c3%a9lections-bouak%c3%a9-%c3%a9t%c3%a9-d%c3%a9bats/",
    ] {
        let response = app.get(old).await;
        assert_eq!(response.status(), 301, "{old}");
        assert_eq!(
            response.headers()["location"],
            "/2024/03/elections-bouake-ete-debats/"
        );
    }

    // A file cut short: refused with its line, nothing of the cut item.
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    let cut = text.find("Qui sommes-nous").unwrap() + 5;
    let truncated = dir.path().join("truncated.xml");
    std::fs::write(&truncated, &text[..cut]).unwrap();
    let (ok, _, stderr) = import(&app, &truncated, Some(&uploads)).await;
    assert!(!ok, "a cut file is refused");
    let expected_line = text[..cut].lines().count();
    assert!(
        stderr.contains(&format!("line {expected_line}")),
        "{stderr}"
    );
    assert!(stderr.contains("cut short"), "{stderr}");
}
