//! Page templates, compiled into the binary (a theme directory that overrides
//! them is planned; see docs/ARCHITECTURE.md).

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
        "admin/account.html",
        include_str!("../templates/admin/account.html"),
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
];

/// The default stylesheet.
pub const SITE_CSS: &str = include_str!("../assets/site.css");
/// The admin's additions to it.
pub const ADMIN_CSS: &str = include_str!("../assets/admin.css");
/// The public site's only script: the share block's enhancements.
pub const SHARE_JS: &str = include_str!("../assets/share.js");
/// Announces the breaking-news banner once, on pages that have one.
pub const BANNER_JS: &str = include_str!("../assets/banner.js");
/// Galleries' lightbox and embeds' click-to-load, on pages that have them.
pub const READER_JS: &str = include_str!("../assets/reader.js");
/// The admin's optional script (live preview).
pub const ADMIN_JS: &str = include_str!("../assets/admin.js");
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

/// The template environment and the fingerprinted asset names.
pub struct Templates {
    env: Environment<'static>,
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
    /// `/assets/icon.<hash>.svg`.
    pub icon_path: String,
}

/// `/assets/<name>.<first 10 hex of sha256>.<ext>`.
fn fingerprinted(name: &str, ext: &str, content: &str) -> String {
    let hash = Sha256::digest(content.as_bytes());
    let short: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
    format!("/assets/{name}.{short}.{ext}")
}

impl Templates {
    /// Loads the embedded templates; a syntax error is a bug caught by tests.
    pub fn new() -> Self {
        let mut env = Environment::new();
        // Printing a missing variable or translation key is an error, not
        // silence; testing for one (`{% if errors.name %}`) is allowed.
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.set_formatter(escape_text);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("template {name}: {e}"));
        }
        Templates {
            env,
            css_path: fingerprinted("site", "css", SITE_CSS),
            admin_css_path: fingerprinted("admin", "css", ADMIN_CSS),
            admin_js_path: fingerprinted("admin", "js", ADMIN_JS),
            share_js_path: fingerprinted("share", "js", SHARE_JS),
            reader_js_path: fingerprinted("reader", "js", READER_JS),
            banner_js_path: fingerprinted("banner", "js", BANNER_JS),
            icon_path: fingerprinted("icon", "svg", ICON_SVG),
        }
    }

    /// The built-in file served at a fingerprinted `/assets/…` path, with
    /// its content type.
    pub fn asset(&self, path: &str) -> Option<(&'static str, &'static str)> {
        const CSS: &str = "text/css; charset=utf-8";
        const JS: &str = "text/javascript; charset=utf-8";
        [
            (&self.css_path, SITE_CSS, CSS),
            (&self.admin_css_path, ADMIN_CSS, CSS),
            (&self.admin_js_path, ADMIN_JS, JS),
            (&self.share_js_path, SHARE_JS, JS),
            (&self.reader_js_path, READER_JS, JS),
            (&self.banner_js_path, BANNER_JS, JS),
            (&self.icon_path, ICON_SVG, "image/svg+xml"),
        ]
        .into_iter()
        .find(|(p, _, _)| p.as_str() == path)
        .map(|(_, body, kind)| (body, kind))
    }

    /// Renders a page.
    pub fn render(&self, name: &str, context: Value) -> Result<String, WebError> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(context))
            .map_err(|e| WebError::Internal(format!("template {name}: {e:#}")))
    }
}
