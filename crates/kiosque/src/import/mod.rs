//! Imports from other systems into a site's store: what `kiosque import`
//! runs. Reading the other system's files is `kiosque-transfer`'s job;
//! here what was read is matched with what a previous run made (by the
//! other system's keys) and created or updated.

pub mod wordpress;

use std::collections::BTreeMap;
use std::fmt;

/// What an import did, kind by kind, and what it left out and why.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Per kind (`articles`, `comments`…): made new.
    pub created: BTreeMap<&'static str, u64>,
    /// Per kind: already there from an earlier run, brought up to date.
    pub updated: BTreeMap<&'static str, u64>,
    /// Per kind: already there and the same.
    pub unchanged: BTreeMap<&'static str, u64>,
    /// Left out, per reason, with a few examples each.
    pub skipped: BTreeMap<String, Skipped>,
    /// Old addresses that now lead here with a 301.
    pub redirects: u64,
    /// Shortcodes left in article text, with how many articles hold each.
    pub shortcodes: BTreeMap<String, u64>,
}

/// Things left out for one reason.
#[derive(Debug, Default)]
pub struct Skipped {
    /// How many.
    pub count: u64,
    /// The first few, named.
    pub examples: Vec<String>,
}

impl ImportReport {
    pub(crate) fn made(&mut self, kind: &'static str, created: bool) {
        let counts = if created {
            &mut self.created
        } else {
            &mut self.updated
        };
        *counts.entry(kind).or_default() += 1;
    }

    pub(crate) fn same(&mut self, kind: &'static str) {
        *self.unchanged.entry(kind).or_default() += 1;
    }

    pub(crate) fn skip(&mut self, what: impl Into<String>, why: impl Into<String>) {
        let entry = self.skipped.entry(why.into()).or_default();
        entry.count += 1;
        if entry.examples.len() < 5 {
            entry.examples.push(what.into());
        }
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kinds: std::collections::BTreeSet<&&str> = self
            .created
            .keys()
            .chain(self.updated.keys())
            .chain(self.unchanged.keys())
            .collect();
        for kind in kinds {
            writeln!(
                f,
                "{kind}: {} new, {} updated, {} unchanged",
                self.created.get(*kind).unwrap_or(&0),
                self.updated.get(*kind).unwrap_or(&0),
                self.unchanged.get(*kind).unwrap_or(&0)
            )?;
        }
        if self.redirects > 0 {
            writeln!(
                f,
                "old addresses kept (301 to the new ones): {}",
                self.redirects
            )?;
        }
        for (why, skipped) in &self.skipped {
            writeln!(
                f,
                "skipped {} ({why}): {}{}",
                skipped.count,
                skipped.examples.join("; "),
                if skipped.count > skipped.examples.len() as u64 {
                    "; …"
                } else {
                    ""
                }
            )?;
        }
        if !self.shortcodes.is_empty() {
            let list: Vec<String> = self
                .shortcodes
                .iter()
                .map(|(name, n)| format!("[{name}] in {n}"))
                .collect();
            writeln!(
                f,
                "shortcodes left as text (edit these articles): {}",
                list.join(", ")
            )?;
        }
        Ok(())
    }
}
