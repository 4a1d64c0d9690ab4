//! Text into safe HTML: article Markdown, reader comments, French typography
//! and excerpts.
//!
//! Article Markdown is rendered by pulldown-cmark and then sanitised by
//! ammonia, so whatever a writer (or an imported file) puts in the source, no
//! script or event handler reaches a reader. Comments are not Markdown: they
//! are plain text, escaped, with line breaks kept and bare URLs linked.

use pulldown_cmark::{Event, Options, Parser};

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
/// (not code) gets French spacing.
pub fn render_markdown(source: &str, french: bool) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_FOOTNOTES);
    let parser = Parser::new_ext(source, options).map(|event| match event {
        Event::Text(text) if french => Event::Text(french_typography(&text).into()),
        other => other,
    });
    let mut html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .clean(&html)
        .to_string()
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
    for event in Parser::new(source) {
        match event {
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
    fn excerpt_is_cut_at_a_word() {
        let e = excerpt(
            "Premier paragraphe assez long pour être coupé ici.\n\nSecond.",
            30,
        );
        assert_eq!(e, "Premier paragraphe assez long…");
    }
}
