//! The menus, on both databases: every kind of link resolved with its
//! target's current name, the default header, one level of sub-menu,
//! pages' menu marks kept true, and the page log told of every change
//! a menu shows.

use std::collections::BTreeSet;

use kiosque_core::Error;
use kiosque_core::model::{
    MenuEntry, MenuItemDraft, MenuMove, MenuPlace, MenuTarget, PageDraft, Site, TermKind, moved,
};
use kiosque_core::ports::{Imports, Store};
use kiosque_core::types::{Locale, Slug};
use kiosque_store::SqlStore;
use kiosque_testkit::TestDb;
use kiosque_testkit::fixtures::{date, french_draft};

fn entry(label: &str, href: &str) -> MenuEntry {
    MenuEntry {
        label: label.into(),
        href: href.into(),
        children: Vec::new(),
    }
}

fn draft(place: MenuPlace, target: MenuTarget, label: Option<&str>) -> MenuItemDraft {
    MenuItemDraft {
        place,
        parent_id: None,
        label: label.map(str::to_owned),
        target,
    }
}

async fn topics_since(store: &SqlStore, from: i64) -> BTreeSet<String> {
    store
        .page_changes(from, 1_000)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.topic)
        .collect()
}

async fn menus(store: &SqlStore) -> kiosque_core::model::Menus {
    store.site().await.unwrap().unwrap().menus
}

pub(crate) async fn menus_link_every_kind_and_follow_their_targets(db: TestDb) {
    let store = db.store().await;
    store
        .save_site(&Site::new("S", Locale::Fr, "https://example.org"))
        .await
        .unwrap();
    // No menu yet: the header lists the top-level sections holding
    // published articles (a parent holding a child's), by name.
    assert!(menus(&store).await.header.is_empty());
    let mut a = french_draft("un", date(0));
    a.category = Some((Slug::parse("economie").unwrap(), "Économie".into()));
    store.publish_article(&a).await.unwrap();
    let mut b = french_draft("deux", date(1));
    b.category = Some((Slug::parse("senegal").unwrap(), "Sénégal".into()));
    store.publish_article(&b).await.unwrap();
    let sections = store.terms(TermKind::Category).await.unwrap();
    let id_of = |name: &str| sections.iter().find(|t| t.name == name).unwrap().id;
    let afrique = store
        .create_term(
            TermKind::Category,
            &Slug::parse("afrique").unwrap(),
            "Afrique",
        )
        .await
        .unwrap();
    store
        .create_term(
            TermKind::Category,
            &Slug::parse("culture").unwrap(),
            "Culture",
        )
        .await
        .unwrap();
    store
        .set_category_parent(id_of("Sénégal"), Some(afrique))
        .await
        .unwrap();
    assert_eq!(
        menus(&store).await.header,
        vec![
            entry("Afrique", "/category/afrique/"),
            entry("Économie", "/category/economie/")
        ],
        "Culture holds nothing; Sénégal is under Afrique"
    );
    // A section's first published article changes the default header.
    let mark = store.latest_page_change().await.unwrap();
    let mut c = french_draft("trois", date(2));
    c.category = Some((Slug::parse("culture").unwrap(), "Culture".into()));
    store.publish_article(&c).await.unwrap();
    assert!(topics_since(&store, mark).await.contains("site"));
    assert_eq!(menus(&store).await.header.len(), 3);

    // The newsroom's own menu: every kind of link, one sub-menu.
    let tag = store
        .create_term(TermKind::Tag, &Slug::parse("direct").unwrap(), "En direct")
        .await
        .unwrap();
    let page = store
        .save_page(
            None,
            &PageDraft {
                slug: Slug::parse("a-propos").unwrap(),
                title: "À propos".into(),
                body_markdown: "Qui nous sommes.".into(),
                body_html: "<p>Qui nous sommes.</p>".into(),
                in_menu: false,
                in_footer: false,
                position: 0,
            },
        )
        .await
        .unwrap();
    let author = store.authors().await.unwrap()[0].clone();
    let mark = store.latest_page_change().await.unwrap();
    let top = store
        .add_menu_item(&draft(
            MenuPlace::Header,
            MenuTarget::Section(afrique),
            None,
        ))
        .await
        .unwrap();
    assert!(topics_since(&store, mark).await.contains("site"));
    let child = MenuItemDraft {
        parent_id: Some(top),
        ..draft(
            MenuPlace::Header,
            MenuTarget::Section(id_of("Sénégal")),
            None,
        )
    };
    let sub = store.add_menu_item(&child).await.unwrap();
    for item in [
        draft(MenuPlace::Header, MenuTarget::Tag(tag), None),
        draft(
            MenuPlace::Header,
            MenuTarget::Page(page),
            Some("Qui sommes-nous ?"),
        ),
        draft(MenuPlace::Header, MenuTarget::Author(author.id), None),
        draft(
            MenuPlace::Header,
            MenuTarget::Link("https://radio.example/direct".into()),
            Some("Radio"),
        ),
        draft(
            MenuPlace::Footer,
            MenuTarget::Link("/feed/".into()),
            Some("Flux RSS"),
        ),
    ] {
        store.add_menu_item(&item).await.unwrap();
    }
    // Two levels deep, or a parent in the other menu: refused.
    for parent in [sub, top] {
        let place = if parent == sub {
            MenuPlace::Header
        } else {
            MenuPlace::Footer
        };
        let deep = MenuItemDraft {
            parent_id: Some(parent),
            ..draft(place, MenuTarget::Link("/x/".into()), Some("x"))
        };
        assert!(matches!(
            store.add_menu_item(&deep).await,
            Err(Error::Invalid(_))
        ));
    }
    let m = menus(&store).await;
    let mut afrique_entry = entry("Afrique", "/category/afrique/");
    afrique_entry.children = vec![entry("Sénégal", "/category/senegal/")];
    assert_eq!(
        m.header,
        vec![
            afrique_entry,
            entry("En direct", "/tag/direct/"),
            entry("Qui sommes-nous ?", "/a-propos/"),
            entry(&author.name, &format!("/author/{}/", author.slug)),
            entry("Radio", "https://radio.example/direct"),
        ]
    );
    assert_eq!(m.footer, vec![entry("Flux RSS", "/feed/")]);
    // The page is marked as in the menu.
    assert!(store.page(page).await.unwrap().unwrap().in_menu);

    // A section in a menu renamed: every page shows it, so `site`.
    let mark = store.latest_page_change().await.unwrap();
    store
        .update_term(
            TermKind::Category,
            afrique,
            &Slug::parse("afrique").unwrap(),
            "Afrique de l'Ouest",
        )
        .await
        .unwrap();
    assert!(topics_since(&store, mark).await.contains("site"));
    assert_eq!(menus(&store).await.header[0].label, "Afrique de l'Ouest");
    // Renamed in the menu only, then back to its own name.
    let items = store.menu_items().await.unwrap();
    store.rename_menu_item(top, Some("Afrique")).await.unwrap();
    assert_eq!(menus(&store).await.header[0].label, "Afrique");
    store.rename_menu_item(top, Some("  ")).await.unwrap();
    assert_eq!(menus(&store).await.header[0].label, "Afrique de l'Ouest");

    // Moves: the radio link up, then into the author's sub-menu, then out.
    let radio = items
        .iter()
        .find(|i| i.target == MenuTarget::Link("https://radio.example/direct".into()))
        .unwrap()
        .id;
    let apply = |step| {
        let store = store.clone();
        async move {
            let items = store.menu_items().await.unwrap();
            let places = moved(&items, radio, step).expect("possible");
            store.arrange_menu(&places).await.unwrap();
        }
    };
    apply(MenuMove::Up).await;
    let labels = |m: &[MenuEntry]| m.iter().map(|e| e.label.clone()).collect::<Vec<_>>();
    let header = menus(&store).await.header;
    assert_eq!(labels(&header)[3], "Radio");
    apply(MenuMove::Indent).await;
    let header = menus(&store).await.header;
    assert_eq!(header.len(), 4);
    assert_eq!(labels(&header[2].children), vec!["Radio".to_owned()]);
    apply(MenuMove::Outdent).await;
    assert_eq!(labels(&menus(&store).await.header)[3], "Radio");

    // What an item links to is deleted: the item goes, its sub-menu too.
    store
        .delete_term(TermKind::Category, afrique)
        .await
        .unwrap();
    let header = menus(&store).await.header;
    assert_eq!(labels(&header)[0], "En direct");
    assert!(
        store
            .menu_items()
            .await
            .unwrap()
            .iter()
            .all(|i| i.id != sub)
    );
    // Out of the menu through the menu: the page's mark follows.
    let page_item = store
        .menu_items()
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.target == MenuTarget::Page(page))
        .unwrap();
    store.delete_menu_item(page_item.id).await.unwrap();
    assert!(!store.page(page).await.unwrap().unwrap().in_menu);
    // Into the footer through the page's own mark.
    let mut p = store.page(page).await.unwrap().unwrap();
    p.in_footer = true;
    store
        .save_page(
            Some(page),
            &PageDraft {
                slug: p.slug.clone(),
                title: p.title.clone(),
                body_markdown: p.body_markdown.clone(),
                body_html: p.body_html.clone(),
                in_menu: false,
                in_footer: true,
                position: 0,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        menus(&store).await.footer,
        vec![entry("Flux RSS", "/feed/"), entry("À propos", "/a-propos/")]
    );

    // An import replaces a whole menu.
    store
        .replace_menu(
            MenuPlace::Header,
            &[(
                draft(MenuPlace::Header, MenuTarget::Tag(tag), Some("Direct")),
                vec![draft(MenuPlace::Header, MenuTarget::Page(page), None)],
            )],
        )
        .await
        .unwrap();
    let mut direct = entry("Direct", "/tag/direct/");
    direct.children = vec![entry("À propos", "/a-propos/")];
    assert_eq!(menus(&store).await.header, vec![direct]);
    assert!(store.page(page).await.unwrap().unwrap().in_menu);
    assert!(matches!(
        store.delete_menu_item(9_999).await,
        Err(Error::NotFound(_))
    ));
}
