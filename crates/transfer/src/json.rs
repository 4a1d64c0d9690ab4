//! `kiosque export json`: a site's content as one JSON document, for other
//! tools. The format is documented in `docs/export-json.md`; these types
//! are the wire format, filled from the store by the binary, never the
//! store's own rows.
//!
//! The document is written as a stream (a list item at a time), so an
//! export of a large site does not hold it whole in memory.

use std::io::{self, Write};

use serde::Serialize;

/// `format` of the document.
pub const FORMAT: &str = "kiosque-content";
/// `version` of the format; raised when a field changes meaning or goes.
pub const VERSION: u32 = 1;

/// The document's first fields.
#[derive(Debug, Serialize)]
pub struct Header {
    /// [`FORMAT`].
    pub format: &'static str,
    /// [`VERSION`].
    pub version: u32,
    /// When, RFC 3339, UTC.
    pub exported_at: String,
    /// The site.
    pub site: SiteInfo,
}

/// The site's identity.
#[derive(Debug, Serialize)]
pub struct SiteInfo {
    /// Name.
    pub name: String,
    /// `fr`, `en`.
    pub language: String,
    /// Public address, without a trailing slash.
    pub base_url: String,
    /// The newsroom's time zone (`Africa/Abidjan`).
    pub time_zone: String,
}

/// A byline.
#[derive(Debug, Serialize)]
pub struct AuthorJson {
    /// Id, as `author_id` in articles.
    pub id: i64,
    /// Address name (`/author/{slug}/`).
    pub slug: String,
    /// Name as shown.
    pub name: String,
}

/// A section or a tag.
#[derive(Debug, Serialize)]
pub struct TermJson {
    /// Id, as `category_id` / `tag_ids` in articles.
    pub id: i64,
    /// Address name.
    pub slug: String,
    /// Name as shown.
    pub name: String,
}

/// A photo.
#[derive(Debug, Serialize)]
pub struct MediaJson {
    /// Id, as `image.media_id` in articles.
    pub id: i64,
    /// Absolute address of the file.
    pub url: String,
    /// `image/jpeg`, `image/png`.
    pub mime: String,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// Bytes.
    pub bytes: u64,
    /// What it shows.
    pub alt: String,
    /// Default caption.
    pub caption: String,
    /// Default credit.
    pub credit: String,
}

/// An article, with its comments.
#[derive(Debug, Serialize)]
pub struct ArticleJson {
    /// Id.
    pub id: i64,
    /// `draft`, `pending`, `scheduled`, `published`, `unpublished`.
    pub status: String,
    /// Absolute address (where it is or will be published).
    pub url: String,
    /// Address name.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// Summary, plain text.
    pub excerpt: String,
    /// The text as written, Markdown.
    pub body_markdown: String,
    /// The text as shown, sanitised HTML.
    pub body_html: String,
    /// Publication time, RFC 3339.
    pub published_at: String,
    /// Last change, RFC 3339.
    pub updated_at: String,
    /// The byline's id.
    pub author_id: i64,
    /// The section's id (the one in its address).
    pub category_id: Option<i64>,
    /// The further sections it is also listed in.
    pub section_ids: Vec<i64>,
    /// The tags' ids.
    pub tag_ids: Vec<i64>,
    /// The lead photo.
    pub image: Option<ImageJson>,
    /// Readers' comments, every state, oldest first.
    pub comments: Vec<CommentJson>,
}

/// An article's lead photo.
#[derive(Debug, Serialize)]
pub struct ImageJson {
    /// The photo's id.
    pub media_id: i64,
    /// Caption under it here.
    pub caption: Option<String>,
    /// Credit here.
    pub credit: Option<String>,
}

/// A reader's comment.
#[derive(Debug, Serialize)]
pub struct CommentJson {
    /// Id.
    pub id: i64,
    /// The comment it answers.
    pub parent_id: Option<i64>,
    /// `pending`, `approved`, `spam`, `trash`.
    pub status: String,
    /// Name given.
    pub author_name: String,
    /// E-mail given: personal data, never shown on the site; keep the
    /// export as private as the database.
    pub author_email: String,
    /// Web site given.
    pub author_url: Option<String>,
    /// Plain text.
    pub body: String,
    /// When, RFC 3339.
    pub created_at: String,
}

/// One of the site's pages.
#[derive(Debug, Serialize)]
pub struct PageJson {
    /// Id.
    pub id: i64,
    /// Absolute address.
    pub url: String,
    /// Address name.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Markdown.
    pub body_markdown: String,
    /// Sanitised HTML.
    pub body_html: String,
}

/// Writes the document: the header, then named lists item by item.
pub struct JsonWriter<W: Write> {
    out: W,
    /// A list is open.
    in_list: bool,
    /// The open list has an item.
    has_item: bool,
}

impl<W: Write> JsonWriter<W> {
    /// Starts the document with `header`'s fields.
    pub fn new(mut out: W, header: &Header) -> io::Result<Self> {
        let header = serde_json::to_vec(header)?;
        // The header's object, left open for the lists.
        out.write_all(header.strip_suffix(b"}").unwrap_or(&header))?;
        Ok(JsonWriter {
            out,
            in_list: false,
            has_item: false,
        })
    }

    /// Starts the list `name` (closing the one before).
    pub fn list(&mut self, name: &str) -> io::Result<()> {
        self.close_list()?;
        write!(self.out, ",{}:[", serde_json::to_string(name)?)?;
        self.in_list = true;
        self.has_item = false;
        Ok(())
    }

    /// Adds an item to the open list.
    pub fn item<T: Serialize>(&mut self, item: &T) -> io::Result<()> {
        if self.has_item {
            self.out.write_all(b",\n")?;
        } else {
            self.out.write_all(b"\n")?;
        }
        serde_json::to_writer(&mut self.out, item)?;
        self.has_item = true;
        Ok(())
    }

    /// Ends the document; returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.close_list()?;
        self.out.write_all(b"}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn close_list(&mut self) -> io::Result<()> {
        if self.in_list {
            self.out.write_all(b"]")?;
            self.in_list = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_one_json_object_with_its_lists() {
        let header = Header {
            format: FORMAT,
            version: VERSION,
            exported_at: "2026-11-30T08:00:00+00:00".into(),
            site: SiteInfo {
                name: "L'Écho « ici »".into(),
                language: "fr".into(),
                base_url: "https://echo.example".into(),
                time_zone: "Africa/Abidjan".into(),
            },
        };
        let mut writer = JsonWriter::new(Vec::new(), &header).unwrap();
        writer.list("tags").unwrap();
        for (id, name) in [(1, "Port"), (2, "Élections")] {
            writer
                .item(&TermJson {
                    id,
                    slug: name.to_lowercase(),
                    name: name.into(),
                })
                .unwrap();
        }
        writer.list("authors").unwrap();
        let bytes = writer.finish().unwrap();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(value["format"], FORMAT);
        assert_eq!(value["site"]["name"], "L'Écho « ici »");
        assert_eq!(value["tags"][1]["name"], "Élections");
        assert_eq!(value["authors"].as_array().unwrap().len(), 0);
    }
}
