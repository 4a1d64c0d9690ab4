//! Interface strings and dates in the site's language.
//!
//! Strings live in `locales/<code>.toml`, compiled into the binary. A plain
//! TOML table is enough for what the public pages say today (no plural rules
//! beyond one/many, which the files spell out), and it is what a translator
//! can edit without tooling; a Fluent bundle can replace it if a language
//! needs richer grammar.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Timelike};
use kiosque_core::model::Tz;
use kiosque_core::types::Locale;
use minijinja::Value;

const SOURCES: [(Locale, &str); 2] = [
    (Locale::Fr, include_str!("../locales/fr.toml")),
    (Locale::En, include_str!("../locales/en.toml")),
];

/// One language's strings.
#[derive(Debug)]
pub struct Strings {
    table: toml::Table,
    value: Value,
    months: Vec<String>,
}

/// Every language's strings, parsed once at start-up.
#[derive(Debug)]
pub struct Translations {
    by_locale: HashMap<Locale, Strings>,
}

impl Translations {
    /// Parses the embedded locale files. They are part of the program, so a
    /// broken one is a bug caught by the tests, not a run-time condition.
    pub fn load() -> Self {
        let by_locale = SOURCES
            .iter()
            .map(|(locale, source)| {
                let table: toml::Table = source
                    .parse()
                    .unwrap_or_else(|e| panic!("locales/{locale}.toml: {e}"));
                let months = table
                    .get("dates")
                    .and_then(|d| d.get("months"))
                    .and_then(|m| m.as_array())
                    .map(|m| {
                        m.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                let value = Value::from_serialize(&table);
                (
                    *locale,
                    Strings {
                        table,
                        value,
                        months,
                    },
                )
            })
            .collect();
        Translations { by_locale }
    }

    /// The strings of a language.
    pub fn get(&self, locale: Locale) -> &Strings {
        self.by_locale
            .get(&locale)
            .or_else(|| self.by_locale.get(&Locale::Fr))
            .expect("the French locale is embedded")
    }
}

impl Strings {
    /// The whole table, for templates (`{{ t.comments.leave }}`).
    pub fn value(&self) -> Value {
        self.value.clone()
    }

    /// One table of strings (`"editor"`) as a JSON object, for a script
    /// that takes its labels from a data attribute; `{}` when absent.
    pub fn table_json(&self, name: &str) -> String {
        self.table
            .get(name)
            .and_then(|t| serde_json::to_string(t).ok())
            .unwrap_or_else(|| "{}".into())
    }

    /// One string by dotted key (`"errors.required"`); the key itself if
    /// missing, so a gap shows up on the page instead of an empty space.
    pub fn text(&self, key: &str) -> String {
        let mut node: Option<&toml::Value> = None;
        for (i, part) in key.split('.').enumerate() {
            node = if i == 0 {
                self.table.get(part)
            } else {
                node.and_then(|n| n.get(part))
            };
        }
        node.and_then(|n| n.as_str())
            .map(str::to_owned)
            .unwrap_or_else(|| key.to_owned())
    }

    /// A weekday's name, 0 = Monday.
    pub fn weekday(&self, day: usize) -> String {
        self.table
            .get("dates")
            .and_then(|d| d.get("weekdays"))
            .and_then(|w| w.get(day))
            .and_then(|n| n.as_str())
            .map_or_else(|| day.to_string(), str::to_owned)
    }

    /// "1er novembre 2024" / "1 November 2024". Takes a local time
    /// (`Site::local`): readers see the newsroom's calendar, not UTC's.
    pub fn date(&self, at: DateTime<Tz>) -> String {
        let day = if at.day() == 1 {
            self.text("dates.first_day")
        } else {
            at.day().to_string()
        };
        let month = self
            .months
            .get(at.month0() as usize)
            .cloned()
            .unwrap_or_default();
        self.text("dates.date")
            .replace("{day}", &day)
            .replace("{month}", &month)
            .replace("{year}", &at.year().to_string())
    }

    /// "novembre 2024" / "November 2024".
    pub fn month_year(&self, month: u32, year: &str) -> String {
        let name = self
            .months
            .get(month.saturating_sub(1) as usize)
            .cloned()
            .unwrap_or_default();
        format!("{name} {year}")
    }

    /// "18 h 30" / "18:30".
    pub fn time(&self, at: DateTime<Tz>) -> String {
        self.text("dates.time")
            .replace("{hour}", &at.hour().to_string())
            .replace("{minute}", &format!("{:02}", at.minute()))
    }

    /// "1er novembre 2024 à 18 h 30" / "1 November 2024 at 18:30".
    pub fn datetime(&self, at: DateTime<Tz>) -> String {
        let time = self.time(at);
        self.text("dates.datetime")
            .replace("{date}", &self.date(at))
            .replace("{time}", &time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn keys(prefix: &str, table: &toml::Table, out: &mut Vec<String>) {
        for (k, v) in table {
            let key = format!("{prefix}{k}");
            match v {
                toml::Value::Table(t) => keys(&format!("{key}."), t, out),
                _ => out.push(key),
            }
        }
    }

    #[test]
    fn every_locale_has_the_same_keys() {
        let t = Translations::load();
        let mut reference = Vec::new();
        keys("", &t.get(Locale::Fr).table, &mut reference);
        reference.sort();
        for locale in Locale::ALL {
            let mut k = Vec::new();
            keys("", &t.get(locale).table, &mut k);
            k.sort();
            assert_eq!(k, reference, "locale {locale}");
            assert_eq!(t.get(locale).months.len(), 12, "locale {locale}");
        }
    }

    #[test]
    fn french_dates_use_premier_and_month_names() {
        let t = Translations::load();
        let d = Tz::UTC.with_ymd_and_hms(2024, 11, 1, 18, 30, 0).unwrap();
        assert_eq!(t.get(Locale::Fr).date(d), "1er novembre 2024");
        assert_eq!(t.get(Locale::Fr).datetime(d), "1er novembre 2024 à 18 h 30");
        assert_eq!(t.get(Locale::En).date(d), "1 November 2024");
        let d2 = Tz::UTC.with_ymd_and_hms(2024, 2, 12, 9, 5, 0).unwrap();
        assert_eq!(t.get(Locale::Fr).date(d2), "12 février 2024");
        assert_eq!(t.get(Locale::En).datetime(d2), "12 February 2024 at 9:05");
    }
}
