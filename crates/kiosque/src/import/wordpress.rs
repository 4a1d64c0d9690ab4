//! `kiosque import wordpress`: a WordPress export (WXR) into the site.
//!
//! The file is read twice, as a stream, so memory stays flat whatever its
//! size: the first pass brings the people, sections, tags and photos (a
//! post may name its photo before the file lists it), the second the
//! posts, pages and comments. Everything is keyed on WordPress's ids in
//! `import_keys`, so running the import again updates what it made and
//! duplicates nothing.
//!
//! How WordPress maps onto Kiosque:
//! - authors become newsroom accounts with the least role, contributor,
//!   and no password (the file carries neither roles nor passwords: they
//!   use "forgot password", an administrator raises roles); their display
//!   name is their byline;
//! - a post's first category is its section (the others are reported),
//!   categories keep their parent; tags stay tags;
//! - statuses: publish → published, future → scheduled, draft → draft,
//!   pending → in review, private and password-protected → unpublished
//!   (seen by the newsroom only); the bin is left out;
//! - pages become the site's pages (published ones only);
//! - attachments: the image files of `--uploads` (WordPress's
//!   `wp-content/uploads` folder) are decoded and stored like uploads, with
//!   their alt text, caption and credit (from `_wp_attachment_metadata`);
//!   article text pointing at them (any of WordPress's resized copies)
//!   points at the imported file;
//! - comments keep their thread, name, e-mail (private, as always), web
//!   site, date and state (approved, pending, spam, bin); pingbacks and
//!   trackbacks are left out. A comment without a valid e-mail gets
//!   `anonyme@import.invalid` (the `.invalid` domain never receives mail).

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use kiosque_core::Error;
use kiosque_core::markup::render_markdown;
use kiosque_core::model::MenuTarget as ItemTarget;
use kiosque_core::model::{
    ArticleDraft, Editorial, MAX_PINS, MenuItemDraft, MenuPlace, NewComment, NewUser, PageDraft,
    RedirectTarget, Site, TermKind, menu_link, old_address, without_wordpress_size,
};
use kiosque_core::ports::Store;
use kiosque_core::service::publish::ArticleSource;
use kiosque_core::types::{ArticleStatus, CommentStatus, Email, Locale, Role, Slug, Title, WebUrl};
use kiosque_media::{BlobStore, MediaLimits};
use kiosque_transfer::content::{ImportedMedia, comment_text, plain_text, wordpress_to_markdown};
use kiosque_transfer::wxr::{
    CommentApproval, MenuLink, MenuTarget, Record, WpAuthor, WpCategory, WpItem, WpStatus, WpTag,
    WxrError, WxrReader, php_serialized_string,
};

use super::ImportReport;

/// Where the export file and the uploads are.
#[derive(Debug, Clone)]
pub struct Source {
    /// The WXR file.
    pub file: PathBuf,
    /// WordPress's `wp-content/uploads` folder, if copied.
    pub uploads: Option<PathBuf>,
}

/// Imports `source` into `store` (files into `media`). `progress(done,
/// total)` is called as the file is read, in bytes over both passes.
pub async fn import(
    store: &dyn Store,
    media: &dyn BlobStore,
    limits: MediaLimits,
    site: &Site,
    source: &Source,
    progress: &dyn Fn(u64, u64),
) -> anyhow::Result<ImportReport> {
    let size = std::fs::metadata(&source.file)
        .with_context(|| format!("cannot read {}", source.file.display()))?
        .len();
    let mut importer = Importer {
        store,
        media,
        limits,
        site,
        uploads: source.uploads.clone(),
        origin: String::new(),
        report: ImportReport::default(),
        bylines: HashMap::new(),
        logins: HashMap::new(),
        sections: HashMap::new(),
        tags: HashMap::new(),
        photos: HashMap::new(),
        files: HashMap::new(),
        menu_entries: Vec::new(),
        sticky: Vec::new(),
        tagline: String::new(),
        redirects: Vec::new(),
    };
    for pass in [Pass::Terms, Pass::Posts] {
        let file = File::open(&source.file)
            .with_context(|| format!("cannot read {}", source.file.display()))?;
        let mut reader = WxrReader::new(BufReader::with_capacity(1 << 16, file));
        let offset = if pass == Pass::Terms { 0 } else { size };
        loop {
            let record = match reader.next_record() {
                Ok(Some(record)) => record,
                Ok(None) => break,
                Err(e) => return Err(located(e, &source.file)),
            };
            if importer.origin.is_empty() {
                let channel = reader.channel();
                importer.origin = [
                    &channel.base_blog_url,
                    &channel.link,
                    &channel.base_site_url,
                ]
                .into_iter()
                .find(|s| !s.is_empty())
                .map(|s| s.trim_end_matches('/').to_owned())
                .unwrap_or_else(|| "wordpress".to_owned());
                importer.tagline = plain_text(&channel.description);
            }
            importer.apply(pass, record).await?;
            importer.save_redirects().await?;
            progress(offset + reader.position(), size * 2);
        }
    }
    importer.author_addresses().await?;
    importer.save_redirects().await?;
    importer.menus().await?;
    importer.front_page().await?;
    Ok(importer.report)
}

/// A broken file, with its line and column.
fn located(error: WxrError, file: &Path) -> anyhow::Error {
    let error = match File::open(file) {
        Ok(f) => error.locate(f),
        Err(_) => error,
    };
    anyhow::anyhow!(
        "{}: {error}. Nothing of that item was imported; what came before it was.",
        file.display()
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    Terms,
    Posts,
}

/// A photo brought in: its stored id, caption and credit.
#[derive(Debug, Clone)]
struct Photo {
    id: i64,
    /// The stored file (galleries name photos by it).
    file: String,
    caption: Option<String>,
    credit: Option<String>,
}

/// A category brought in as a section.
#[derive(Debug, Clone)]
struct Section {
    id: i64,
    /// Slug and name, as an article's draft names its section.
    named: (Slug, String),
    /// The parent category's WordPress slug, empty at the top.
    parent: String,
}

struct Importer<'a> {
    store: &'a dyn Store,
    media: &'a dyn BlobStore,
    limits: MediaLimits,
    site: &'a Site,
    uploads: Option<PathBuf>,
    /// The WordPress site's address: the `source` of the import keys.
    origin: String,
    report: ImportReport,
    /// Login → byline name.
    bylines: HashMap<String, String>,
    /// WordPress user id → login.
    logins: HashMap<i64, String>,
    /// WordPress category slug → the section made of it.
    sections: HashMap<String, Section>,
    /// WordPress tag slug → tag slug and name.
    tags: HashMap<String, (Slug, String)>,
    /// Attachment id → photo.
    photos: HashMap<i64, Photo>,
    /// Upload path (`2024/03/port.jpg`) → stored file name.
    files: HashMap<String, String>,
    /// The entries of WordPress's menus, read in the first pass and made
    /// the site's menus at the end (their targets are known by then).
    menu_entries: Vec<MenuLink>,
    /// WordPress's sticky posts (publication time, article here): they
    /// lead the front page.
    sticky: Vec<(DateTime<Utc>, i64)>,
    /// The site's tagline in WordPress.
    tagline: String,
    /// Old addresses of the record being applied, written after it.
    redirects: Vec<(String, RedirectTarget)>,
}

impl ImportedMedia for Importer<'_> {
    fn address(&self, url: &str) -> Option<String> {
        self.media_address(url)
    }

    fn attachment(&self, id: i64) -> Option<String> {
        self.photos.get(&id).map(|p| p.file.clone())
    }
}

impl Importer<'_> {
    async fn apply(&mut self, pass: Pass, record: Record) -> anyhow::Result<()> {
        match (pass, record) {
            (Pass::Terms, Record::Author(author)) => self.author(&author).await,
            (Pass::Terms, Record::Category(category)) => self.category(&category).await,
            (Pass::Terms, Record::Tag(tag)) => self.tag(&tag).await,
            (Pass::Terms, Record::Item(item)) if item.post_type == "attachment" => {
                self.attachment(&item).await
            }
            (Pass::Terms, Record::Item(item)) => {
                if let Some(link) = item.menu_link() {
                    self.menu_entries.push(link);
                }
                Ok(())
            }
            (Pass::Posts, Record::Item(item)) => match item.post_type.as_str() {
                "post" => self.post(&item).await,
                "page" => self.page(&item).await,
                // Taken in by the first pass.
                "attachment" | "nav_menu_item" => Ok(()),
                other => {
                    self.report.skip(
                        describe(&item),
                        format!("WordPress's {other} items have no equivalent here"),
                    );
                    Ok(())
                }
            },
            _ => Ok(()),
        }
    }

    async fn author(&mut self, author: &WpAuthor) -> anyhow::Result<()> {
        let name = [
            author.display_name.clone(),
            format!("{} {}", author.first_name, author.last_name),
            author.login.clone(),
        ]
        .into_iter()
        .map(|n| n.trim().to_owned())
        .find(|n| !n.is_empty())
        .unwrap_or_default();
        self.bylines.insert(author.login.clone(), name.clone());
        self.logins.insert(author.id, author.login.clone());
        let Ok(email) = Email::parse(&author.email) else {
            self.report.skip(
                format!("{} ({})", name, author.login),
                "account without a valid e-mail address (their byline is kept)",
            );
            return Ok(());
        };
        let existing = self.store.user_by_email(&email).await?;
        let created = existing.is_none();
        let id = match existing {
            Some(user) => user.id,
            None => {
                self.store
                    .create_user(&NewUser {
                        email,
                        name,
                        role: Role::Contributor,
                        password_hash: None,
                        created_at: Utc::now(),
                    })
                    .await?
                    .id
            }
        };
        self.store
            .remember_import(&self.origin, "user", &author.login, id)
            .await?;
        self.counted("accounts", created);
        Ok(())
    }

    async fn category(&mut self, category: &WpCategory) -> anyhow::Result<()> {
        let Some((id, slug, created)) = self
            .term(
                TermKind::Category,
                "category",
                category.id,
                &category.slug,
                &category.name,
            )
            .await?
        else {
            return Ok(());
        };
        // WordPress lists a parent before its children.
        let parent = self.sections.get(&category.parent).map(|p| p.id);
        if parent.is_some() || !category.parent.is_empty() {
            self.store.set_category_parent(id, parent).await?;
        }
        self.sections.insert(
            category.slug.clone(),
            Section {
                id,
                named: (slug, category.name.clone()),
                parent: category.parent.clone(),
            },
        );
        // WordPress's archive addresses: /category/parent/child/ and its feed.
        let mut path = vec![category.slug.as_str()];
        let mut up = category.parent.as_str();
        while !up.is_empty() && path.len() < 10 {
            path.push(up);
            up = self.sections.get(up).map_or("", |s| s.parent.as_str());
        }
        path.reverse();
        let archive = format!("/category/{}/", path.join("/"));
        self.redirect(&format!("{archive}feed/"), RedirectTarget::SectionFeed(id));
        self.redirect(&archive, RedirectTarget::Section(id));
        self.redirect(
            &format!("/?cat={}", category.id),
            RedirectTarget::Section(id),
        );
        self.counted("sections", created);
        Ok(())
    }

    async fn tag(&mut self, tag: &WpTag) -> anyhow::Result<()> {
        if let Some((id, slug, created)) = self
            .term(TermKind::Tag, "tag", tag.id, &tag.slug, &tag.name)
            .await?
        {
            let archive = format!("/tag/{}/", tag.slug);
            self.redirect(&format!("{archive}feed/"), RedirectTarget::TagFeed(id));
            self.redirect(&archive, RedirectTarget::Tag(id));
            self.redirect(&format!("/?tag={}", tag.slug), RedirectTarget::Tag(id));
            self.tags.insert(tag.slug.clone(), (slug, tag.name.clone()));
            self.counted("tags", created);
        }
        Ok(())
    }

    /// Finds or makes a section or tag: (id, slug, made now).
    async fn term(
        &mut self,
        kind: TermKind,
        key_kind: &str,
        wp_id: i64,
        wp_slug: &str,
        name: &str,
    ) -> anyhow::Result<Option<(i64, Slug, bool)>> {
        let (Ok(slug), false) = (
            Slug::from_text(if wp_slug.is_empty() { name } else { wp_slug }),
            name.trim().is_empty(),
        ) else {
            self.report.skip(
                format!("{wp_slug:?} {name:?}"),
                "section or tag without a name",
            );
            return Ok(None);
        };
        let found = match kind {
            TermKind::Category => self.store.category_by_slug(&slug).await?.map(|c| c.id),
            TermKind::Tag => self.store.tag_by_slug(&slug).await?.map(|t| t.id),
        };
        let (id, created) = match found {
            Some(id) => (id, false),
            None => (
                self.store.create_term(kind, &slug, name.trim()).await?,
                true,
            ),
        };
        self.store
            .remember_import(&self.origin, key_kind, &wp_id.to_string(), id)
            .await?;
        Ok(Some((id, slug, created)))
    }

    async fn attachment(&mut self, item: &WpItem) -> anyhow::Result<()> {
        let relative = item
            .meta("_wp_attached_file")
            .map(str::to_owned)
            .or_else(|| upload_path(&item.attachment_url))
            .unwrap_or_default();
        let Some(uploads) = &self.uploads else {
            self.report.skip(
                relative,
                "file not imported: give WordPress's uploads folder with --uploads",
            );
            return Ok(());
        };
        let path = uploads.join(&relative);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(_) => {
                self.report
                    .skip(relative, "file missing from the uploads folder");
                return Ok(());
            }
        };
        let mut image = match kiosque_media::ingest(&bytes, self.limits) {
            Ok(image) => image,
            Err(e) => {
                self.report
                    .skip(relative, format!("not imported as a photo: {e}"));
                return Ok(());
            }
        };
        image.meta.original_name = Path::new(&relative)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.media
            .put(&image.meta.file_name, image.bytes)
            .await
            .with_context(|| format!("storing {relative}"))?;
        let asset = self.store.save_media(&image.meta).await?;
        let created = self
            .store
            .imported(&self.origin, "media", &item.id.to_string())
            .await?
            .is_none();
        let caption = Some(plain_text(&item.excerpt)).filter(|c| !c.is_empty());
        let alt = item
            .meta("_wp_attachment_image_alt")
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .or_else(|| caption.clone())
            .unwrap_or_else(|| plain_text(&item.title));
        // The IPTC credit WordPress read from the file.
        let credit = item
            .meta("_wp_attachment_metadata")
            .and_then(|meta| php_serialized_string(meta, "credit"))
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        // WordPress keeps the alt text on the attachment, as the library
        // does: it is the library's own, not one article's.
        let mut text = asset
            .text
            .after_use(None, caption.as_deref(), credit.as_deref());
        text.alt = alt;
        if text != asset.text {
            self.store.set_media_text(asset.id, &text).await?;
        }
        self.store
            .remember_import(&self.origin, "media", &item.id.to_string(), asset.id)
            .await?;
        self.files
            .insert(without_wordpress_size(&relative), asset.file_name.clone());
        let target = RedirectTarget::Media(asset.id);
        self.redirect(&item.link, target);
        self.redirect(&item.attachment_url, target);
        self.redirect(&format!("/?attachment_id={}", item.id), target);
        self.photos.insert(
            item.id,
            Photo {
                id: asset.id,
                file: asset.file_name.clone(),
                caption,
                credit,
            },
        );
        self.counted("photos", created);
        Ok(())
    }

    /// Makes an address of the old site (a full URL of it, or a path)
    /// lead to `target`. Addresses of other sites are ignored.
    fn redirect(&mut self, old: &str, target: RedirectTarget) {
        let old = old.trim();
        if old.is_empty() || (old.contains("://") && !self.is_old_site(old)) {
            return;
        }
        if let Some(path) = old_address(old, None) {
            match self.redirects.iter_mut().find(|(p, _)| *p == path) {
                Some(known) => known.1 = target,
                None => {
                    self.redirects.push((path, target));
                    self.report.redirects += 1;
                }
            }
        }
    }

    /// Writes the old addresses of the record just applied, in one go.
    async fn save_redirects(&mut self) -> anyhow::Result<()> {
        if !self.redirects.is_empty() {
            self.store.save_redirects(&self.redirects).await?;
            self.redirects.clear();
        }
        Ok(())
    }

    fn is_old_site(&self, url: &str) -> bool {
        // With `www.` or without, the same site.
        let host = |u: &str| {
            u.split_once("://").map(|(_, rest)| {
                let host = rest
                    .split('/')
                    .next()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                host.strip_prefix("www.").map(str::to_owned).unwrap_or(host)
            })
        };
        host(url) == host(&self.origin)
    }

    /// WordPress's author archives (`/author/login/`, `/?author=2`) lead
    /// to the byline's page, once the bylines exist.
    async fn author_addresses(&mut self) -> anyhow::Result<()> {
        let logins: Vec<(i64, String)> =
            self.logins.iter().map(|(id, l)| (*id, l.clone())).collect();
        for (wp_id, login) in logins {
            let Some(name) = self.bylines.get(&login) else {
                continue;
            };
            let Ok(slug) = Slug::from_text(name) else {
                continue;
            };
            let Some(author) = self.store.author_by_slug(&slug).await? else {
                continue;
            };
            // WordPress's API clients know the byline by its user id.
            self.store
                .remember_import(&self.origin, "author", &wp_id.to_string(), author.id)
                .await?;
            let target = RedirectTarget::Author(author.id);
            // WordPress's `user_nicename`: the login, lowercased, with
            // dots and spaces as hyphens.
            let nicename: String = login
                .to_lowercase()
                .chars()
                .map(|c| if c == '.' || c == ' ' { '-' } else { c })
                .collect();
            for old in [format!("/author/{nicename}/"), format!("/?author={wp_id}")] {
                self.redirect(&old, target);
            }
        }
        Ok(())
    }

    /// Counts one thing made now or found from an earlier run.
    fn counted(&mut self, kind: &'static str, created: bool) {
        if created {
            self.report.made(kind, true);
        } else {
            self.report.same(kind);
        }
    }

    /// The address of the imported copy of an uploaded file, if any.
    fn media_address(&self, url: &str) -> Option<String> {
        let relative = upload_path(url)?;
        self.files
            .get(&without_wordpress_size(&relative))
            .map(|file| format!("/media/{file}"))
    }

    fn markdown(&mut self, item: &WpItem) -> String {
        let converted = wordpress_to_markdown(&item.content, &*self);
        for name in converted.shortcodes {
            *self.report.shortcodes.entry(name).or_default() += 1;
        }
        for _ in 0..converted.empty_galleries {
            self.report.skip(
                plain_text(&item.title),
                "gallery whose photos were not imported (left as text)",
            );
        }
        converted.markdown
    }

    /// A time WordPress gives in UTC, or only on the site's clock.
    fn time(
        &self,
        gmt: Option<DateTime<Utc>>,
        local: Option<NaiveDateTime>,
    ) -> Option<DateTime<Utc>> {
        gmt.or_else(|| {
            local.and_then(|local| {
                self.site
                    .time_zone
                    .from_local_datetime(&local)
                    .earliest()
                    .map(|t| t.with_timezone(&Utc))
            })
        })
    }

    async fn post(&mut self, item: &WpItem) -> anyhow::Result<()> {
        let status = match (item.status, item.password.is_empty()) {
            (WpStatus::Publish, true) => ArticleStatus::Published,
            (WpStatus::Publish | WpStatus::Private, _) => ArticleStatus::Unpublished,
            (WpStatus::Future, _) => ArticleStatus::Scheduled,
            (WpStatus::Draft, _) => ArticleStatus::Draft,
            (WpStatus::Pending, _) => ArticleStatus::Pending,
            (WpStatus::Trash | WpStatus::Inherit | WpStatus::Other, _) => {
                self.report
                    .skip(describe(item), "in WordPress's bin or not a post");
                return Ok(());
            }
        };
        let title = plain_text(&item.title);
        let body = self.markdown(item);
        let Ok(title) =
            Title::parse(&title).or_else(|_| Title::parse(&untitled(self.site.language)))
        else {
            self.report.skip(describe(item), "title too long");
            return Ok(());
        };
        let slug = Slug::from_text(&item.slug)
            .or_else(|_| Slug::from_text(title.as_str()))
            .unwrap_or_else(|_| {
                Slug::parse(&format!("article-{}", item.id)).expect("a valid slug")
            });
        let categories: Vec<&(Slug, String)> = item
            .terms
            .iter()
            .filter(|t| t.domain == "category")
            .filter_map(|t| self.sections.get(&t.slug).map(|s| &s.named))
            .collect();
        // The first category is the section in the address (as in
        // WordPress's permalinks); the others, further sections.
        let category = categories.first().map(|c| (*c).clone());
        let sections: Vec<(Slug, String)> =
            categories.iter().skip(1).map(|c| (*c).clone()).collect();
        let tags: Vec<(Slug, String)> = item
            .terms
            .iter()
            .filter(|t| t.domain == "post_tag")
            .filter_map(|t| self.tags.get(&t.slug).cloned())
            .collect();
        let photo = item
            .meta("_thumbnail_id")
            .and_then(|id| id.parse::<i64>().ok())
            .and_then(|id| self.photos.get(&id).cloned());
        let author = self
            .bylines
            .get(&item.creator)
            .cloned()
            .unwrap_or_else(|| item.creator.clone());
        let excerpt = Some(plain_text(&item.excerpt)).filter(|e| !e.is_empty());
        let source = ArticleSource {
            title,
            slug,
            author,
            date: self.time(item.date_gmt, item.date_local),
            category: None,
            tags: Vec::new(),
            sections: Vec::new(),
            image: None,
            image_caption: photo.as_ref().and_then(|p| p.caption.clone()),
            image_credit: photo.as_ref().and_then(|p| p.credit.clone()),
            image_alt: None,
            body,
            excerpt,
            editorial: Editorial::default(),
            correction: None,
        };
        let now = item.modified_gmt.unwrap_or_else(Utc::now);
        let mut draft = source.into_draft(self.site.language, photo.as_ref().map(|p| p.id), now);
        draft.category = category;
        draft.sections = sections;
        draft.tags = tags;
        draft.status = status;
        if draft.published_at.is_none() {
            draft.published_at = Some(now);
        }
        let key = item.id.to_string();
        let existing = match self.store.imported(&self.origin, "post", &key).await? {
            Some(id) => self.store.article(id).await?,
            None => None,
        };
        let article_id = match existing {
            Some(article) => {
                let same = article.title == draft.title
                    && article.body_markdown == draft.body_markdown
                    && article.excerpt == draft.excerpt
                    && article.status == draft.status
                    && Some(article.published_at) == draft.published_at
                    && article.category.as_ref().map(|c| &c.slug)
                        == draft.category.as_ref().map(|c| &c.0)
                    && article
                        .tags
                        .iter()
                        .map(|t| &t.slug)
                        .eq(draft.tags.iter().map(|t| &t.0))
                    && article
                        .sections
                        .iter()
                        .map(|c| &c.slug)
                        .eq(draft.sections.iter().map(|c| &c.0))
                    && article.image.as_ref().map(|i| i.asset.id)
                        == draft.image.as_ref().map(|i| i.id);
                if !same {
                    // The slug it has here stays (it may have been renamed
                    // since): an import does not move a live address.
                    draft.slug = article.slug.clone();
                    self.store
                        .update_article(article.id, article.version, &draft)
                        .await?;
                    self.report.made("articles", false);
                } else {
                    self.report.same("articles");
                }
                article.id
            }
            None => {
                let id = self.create_article(&mut draft).await?;
                self.report.made("articles", true);
                id
            }
        };
        self.store
            .remember_import(&self.origin, "post", &key, article_id)
            .await?;
        if item.sticky && status == ArticleStatus::Published {
            self.sticky
                .push((draft.published_at.unwrap_or_else(Utc::now), article_id));
        }
        let target = RedirectTarget::Article(article_id);
        self.redirect(&item.link, target);
        // Its comment feed (`…/slug/feed/`) has no match here: the article
        // is the nearest thing.
        if !item.link.contains('?') {
            let link = item.link.trim_end_matches('/');
            self.redirect(&format!("{link}/feed/"), target);
        }
        self.redirect(&item.guid, target);
        self.redirect(&format!("/?p={}", item.id), target);
        self.comments(item, article_id).await
    }

    /// Creates the article; a slug already taken here gets `-2`, `-3`…
    async fn create_article(&mut self, draft: &mut ArticleDraft) -> anyhow::Result<i64> {
        let base = draft.slug.as_str().to_owned();
        for n in 1.. {
            if n > 1 {
                draft.slug = Slug::parse(&format!("{base}-{n}"))?;
            }
            match self.store.create_article(draft).await {
                Ok(published) => return Ok(published.article_id),
                Err(Error::Conflict(_)) if n < 100 => continue,
                Err(e) => return Err(e.into()),
            }
        }
        unreachable!("the loop returns")
    }

    async fn comments(&mut self, item: &WpItem, article_id: i64) -> anyhow::Result<()> {
        // Parents before replies, whatever the file's order.
        let mut comments: Vec<_> = item.comments.iter().collect();
        comments.sort_by_key(|c| c.id);
        let mut local: HashMap<i64, i64> = HashMap::new();
        for comment in comments {
            if !(comment.kind.is_empty() || comment.kind == "comment") {
                self.report.skip(
                    format!("{} on {}", comment.kind, describe(item)),
                    "pingbacks and trackbacks are not comments",
                );
                continue;
            }
            let key = comment.id.to_string();
            let status = match comment.approval {
                CommentApproval::Approved => CommentStatus::Approved,
                CommentApproval::Pending => CommentStatus::Pending,
                CommentApproval::Spam => CommentStatus::Spam,
                CommentApproval::Trash => CommentStatus::Trash,
            };
            if let Some(id) = self.store.imported(&self.origin, "comment", &key).await?
                && let Some(existing) = self.store.comment(id).await?
            {
                if existing.status == status {
                    self.report.same("comments");
                } else {
                    self.store.set_comment_status(id, status).await?;
                    self.report.made("comments", false);
                }
                local.insert(comment.id, id);
                continue;
            }
            let body = comment_text(&comment.content);
            if body.is_empty() {
                self.report.skip(
                    format!("comment {} on {}", comment.id, describe(item)),
                    "empty comment",
                );
                continue;
            }
            let email =
                Email::parse(&comment.email).or_else(|_| Email::parse("anonyme@import.invalid"))?;
            let name = Some(comment.author.trim())
                .filter(|n| !n.is_empty())
                .unwrap_or("Anonyme")
                .to_owned();
            let created_at = self
                .time(comment.date_gmt, comment.date_local)
                .unwrap_or_else(Utc::now);
            let stored = self
                .store
                .add_comment(&NewComment {
                    article_id,
                    parent_id: local.get(&comment.parent).copied(),
                    author_name: name,
                    author_email: email,
                    author_url: WebUrl::parse(&comment.url).ok(),
                    body,
                    status,
                    created_at,
                })
                .await?;
            self.store
                .remember_import(&self.origin, "comment", &key, stored.id)
                .await?;
            local.insert(comment.id, stored.id);
            self.report.made("comments", true);
        }
        Ok(())
    }

    /// WordPress's menus become the site's: the one named for the footer
    /// (footer, pied, bas) the footer menu, the largest other one the
    /// header menu, each with its sub-menus (deeper levels are brought up
    /// to the first), labels and every kind of link. A menu the site
    /// already has items in is the newsroom's and is left alone.
    async fn menus(&mut self) -> anyhow::Result<()> {
        let entries = std::mem::take(&mut self.menu_entries);
        let mut names: Vec<String> = Vec::new();
        for e in &entries {
            if !names.contains(&e.menu) {
                names.push(e.menu.clone());
            }
        }
        let count = |name: &str| entries.iter().filter(|e| e.menu == name).count();
        let is_footer = |name: &str| ["footer", "pied", "bas"].iter().any(|w| name.contains(w));
        let footer = names.iter().find(|n| is_footer(n)).cloned();
        let header = names
            .iter()
            .filter(|n| !is_footer(n))
            .max_by_key(|n| count(n))
            .cloned();
        let existing = self.store.menu_items().await?;
        for name in &names {
            let place = if Some(name) == header.as_ref() {
                MenuPlace::Header
            } else if Some(name) == footer.as_ref() {
                MenuPlace::Footer
            } else {
                self.report.skip(
                    format!("menu « {name} »"),
                    "menu not imported: a site here has one header menu and one footer menu",
                );
                continue;
            };
            if existing.iter().any(|i| i.place == place) {
                self.report.skip(
                    format!("menu « {name} »"),
                    "menu left as it is here (the site's menu already has items)",
                );
                continue;
            }
            let mut own: Vec<&MenuLink> = entries.iter().filter(|e| &e.menu == name).collect();
            own.sort_by_key(|e| (e.position, e.id));
            // The top-level entry each entry is under (itself at the top).
            let top_of = |e: &MenuLink| -> i64 {
                let mut at = e;
                for _ in 0..10 {
                    match own.iter().find(|p| p.id == at.parent) {
                        Some(parent) => at = parent,
                        None => break,
                    }
                }
                at.id
            };
            let mut items: Vec<(i64, MenuItemDraft, Vec<MenuItemDraft>)> = Vec::new();
            for e in &own {
                let Some(target) = self.menu_target(e).await? else {
                    continue;
                };
                let title = plain_text(&e.title);
                let draft = MenuItemDraft {
                    place,
                    parent_id: None,
                    label: Some(title).filter(|t| !t.is_empty()),
                    target,
                };
                let top = top_of(e);
                if top == e.id {
                    items.push((e.id, draft, Vec::new()));
                } else if let Some((_, _, children)) =
                    items.iter_mut().find(|(id, _, _)| *id == top)
                {
                    if own.iter().any(|p| p.id == e.parent && p.parent != 0) {
                        self.report.skip(
                            format!("menu « {name} », entry {}", e.position),
                            "sub-sub-menu entry brought up to the first sub-menu level",
                        );
                    }
                    children.push(draft);
                } else {
                    // Under an entry that could not be imported: at the top.
                    items.push((e.id, draft, Vec::new()));
                }
            }
            let made: usize = items.iter().map(|(_, _, c)| 1 + c.len()).sum();
            let items: Vec<(MenuItemDraft, Vec<MenuItemDraft>)> = items
                .into_iter()
                .map(|(_, top, children)| (top, children))
                .collect();
            self.store.replace_menu(place, &items).await?;
            for _ in 0..made {
                self.report.made("menu items", true);
            }
        }
        Ok(())
    }

    /// WordPress's sticky posts lead the front page, newest first as
    /// WordPress shows them (on the first run, into an empty front page);
    /// its tagline becomes the site's if the site has none.
    async fn front_page(&mut self) -> anyhow::Result<()> {
        let mut sticky = std::mem::take(&mut self.sticky);
        sticky.sort_by(|a, b| b.cmp(a));
        let ids: Vec<i64> = sticky.iter().map(|(_, id)| *id).take(MAX_PINS).collect();
        // Once: what the newsroom does with its front page afterwards
        // (emptied included) is not undone by a later run.
        let done = self
            .store
            .imported(&self.origin, "front", "pins")
            .await?
            .is_some();
        if !ids.is_empty() && !done {
            if self.store.front_page().await?.pins.is_empty() {
                self.store.set_front_pins(&ids).await?;
                self.store
                    .remember_import(&self.origin, "front", "pins", 1)
                    .await?;
                for _ in &ids {
                    self.report.made("pinned stories", true);
                }
            } else {
                self.report.skip(
                    format!("{} sticky posts", ids.len()),
                    "the front page already has pinned stories: left as they are",
                );
            }
        }
        if !self.tagline.is_empty()
            && let Some(mut site) = self.store.site().await?
            && site.tagline.is_empty()
        {
            site.tagline = std::mem::take(&mut self.tagline);
            self.store.save_site(&site).await?;
        }
        Ok(())
    }

    /// What a WordPress menu entry leads to here, if it can be had.
    async fn menu_target(&mut self, e: &MenuLink) -> anyhow::Result<Option<ItemTarget>> {
        let local = |kind: &'static str, id: i64| {
            let store = self.store;
            let origin = self.origin.clone();
            async move { store.imported(&origin, kind, &id.to_string()).await }
        };
        let target = match &e.target {
            MenuTarget::Page(id) => local("page", *id).await?.map(ItemTarget::Page),
            MenuTarget::Category(id) => local("category", *id).await?.map(ItemTarget::Section),
            MenuTarget::Tag(id) => local("tag", *id).await?.map(ItemTarget::Tag),
            MenuTarget::Post(id) => match local("post", *id).await? {
                Some(article) => self
                    .store
                    .article(article)
                    .await?
                    .filter(|a| a.status == ArticleStatus::Published)
                    .map(|a| ItemTarget::Link(a.path(self.site))),
                None => None,
            },
            MenuTarget::Address(url) => {
                // An address of the old site: its path, which leads on.
                let path = self
                    .is_old_site(url)
                    .then(|| url::Url::parse(url).ok())
                    .flatten()
                    .map(|u| match u.query() {
                        Some(q) => format!("{}?{q}", u.path()),
                        None => u.path().to_owned(),
                    });
                menu_link(path.as_deref().unwrap_or(url)).map(ItemTarget::Link)
            }
            MenuTarget::Other(_) => None,
        };
        if target.is_none() {
            let what = match &e.target {
                MenuTarget::Address(url) => format!("address {url}"),
                MenuTarget::Other(kind) => kind.clone(),
                other => format!("{other:?}").to_lowercase(),
            };
            self.report.skip(
                format!("menu « {} », entry {}: {what}", e.menu, e.position),
                "menu entry whose target was not imported",
            );
        }
        Ok(target)
    }

    async fn page(&mut self, item: &WpItem) -> anyhow::Result<()> {
        if item.status != WpStatus::Publish || !item.password.is_empty() {
            self.report.skip(
                describe(item),
                "page not published (only published pages are imported)",
            );
            return Ok(());
        }
        let title = plain_text(&item.title);
        let Ok(slug) = Slug::from_text(&item.slug).or_else(|_| Slug::from_text(&title)) else {
            self.report
                .skip(describe(item), "page without a title or address");
            return Ok(());
        };
        let body_markdown = self.markdown(item);
        let draft = PageDraft {
            slug,
            title: if title.is_empty() {
                untitled(self.site.language)
            } else {
                title
            },
            body_html: render_markdown(&body_markdown, self.site.language == Locale::Fr),
            body_markdown,
            // WordPress's menus are made at the end of the import.
            in_menu: false,
            in_footer: false,
            position: item.menu_order,
        };
        let key = item.id.to_string();
        let existing = match self.store.imported(&self.origin, "page", &key).await? {
            Some(id) => self.store.page(id).await?,
            None => None,
        };
        let id = match existing {
            Some(page) => {
                // Where the newsroom put it (menu, footer) stays.
                let draft = PageDraft {
                    in_menu: page.in_menu,
                    in_footer: page.in_footer,
                    ..draft
                };
                if page.title == draft.title
                    && page.body_markdown == draft.body_markdown
                    && page.position == draft.position
                {
                    self.report.same("pages");
                } else {
                    // Its address here stays too.
                    let draft = PageDraft {
                        slug: page.slug.clone(),
                        ..draft
                    };
                    self.store.save_page(Some(page.id), &draft).await?;
                    self.report.made("pages", false);
                }
                page.id
            }
            None => match self.store.save_page(None, &draft).await {
                Ok(id) => {
                    self.report.made("pages", true);
                    id
                }
                Err(Error::Conflict(_)) => {
                    self.report.skip(
                        describe(item),
                        "a page with this address already exists here",
                    );
                    return Ok(());
                }
                Err(e) => return Err(e.into()),
            },
        };
        self.store
            .remember_import(&self.origin, "page", &key, id)
            .await?;
        let target = RedirectTarget::Page(id);
        self.redirect(&item.link, target);
        self.redirect(&item.guid, target);
        self.redirect(&format!("/?page_id={}", item.id), target);
        self.redirect(&format!("/?p={}", item.id), target);
        Ok(())
    }
}

/// `« Title » (post 42)`, for the report.
fn describe(item: &WpItem) -> String {
    format!(
        "« {} » ({} {})",
        plain_text(&item.title),
        item.post_type,
        item.id
    )
}

fn untitled(language: Locale) -> String {
    match language {
        Locale::Fr => "Sans titre",
        Locale::En => "Untitled",
    }
    .to_owned()
}

/// `2024/03/port.jpg` from `https://site/wp-content/uploads/2024/03/port.jpg`.
fn upload_path(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("/wp-content/uploads/")?;
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    Some(kiosque_transfer::wxr::percent_decode(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_addresses_give_their_path_in_the_uploads_folder() {
        assert_eq!(
            upload_path("https://x.fr/wp-content/uploads/2024/03/%C3%A9t%C3%A9.jpg?v=2").as_deref(),
            Some("2024/03/été.jpg")
        );
    }
}
