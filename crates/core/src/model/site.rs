use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::model::{MediaAsset, Menus, Permalink};
use crate::types::Locale;

/// The publication itself: the name shown in every byline, its language,
/// the address readers reach it at, and its editorial settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// The outlet's name, e.g. "Afrique Première Tv".
    pub name: String,
    /// The interface and content language.
    pub language: Locale,
    /// Public address without a trailing slash, e.g. `https://example.org`.
    pub base_url: String,
    /// How reader comments are taken.
    pub comments: CommentSettings,
    /// Administrators must sign in with a second factor.
    pub require_admin_2fa: bool,
    /// The newsroom's clock: dates are shown, and typed, in this zone.
    /// Storage stays in UTC.
    pub time_zone: Tz,
    /// Shown in the header instead of the name in text, when set.
    pub logo: Option<MediaAsset>,
    /// The share links under each article, in this order.
    pub share_networks: Vec<ShareNetwork>,
    /// The shape of article addresses.
    pub permalink: Permalink,
    /// Feeds carry whole articles, not only their summaries.
    pub full_text_feeds: bool,
    /// The header and footer menus, resolved (read with the settings;
    /// saving the settings leaves them alone).
    pub menus: Menus,
    /// One line saying what the site is ("L'actualité africaine et
    /// internationale, en continu"): in the header, and the home page's
    /// description.
    pub tagline: String,
    /// Breaking news, on top of every public page while it lasts.
    pub banner: Option<Banner>,
    /// The newsroom's colour for links, buttons and rules, instead of the
    /// theme's.
    pub accent: Option<Accent>,
    /// The logo (or name) centred in the header, instead of on the left.
    pub header_centred: bool,
    /// The tagline shown under the name in the header.
    pub show_tagline: bool,
    /// Page views are counted by the first-party beacon the pages carry
    /// (a CDN or the static export answers readers), not on the server.
    pub stats_beacon: bool,
    /// Readers whose browser sends `DNT: 1` or `Sec-GPC: 1` are not counted.
    pub stats_honour_dnt: bool,
}

/// An accent colour readable on the site's white background (and white
/// text readable on it): WCAG AA's 4.5:1 for text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accent(String);

impl Accent {
    /// The contrast WCAG 2.2 AA asks of text.
    pub const MIN_CONTRAST: f64 = 4.5;

    /// `#rrggbb` (or `#rgb`), any case; refused with `invalid_colour` or,
    /// too light to read against white, `low_contrast`.
    pub fn parse(raw: &str) -> Result<Accent, &'static str> {
        let hex = raw.trim().trim_start_matches('#').to_ascii_lowercase();
        let hex = match hex.len() {
            3 => hex.chars().flat_map(|c| [c, c]).collect(),
            6 => hex,
            _ => return Err("invalid_colour"),
        };
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("invalid_colour");
        }
        let accent = Accent(format!("#{hex}"));
        if accent.contrast_with_white() < Self::MIN_CONTRAST {
            return Err("low_contrast");
        }
        Ok(accent)
    }

    /// `#rrggbb`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The WCAG contrast ratio of this colour against white.
    pub fn contrast_with_white(&self) -> f64 {
        let channel = |i: usize| {
            let v = f64::from(u8::from_str_radix(&self.0[i..i + 2], 16).unwrap_or(0)) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
        1.05 / (luminance + 0.05)
    }
}

/// A breaking-news banner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    /// A short line.
    pub text: String,
    /// Where it leads, if anywhere (a path of this site or a web address).
    pub url: Option<String>,
    /// When it stops being shown, if it does by itself.
    pub until: Option<DateTime<Utc>>,
}

impl Banner {
    /// Longest banner line, in characters.
    pub const MAX_CHARS: usize = 200;

    /// Whether readers see it at `now`.
    pub fn shown_at(&self, now: DateTime<Utc>) -> bool {
        self.until.is_none_or(|until| now < until)
    }

    /// A banner from the newsroom's form: its text (required, one line),
    /// a link (a path of this site or a web address) and an end on the
    /// site's clock (in the future), each optional; or what is wrong.
    pub fn from_form(
        site: &Site,
        text: &str,
        url: &str,
        until: &str,
        now: DateTime<Utc>,
    ) -> Result<Banner, Vec<crate::FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field, code| errors.push(crate::FieldError { field, code });
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            fail("banner_text", "required");
        } else if text.chars().count() > Banner::MAX_CHARS {
            fail("banner_text", "too_long");
        }
        let url = match url.trim() {
            "" => None,
            raw => crate::model::menu_link(raw).or_else(|| {
                fail("banner_url", "invalid_menu_link");
                None
            }),
        };
        let until = match until.trim() {
            "" => None,
            raw => match site.parse_local_time(raw) {
                Some(t) if t > now => Some(t),
                Some(_) => {
                    fail("banner_until", "schedule_in_future");
                    None
                }
                None => {
                    fail("banner_until", "invalid_date");
                    None
                }
            },
        };
        if errors.is_empty() {
            Ok(Banner { text, url, until })
        } else {
            Err(errors)
        }
    }
}

/// A place readers can share an article to with a plain link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShareNetwork {
    /// wa.me: how most readers of African news sites share.
    WhatsApp,
    /// Facebook's sharer.
    Facebook,
    /// X (formerly Twitter).
    X,
    /// Telegram.
    Telegram,
    /// LinkedIn.
    LinkedIn,
    /// A `mailto:` link.
    Email,
}

impl ShareNetwork {
    /// Every network, in the order the links appear.
    pub const ALL: [ShareNetwork; 6] = [
        ShareNetwork::WhatsApp,
        ShareNetwork::Facebook,
        ShareNetwork::X,
        ShareNetwork::Telegram,
        ShareNetwork::LinkedIn,
        ShareNetwork::Email,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ShareNetwork::WhatsApp => "whatsapp",
            ShareNetwork::Facebook => "facebook",
            ShareNetwork::X => "x",
            ShareNetwork::Telegram => "telegram",
            ShareNetwork::LinkedIn => "linkedin",
            ShareNetwork::Email => "email",
        }
    }

    /// From a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        ShareNetwork::ALL.into_iter().find(|n| n.as_str() == s)
    }

    /// The networks named in a comma-separated list, in the canonical order,
    /// each once; unknown names are dropped.
    pub fn parse_list(list: &str) -> Vec<Self> {
        let named: Vec<_> = list
            .split(',')
            .filter_map(|n| ShareNetwork::parse(n.trim()))
            .collect();
        ShareNetwork::ALL
            .into_iter()
            .filter(|n| named.contains(n))
            .collect()
    }

    /// The stored form of a list.
    pub fn join(list: &[ShareNetwork]) -> String {
        list.iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Which comments go live without a moderator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CommentPolicy {
    /// Every comment waits for a moderator.
    #[default]
    HoldAll,
    /// A reader whose earlier comment was approved is trusted (WordPress's
    /// default); first comments wait.
    HoldFirstTime,
    /// Comments appear at once (spam checks still apply).
    ApproveAll,
}

impl CommentPolicy {
    /// Every policy.
    pub const ALL: [CommentPolicy; 3] = [
        CommentPolicy::HoldAll,
        CommentPolicy::HoldFirstTime,
        CommentPolicy::ApproveAll,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CommentPolicy::HoldAll => "hold_all",
            CommentPolicy::HoldFirstTime => "hold_first_time",
            CommentPolicy::ApproveAll => "approve_all",
        }
    }

    /// From the stored name; unknown names fall back to the safest policy.
    pub fn parse(s: &str) -> Self {
        CommentPolicy::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .unwrap_or_default()
    }
}

/// The site's rules for reader comments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentSettings {
    /// Which comments need a moderator.
    pub policy: CommentPolicy,
    /// Comments close this many days after publication; 0 never closes them.
    pub close_after_days: u32,
    /// Words or addresses (one per line) that mark a comment as spam when
    /// found in its text, name, e-mail or web site (case-insensitive).
    pub blocked_terms: Vec<String>,
}

impl Default for CommentSettings {
    fn default() -> Self {
        CommentSettings {
            policy: CommentPolicy::HoldAll,
            close_after_days: 0,
            blocked_terms: Vec::new(),
        }
    }
}

impl Site {
    /// A site with default editorial settings.
    pub fn new(name: impl Into<String>, language: Locale, base_url: impl Into<String>) -> Self {
        Site {
            name: name.into(),
            language,
            base_url: base_url.into(),
            comments: CommentSettings::default(),
            require_admin_2fa: false,
            time_zone: Tz::UTC,
            logo: None,
            share_networks: ShareNetwork::ALL.to_vec(),
            permalink: Permalink::default(),
            full_text_feeds: false,
            menus: Menus::default(),
            tagline: String::new(),
            banner: None,
            accent: None,
            header_centred: false,
            show_tagline: true,
            stats_beacon: false,
            stats_honour_dnt: false,
        }
    }

    /// An article's public path, in the site's chosen shape.
    pub fn article_path(
        &self,
        published_at: DateTime<Utc>,
        section: Option<&crate::types::Slug>,
        slug: &crate::types::Slug,
    ) -> String {
        self.permalink
            .path(self.time_zone, published_at, section, slug)
    }

    /// A date and time typed on the newsroom's clock (`2024-11-01T18:30`,
    /// seconds optional), in UTC. A time skipped by the clocks going
    /// forward is no time at all; an hour that happens twice means its
    /// first pass.
    pub fn parse_local_time(&self, raw: &str) -> Option<DateTime<Utc>> {
        chrono::NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M:%S")
            .or_else(|_| chrono::NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M"))
            .ok()
            .and_then(|d| d.and_local_timezone(self.time_zone).earliest())
            .map(|d| d.with_timezone(&Utc))
    }

    /// A moment on the newsroom's clock.
    pub fn local(&self, at: DateTime<Utc>) -> DateTime<Tz> {
        at.with_timezone(&self.time_zone)
    }

    /// The zones a newsroom may choose: UTC and the canonical
    /// `Continent/City` names, without the database's old aliases
    /// (`US/Eastern`, `Etc/GMT+3`) that only confuse a list.
    pub fn time_zones() -> impl Iterator<Item = Tz> {
        const REGIONS: [&str; 9] = [
            "Africa/",
            "America/",
            "Antarctica/",
            "Asia/",
            "Atlantic/",
            "Australia/",
            "Europe/",
            "Indian/",
            "Pacific/",
        ];
        std::iter::once(Tz::UTC).chain(
            chrono_tz::TZ_VARIANTS
                .into_iter()
                .filter(|tz| REGIONS.iter().any(|r| tz.name().starts_with(r))),
        )
    }

    /// Absolute URL of a site path (which starts with `/`).
    pub fn absolute_url(&self, path: &str) -> String {
        format!("{}{}", self.base_url.trim_end_matches('/'), path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accent_colours_must_read_against_white() {
        assert_eq!(Accent::parse("#A3120F").unwrap().as_str(), "#a3120f");
        assert_eq!(Accent::parse("036").unwrap().as_str(), "#003366");
        assert_eq!(Accent::parse("#ffcc00"), Err("low_contrast"));
        assert_eq!(Accent::parse("#777777"), Err("low_contrast"), "4.48:1");
        assert!(Accent::parse("#767676").is_ok(), "4.54:1");
        assert_eq!(Accent::parse("rouge"), Err("invalid_colour"));
        assert_eq!(Accent::parse("#12345g"), Err("invalid_colour"));
        let black = Accent::parse("#000").unwrap();
        assert!((black.contrast_with_white() - 21.0).abs() < 0.01);
    }
    use chrono::{TimeZone, Timelike};

    #[test]
    fn share_lists_keep_the_canonical_order_and_drop_unknown_names() {
        assert_eq!(
            ShareNetwork::parse_list("email, whatsapp,myspace,whatsapp"),
            vec![ShareNetwork::WhatsApp, ShareNetwork::Email]
        );
        assert_eq!(ShareNetwork::parse_list(""), vec![]);
        let all = ShareNetwork::join(&ShareNetwork::ALL);
        assert_eq!(ShareNetwork::parse_list(&all), ShareNetwork::ALL.to_vec());
    }

    #[test]
    fn local_time_follows_the_zone_and_its_summer_time() {
        let mut site = Site::new("S", Locale::Fr, "");
        site.time_zone = "Europe/Paris".parse().unwrap();
        let winter = Utc.with_ymd_and_hms(2024, 11, 1, 17, 30, 0).unwrap();
        let summer = Utc.with_ymd_and_hms(2024, 7, 1, 17, 30, 0).unwrap();
        assert_eq!(site.local(winter).hour(), 18);
        assert_eq!(site.local(summer).hour(), 19);
        let zones: Vec<_> = Site::time_zones().map(|z| z.name()).collect();
        assert!(zones.contains(&"Africa/Abidjan") && zones.contains(&"UTC"));
        assert!(!zones.contains(&"US/Eastern"));
    }
}
