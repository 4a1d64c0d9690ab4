//! Text into safe HTML: article Markdown, reader comments, French typography
//! and excerpts.
//!
//! Article Markdown is rendered by pulldown-cmark and then sanitised by
//! ammonia, so whatever a writer (or an imported file) puts in the source, no
//! script or event handler reaches a reader. Comments are not Markdown: they
//! are plain text, escaped, with line breaks kept and bare URLs linked.

pub mod component;
pub mod embed;
pub mod gallery;

use pulldown_cmark::{Event, Options, Parser};

use component::Component;
use embed::Embed;
use gallery::Gallery;

/// No-break space: French puts it before `:` and inside « ».
const NBSP: char = '\u{00A0}';
/// Narrow no-break space: French puts it before `;` `!` `?`.
const NNBSP: char = '\u{202F}';

/// Applies French spacing rules to running text: the space before `: ; ! ?`
/// and inside guillemets becomes unbreakable, so a headline never wraps with
/// a lone colon at the start of a line. A missing space before `;!?` is not
/// added (it would break URLs and times such as 18:30).
pub fn french_typography(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let prev = i.checked_sub(1).map(|p| chars[p]);
        match c {
            ' ' | NBSP | NNBSP => match next {
                Some(':') | Some('»') => out.push(NBSP),
                Some(';') | Some('!') | Some('?') => out.push(NNBSP),
                _ if prev == Some('«') => out.push(NBSP),
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    out
}

/// Renders an article's Markdown to sanitised HTML. With `french` set, text
/// (not code) gets French spacing. Galleries and embeds (a provider's
/// address alone in a paragraph) become blocks drawn when the page is shown
/// (see [`component`]); everything else is sanitised as it is rendered.
pub fn render_markdown(source: &str, french: bool) -> String {
    let events: Vec<Event<'_>> = Parser::new_ext(source, markdown_options())
        .map(|event| match event {
            Event::Text(text) if french => Event::Text(french_typography(&text).into()),
            other => other,
        })
        .collect();
    let mut html = String::with_capacity(source.len() * 3 / 2);
    let mut run_start = 0;
    let mut depth = 0usize;
    let mut i = 0;
    while i < events.len() {
        if depth == 0
            && let Some((block, fallback, len)) = block_at(&events[i..])
        {
            push_sanitised(&mut html, &events[run_start..i]);
            component::write(&block, &fallback, &mut html);
            i += len;
            run_start = i;
            continue;
        }
        match events[i] {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    push_sanitised(&mut html, &events[run_start..]);
    html
}

fn markdown_options() -> Options {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_FOOTNOTES);
    options
}

/// Renders top-level blocks and sanitises them. Runs between drawn blocks
/// are cleaned one by one; each is a whole sequence of blocks, so its HTML
/// is balanced.
fn push_sanitised(html: &mut String, events: &[Event<'_>]) {
    if events.is_empty() {
        return;
    }
    let mut raw = String::new();
    pulldown_cmark::html::push_html(&mut raw, events.iter().cloned());
    html.push_str(
        &ammonia::Builder::default()
            .link_rel(Some("noopener noreferrer"))
            .clean(&raw)
            .to_string(),
    );
}

/// Whether a page could show an image at this address: the site's own
/// files (a path) and inline data only, as its Content-Security-Policy
/// (`img-src 'self' data:`) allows. Another site's image would be blocked
/// in every reader's browser, and loading it would tell that site who reads.
pub fn is_external_image(src: &str) -> bool {
    let src = src.trim();
    if src.starts_with("//") {
        return true;
    }
    // A scheme is letters, digits, `+`, `-` or `.` before the first `:`,
    // with no `/`, `?` or `#` ahead of it (else it is a path).
    match src.split_once(':') {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !scheme.eq_ignore_ascii_case("data")
        }
        None => false,
    }
}

/// The addresses of images in an article's Markdown that a page could not
/// show (see [`is_external_image`]), in order, once each: `![…](…)` and
/// `<img>` alike. The HTML is read by the sanitiser that renders it, so
/// what is found here is exactly what a page would carry.
pub fn external_images(source: &str) -> Vec<String> {
    use std::sync::{Arc, Mutex};
    let found: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut raw = String::new();
    pulldown_cmark::html::push_html(&mut raw, Parser::new_ext(source, markdown_options()));
    let seen = Arc::clone(&found);
    ammonia::Builder::default()
        .attribute_filter(move |element, attribute, value| {
            if element == "img" && attribute == "src" && is_external_image(value) {
                let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
                if !seen.iter().any(|s| s == value) {
                    seen.push(value.to_owned());
                }
            }
            Some(value.into())
        })
        .clean(&raw);
    let mut found = found.lock().unwrap_or_else(|e| e.into_inner());
    std::mem::take(&mut *found)
}

/// A gallery block or an embed paragraph at the start of `events`: the
/// block, its plain fallback and how many events it spans.
fn block_at(events: &[Event<'_>]) -> Option<(Component, String, usize)> {
    use pulldown_cmark::{CodeBlockKind, LinkType, Tag, TagEnd};
    match events.first()? {
        Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if Gallery::is_fence(info) => {
            let end = events
                .iter()
                .position(|e| matches!(e, Event::End(TagEnd::CodeBlock)))?;
            let body: String = events[1..end]
                .iter()
                .filter_map(|e| match e {
                    Event::Text(t) => Some(t.as_ref()),
                    _ => None,
                })
                .collect();
            let gallery = Gallery::parse(info, &body);
            let mut fallback = String::new();
            for p in &gallery.photos {
                fallback.push_str(&format!(
                    "<figure><img src=\"/media/{}\" alt=\"{}\">",
                    escape_html(&p.file),
                    escape_html(p.alt.as_deref().unwrap_or_default())
                ));
                if let Some(c) = &p.caption {
                    fallback.push_str(&format!("<figcaption>{}</figcaption>", escape_html(c)));
                }
                fallback.push_str("</figure>");
            }
            Some((Component::Gallery(gallery), fallback, end + 1))
        }
        Event::Start(Tag::Paragraph) => {
            // The paragraph's whole content: one address, as text or as an
            // autolink whose text is the address.
            let end = events
                .iter()
                .position(|e| matches!(e, Event::End(TagEnd::Paragraph)))?;
            let inner = &events[1..end];
            let mut text = String::new();
            for (k, e) in inner.iter().enumerate() {
                match e {
                    Event::Text(t) => text.push_str(t),
                    Event::Start(Tag::Link {
                        link_type: LinkType::Autolink,
                        ..
                    }) if k == 0 => {}
                    Event::End(TagEnd::Link) if k == inner.len() - 1 => {}
                    _ => return None,
                }
            }
            let embed = Embed::from_url(text.trim())?;
            let url = escape_html(&embed.url);
            let fallback =
                format!("<p><a href=\"{url}\" rel=\"noopener noreferrer\">{url}</a></p>");
            Some((Component::Embed { url: embed.url }, fallback, end + 1))
        }
        _ => None,
    }
}

/// Plain text of the first paragraph(s) of Markdown, cut at a word boundary
/// to at most `max_chars` characters (an ellipsis marks a cut).
pub fn excerpt(source: &str, max_chars: usize) -> String {
    let mut text = String::new();
    let mut in_paragraph = false;
    for event in Parser::new(source) {
        match event {
            Event::Start(pulldown_cmark::Tag::Paragraph) => in_paragraph = true,
            Event::End(pulldown_cmark::TagEnd::Paragraph) => {
                in_paragraph = false;
                if text.chars().count() >= max_chars / 2 {
                    break;
                }
                text.push(' ');
            }
            Event::Text(t) | Event::Code(t) if in_paragraph => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak if in_paragraph => text.push(' '),
            _ => {}
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    truncate_words(&text, max_chars)
}

/// All the readable text of Markdown (paragraphs, headings, quotes, lists,
/// code), blocks separated by a blank line — what search indexes and
/// quotes in its snippets. Raw HTML in the source is left out.
pub fn plain_text(source: &str) -> String {
    let mut text = String::with_capacity(source.len());
    // A gallery's lines are addresses: its alt texts and captions are
    // what readers read.
    let mut gallery: Option<(String, String)> = None;
    for event in Parser::new(source) {
        match event {
            Event::Start(pulldown_cmark::Tag::CodeBlock(
                pulldown_cmark::CodeBlockKind::Fenced(info),
            )) if Gallery::is_fence(&info) => gallery = Some((info.to_string(), String::new())),
            Event::Text(t) if gallery.is_some() => {
                if let Some((_, body)) = gallery.as_mut() {
                    body.push_str(&t);
                }
            }
            Event::End(pulldown_cmark::TagEnd::CodeBlock) if gallery.is_some() => {
                let (info, body) = gallery.take().unwrap_or_default();
                for p in Gallery::parse(&info, &body).photos {
                    for words in [p.alt, p.caption].into_iter().flatten() {
                        text.push_str(&words);
                        text.push_str("\n\n");
                    }
                }
            }
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(
                pulldown_cmark::TagEnd::Paragraph
                | pulldown_cmark::TagEnd::Heading(_)
                | pulldown_cmark::TagEnd::Item
                | pulldown_cmark::TagEnd::CodeBlock,
            ) => text.push_str("\n\n"),
            _ => {}
        }
    }
    text.trim_end().to_owned()
}

/// Cuts text at the last word boundary before `max_chars`, adding `…`.
pub fn truncate_words(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > 0 => &cut[..i],
        _ => cut.as_str(),
    };
    format!(
        "{}…",
        cut.trim_end_matches(|c: char| c.is_whitespace() || c == ',')
    )
}

/// Renders a reader's plain-text comment: everything escaped, paragraphs on
/// blank lines, single line breaks kept, and http(s) URLs linked with
/// `rel="nofollow ugc"` so comment links pass no search ranking.
pub fn render_comment(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut html = String::with_capacity(text.len() + 32);
    for paragraph in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        html.push_str("<p>");
        for (i, line) in paragraph.lines().enumerate() {
            if i > 0 {
                html.push_str("<br>\n");
            }
            push_linked_line(&mut html, line);
        }
        html.push_str("</p>\n");
    }
    html
}

fn push_linked_line(html: &mut String, line: &str) {
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    for span in finder.spans(line) {
        let text = escape_html(span.as_str());
        let is_web = span.kind().is_some()
            && (span.as_str().starts_with("http://") || span.as_str().starts_with("https://"));
        if is_web {
            html.push_str("<a href=\"");
            html.push_str(&text);
            html.push_str("\" rel=\"nofollow ugc\">");
            html.push_str(&text);
            html.push_str("</a>");
        } else {
            html.push_str(&text);
        }
    }
}

/// Escapes text for HTML content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_keeps_words_and_drops_markup_and_html() {
        let t = plain_text(
            "## Le sommet\n\nSergueï **Lavrov** a [parlé](https://x.example)\\\n\
             à `Pyongyang`.\n\n- un\n- deux\n\n<script>alert(1)</script>\n",
        );
        assert_eq!(
            t,
            "Le sommet\n\nSergueï Lavrov a parlé à Pyongyang.\n\nun\n\ndeux"
        );
    }

    #[test]
    fn images_from_elsewhere_are_found_in_markdown_and_html() {
        let source = "![Carte](https://cdn.example.net/carte.png)\n\n\
                      ![Locale](/media/ab.jpg) ![Données](data:image/png;base64,AAAA)\n\n\
                      <p><img src=\"//pixel.example.org/p.gif\" alt=\"\"></p>\n\n\
                      Texte <img src=\"HTTP://Autre.example/x.jpg\"> et ![Carte](https://cdn.example.net/carte.png)\n\n\
                      <a href=\"https://lien.example/\">un lien</a> `<img src=\"https://code.example/x\">`\n";
        assert_eq!(
            external_images(source),
            [
                "https://cdn.example.net/carte.png",
                "//pixel.example.org/p.gif",
                "HTTP://Autre.example/x.jpg"
            ]
        );
        assert!(external_images("![a](media/x.jpg) ![b](/media/y.jpg?w=2:3)").is_empty());
        assert!(is_external_image(" ftp://x/y"));
        assert!(!is_external_image("/chemin:avec/deux-points.jpg"));
    }

    #[test]
    fn headline_colon_gets_a_no_break_space() {
        let t = french_typography("Opération spéciale : Pyongyang répond ?");
        assert_eq!(t, "Opération spéciale\u{a0}: Pyongyang répond\u{202f}?");
    }

    #[test]
    fn guillemets_are_held_to_their_words() {
        assert_eq!(french_typography("« Bonjour »"), "«\u{a0}Bonjour\u{a0}»");
    }

    #[test]
    fn times_and_urls_are_left_alone() {
        assert_eq!(
            french_typography("à 18:30, https://x.org"),
            "à 18:30, https://x.org"
        );
    }

    #[test]
    fn markdown_scripts_and_handlers_are_removed() {
        let html = render_markdown(
            "Texte <script>alert(1)</script> <img src=x onerror=alert(1)> [lien](javascript:alert(1))",
            true,
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn markdown_code_keeps_plain_spaces() {
        let html = render_markdown("`a : b`", true);
        assert!(html.contains("a : b"), "{html}");
    }

    #[test]
    fn comment_is_escaped_linked_and_keeps_line_breaks() {
        let html = render_comment("<b>Salut</b>\nvoir https://example.org/a?b=1&c=2\n\nFin");
        assert!(html.contains("&lt;b&gt;Salut&lt;/b&gt;<br>"), "{html}");
        assert!(
            html.contains("<a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"nofollow ugc\">"),
            "{html}"
        );
        assert!(html.contains("<p>Fin</p>"), "{html}");
    }

    #[test]
    fn a_provider_address_alone_in_a_paragraph_becomes_an_embed_block() {
        let html = render_markdown(
            "Avant : la vidéo.\n\nhttps://youtu.be/abc123\n\n<https://vimeo.com/42>\n\n\
             Voir https://youtu.be/abc123 ici.\n\nhttps://example.org/video\n",
            true,
        );
        let found: Vec<_> = component::pieces(&html)
            .into_iter()
            .filter_map(|p| match p {
                component::Piece::Component(c, _) => Some(c),
                component::Piece::Html(_) => None,
            })
            .collect();
        assert_eq!(
            found,
            vec![
                Component::Embed {
                    url: "https://youtu.be/abc123".into()
                },
                Component::Embed {
                    url: "https://vimeo.com/42".into()
                },
            ],
            "{html}"
        );
        assert!(html.starts_with("<p>Avant&nbsp;: la vidéo.</p>"), "{html}");
        assert!(
            html.contains("<p>Voir https://youtu.be/abc123 ici.</p>"),
            "{html}"
        );
    }

    #[test]
    fn a_gallery_block_is_kept_for_display_and_its_texts_are_searchable() {
        let source = "Texte.\n\n```gallery\n![Pirogues](/media/aa.jpg \"Le port\")\n```\n\nFin.";
        let html = render_markdown(source, false);
        let pieces = component::pieces(&html);
        assert!(
            matches!(&pieces[1], component::Piece::Component(Component::Gallery(g), fallback)
                if g.photos.len() == 1 && fallback.contains("src=\"/media/aa.jpg\"")),
            "{html}"
        );
        assert!(!html.contains("<code"), "{html}");
        assert_eq!(plain_text(source), "Texte.\n\nPirogues\n\nLe port\n\nFin.");
    }

    #[test]
    fn writers_cannot_forge_a_block_marker() {
        let html = render_markdown(
            "<!--kiosque {\"kind\":\"embed\",\"url\":\"https://youtu.be/x\"}--><p>x</p><!--/kiosque-->",
            false,
        );
        assert!(!component::has_components(&html), "{html}");
    }

    #[test]
    fn excerpt_is_cut_at_a_word() {
        let e = excerpt(
            "Premier paragraphe assez long pour être coupé ici.\n\nSecond.",
            30,
        );
        assert_eq!(e, "Premier paragraphe assez long…");
    }
}
