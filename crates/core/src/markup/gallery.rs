//! Photo galleries in an article's Markdown.
//!
//! A gallery is a fenced block whose info string is `gallery`, one photo
//! of the library a line, written as a Markdown image:
//!
//! ````markdown
//! ```gallery columns=3
//! ![Des pirogues au port de pêche](/media/3f2a….jpg "Le port au lever du jour")
//! ![Le marché aux poissons](/media/9bc1….jpg)
//! ```
//! ````
//!
//! Why this form: a fenced block is plain CommonMark, so every Markdown
//! tool (and a visual editor's serialiser) keeps it byte for byte; each
//! line stays a readable image if the fence is ever removed; and order,
//! alt text and caption are right there to edit. The alt text and the
//! caption written here win; left empty, the library's are shown, with the
//! library's credit.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};

/// The info string that opens a gallery block.
pub const FENCE_INFO: &str = "gallery";

/// A gallery as written: photos in the editor's order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gallery {
    /// Columns on a wide screen (1 to 6); the reader's screen decides
    /// when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<u8>,
    /// The photos, in order.
    pub photos: Vec<GalleryPhoto>,
}

/// One photo of a gallery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GalleryPhoto {
    /// The library file (`<hash>.<ext>`, as served under `/media/`).
    pub file: String,
    /// Alt text written in the gallery (else the library's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt: Option<String>,
    /// Caption written in the gallery (else the library's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
}

impl Gallery {
    /// Whether a fenced block's info string opens a gallery.
    pub fn is_fence(info: &str) -> bool {
        info.split_whitespace().next() == Some(FENCE_INFO)
    }

    /// Reads a gallery block: its info string and its lines. Lines that are
    /// not an image of the library are skipped (and stay in the Markdown).
    pub fn parse(info: &str, body: &str) -> Gallery {
        let columns = info
            .split_whitespace()
            .filter_map(|w| w.strip_prefix("columns="))
            .filter_map(|n| n.trim_matches('"').parse::<u8>().ok())
            .find(|n| (1..=6).contains(n));
        let photos = body.lines().filter_map(parse_line).collect();
        Gallery { columns, photos }
    }

    /// The gallery as a Markdown block (ending with a newline).
    pub fn to_markdown(&self) -> String {
        let mut out = String::from("```");
        out.push_str(FENCE_INFO);
        if let Some(c) = self.columns {
            out.push_str(&format!(" columns={c}"));
        }
        out.push('\n');
        for p in &self.photos {
            out.push_str("![");
            out.push_str(&escape_alt(p.alt.as_deref().unwrap_or_default()));
            out.push_str("](/media/");
            out.push_str(&p.file);
            if let Some(caption) = p.caption.as_deref().filter(|c| !c.trim().is_empty()) {
                out.push_str(" \"");
                out.push_str(&escape_title(caption));
                out.push('"');
            }
            out.push_str(")\n");
        }
        out.push_str("```\n");
        out
    }
}

/// Every gallery block of a Markdown text, in order, with where it stands
/// in the source (to replace one in place).
pub fn galleries(source: &str) -> Vec<(std::ops::Range<usize>, Gallery)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, String, String)> = None;
    for (event, range) in Parser::new(source).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(pulldown_cmark::CodeBlockKind::Fenced(info)))
                if Gallery::is_fence(&info) =>
            {
                open = Some((range.start, info.to_string(), String::new()));
            }
            Event::Text(text) => {
                if let Some((_, _, body)) = open.as_mut() {
                    body.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((start, info, body)) = open.take() {
                    out.push((start..range.end, Gallery::parse(&info, &body)));
                }
            }
            _ => {}
        }
    }
    out
}

/// The text with its gallery number `index` (0 for the first) replaced by
/// `gallery`, or `gallery` added at the end when `index` is `None`; a
/// gallery without photos takes its block out. `None` when there is no
/// such gallery (the text changed meanwhile).
pub fn with_gallery(source: &str, index: Option<usize>, gallery: &Gallery) -> Option<String> {
    let block = gallery.to_markdown();
    let block = if gallery.photos.is_empty() {
        ""
    } else {
        block.trim_end_matches('\n')
    };
    match index {
        Some(i) => {
            let (range, _) = galleries(source).into_iter().nth(i)?;
            let mut out = String::with_capacity(source.len() + block.len());
            out.push_str(&source[..range.start]);
            out.push_str(block);
            let rest = &source[range.end..];
            // Taking a block out takes the blank line after it too.
            out.push_str(if block.is_empty() {
                rest.trim_start_matches('\n')
            } else {
                rest
            });
            Some(out)
        }
        None if block.is_empty() => Some(source.to_owned()),
        None => {
            let body = source.trim_end();
            Some(if body.is_empty() {
                format!("{block}\n")
            } else {
                format!("{body}\n\n{block}\n")
            })
        }
    }
}

/// `![alt](/media/file "caption")`, read with the Markdown parser so every
/// escape and quoting style CommonMark allows is understood.
fn parse_line(line: &str) -> Option<GalleryPhoto> {
    let mut photo: Option<GalleryPhoto> = None;
    let mut alt = String::new();
    let mut depth = 0;
    for event in Parser::new(line.trim()) {
        match event {
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) if photo.is_none() => {
                let file = dest_url.strip_prefix("/media/")?;
                if file.is_empty()
                    || !file
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
                    || file.starts_with('.')
                {
                    return None;
                }
                photo = Some(GalleryPhoto {
                    file: file.to_owned(),
                    alt: None,
                    caption: Some(title.to_string()).filter(|t| !t.trim().is_empty()),
                });
                depth = 1;
            }
            Event::Text(t) | Event::Code(t) if depth > 0 => alt.push_str(&t),
            Event::End(TagEnd::Image) if depth > 0 => depth = 0,
            _ => {}
        }
    }
    let mut photo = photo?;
    photo.alt = Some(alt.trim().to_owned()).filter(|a| !a.is_empty());
    Some(photo)
}

fn escape_alt(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '[' | ']' | '*' | '_' | '`' | '<' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

fn escape_title(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '"' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gallery_block_is_read_in_order_with_its_texts() {
        let g = Gallery::parse(
            "gallery columns=3",
            "![Des pirogues](/media/aa11.jpg \"Au port : l'aube\")\n\
             pas une image\n\
             ![](/media/bb22.webp)\n\
             ![ailleurs](https://example.org/x.jpg)\n\
             ![remonte](/media/../secret)\n",
        );
        assert_eq!(g.columns, Some(3));
        assert_eq!(
            g.photos,
            vec![
                GalleryPhoto {
                    file: "aa11.jpg".into(),
                    alt: Some("Des pirogues".into()),
                    caption: Some("Au port : l'aube".into()),
                },
                GalleryPhoto {
                    file: "bb22.webp".into(),
                    alt: None,
                    caption: None,
                },
            ]
        );
    }

    #[test]
    fn a_gallery_written_back_reads_the_same() {
        let g = Gallery {
            columns: Some(2),
            photos: vec![
                GalleryPhoto {
                    file: "aa11.jpg".into(),
                    alt: Some("Crochets [sic] et *étoiles* \\ « guillemets »".into()),
                    caption: Some("Il a dit \"non\" : fin".into()),
                },
                GalleryPhoto {
                    file: "bb22.jpg".into(),
                    alt: None,
                    caption: None,
                },
            ],
        };
        let md = g.to_markdown();
        let found = galleries(&format!("Avant.\n\n{md}\nAprès.\n"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1, g, "{md}");
    }

    #[test]
    fn a_gallery_is_replaced_added_or_taken_out_in_place() {
        let source = "Intro.\n\n```gallery\n![a](/media/a.jpg)\n```\n\nFin.\n";
        let two = Gallery {
            columns: None,
            photos: vec![
                GalleryPhoto {
                    file: "b.jpg".into(),
                    alt: None,
                    caption: Some("B".into()),
                },
                GalleryPhoto {
                    file: "a.jpg".into(),
                    alt: Some("a".into()),
                    caption: None,
                },
            ],
        };
        assert_eq!(
            with_gallery(source, Some(0), &two).unwrap(),
            "Intro.\n\n```gallery\n![](/media/b.jpg \"B\")\n![a](/media/a.jpg)\n```\n\nFin.\n"
        );
        assert_eq!(
            with_gallery(source, None, &two).unwrap(),
            format!("{}\n\n{}", source.trim_end(), two.to_markdown())
        );
        assert_eq!(
            with_gallery(source, Some(0), &Gallery::default()).unwrap(),
            "Intro.\n\nFin.\n"
        );
        assert_eq!(with_gallery(source, Some(1), &two), None);
    }

    #[test]
    fn galleries_are_found_with_their_place_in_the_source() {
        let source = "Intro.\n\n```gallery\n![a](/media/a.jpg)\n```\n\n```rust\nfn x() {}\n```\n";
        let found = galleries(source);
        assert_eq!(found.len(), 1);
        assert_eq!(
            &source[found[0].0.clone()],
            "```gallery\n![a](/media/a.jpg)\n```"
        );
    }
}
