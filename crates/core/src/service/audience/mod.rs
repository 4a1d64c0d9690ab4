//! How a page view is read: whether a robot asked for it, from what kind of
//! screen, and where the reader came from. Pure rules over the request's
//! header values; the web layer counts, the store keeps the sums.

use std::sync::LazyLock;

use crate::model::audience::{By, Device, Period, Source, Span, StatsQuery, StatsRow};

/// The patterns of the maintained `crawler-user-agents` list (search
/// engines, link-preview fetchers, monitors, AI crawlers), written by
/// `.ci/crawlers` from the pinned npm package, as one regular expression:
/// the lazy DFA answers in one pass over the user agent.
static CRAWLERS: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
    let patterns: Vec<&str> = include_str!("crawlers.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let joined = patterns
        .iter()
        .map(|p| format!("(?:{p})"))
        .collect::<Vec<_>>()
        .join("|");
    regex::RegexBuilder::new(&joined)
        .size_limit(64 << 20)
        .dfa_size_limit(16 << 20)
        .build()
        .ok()
});

/// A robot, a preview fetcher or a client that does not say what it is.
pub fn is_crawler(user_agent: &str) -> bool {
    let ua = user_agent.trim();
    if ua.is_empty() {
        return true;
    }
    CRAWLERS.as_ref().is_none_or(|re| re.is_match(ua))
}

/// The kind of screen a browser says it runs on. Three classes need no
/// user-agent database: tablets and phones name themselves (`iPad`,
/// `Tablet`, Android without `Mobile` — Google's own rule for Android
/// tablets; `Mobi`, as MDN advises, for phones). An iPad asking for the
/// desktop site (iPadOS' default) says `Macintosh` and counts as a desktop.
pub fn device(user_agent: &str) -> Device {
    let has = |needle: &str| user_agent.contains(needle);
    let android = has("Android");
    if has("iPad") || has("Tablet") || has("Kindle") || has("Silk/") || (android && !has("Mobile"))
    {
        Device::Tablet
    } else if has("Mobi")
        || has("iPhone")
        || has("iPod")
        || android
        || has("Windows Phone")
        || has("Opera Mini")
        || has("BlackBerry")
    {
        Device::Phone
    } else {
        Device::Desktop
    }
}

/// Hosts (and their subdomains) grouped into a named source.
const HOSTS: &[(&str, &str)] = &[
    ("news.google.com", "google-news"),
    ("news.url.google.com", "google-news"),
    ("googlequicksearchbox", "google"),
    ("google", "google"),
    ("bing.com", "bing"),
    ("duckduckgo.com", "duckduckgo"),
    ("facebook.com", "facebook"),
    ("fb.com", "facebook"),
    ("fb.me", "facebook"),
    ("t.co", "x"),
    ("twitter.com", "x"),
    ("x.com", "x"),
    ("whatsapp.com", "whatsapp"),
    ("whatsapp", "whatsapp"),
    ("wa.me", "whatsapp"),
    ("t.me", "telegram"),
    ("telegram.org", "telegram"),
    ("telegram.messenger", "telegram"),
    ("org.telegram.messenger", "telegram"),
    ("linkedin.com", "linkedin"),
    ("lnkd.in", "linkedin"),
    ("instagram.com", "instagram"),
    ("reddit.com", "reddit"),
];

/// What campaign tags name, for links shared without a referrer (apps
/// often send none).
const CAMPAIGNS: &[(&str, &str)] = &[
    ("facebook", "facebook"),
    ("fb", "facebook"),
    ("twitter", "x"),
    ("x", "x"),
    ("whatsapp", "whatsapp"),
    ("telegram", "telegram"),
    ("linkedin", "linkedin"),
    ("instagram", "instagram"),
    ("reddit", "reddit"),
    ("google", "google"),
    ("googlenews", "google-news"),
    ("google-news", "google-news"),
];

/// Where a reader came from: the referrer's host grouped into known
/// sources, a newsletter when the link's campaign tags say so, the site
/// itself, another site by host, or direct.
pub fn source(referrer: Option<&str>, query: Option<&str>, own_host: &str) -> Source {
    let mut utm_source = None;
    if let Some(query) = query {
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let value = value.trim().to_ascii_lowercase();
            match key.as_ref() {
                "utm_medium" if matches!(value.as_str(), "email" | "e-mail" | "newsletter") => {
                    return Source::known(Source::NEWSLETTER);
                }
                "utm_source" if value.contains("newsletter") => {
                    return Source::known(Source::NEWSLETTER);
                }
                "utm_source" => utm_source = Some(value),
                _ => {}
            }
        }
    }
    let host = referrer
        .and_then(|r| url::Url::parse(r.trim()).ok())
        .and_then(|u| match u.host_str() {
            Some(h) if !h.is_empty() => Some(h.to_ascii_lowercase()),
            _ => None,
        });
    if let Some(host) = host {
        let host = host.trim_end_matches('.');
        let own = own_host.trim_start_matches("www.");
        if !own.is_empty() && host.trim_start_matches("www.") == own {
            return Source::known(Source::INTERNAL);
        }
        return named_host(host).map_or_else(|| Source::site(host), Source::known);
    }
    if let Some(tag) = utm_source
        && let Some((_, key)) = CAMPAIGNS.iter().find(|(name, _)| *name == tag)
    {
        return Source::known(key);
    }
    Source::known(Source::DIRECT)
}

fn named_host(host: &str) -> Option<&'static str> {
    HOSTS.iter().find_map(|(name, key)| {
        let matches = if *name == "google" {
            // google.com, google.fr, www.google.co.uk…
            host.split('.').any(|label| label == "google")
        } else {
            host == *name || host.ends_with(&format!(".{name}"))
        };
        matches.then_some(*key)
    })
}

/// The question "`by`, over `period`", of the day sums (a period is whole
/// days of the site's calendar).
pub fn over(period: &Period, zone: chrono_tz::Tz, by: By, limit: u32) -> StatsQuery {
    let (from, to) = period.bounds(zone);
    StatsQuery {
        span: Span::Day,
        from,
        to,
        by,
        article: None,
        created_by: None,
        limit,
    }
}

/// Rows as CSV with a header line. A cell a spreadsheet would take for a
/// formula (`=`, `+`, `-`, `@` first) is written with a leading `'`: a
/// title is newsroom text, and opening an export must not run it.
pub fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let _ = out.write_record(header);
    for row in rows {
        let _ = out.write_record(row.iter().map(|cell| {
            if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{cell}")
            } else {
                cell.clone()
            }
        }));
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// What an export of `what` groups by (`pages`, `sources`, `articles`,
/// `sections`, `authors`, `tags`, `devices`, `days`).
pub fn export_kind(what: &str) -> Option<By> {
    Some(match what {
        "pages" => By::Path,
        "sources" => By::Source,
        "devices" => By::Device,
        "articles" => By::Article,
        "sections" => By::Section,
        "authors" => By::Author,
        "tags" => By::Tag,
        "days" => By::Time,
        _ => return None,
    })
}

/// The CSV of rows grouped `by` (day sums; a day's key is its start).
/// The admin's exports and `kiosque stats` write the same.
pub fn export(by: By, rows: &[StatsRow], zone: chrono_tz::Tz) -> String {
    let header: &[&str] = match by {
        By::Path => &["path", "title", "views", "visitors"],
        By::Article => &["id", "title", "views", "visitors"],
        By::Section => &["id", "section", "views"],
        By::Author => &["id", "author", "views"],
        By::Tag => &["id", "tag", "views"],
        By::Source => &["source", "views", "visitors"],
        By::Device => &["device", "views", "visitors"],
        By::Time | By::Total => &["day", "views", "visitors"],
    };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| match by {
            By::Path | By::Article => vec![
                r.key.clone(),
                r.label.clone(),
                r.views.to_string(),
                r.visitors.to_string(),
            ],
            By::Section | By::Author | By::Tag => {
                vec![r.key.clone(), r.label.clone(), r.views.to_string()]
            }
            By::Time | By::Total => {
                let day = r
                    .key
                    .parse::<i64>()
                    .ok()
                    .and_then(|t| chrono::TimeZone::timestamp_opt(&zone, t, 0).single())
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default();
                vec![day, r.views.to_string(), r.visitors.to_string()]
            }
            By::Source | By::Device => {
                vec![r.key.clone(), r.views.to_string(), r.visitors.to_string()]
            }
        })
        .collect();
    csv(header, &cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robots_and_previewers_are_known_and_browsers_are_not() {
        for ua in [
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "WhatsApp/2.23.20.0 A",
            "Twitterbot/1.0",
            "TelegramBot (like TwitterBot)",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "",
        ] {
            assert!(is_crawler(ua), "{ua}");
        }
        for ua in [
            "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
        ] {
            assert!(!is_crawler(ua), "{ua}");
        }
    }

    /// Every example user agent the maintained list gives for its patterns
    /// is a robot here. The list comes with the npm package `.ci/run`
    /// installs (`KIOSQUE_TEST_CRAWLER_LIST` names its JSON file).
    #[test]
    fn every_example_of_the_maintained_list_is_a_robot() {
        let Some(path) = std::env::var_os("KIOSQUE_TEST_CRAWLER_LIST") else {
            eprintln!(
                "skipped: set KIOSQUE_TEST_CRAWLER_LIST to crawler-user-agents.json \
                 (npm ci --prefix .ci/tools) to check the robots list against its examples"
            );
            return;
        };
        let list: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("the list")).unwrap();
        let mut checked = 0;
        for entry in list.as_array().unwrap() {
            for ua in entry["instances"].as_array().into_iter().flatten() {
                let ua = ua.as_str().unwrap();
                assert!(is_crawler(ua), "{ua} (pattern {})", entry["pattern"]);
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked} examples");
    }

    #[test]
    fn screens_are_told_apart() {
        assert_eq!(
            device("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15"),
            Device::Tablet
        );
        assert_eq!(
            device(
                "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 Chrome/120 Safari/537.36"
            ),
            Device::Tablet
        );
        assert_eq!(
            device(
                "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131 Mobile Safari/537.36"
            ),
            Device::Phone
        );
        assert_eq!(
            device("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"),
            Device::Desktop
        );
    }

    #[test]
    fn exports_quote_what_needs_it_and_never_start_a_formula() {
        let out = csv(
            &["path", "title", "views"],
            &[
                vec!["/a/".into(), "Dakar, « la nuit »".into(), "3".into()],
                vec!["/b/".into(), "=HYPERLINK(\"x\")".into(), "1".into()],
            ],
        );
        assert_eq!(
            out,
            "path,title,views\n/a/,\"Dakar, « la nuit »\",3\n/b/,\"'=HYPERLINK(\"\"x\"\")\",1\n"
        );
    }

    #[test]
    fn referrers_are_grouped_into_sources() {
        let s =
            |r: Option<&str>, q: Option<&str>| source(r, q, "journal.example").as_str().to_owned();
        assert_eq!(s(None, None), "direct");
        assert_eq!(s(Some("https://www.google.fr/"), None), "google");
        assert_eq!(
            s(Some("https://news.google.com/stories/x"), None),
            "google-news"
        );
        assert_eq!(
            s(
                Some("android-app://com.google.android.googlequicksearchbox/"),
                None
            ),
            "google"
        );
        assert_eq!(
            s(Some("https://l.facebook.com/l.php?u=x"), None),
            "facebook"
        );
        assert_eq!(s(Some("https://t.co/abc"), None), "x");
        assert_eq!(s(Some("https://web.whatsapp.com/"), None), "whatsapp");
        assert_eq!(s(Some("https://t.me/s/chan"), None), "telegram");
        assert_eq!(s(Some("https://www.linkedin.com/feed/"), None), "linkedin");
        assert_eq!(s(Some("https://www.bing.com/search?q=x"), None), "bing");
        assert_eq!(s(Some("https://duckduckgo.com/"), None), "duckduckgo");
        assert_eq!(
            s(Some("https://www.journal.example/politique/"), None),
            "internal"
        );
        assert_eq!(
            s(Some("https://blog.other.example/post"), None),
            "blog.other.example"
        );
        assert_eq!(
            s(None, Some("utm_source=lettre&utm_medium=email")),
            "newsletter"
        );
        assert_eq!(s(None, Some("utm_source=whatsapp")), "whatsapp");
        assert_eq!(s(Some("not an address"), None), "direct");
        // A google.* lookalike is another site.
        assert_eq!(
            s(Some("https://notgoogle.example/"), None),
            "notgoogle.example"
        );
    }
}
