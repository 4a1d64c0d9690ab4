//! What a WXR file holds, as typed records: the fields WordPress writes
//! (see its `wp-admin/includes/export.php`), named as it names them.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::tree::Node;

/// The site the file was exported from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Channel {
    /// Site title.
    pub title: String,
    /// Site address (`https://example.org`).
    pub link: String,
    /// Tagline.
    pub description: String,
    /// `fr-FR`, `en-US`.
    pub language: String,
    /// `1.1`, `1.2`.
    pub wxr_version: String,
    /// Where WordPress itself lives (may differ from `link`).
    pub base_site_url: String,
    /// The blog's address.
    pub base_blog_url: String,
}

/// One thing read from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A user who wrote something.
    Author(WpAuthor),
    /// A category (with its parent's slug).
    Category(WpCategory),
    /// A tag.
    Tag(WpTag),
    /// A post, page, attachment or any other post type.
    Item(Box<WpItem>),
}

/// `<wp:author>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WpAuthor {
    /// WordPress user id.
    pub id: i64,
    /// Log-in name; posts name their author by it (`dc:creator`).
    pub login: String,
    /// E-mail address.
    pub email: String,
    /// Name shown on the site.
    pub display_name: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
}

/// `<wp:category>`, or a `<wp:term>` of the `category` taxonomy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WpCategory {
    /// WordPress term id.
    pub id: i64,
    /// Slug (decoded).
    pub slug: String,
    /// The parent category's slug, empty at the top.
    pub parent: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
}

/// `<wp:tag>`, or a `<wp:term>` of the `post_tag` taxonomy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WpTag {
    /// WordPress term id.
    pub id: i64,
    /// Slug (decoded).
    pub slug: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
}

/// A post's status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum WpStatus {
    /// Public.
    Publish,
    /// Being written.
    #[default]
    Draft,
    /// Waiting for review.
    Pending,
    /// Scheduled.
    Future,
    /// Visible to the newsroom only.
    Private,
    /// In the bin.
    Trash,
    /// Attachments.
    Inherit,
    /// WordPress's autosaves and anything else.
    Other,
}

impl WpStatus {
    fn parse(s: &str) -> Self {
        match s {
            "publish" => WpStatus::Publish,
            "draft" | "auto-draft" => WpStatus::Draft,
            "pending" => WpStatus::Pending,
            "future" => WpStatus::Future,
            "private" => WpStatus::Private,
            "trash" => WpStatus::Trash,
            "inherit" => WpStatus::Inherit,
            _ => WpStatus::Other,
        }
    }
}

/// A category or tag named by an item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TermRef {
    /// `category`, `post_tag` or another taxonomy.
    pub domain: String,
    /// Slug (decoded).
    pub slug: String,
    /// Name.
    pub name: String,
}

/// `<item>`: a post, page, attachment…
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WpItem {
    /// `wp:post_id`.
    pub id: i64,
    /// `post`, `page`, `attachment`, `nav_menu_item`, …
    pub post_type: String,
    /// Title.
    pub title: String,
    /// The public address WordPress gave it (its permalink).
    pub link: String,
    /// `guid`: stable identity, often `https://site/?p=ID`.
    pub guid: String,
    /// Author's log-in name.
    pub creator: String,
    /// Body: WordPress HTML (classic or block editor).
    pub content: String,
    /// Hand-written excerpt.
    pub excerpt: String,
    /// Publication time, UTC, when WordPress wrote one (drafts have none).
    pub date_gmt: Option<DateTime<Utc>>,
    /// Publication time on the site's clock.
    pub date_local: Option<NaiveDateTime>,
    /// Last change, UTC.
    pub modified_gmt: Option<DateTime<Utc>>,
    /// Slug, decoded (`été-caniculaire`); empty for drafts never saved
    /// with one.
    pub slug: String,
    /// Status.
    pub status: WpStatus,
    /// Parent post (a page's parent, an attachment's post), 0 if none.
    pub parent: i64,
    /// Menu order (pages).
    pub menu_order: i64,
    /// Password protection (such posts are not public).
    pub password: String,
    /// Sticky post.
    pub sticky: bool,
    /// Attachments: the uploaded file's address.
    pub attachment_url: String,
    /// Categories, tags and other terms.
    pub terms: Vec<TermRef>,
    /// `wp:postmeta`, in order (`_thumbnail_id`, `_wp_attached_file`, …).
    pub meta: Vec<(String, String)>,
    /// Comments, in file order.
    pub comments: Vec<WpComment>,
}

impl WpItem {
    /// The first value of meta key `key`.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// What a `nav_menu_item` links to, and in which menu; `None` for
    /// other items.
    pub fn menu_link(&self) -> Option<MenuLink> {
        if self.post_type != "nav_menu_item" {
            return None;
        }
        let menu = self
            .terms
            .iter()
            .find(|t| t.domain == "nav_menu")
            .map(|t| t.slug.clone())
            .unwrap_or_default();
        let target = match (
            self.meta("_menu_item_type").unwrap_or_default(),
            self.meta("_menu_item_object").unwrap_or_default(),
        ) {
            ("custom", _) => MenuTarget::Address(
                self.meta("_menu_item_url")
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
            ),
            (kind, object) => {
                let id = self
                    .meta("_menu_item_object_id")
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                match (kind, object) {
                    ("post_type", "page") => MenuTarget::Page(id),
                    ("post_type", "post") => MenuTarget::Post(id),
                    ("taxonomy", "category") => MenuTarget::Category(id),
                    ("taxonomy", "post_tag") => MenuTarget::Tag(id),
                    (_, object) => MenuTarget::Other(object.to_owned()),
                }
            }
        };
        Some(MenuLink {
            id: self.id,
            menu,
            position: self.menu_order,
            parent: self
                .meta("_menu_item_menu_item_parent")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0),
            title: self.title.clone(),
            target,
        })
    }
}

/// An entry of one of the site's menus (a `nav_menu_item`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuLink {
    /// The entry's own id (sub-menu entries name their parent by it).
    pub id: i64,
    /// The menu's slug (`principal`, `footer`…).
    pub menu: String,
    /// Its place in the menu.
    pub position: i64,
    /// The entry it is under, 0 at the top.
    pub parent: i64,
    /// Its text, empty for the target's own name (may hold HTML
    /// entities).
    pub title: String,
    /// What it leads to.
    pub target: MenuTarget,
}

/// What a menu entry leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuTarget {
    /// A page, by WordPress id.
    Page(i64),
    /// A post, by WordPress id.
    Post(i64),
    /// A category, by WordPress term id.
    Category(i64),
    /// A tag, by WordPress term id.
    Tag(i64),
    /// A hand-typed address.
    Address(String),
    /// Anything else (a tag, a plugin's object), by its kind.
    Other(String),
}

/// A comment's moderation state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CommentApproval {
    /// Shown.
    Approved,
    /// Waiting for moderation.
    #[default]
    Pending,
    /// Marked as spam.
    Spam,
    /// In the bin.
    Trash,
}

/// `<wp:comment>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WpComment {
    /// WordPress comment id.
    pub id: i64,
    /// Name given.
    pub author: String,
    /// E-mail given.
    pub email: String,
    /// Web site given.
    pub url: String,
    /// When, UTC.
    pub date_gmt: Option<DateTime<Utc>>,
    /// When, on the site's clock.
    pub date_local: Option<NaiveDateTime>,
    /// Text (WordPress keeps a little HTML in comments).
    pub content: String,
    /// Moderation state.
    pub approval: CommentApproval,
    /// `comment`, `pingback`, `trackback`; empty is a comment.
    pub kind: String,
    /// The comment it answers, 0 if none.
    pub parent: i64,
    /// The WordPress user who wrote it, 0 for a reader.
    pub user_id: i64,
}

impl Record {
    /// Turns a child of `<channel>` into a record; the channel's own
    /// fields go into `channel` and give no record.
    pub(super) fn from_node(node: &Node, channel: &mut Channel) -> Result<Option<Record>, String> {
        let text = || node.text.trim().to_owned();
        match node.name.as_str() {
            "title" => channel.title = text(),
            "link" => channel.link = text(),
            "description" => channel.description = text(),
            "language" => channel.language = text(),
            "wp:wxr_version" => channel.wxr_version = text(),
            "wp:base_site_url" => channel.base_site_url = text(),
            "wp:base_blog_url" => channel.base_blog_url = text(),
            "wp:author" => return Ok(Some(Record::Author(author(node)?))),
            "wp:category" => {
                return Ok(Some(Record::Category(WpCategory {
                    id: number(node, "wp:term_id")?,
                    slug: percent_decode(node.text_of("wp:category_nicename")),
                    parent: percent_decode(node.text_of("wp:category_parent")),
                    name: node.text_of("wp:cat_name").to_owned(),
                    description: node.text_of("wp:category_description").to_owned(),
                })));
            }
            "wp:tag" => {
                return Ok(Some(Record::Tag(WpTag {
                    id: number(node, "wp:term_id")?,
                    slug: percent_decode(node.text_of("wp:tag_slug")),
                    name: node.text_of("wp:tag_name").to_owned(),
                    description: node.text_of("wp:tag_description").to_owned(),
                })));
            }
            // WXR 1.2 also lists every term generically; categories and tags
            // are already given above, other taxonomies are not imported.
            "wp:term" => {}
            "item" => return Ok(Some(Record::Item(Box::new(item(node)?)))),
            _ => {}
        }
        Ok(None)
    }
}

fn author(node: &Node) -> Result<WpAuthor, String> {
    let login = node.text_of("wp:author_login").to_owned();
    if login.is_empty() {
        return Err("an author without <wp:author_login>".to_owned());
    }
    Ok(WpAuthor {
        id: number(node, "wp:author_id")?,
        login,
        email: node.text_of("wp:author_email").to_owned(),
        display_name: node.text_of("wp:author_display_name").to_owned(),
        first_name: node.text_of("wp:author_first_name").to_owned(),
        last_name: node.text_of("wp:author_last_name").to_owned(),
    })
}

fn item(node: &Node) -> Result<WpItem, String> {
    let id = number(node, "wp:post_id")?;
    if id <= 0 {
        return Err("an item without <wp:post_id>".to_owned());
    }
    let comments = node
        .all("wp:comment")
        .map(|c| {
            Ok(WpComment {
                id: number(c, "wp:comment_id")?,
                author: c.text_of("wp:comment_author").to_owned(),
                email: c.text_of("wp:comment_author_email").to_owned(),
                url: c.text_of("wp:comment_author_url").to_owned(),
                date_gmt: gmt(c.text_of("wp:comment_date_gmt")),
                date_local: local(c.text_of("wp:comment_date")),
                content: c.text_of("wp:comment_content").to_owned(),
                approval: match c.text_of("wp:comment_approved") {
                    "1" | "approve" => CommentApproval::Approved,
                    "spam" => CommentApproval::Spam,
                    "trash" | "post-trashed" => CommentApproval::Trash,
                    _ => CommentApproval::Pending,
                },
                kind: c.text_of("wp:comment_type").to_owned(),
                parent: number(c, "wp:comment_parent")?,
                user_id: number(c, "wp:comment_user_id")?,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(WpItem {
        id,
        post_type: node.text_of("wp:post_type").to_owned(),
        title: node.text_of("title").to_owned(),
        link: node.text_of("link").to_owned(),
        guid: node.text_of("guid").to_owned(),
        creator: node.text_of("dc:creator").to_owned(),
        // Not trimmed: leading and trailing lines matter to wpautop.
        content: node
            .child("content:encoded")
            .map(|c| c.text.clone())
            .unwrap_or_default(),
        excerpt: node.text_of("excerpt:encoded").to_owned(),
        date_gmt: gmt(node.text_of("wp:post_date_gmt")),
        date_local: local(node.text_of("wp:post_date")),
        modified_gmt: gmt(node.text_of("wp:post_modified_gmt")),
        slug: percent_decode(node.text_of("wp:post_name")),
        status: WpStatus::parse(node.text_of("wp:status")),
        parent: number(node, "wp:post_parent")?,
        menu_order: number(node, "wp:menu_order")?,
        password: node.text_of("wp:post_password").to_owned(),
        sticky: node.text_of("wp:is_sticky") == "1",
        attachment_url: node.text_of("wp:attachment_url").to_owned(),
        terms: node
            .all("category")
            .map(|c| TermRef {
                domain: c.attr("domain").unwrap_or("category").to_owned(),
                slug: percent_decode(c.attr("nicename").unwrap_or_default()),
                name: c.text.trim().to_owned(),
            })
            .collect(),
        meta: node
            .all("wp:postmeta")
            .map(|m| {
                (
                    m.text_of("wp:meta_key").to_owned(),
                    m.text_of("wp:meta_value").to_owned(),
                )
            })
            .collect(),
        comments,
    })
}

/// A whole number field; missing or empty is 0.
fn number(node: &Node, name: &str) -> Result<i64, String> {
    let text = node.text_of(name);
    if text.is_empty() {
        return Ok(0);
    }
    text.parse()
        .map_err(|_| format!("<{name}> should be a number, not `{text}`"))
}

/// WordPress's `Y-m-d H:i:s`; `0000-00-00 00:00:00` (never set) is none.
fn local(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").ok()
}

fn gmt(text: &str) -> Option<DateTime<Utc>> {
    local(text).map(|t| t.and_utc())
}

/// The string at `key` in a PHP-serialised value, wherever it is nested:
/// WordPress keeps a photo's IPTC credit in `_wp_attachment_metadata`
/// (`…s:6:"credit";s:11:"Kofi Mensah";…`). A targeted read, not a PHP
/// unserialiser: only string values are wanted, and their length prefix
/// (in bytes) makes them unambiguous.
pub fn php_serialized_string(serialized: &str, key: &str) -> Option<String> {
    let needle = format!("s:{}:\"{key}\";s:", key.len());
    let start = serialized.find(&needle)? + needle.len();
    let rest = &serialized[start..];
    let (length, rest) = rest.split_once(':')?;
    let length: usize = length.parse().ok()?;
    let value = rest.strip_prefix('"')?.get(..length)?;
    Some(value.to_owned())
}

/// WordPress stores non-ASCII slugs percent-encoded (`%c3%a9t%c3%a9`).
pub fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credit_is_read_from_wordpress_serialised_metadata() {
        let meta = r#"a:5:{s:5:"width";i:1600;s:4:"file";s:24:"2024/03/port-abidjan.jpg";s:10:"image_meta";a:3:{s:6:"credit";s:19:"Kofi Mensah / Écho";s:7:"caption";s:0:"";s:5:"title";s:3:"x;y";}}"#;
        assert_eq!(
            php_serialized_string(meta, "credit").as_deref(),
            Some("Kofi Mensah / Écho")
        );
        assert_eq!(php_serialized_string(meta, "caption").as_deref(), Some(""));
        assert_eq!(php_serialized_string(meta, "copyright"), None);
        assert_eq!(
            php_serialized_string("s:6:\"credit\";s:99:\"court\"", "credit"),
            None
        );
    }
}
