//! WordPress shortcodes: `[caption]` becomes a figure; the others (galleries,
//! embeds, plugins' own) have no meaning outside WordPress, so they stay in
//! the text where an editor will see them, and are reported.
//!
//! Scanned by hand: a shortcode is a bracketed name with attributes, and
//! the grammar is small enough that a parser crate would be more code.

/// Shortcodes WordPress itself registers; with these, a bare `[name]` is
/// a shortcode and not an editor's bracket (`[sic]`).
const KNOWN: &[&str] = &[
    "audio",
    "embed",
    "gallery",
    "playlist",
    "video",
    "wp_caption",
];

/// `[caption …]<img …> Text[/caption]` → `<figure><img …><figcaption>Text
/// </figcaption></figure>`, for each caption.
pub fn captions_to_figures(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = find_open(rest, "caption").or_else(|| find_open(rest, "wp_caption")) {
        let Some(open_end) = rest[start..].find(']').map(|i| start + i + 1) else {
            break;
        };
        let name = if rest[start..].starts_with("[wp_caption") {
            "wp_caption"
        } else {
            "caption"
        };
        let close = format!("[/{name}]");
        let Some(close_at) = rest[open_end..].find(&close).map(|i| open_end + i) else {
            break;
        };
        out.push_str(&rest[..start]);
        let attrs = &rest[start + 1 + name.len()..open_end - 1];
        let inner = rest[open_end..close_at].trim();
        let split = media_end(inner);
        let (media, text) = inner.split_at(split);
        let text = match text.trim() {
            "" => attribute(attrs, "caption").unwrap_or_default(),
            text => text.to_owned(),
        };
        out.push_str("<figure>");
        out.push_str(media.trim());
        if !text.is_empty() {
            out.push_str("<figcaption>");
            out.push_str(&text);
            out.push_str("</figcaption>");
        }
        out.push_str("</figure>");
        rest = &rest[close_at + close.len()..];
    }
    out.push_str(rest);
    out
}

/// Where the picture of a caption ends: after the `</a>` around the image,
/// or after the `<img …>` tag.
fn media_end(inner: &str) -> usize {
    let Some(img) = inner.find("<img") else {
        return 0;
    };
    let tag_end = inner[img..].find('>').map_or(inner.len(), |i| img + i + 1);
    match inner[tag_end..].find("</a>") {
        Some(i) if inner[..img].contains("<a ") => tag_end + i + "</a>".len(),
        _ => tag_end,
    }
}

/// The names of the shortcodes in `html`, once each, in order of first
/// appearance.
pub fn left(html: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut at = 0;
    while let Some(i) = html[at..].find('[') {
        let start = at + i;
        at = start + 1;
        let name: String = html[start + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let after = &html[start + 1 + name.len()..];
        let Some(open_end) = after.find(']') else {
            continue;
        };
        let attrs = &after[..open_end];
        let is_tag = after.starts_with([' ', ']', '/']);
        let shortcode = is_tag
            && (KNOWN.contains(&name.as_str())
                || attrs.contains('=')
                || html[start..].contains(&format!("[/{name}]")));
        if shortcode && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// `[name` at a tag boundary.
pub(super) fn find_open(html: &str, name: &str) -> Option<usize> {
    let needle = format!("[{name}");
    let mut at = 0;
    while let Some(i) = html[at..].find(&needle) {
        let start = at + i;
        if html[start + needle.len()..].starts_with([' ', ']']) {
            return Some(start);
        }
        at = start + needle.len();
    }
    None
}

/// The value of `name="…"` (or `'…'`) among shortcode attributes.
pub(super) fn attribute(attrs: &str, name: &str) -> Option<String> {
    let needle = format!("{name}=");
    let mut at = 0;
    while let Some(i) = attrs[at..].find(&needle) {
        let start = at + i;
        at = start + needle.len();
        // A whole attribute name, not the end of a longer one.
        if start > 0 && !attrs[..start].ends_with(char::is_whitespace) {
            continue;
        }
        let value = &attrs[at..];
        let quote = value.chars().next()?;
        if quote == '"' || quote == '\'' {
            let end = value[1..].find(quote)?;
            return Some(value[1..1 + end].to_owned());
        }
        let end = value.find(char::is_whitespace).unwrap_or(value.len());
        return Some(value[..end].to_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caption_around_a_linked_image_becomes_a_figure_with_its_caption() {
        let html = "Avant.\n\n[caption id=\"attachment_7\" align=\"aligncenter\" width=\"800\"]\
                    <a href=\"https://x.fr/wp-content/uploads/a.jpg\"><img src=\"https://x.fr/wp-content/uploads/a-300x200.jpg\" alt=\"Le port\" /></a> \
                    Le port d'Abidjan à l'aube. Photo : K. Mensah[/caption]\n\nAprès.";
        assert_eq!(
            captions_to_figures(html),
            "Avant.\n\n<figure><a href=\"https://x.fr/wp-content/uploads/a.jpg\">\
             <img src=\"https://x.fr/wp-content/uploads/a-300x200.jpg\" alt=\"Le port\" /></a>\
             <figcaption>Le port d'Abidjan à l'aube. Photo : K. Mensah</figcaption></figure>\n\nAprès."
        );
    }

    #[test]
    fn an_old_caption_gives_its_text_as_an_attribute() {
        let html = "[caption id=\"\" align=\"alignnone\" width=\"300\" caption=\"Vue du marché\"]<img src=\"m.jpg\" />[/caption]";
        assert_eq!(
            captions_to_figures(html),
            "<figure><img src=\"m.jpg\" /><figcaption>Vue du marché</figcaption></figure>"
        );
    }

    #[test]
    fn other_shortcodes_are_reported_and_brackets_of_prose_are_not() {
        let html = "Il a dit [sic] que… [gallery ids=\"1,2\"] [contact-form-7 id=\"4\"] \
                    [embed]https://v.example/1[/embed] [gallery] [1]";
        assert_eq!(left(html), ["gallery", "contact-form-7", "embed"]);
    }

    #[test]
    fn an_unclosed_caption_is_left_as_it_is() {
        let html = "[caption id=\"1\"]<img src=\"a.jpg\"> pas de fin";
        assert_eq!(captions_to_figures(html), html);
    }
}
