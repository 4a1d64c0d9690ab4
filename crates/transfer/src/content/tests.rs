use kiosque_core::markup::render_markdown;

use super::*;

fn no_media(_: &str) -> Option<String> {
    None
}

fn convert(html: &str) -> String {
    wordpress_to_markdown(html, &no_media).markdown
}

#[test]
fn classic_editor_text_gets_its_paragraphs_breaks_headings_and_lists() {
    let html = "Le conseil municipal s'est réuni <strong>mardi soir</strong> à <em>Yaoundé</em>.\n\n\
                Première ligne\nseconde ligne.\n\n\
                <h2>Ce qui change</h2>\n\
                <ul>\n<li>les horaires</li>\n<li>les tarifs</li>\n</ul>\n\n\
                <ol start=\"3\">\n<li>trois</li>\n<li>quatre</li>\n</ol>\n\
                Fin.";
    assert_eq!(
        convert(html),
        "Le conseil municipal s'est réuni **mardi soir** à *Yaoundé*.\n\n\
         Première ligne\\\nseconde ligne.\n\n\
         ## Ce qui change\n\n\
         - les horaires\n- les tarifs\n\n\
         3. trois\n4. quatre\n\n\
         Fin.\n"
    );
}

#[test]
fn block_editor_content_loses_its_markers_and_keeps_figures_quotes_and_embeds() {
    let html = "<!-- wp:paragraph -->\n<p>Le port d'Abidjan\nvu du ciel.</p>\n<!-- /wp:paragraph -->\n\n\
                <!-- wp:image {\"id\":12} -->\n\
                <figure class=\"wp-block-image size-large\"><img src=\"https://ex.ci/wp-content/uploads/2024/03/port.jpg\" alt=\"Le port\" class=\"wp-image-12\"/>\
                <figcaption class=\"wp-element-caption\">Le port à l'aube. Photo : <a href=\"https://photo.example/km\">K. Mensah</a></figcaption></figure>\n\
                <!-- /wp:image -->\n\n\
                <!-- wp:quote -->\n<blockquote class=\"wp-block-quote\"><p>« Nous reprendrons. »</p><p>Un docker</p></blockquote>\n<!-- /wp:quote -->\n\n\
                <!-- wp:embed {\"url\":\"https://video.example/v/42\"} -->\n\
                <figure class=\"wp-block-embed\"><div class=\"wp-block-embed__wrapper\">\nhttps://video.example/v/42\n</div></figure>\n\
                <!-- /wp:embed -->";
    let media = |url: &str| {
        url.ends_with("/port.jpg")
            .then(|| "/media/abc123/port.jpg".to_owned())
    };
    let converted = wordpress_to_markdown(html, &media);
    assert_eq!(
        converted.markdown,
        "Le port d'Abidjan vu du ciel.\n\n\
         <figure><img src=\"/media/abc123/port.jpg\" alt=\"Le port\"><figcaption>Le port à l'aube. Photo : \
         <a href=\"https://photo.example/km\">K. Mensah</a></figcaption></figure>\n\n\
         > « Nous reprendrons. »\n>\n> Un docker\n\n\
         <https://video.example/v/42>\n"
    );
    let page = render_markdown(&converted.markdown, true);
    assert!(
        page.contains("<figure><img src=\"/media/abc123/port.jpg\" alt=\"Le port\">"),
        "{page}"
    );
    assert!(
        page.contains("<figcaption>Le port à l’aube.")
            || page.contains("<figcaption>Le port à l'aube."),
        "{page}"
    );
    assert!(page.contains("<blockquote>"), "{page}");
    assert!(
        page.contains("href=\"https://video.example/v/42\""),
        "{page}"
    );
}

#[test]
fn a_caption_shortcode_becomes_a_figure_and_other_shortcodes_are_reported() {
    let html = "[caption id=\"attachment_7\" align=\"aligncenter\" width=\"800\"]\
                <img src=\"https://ex.ci/wp-content/uploads/a-300x200.jpg\" alt=\"Marché\" width=\"300\" /> \
                Le marché de Treichville.[/caption]\n\nTexte. [gallery ids=\"3,4\"]";
    let media = |url: &str| {
        url.strip_prefix("https://ex.ci/wp-content/uploads/")
            .map(|f| format!("/media/x/{f}"))
    };
    let converted = wordpress_to_markdown(html, &media);
    assert_eq!(
        converted.markdown,
        "<figure><img src=\"/media/x/a-300x200.jpg\" alt=\"Marché\">\
         <figcaption>Le marché de Treichville.</figcaption></figure>\n\n\
         Texte. \\[gallery ids=\"3,4\"\\]\n"
    );
    assert_eq!(converted.shortcodes, ["gallery"]);
    // Left visible to the reader and the editor, as text.
    assert!(render_markdown(&converted.markdown, false).contains("[gallery ids="));
}

#[test]
fn text_that_looks_like_markdown_stays_text() {
    let html = "<p># pas un titre</p><p>1984. Orwell</p><p>- pas une liste</p>\
                <p>un *astérisque*, un_souligné, [crochets] et &lt;balise&gt; &amp; AT&amp;T</p>";
    let markdown = convert(html);
    let page = render_markdown(&markdown, false);
    for text in [
        "<p># pas un titre</p>",
        "<p>1984. Orwell</p>",
        "<p>- pas une liste</p>",
        "<p>un *astérisque*, un_souligné, [crochets] et &lt;balise&gt; &amp; AT&amp;T</p>",
    ] {
        assert!(page.contains(text), "{text} in {page} from {markdown}");
    }
}

#[test]
fn links_and_images_follow_the_imported_media_and_scripts_go() {
    let html = "<p>Voir <a href=\"https://ex.ci/wp-content/uploads/doc.pdf\">le rapport</a> et \
                <a href=\"javascript:alert(1)\">ceci</a>.<script>alert('x')</script></p>\
                <p><a href=\"https://ex.ci/wp-content/uploads/b.jpg\"><img src=\"https://ex.ci/wp-content/uploads/b-1024x683.jpg\" alt=\"Une [photo]\"></a></p>\
                <iframe src=\"https://video.example/embed/9\" width=\"560\"></iframe>";
    let media = |url: &str| {
        url.strip_prefix("https://ex.ci/wp-content/uploads/")
            .map(|f| format!("/media/x/{f}"))
    };
    assert_eq!(
        wordpress_to_markdown(html, &media).markdown,
        "Voir [le rapport](/media/x/doc.pdf) et ceci.\n\n\
         [![Une \\[photo\\]](/media/x/b-1024x683.jpg)](/media/x/b.jpg)\n\n\
         <https://video.example/embed/9>\n"
    );
}

#[test]
fn another_sites_pictures_become_links() {
    let html = "<p>Avant <img src=\"https://cdn.example.net/carte.png\" alt=\"La carte\"> après \
                <a href=\"https://ailleurs.example/\"><img src=\"https://ailleurs.example/i.jpg\"></a> \
                <img src=\"//pixel.example.org/p.gif\"></p>\
                [caption id=\"attachment_9\"]<img src=\"https://cdn.example.net/b.jpg\" alt=\"Le pont\"> Le pont neuf.[/caption]";
    let markdown = convert(html);
    assert!(
        markdown.contains("[La carte](https://cdn.example.net/carte.png)"),
        "{markdown}"
    );
    assert!(
        markdown.contains("<a href=\"https://cdn.example.net/b.jpg\">Le pont</a>"),
        "{markdown}"
    );
    // What is left saves as any article does: no image a page would block.
    assert!(
        kiosque_core::markup::external_images(&markdown).is_empty(),
        "{markdown}"
    );
    let page = render_markdown(&markdown, false);
    assert!(!page.contains("<img"), "{page}");
    assert!(
        page.contains("<figcaption>Le pont neuf.</figcaption>"),
        "{page}"
    );
}

#[test]
fn code_and_nested_lists_keep_their_shape() {
    let html = "<ul><li>un<ul><li>un-a</li><li>un-b</li></ul></li><li>deux</li></ul>\
                <pre><code>let x = 1;\n\nprintln!(\"{x}\");</code></pre>\
                <p>Appelez <code>kiosque serve</code> puis <kbd>Ctrl</kbd>.</p>";
    let markdown = convert(html);
    assert_eq!(
        markdown,
        "- un\n  - un-a\n  - un-b\n- deux\n\n\
         ```\nlet x = 1;\n\nprintln!(\"{x}\");\n```\n\n\
         Appelez `kiosque serve` puis `Ctrl`.\n"
    );
    let page = render_markdown(&markdown, false);
    assert!(
        page.contains("<li>un\n<ul>") || page.contains("<li>un<ul>"),
        "{page}"
    );
}

#[test]
fn an_excerpt_becomes_plain_text() {
    assert_eq!(
        plain_text("<p>Le <strong>port</strong>\n d'Abidjan</p><p>rouvre.</p><script>x()</script>"),
        "Le port d'Abidjan rouvre."
    );
}

#[test]
fn a_comment_keeps_its_lines_and_loses_its_tags() {
    assert_eq!(
        comment_text(
            "Merci !\n\nVoir <a href=\"https://x.example\">ici</a>.<br />Bonne <em>journée</em>\n<p>P.-S. : &amp; après</p>"
        ),
        "Merci !\n\nVoir ici.\nBonne journée\n\nP.-S. : & après"
    );
}

/// Attachments 21–23 were imported as `p21.jpg`…; uploads as `/media/u-…`.
struct Library;

impl ImportedMedia for Library {
    fn address(&self, url: &str) -> Option<String> {
        let name = url.rsplit('/').next()?;
        url.contains("/wp-content/uploads/")
            .then(|| format!("/media/u-{name}"))
    }
    fn attachment(&self, id: i64) -> Option<String> {
        (21..=23).contains(&id).then(|| format!("p{id}.jpg"))
    }
}

#[test]
fn gallery_shortcodes_become_galleries_of_the_imported_photos_in_order() {
    let html =
        "Le port en images.\n\n[gallery link=\"file\" columns=\"3\" ids=\"23,21,99,22\"]\n\nFin.";
    let converted = wordpress_to_markdown(html, &Library);
    assert_eq!(
        converted.markdown,
        "Le port en images.\n\n\
         ```gallery columns=3\n![](/media/p23.jpg)\n![](/media/p21.jpg)\n![](/media/p22.jpg)\n```\n\n\
         Fin.\n"
    );
    assert!(
        converted.shortcodes.is_empty(),
        "{:?}",
        converted.shortcodes
    );
    // None of its photos imported: left visible, counted.
    let converted = wordpress_to_markdown("[gallery ids=\"7,8\"]", &Library);
    assert_eq!(converted.empty_galleries, 1);
    assert_eq!(converted.shortcodes, vec!["gallery".to_owned()]);
}

#[test]
fn gallery_blocks_keep_their_order_alt_texts_and_captions() {
    // WordPress 5.9+ (inner image blocks), then 5.x (a list of items).
    let html = "<!-- wp:gallery {\"columns\":2,\"linkTo\":\"media\"} -->\n\
        <figure class=\"wp-block-gallery has-nested-images columns-2\">\
        <!-- wp:image {\"id\":22} --><figure class=\"wp-block-image\"><a href=\"x\"><img src=\"https://ex.ci/wp-content/uploads/b.jpg\" alt=\"Le marché\" class=\"wp-image-22\"/></a>\
        <figcaption class=\"wp-element-caption\">Les étals <em>à l'aube</em></figcaption></figure><!-- /wp:image -->\n\
        <!-- wp:image {\"id\":21} --><figure class=\"wp-block-image\"><img src=\"https://ex.ci/wp-content/uploads/a.jpg\" alt=\"\" class=\"wp-image-21\"/></figure><!-- /wp:image -->\
        </figure>\n<!-- /wp:gallery -->\n\n\
        <!-- wp:gallery {\"ids\":[5]} --><figure class=\"wp-block-gallery\"><ul class=\"blocks-gallery-grid\">\
        <li class=\"blocks-gallery-item\"><figure><img src=\"https://ex.ci/wp-content/uploads/c.jpg\" data-id=\"5\" alt=\"Pirogues\"/>\
        <figcaption class=\"blocks-gallery-item__caption\">Au port</figcaption></figure></li></ul></figure><!-- /wp:gallery -->";
    let converted = wordpress_to_markdown(html, &Library);
    assert_eq!(
        converted.markdown,
        "```gallery columns=2\n\
         ![Le marché](/media/p22.jpg \"Les étals à l'aube\")\n\
         ![](/media/p21.jpg)\n```\n\n\
         ```gallery\n![Pirogues](/media/u-c.jpg \"Au port\")\n```\n"
    );
}

#[test]
fn embeds_in_every_form_become_an_address_alone_on_a_line() {
    let classic = "Regardez :\n\n[embed]https://www.youtube.com/watch?v=dQw4w9WgXcQ[/embed]\n\n\
                   https://vimeo.com/76979871\n\nFin.";
    let converted = wordpress_to_markdown(classic, &Library);
    assert_eq!(
        converted.markdown,
        "Regardez :\n\nhttps://www.youtube.com/watch?v=dQw4w9WgXcQ\n\n\
         https://vimeo.com/76979871\n\nFin.\n"
    );
    let blocks = "<!-- wp:embed {\"url\":\"https://x.com/redaction/status/123\",\"type\":\"rich\",\"providerNameSlug\":\"twitter\"} -->\n\
        <figure class=\"wp-block-embed is-type-rich\"><div class=\"wp-block-embed__wrapper\">\n\
        https://x.com/redaction/status/123\n</div><figcaption class=\"wp-element-caption\">Le communiqué</figcaption></figure>\n\
        <!-- /wp:embed -->\n\n\
        <!-- wp:core-embed/youtube {\"url\":\"https://youtu.be/abc\"} -->\n\
        <figure class=\"wp-block-embed-youtube\"><div>https://youtu.be/abc</div></figure>\n<!-- /wp:core-embed/youtube -->\n\n\
        <!-- wp:embed {\"url\":\"https://video.example/v/1\"} --><figure></figure><!-- /wp:embed -->";
    let converted = wordpress_to_markdown(blocks, &Library);
    assert_eq!(
        converted.markdown,
        "https://x.com/redaction/status/123\n\nLe communiqué\n\n\
         https://youtu.be/abc\n\n<https://video.example/v/1>\n"
    );
    let page = render_markdown(&converted.markdown, true);
    assert_eq!(
        page.matches("<!--kiosque {\"kind\":\"embed\"").count(),
        2,
        "{page}"
    );
}
