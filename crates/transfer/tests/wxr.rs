//! Reading WordPress export files: what each record holds, and where a
//! broken file stops.

use std::io::Cursor;

use kiosque_transfer::wxr::{
    CommentApproval, MenuLink, MenuTarget, Record, WpItem, WpStatus, WxrReader,
};

const FRENCH_SITE: &str = include_str!("fixtures/fr-news.xml");

fn items(records: &[Record]) -> Vec<&WpItem> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Item(item) => Some(item.as_ref()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_french_export_gives_its_site_authors_terms_items_and_comments() {
    let mut reader = WxrReader::new(Cursor::new(FRENCH_SITE));
    let all: Vec<Record> = reader.by_ref().collect::<Result<_, _>>().unwrap();
    let channel = reader.channel();
    assert_eq!(channel.title, "L'Écho de la Lagune");
    assert_eq!(channel.language, "fr-FR");
    assert_eq!(channel.wxr_version, "1.2");
    assert_eq!(channel.base_blog_url, "https://echo-lagune.example");

    let authors: Vec<_> = all
        .iter()
        .filter_map(|r| match r {
            Record::Author(a) => Some(a),
            _ => None,
        })
        .collect();
    assert_eq!(authors.len(), 2);
    assert_eq!(authors[0].login, "gaelle");
    assert_eq!(authors[0].display_name, "Gaëlle Villeneuve");

    let categories: Vec<_> = all
        .iter()
        .filter_map(|r| match r {
            Record::Category(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(categories.len(), 3);
    assert_eq!(categories[1].slug, "cote-d-ivoire");
    assert_eq!(categories[1].parent, "afrique");
    assert_eq!(categories[1].name, "Côte d'Ivoire");
    assert_eq!(
        categories[2].slug, "économie",
        "percent-encoded slugs are decoded"
    );

    let tags: Vec<_> = all
        .iter()
        .filter_map(|r| match r {
            Record::Tag(t) => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(
        tags.iter().map(|t| t.slug.as_str()).collect::<Vec<_>>(),
        ["port-autonome", "élections"]
    );

    let items = items(&all);
    assert_eq!(
        items
            .iter()
            .map(|i| i.post_type.as_str())
            .collect::<Vec<_>>(),
        [
            "attachment",
            "post",
            "post",
            "post",
            "page",
            "nav_menu_item",
            "nav_menu_item"
        ]
    );
    let photo = items[0];
    assert_eq!(photo.status, WpStatus::Inherit);
    assert_eq!(photo.parent, 42);
    assert_eq!(
        photo.meta("_wp_attached_file"),
        Some("2024/03/port-abidjan.jpg")
    );

    let story = items[1];
    assert_eq!(story.id, 42);
    assert_eq!(
        story.title,
        "Port d'Abidjan : les dockers reprennent le travail après trois jours de grève"
    );
    assert_eq!(story.creator, "gaelle");
    assert_eq!(story.status, WpStatus::Publish);
    assert!(story.sticky);
    assert_eq!(story.meta("_thumbnail_id"), Some("31"));
    assert_eq!(
        story.date_gmt.unwrap().to_rfc3339(),
        "2024-03-15T08:05:00+00:00"
    );
    assert!(story.content.contains("[caption id=\"attachment_31\""));
    assert_eq!(story.terms.len(), 2);
    assert_eq!(story.terms[0].domain, "category");
    assert_eq!(story.terms[1].domain, "post_tag");

    let comments = &story.comments;
    assert_eq!(comments.len(), 6);
    assert_eq!(comments[0].author, "Éloïse Bamba");
    assert_eq!(comments[0].url, "https://eloise.example");
    assert_eq!(comments[1].parent, 501, "a reply names its parent");
    assert_eq!(comments[2].parent, 502, "and replies nest");
    assert_eq!(comments[2].user_id, 2);
    assert_eq!(
        comments.iter().map(|c| c.approval).collect::<Vec<_>>(),
        [
            CommentApproval::Approved,
            CommentApproval::Approved,
            CommentApproval::Approved,
            CommentApproval::Spam,
            CommentApproval::Pending,
            CommentApproval::Trash,
        ]
    );
    assert!(comments[1].content.contains("l'accord tiendra & si"));

    let accented = items[2];
    assert_eq!(accented.slug, "élections-bouaké-été-débats");
    assert!(accented.content.contains("<!-- wp:heading -->"));

    let draft = items[3];
    assert_eq!(draft.status, WpStatus::Draft);
    assert_eq!(draft.date_gmt, None, "0000-00-00 is no date");
    assert!(draft.date_local.is_some());
    assert_eq!(draft.slug, "");

    assert_eq!(items[4].post_type, "page");
    assert_eq!(items[4].guid, "https://echo-lagune.example/?page_id=2");
    // The main menu: the Africa section, then the page.
    let menu: Vec<MenuLink> = items.iter().filter_map(|i| i.menu_link()).collect();
    assert_eq!(
        menu,
        [
            MenuLink {
                id: 70,
                menu: "principal".into(),
                position: 1,
                parent: 0,
                title: String::new(),
                target: MenuTarget::Category(4),
            },
            MenuLink {
                id: 71,
                menu: "principal".into(),
                position: 2,
                parent: 0,
                title: String::new(),
                target: MenuTarget::Page(2),
            },
        ]
    );
    assert_eq!(items[4].menu_link(), None, "a page is no menu entry");
}

#[test]
fn a_cut_short_file_stops_at_the_item_it_cuts_and_gives_no_half_item() {
    let cut = FRENCH_SITE.find("<title><![CDATA[Élections").unwrap() + 40;
    let truncated = &FRENCH_SITE[..cut];
    let mut reader = WxrReader::new(Cursor::new(truncated));
    let mut read = Vec::new();
    let error = loop {
        match reader.next_record() {
            Ok(Some(record)) => read.push(record),
            Ok(None) => panic!("a cut file must not end cleanly"),
            Err(e) => break e,
        }
    };
    let ids: Vec<i64> = items(&read).iter().map(|i| i.id).collect();
    assert_eq!(ids, [31, 42], "only whole items are given");
    let error = error.locate(Cursor::new(truncated));
    let message = error.to_string();
    assert!(message.contains("item"), "{message}");
    assert!(message.contains("cut short"), "{message}");
    let (line, _) = error.line.expect("the line is found");
    let title_line = FRENCH_SITE[..cut].lines().count() as u64;
    assert!(
        line >= title_line - 1 && line <= title_line,
        "line {line}, title on {title_line}: {message}"
    );
}

#[test]
fn a_mismatched_tag_is_reported_with_its_line_and_element() {
    let broken = FRENCH_SITE.replacen(
        "<wp:post_name><![CDATA[qui-sommes-nous]]></wp:post_name>",
        "<wp:post_name><![CDATA[qui-sommes-nous]]></wp:post_nom>",
        1,
    );
    let error = WxrReader::new(Cursor::new(broken.as_str()))
        .find_map(Result::err)
        .expect("the file is refused");
    let error = error.locate(Cursor::new(broken.as_str()));
    let expected_line = broken[..broken.find("</wp:post_nom>").unwrap()]
        .lines()
        .count() as u64;
    assert_eq!(error.line.map(|(l, _)| l), Some(expected_line), "{error}");
    assert!(error.element.starts_with("item"), "{error}");
}

#[test]
fn an_ordinary_feed_or_another_file_is_not_taken_for_an_export() {
    let feed = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Un flux</title>\
                <item><title>Un article</title></item></channel></rss>";
    let error = WxrReader::new(Cursor::new(feed))
        .find_map(Result::err)
        .expect("refused");
    assert!(error.to_string().contains("<wp:post_id>"), "{error}");

    let html = "<!doctype html><html><body>Bonjour</body></html>";
    let error = WxrReader::new(Cursor::new(html))
        .find_map(Result::err)
        .expect("refused");
    assert!(
        error.to_string().contains("not a WordPress export"),
        "{error}"
    );

    let no_version = "<rss><channel><title>x</title></channel></rss>";
    let error = WxrReader::new(Cursor::new(no_version))
        .find_map(Result::err)
        .expect("refused");
    assert!(error.to_string().contains("wxr_version"), "{error}");
}

#[test]
fn the_french_posts_become_markdown_with_their_figure_and_a_report_of_shortcodes() {
    let all: Vec<Record> = WxrReader::new(Cursor::new(FRENCH_SITE))
        .collect::<Result<_, _>>()
        .unwrap();
    let items = items(&all);
    let media = |url: &str| {
        url.strip_prefix("https://echo-lagune.example/wp-content/uploads/")
            .map(|file| format!("/media/imported/{file}"))
    };
    let classic = kiosque_transfer::content::wordpress_to_markdown(&items[1].content, &media);
    assert_eq!(classic.shortcodes, ["contact-form-7"]);
    assert_eq!(
        classic.markdown,
        "Les quais du port autonome d'Abidjan ont retrouvé leur activité **vendredi matin**, \
         après trois jours d'arrêt.\n\n\
         <figure><img src=\"/media/imported/2024/03/port-abidjan-1024x683.jpg\" alt=\"Des porte-conteneurs à quai\">\
         <figcaption>Les quais, vendredi à l'aube. Photo : Kofi Mensah</figcaption></figure>\n\n\
         « Nous avons obtenu l'essentiel », a déclaré Aïcha Koné, déléguée syndicale.\\\n\
         Elle appelle à la vigilance.\n\n\
         ## Ce que prévoit l'accord\n\n\
         - une prime de risque\n- des équipes de nuit réduites\n\n\
         \\[contact-form-7 id=\"12\" title=\"Contact\"\\]\n"
    );
    let blocks = kiosque_transfer::content::wordpress_to_markdown(&items[2].content, &media);
    assert_eq!(
        blocks.markdown,
        "À Bouaké, la campagne s'ouvre sur une question : qui paiera l'éclairage public ?\n\n\
         ## Trois candidats, trois réponses\n\n\
         - Fatou Ndiaye veut une régie municipale ;\n- Ibrahim Ouédraogo mise sur le privé.\n\n\
         > « L'été sera long. »\n"
    );
    assert!(blocks.shortcodes.is_empty());
}
