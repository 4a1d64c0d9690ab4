//! Page templates and assets, compiled into the binary; a theme directory
//! (`DATA/theme/`, or `[theme] dir` in kiosque.toml) overrides them file by
//! file: `templates/<name>.html` replaces the built-in template of that
//! name, `assets/<file>` the built-in asset of that name, and any other
//! file of `assets/` is served too (templates name it with
//! `asset_url("file")`). Every asset is served under a name holding a hash
//! of its content, so it is cached for a year. See docs/THEMES.md.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, Error, Output, State, UndefinedBehavior, Value};
use sha2::{Digest, Sha256};

use crate::WebError;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("article.html", include_str!("../templates/article.html")),
    ("list.html", include_str!("../templates/list.html")),
    ("search.html", include_str!("../templates/search.html")),
    ("page.html", include_str!("../templates/page.html")),
    ("api.html", include_str!("../templates/api.html")),
    ("error.html", include_str!("../templates/error.html")),
    (
        "parts/gallery.html",
        include_str!("../templates/parts/gallery.html"),
    ),
    (
        "parts/embed.html",
        include_str!("../templates/parts/embed.html"),
    ),
    (
        "admin/base.html",
        include_str!("../templates/admin/base.html"),
    ),
    (
        "admin/login.html",
        include_str!("../templates/admin/login.html"),
    ),
    (
        "admin/dashboard.html",
        include_str!("../templates/admin/dashboard.html"),
    ),
    (
        "admin/comments.html",
        include_str!("../templates/admin/comments.html"),
    ),
    (
        "admin/articles.html",
        include_str!("../templates/admin/articles.html"),
    ),
    (
        "admin/editor.html",
        include_str!("../templates/admin/editor.html"),
    ),
    (
        "admin/body_modes.html",
        include_str!("../templates/admin/body_modes.html"),
    ),
    (
        "admin/gallery.html",
        include_str!("../templates/admin/gallery.html"),
    ),
    (
        "admin/front.html",
        include_str!("../templates/admin/front.html"),
    ),
    (
        "admin/menus.html",
        include_str!("../templates/admin/menus.html"),
    ),
    (
        "admin/media.html",
        include_str!("../templates/admin/media.html"),
    ),
    (
        "admin/media_item.html",
        include_str!("../templates/admin/media_item.html"),
    ),
    (
        "admin/revisions.html",
        include_str!("../templates/admin/revisions.html"),
    ),
    (
        "admin/settings.html",
        include_str!("../templates/admin/settings.html"),
    ),
    (
        "admin/terms.html",
        include_str!("../templates/admin/terms.html"),
    ),
    (
        "admin/pages.html",
        include_str!("../templates/admin/pages.html"),
    ),
    (
        "admin/page_edit.html",
        include_str!("../templates/admin/page_edit.html"),
    ),
    (
        "admin/users.html",
        include_str!("../templates/admin/users.html"),
    ),
    (
        "admin/webhooks.html",
        include_str!("../templates/admin/webhooks.html"),
    ),
    (
        "admin/content_keys.html",
        include_str!("../templates/admin/content_keys.html"),
    ),
    (
        "admin/webhook.html",
        include_str!("../templates/admin/webhook.html"),
    ),
    (
        "admin/stats.html",
        include_str!("../templates/admin/stats.html"),
    ),
    (
        "admin/stats_article.html",
        include_str!("../templates/admin/stats_article.html"),
    ),
    (
        "admin/stats_charts.html",
        include_str!("../templates/admin/stats_charts.html"),
    ),
    (
        "admin/account.html",
        include_str!("../templates/admin/account.html"),
    ),
    (
        "admin/secret_made.html",
        include_str!("../templates/admin/secret_made.html"),
    ),
    (
        "admin/totp.html",
        include_str!("../templates/admin/totp.html"),
    ),
    (
        "admin/code.html",
        include_str!("../templates/admin/code.html"),
    ),
    (
        "admin/authors.html",
        include_str!("../templates/admin/authors.html"),
    ),
    (
        "admin/author.html",
        include_str!("../templates/admin/author.html"),
    ),
    (
        "admin/reset.html",
        include_str!("../templates/admin/reset.html"),
    ),
    (
        "newsletter.html",
        include_str!("../templates/newsletter.html"),
    ),
    (
        "admin/newsletter_macros.html",
        include_str!("../templates/admin/newsletter_macros.html"),
    ),
    (
        "admin/newsletters.html",
        include_str!("../templates/admin/newsletters.html"),
    ),
    (
        "admin/newsletter.html",
        include_str!("../templates/admin/newsletter.html"),
    ),
    (
        "admin/newsletter_preview.html",
        include_str!("../templates/admin/newsletter_preview.html"),
    ),
    (
        "admin/newsletter_alert.html",
        include_str!("../templates/admin/newsletter_alert.html"),
    ),
    (
        "admin/newsletter_subscribers.html",
        include_str!("../templates/admin/newsletter_subscribers.html"),
    ),
    (
        "mail/newsletter.html",
        include_str!("../templates/mail/newsletter.html"),
    ),
    (
        "mail/newsletter.txt",
        include_str!("../templates/mail/newsletter.txt"),
    ),
];

/// The default stylesheet.
pub const SITE_CSS: &str = include_str!("../assets/site.css");
/// The admin's additions to it.
pub const ADMIN_CSS: &str = include_str!("../assets/admin.css");
/// The public site's only script: the share block's enhancements.
pub const SHARE_JS: &str = include_str!("../assets/share.js");
/// Announces the breaking-news banner once, on pages that have one.
pub const BANNER_JS: &str = include_str!("../assets/banner.js");
const BEACON_JS: &str = include_str!("../assets/beacon.js");
/// Galleries' lightbox and embeds' click-to-load, on pages that have them.
pub const READER_JS: &str = include_str!("../assets/reader.js");
/// The admin's optional script (live preview).
pub const ADMIN_JS: &str = include_str!("../assets/admin.js");
/// The visual editor (built by `crates/web/editor/build`), loaded by the
/// admin's script only when a writer opens the visual mode.
pub const EDITOR_JS: &str = include_str!("../assets/editor.js");
/// The same, compressed with Brotli at its best setting by the build.
const EDITOR_JS_BR: &[u8] = include_bytes!("../assets/editor.js.br");
/// The site's icon in browser tabs and bookmarks.
pub const ICON_SVG: &str = include_str!("../assets/icon.svg");

/// Escapes strings for HTML like minijinja does, except `/`, which HTML
/// does not require escaping and which minijinja's default turns into
/// `&#x2f;` in every URL (heavier pages, harder to read source).
fn escape_text(out: &mut Output<'_>, state: &State<'_, '_>, value: &Value) -> Result<(), Error> {
    // An absent value prints as nothing, never as "none" in a form field.
    if value.is_none() {
        return Ok(());
    }
    match value.as_str() {
        Some(text) if state.auto_escape() == AutoEscape::Html && !value.is_safe() => out
            .write_str(&kiosque_core::markup::escape_html(text))
            .map_err(Error::from),
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// A theme that cannot be used: a template that does not parse, a file
/// that cannot be read. Says which file, and where.
#[derive(Debug)]
pub struct ThemeError(pub String);

impl std::fmt::Display for ThemeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ThemeError {}

/// A file served under `/assets/`.
struct Asset {
    body: axum::body::Bytes,
    content_type: &'static str,
    /// The body compressed ahead of time, for the large files.
    brotli: Option<axum::body::Bytes>,
}

/// An asset as served: its body, content type and, when there is one, its
/// Brotli copy.
pub struct ServedAsset {
    /// The file.
    pub body: axum::body::Bytes,
    /// Its content type.
    pub content_type: &'static str,
    /// The same file compressed with Brotli.
    pub brotli: Option<axum::body::Bytes>,
}

/// The template environment and the fingerprinted asset names.
pub struct Templates {
    env: Environment<'static>,
    /// Fingerprinted path → the file.
    assets: HashMap<String, Asset>,
    /// `/assets/site.<hash>.css`: the hash changes with the content, so the
    /// file can be cached forever.
    pub css_path: String,
    /// `/assets/admin.<hash>.css`.
    pub admin_css_path: String,
    /// `/assets/admin.<hash>.js`.
    pub admin_js_path: String,
    /// `/assets/share.<hash>.js`.
    pub share_js_path: String,
    /// `/assets/reader.<hash>.js`.
    pub reader_js_path: String,
    /// `/assets/banner.<hash>.js`.
    pub banner_js_path: String,
    /// `/assets/beacon.<hash>.js`.
    pub beacon_js_path: String,
    /// `/assets/icon.<hash>.svg`.
    pub icon_path: String,
    /// `/assets/editor.<hash>.js`.
    pub editor_js_path: String,
}

/// `/assets/<name>.<first 10 hex of sha256>.<ext>`.
fn fingerprinted(name: &str, ext: &str, content: &[u8]) -> String {
    let hash = Sha256::digest(content);
    let short: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
    format!("/assets/{name}.{short}.{ext}")
}

/// The content type a theme's asset is served with, by its extension;
/// `None` for kinds a theme has no business serving.
fn content_type(file: &str) -> Option<&'static str> {
    let ext = file.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        _ => return None,
    })
}

/// The built-in assets: (file name, content, content type).
const BUILT_IN_ASSETS: [(&str, &str, &str); 9] = [
    ("site.css", SITE_CSS, "text/css; charset=utf-8"),
    ("admin.css", ADMIN_CSS, "text/css; charset=utf-8"),
    ("admin.js", ADMIN_JS, "text/javascript; charset=utf-8"),
    ("share.js", SHARE_JS, "text/javascript; charset=utf-8"),
    ("reader.js", READER_JS, "text/javascript; charset=utf-8"),
    ("banner.js", BANNER_JS, "text/javascript; charset=utf-8"),
    ("beacon.js", BEACON_JS, "text/javascript; charset=utf-8"),
    ("icon.svg", ICON_SVG, "image/svg+xml"),
    ("editor.js", EDITOR_JS, "text/javascript; charset=utf-8"),
];

/// The files directly in `dir` (a theme's folders are flat), by name;
/// nothing when the folder is absent.
fn files_in(dir: &Path) -> Result<Vec<(String, PathBuf)>, ThemeError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(ThemeError(format!("{}: {e}", dir.display()))),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| ThemeError(format!("{}: {e}", dir.display())))?;
        let path = entry.path();
        if path.is_file()
            && let Some(name) = path.file_name().and_then(|n| n.to_str())
            && !name.starts_with('.')
        {
            out.push((name.to_owned(), path));
        }
    }
    out.sort();
    Ok(out)
}

impl Templates {
    /// The built-ins, with what a theme directory overrides or adds.
    pub fn load(theme: Option<&Path>) -> Result<Self, ThemeError> {
        let mut env = Environment::new();
        // Printing a missing variable or translation key is an error, not
        // silence; testing for one (`{% if errors.name %}`) is allowed.
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.set_formatter(escape_text);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| ThemeError(format!("built-in template {name}: {e}")))?;
        }
        let mut files: HashMap<String, (axum::body::Bytes, &'static str)> = BUILT_IN_ASSETS
            .iter()
            .map(|(name, body, kind)| {
                let body = axum::body::Bytes::from_static(body.as_bytes());
                ((*name).to_owned(), (body, *kind))
            })
            .collect();
        if let Some(theme) = theme {
            // Templates in sub-folders keep their folder in their name
            // (`admin/base.html`, `parts/gallery.html`).
            for folder in ["", "admin", "parts"] {
                let dir = theme.join("templates").join(folder);
                for (file, path) in files_in(&dir)? {
                    if !file.ends_with(".html") {
                        continue;
                    }
                    let name = if folder.is_empty() {
                        file.clone()
                    } else {
                        format!("{folder}/{file}")
                    };
                    let source = std::fs::read_to_string(&path)
                        .map_err(|e| ThemeError(format!("{}: {e}", path.display())))?;
                    env.add_template_owned(name, source).map_err(|e| {
                        let line = e.line().map(|l| format!(", line {l}")).unwrap_or_default();
                        ThemeError(format!(
                            "theme template {}{line}: {}",
                            path.display(),
                            e.detail().unwrap_or(&e.to_string())
                        ))
                    })?;
                }
            }
            for (file, path) in files_in(&theme.join("assets"))? {
                let Some(kind) = content_type(&file) else {
                    return Err(ThemeError(format!(
                        "{}: not a kind of file a theme serves (css, js, svg, pictures, fonts)",
                        path.display()
                    )));
                };
                let body = std::fs::read(&path)
                    .map_err(|e| ThemeError(format!("{}: {e}", path.display())))?;
                files.insert(file, (axum::body::Bytes::from(body), kind));
            }
        }
        let mut assets = HashMap::new();
        let mut paths: HashMap<String, String> = HashMap::new();
        for (file, (body, kind)) in files {
            let (stem, ext) = file.rsplit_once('.').unwrap_or((file.as_str(), ""));
            let path = fingerprinted(stem, ext, &body);
            paths.insert(file.clone(), path.clone());
            // The Brotli copy goes with the built-in editor, not with a
            // theme's replacement of it.
            let brotli = (file == "editor.js" && body == EDITOR_JS.as_bytes())
                .then(|| axum::body::Bytes::from_static(EDITOR_JS_BR));
            assets.insert(
                path,
                Asset {
                    body,
                    content_type: kind,
                    brotli,
                },
            );
        }
        let path_of = |name: &str| paths.get(name).cloned().unwrap_or_default();
        let templates = Templates {
            css_path: path_of("site.css"),
            admin_css_path: path_of("admin.css"),
            admin_js_path: path_of("admin.js"),
            share_js_path: path_of("share.js"),
            reader_js_path: path_of("reader.js"),
            banner_js_path: path_of("banner.js"),
            beacon_js_path: path_of("beacon.js"),
            icon_path: path_of("icon.svg"),
            editor_js_path: path_of("editor.js"),
            env: {
                // A theme's own files, by name: `asset_url("logo.png")`.
                let names = paths.clone();
                env.add_function("asset_url", move |name: &str| -> Result<String, Error> {
                    names.get(name).cloned().ok_or_else(|| {
                        Error::new(
                            minijinja::ErrorKind::InvalidOperation,
                            format!("no asset named {name}"),
                        )
                    })
                });
                env
            },
            assets,
        };
        Ok(templates)
    }

    /// An asset served at a fingerprinted `/assets/…` path, with its
    /// content type and precompressed copy, if it has one.
    pub fn served_asset(&self, path: &str) -> Option<ServedAsset> {
        self.assets.get(path).map(|a| ServedAsset {
            body: a.body.clone(),
            content_type: a.content_type,
            brotli: a.brotli.clone(),
        })
    }

    /// Renders a page.
    pub fn render(&self, name: &str, context: Value) -> Result<String, WebError> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(context))
            .map_err(|e| WebError::Internal(format!("template {name}: {e:#}")))
    }
}
