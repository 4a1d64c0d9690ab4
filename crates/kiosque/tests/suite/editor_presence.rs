//! Two editors in one article, in two real browsers talking to two app
//! servers over one database, on both databases:
//! the second sees the first when the page opens (no script needed) and
//! the first sees the second at the next heartbeat; the second takes over
//! after a confirmation; the first is told at once and their save is
//! refused with their text kept. Also: the editor mode each writer chose
//! comes back on the next page, and axe-core finds nothing on the editor
//! in either mode, on a desktop and on a 360-pixel phone.

use fantoccini::Locator;
use kiosque_core::ports::{Accounts, Store};
use kiosque_core::types::Role;
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{TestApp, TestDb, both_databases, external_tool};

use crate::browser::{Browser, DRIVER_ENV};

both_databases!(two_editors_in_one_article_see_each_other_and_one_takes_over,);

const PASSWORD: &str = "un mot de passe solide";

impl Browser {
    /// The article editor's presence list, as shown.
    async fn presence(&self) -> String {
        self.js("const s = document.querySelector('[data-presence]');
                 return s.hidden ? '' : s.querySelector('.presence-list').textContent")
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Asks for a heartbeat now rather than in ten seconds (the page beats
    /// again when it becomes visible).
    async fn beat_now(&self) {
        self.js("document.dispatchEvent(new Event('visibilitychange')); return null")
            .await;
    }
}

async fn two_editors_in_one_article_see_each_other_and_one_takes_over(db: TestDb) {
    let Some(driver) = external_tool(DRIVER_ENV, "Browser (Chromium)", "/usr/bin/chromedriver")
    else {
        return;
    };
    let app = TestApp::french(db).await;
    app.publish(&french_article_source("pyongyang-moscou", None), None)
        .await;
    let article = app
        .store
        .article_by_slug(&kiosque_core::types::Slug::parse("pyongyang-moscou").unwrap())
        .await
        .unwrap()
        .unwrap();
    let edit = app.url(&format!("/admin/articles/{}/edit", article.id));
    for (email, name) in [
        ("awa@example.org", "Awa Diop"),
        ("jean@example.org", "Jean Mbarga"),
    ] {
        app.store
            .create_user(&kiosque_core::model::NewUser {
                email: kiosque_core::types::Email::parse(email).unwrap(),
                name: name.into(),
                role: Role::Editor,
                password_hash: Some(kiosque_core::service::auth::hash_password(PASSWORD).unwrap()),
                created_at: chrono::Utc::now(),
            })
            .await
            .unwrap();
    }
    // Awa works on one app server, Jean on another over the same database.
    let other = app.sibling().await;
    let jean_edit = format!("http://{}/admin/articles/{}/edit", other.addr, article.id);
    let awa = Browser::start_sized(&driver, &[], (1280, 900)).await;
    let jean = Browser::start_sized(&driver, &[], (360, 740)).await;
    awa.sign_in(&app, "awa@example.org", PASSWORD).await;
    jean.sign_in_at(
        &format!("http://{}", other.addr),
        "jean@example.org",
        PASSWORD,
    )
    .await;

    // Awa opens the article alone; Jean opens it and sees her at once.
    awa.client.goto(&edit).await.unwrap();
    assert_eq!(awa.presence().await, "");
    jean.client.goto(&jean_edit).await.unwrap();
    let seen = jean.presence().await;
    assert!(
        seen.starts_with("Awa Diop modifie cet article depuis "),
        "{seen}"
    );
    jean.assert_accessible("the editor with someone else in it (phone)")
        .await;
    jean.screenshot("editor-presence-360").await;
    // Awa sees Jean at her next heartbeat.
    awa.beat_now().await;
    awa.wait_until(
        "return document.querySelector('.presence-list').textContent.startsWith('Jean Mbarga modifie')",
    )
    .await;

    // Awa writes; Jean takes over after confirming.
    let body = awa.client.find(Locator::Id("body")).await.unwrap();
    body.send_keys(" Paragraphe ajouté par Awa.").await.unwrap();
    jean.click("#take-over-confirm").await;
    jean.click_and_wait("form.take-over button[type=submit]")
        .await;
    let notice = jean
        .js("return document.querySelector('p.notice').textContent")
        .await;
    assert_eq!(notice, "Vous avez repris la main sur cet article.");

    // Awa is told at once; her save is refused and her text stays.
    awa.beat_now().await;
    awa.wait_until("return !document.querySelector('[data-taken]').hidden")
        .await;
    let told = awa
        .js("return document.querySelector('[data-taken]').textContent")
        .await;
    assert!(
        told.as_str()
            .unwrap()
            .starts_with("Jean Mbarga a repris la main"),
        "{told}"
    );
    awa.click_and_wait("form.editor button[name=status][value=published]")
        .await;
    let refused = awa
        .js("return document.querySelector('[data-taken]').textContent")
        .await;
    assert!(
        refused
            .as_str()
            .unwrap()
            .starts_with("Enregistrement refusé : Jean Mbarga"),
        "{refused}"
    );
    let kept = awa.js("return document.getElementById('body').value").await;
    assert!(
        kept.as_str()
            .unwrap()
            .ends_with(" Paragraphe ajouté par Awa."),
        "{kept}"
    );
    let stored = app.store.article(article.id).await.unwrap().unwrap();
    assert_eq!(stored.body_markdown, article.body_markdown, "nothing saved");
    assert_eq!(stored.version, article.version);

    // Jean's own saves go through.
    jean.click_and_wait("form.editor button[name=status][value=published]")
        .await;
    assert_eq!(
        app.store
            .article(article.id)
            .await
            .unwrap()
            .unwrap()
            .version,
        article.version + 1
    );

    // The mode Jean picks is the one his next page opens in.
    jean.client.goto(&jean_edit).await.unwrap();
    jean.visual_mode().await;
    jean.assert_accessible("the editor in visual mode (phone)")
        .await;
    jean.js("document.querySelector('label[for=body]').scrollIntoView(); return null")
        .await;
    jean.screenshot("editor-visual-360").await;
    // (The choice is sent as the mode is picked.)
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    jean.client.goto(&jean_edit).await.unwrap();
    jean.wait_until("const s = document.querySelector('.visual-editor'); return !!s && !s.hidden")
        .await;
    awa.client.goto(&edit).await.unwrap();
    awa.assert_accessible("the editor in Markdown mode (desktop)")
        .await;
    awa.js("document.querySelector('label[for=body]').scrollIntoView(); return null")
        .await;
    awa.screenshot("editor-markdown-desktop").await;
    awa.visual_mode().await;
    awa.assert_accessible("the editor in visual mode (desktop)")
        .await;
    awa.js("document.querySelector('label[for=body]').scrollIntoView(); return null")
        .await;
    awa.screenshot("editor-visual-desktop").await;
    awa.client.close().await.unwrap();
    jean.client.close().await.unwrap();
}
