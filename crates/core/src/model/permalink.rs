//! How articles get their public address. The newsroom picks the shape in
//! its settings; every shape stays reachable, so changing it later sends
//! old links on with a 301 instead of breaking them.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

use crate::types::Slug;

/// The shape of article addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Permalink {
    /// `/2024/11/slug/`, WordPress's most common shape, with the date on
    /// the newsroom's clock.
    #[default]
    YearMonth,
    /// `/slug/`.
    Slug,
    /// `/section/slug/`; an article without a section is at `/slug/`.
    Section,
}

impl Permalink {
    /// Every shape, as the settings offer them.
    pub const ALL: [Permalink; 3] = [Permalink::YearMonth, Permalink::Slug, Permalink::Section];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Permalink::YearMonth => "year-month",
            Permalink::Slug => "slug",
            Permalink::Section => "section",
        }
    }

    /// From the stored name; anything else is the default.
    pub fn parse(s: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .unwrap_or_default()
    }

    /// An article's path in this shape.
    pub fn path(
        self,
        time_zone: Tz,
        published_at: DateTime<Utc>,
        section: Option<&Slug>,
        slug: &Slug,
    ) -> String {
        match (self, section) {
            (Permalink::YearMonth, _) => {
                let local = published_at.with_timezone(&time_zone);
                format!("/{:04}/{:02}/{slug}/", local.year(), local.month())
            }
            (Permalink::Section, Some(section)) => format!("/{section}/{slug}/"),
            (Permalink::Slug | Permalink::Section, _) => format!("/{slug}/"),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn each_shape_makes_its_path_with_the_newsroom_date() {
        let slug = Slug::parse("sommet").unwrap();
        let section = Slug::parse("monde").unwrap();
        // 23:30 UTC on 30 November is already December in Paris.
        let at = Utc.with_ymd_and_hms(2024, 11, 30, 23, 30, 0).unwrap();
        let paris: Tz = "Europe/Paris".parse().unwrap();
        assert_eq!(
            Permalink::YearMonth.path(paris, at, Some(&section), &slug),
            "/2024/12/sommet/"
        );
        assert_eq!(
            Permalink::YearMonth.path(Tz::UTC, at, None, &slug),
            "/2024/11/sommet/"
        );
        assert_eq!(
            Permalink::Slug.path(paris, at, Some(&section), &slug),
            "/sommet/"
        );
        assert_eq!(
            Permalink::Section.path(paris, at, Some(&section), &slug),
            "/monde/sommet/"
        );
        assert_eq!(Permalink::Section.path(paris, at, None, &slug), "/sommet/");
        for p in Permalink::ALL {
            assert_eq!(Permalink::parse(p.as_str()), p);
        }
        assert_eq!(Permalink::parse("nonsense"), Permalink::YearMonth);
    }
}
