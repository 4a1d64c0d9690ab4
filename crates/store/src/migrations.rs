//! Schema migrations, embedded in the binary and kept per dialect.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use kiosque_core::{Error, Result};
use sqlx::AnyPool;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

use crate::Backend;

/// (version, description, SQLite script, PostgreSQL script), oldest first.
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/sqlite/0001_foundation.sql"),
        include_str!("../migrations/postgres/0001_foundation.sql"),
    ),
    (
        2,
        "accounts",
        include_str!("../migrations/sqlite/0002_accounts.sql"),
        include_str!("../migrations/postgres/0002_accounts.sql"),
    ),
    (
        3,
        "editorial",
        include_str!("../migrations/sqlite/0003_editorial.sql"),
        include_str!("../migrations/postgres/0003_editorial.sql"),
    ),
    (
        4,
        "comment settings",
        include_str!("../migrations/sqlite/0004_comment_settings.sql"),
        include_str!("../migrations/postgres/0004_comment_settings.sql"),
    ),
    (
        5,
        "two-factor",
        include_str!("../migrations/sqlite/0005_two_factor.sql"),
        include_str!("../migrations/postgres/0005_two_factor.sql"),
    ),
    (
        6,
        "password resets",
        include_str!("../migrations/sqlite/0006_password_resets.sql"),
        include_str!("../migrations/postgres/0006_password_resets.sql"),
    ),
    (
        7,
        "article details",
        include_str!("../migrations/sqlite/0007_article_details.sql"),
        include_str!("../migrations/postgres/0007_article_details.sql"),
    ),
    (
        8,
        "spam filter",
        include_str!("../migrations/sqlite/0008_spam_filter.sql"),
        include_str!("../migrations/postgres/0008_spam_filter.sql"),
    ),
    (
        9,
        "contributors",
        include_str!("../migrations/sqlite/0009_contributors.sql"),
        include_str!("../migrations/postgres/0009_contributors.sql"),
    ),
    (
        10,
        "author profiles",
        include_str!("../migrations/sqlite/0010_author_profiles.sql"),
        include_str!("../migrations/postgres/0010_author_profiles.sql"),
    ),
    (
        11,
        "presentation",
        include_str!("../migrations/sqlite/0011_presentation.sql"),
        include_str!("../migrations/postgres/0011_presentation.sql"),
    ),
    (
        12,
        "media variants",
        include_str!("../migrations/sqlite/0012_media_variants.sql"),
        include_str!("../migrations/postgres/0012_media_variants.sql"),
    ),
    (
        13,
        "media library",
        include_str!("../migrations/sqlite/0013_media_library.sql"),
        include_str!("../migrations/postgres/0013_media_library.sql"),
    ),
    (
        14,
        "search changes",
        include_str!("../migrations/sqlite/0014_search_changes.sql"),
        include_str!("../migrations/postgres/0014_search_changes.sql"),
    ),
    (
        15,
        "addresses",
        include_str!("../migrations/sqlite/0015_addresses.sql"),
        include_str!("../migrations/postgres/0015_addresses.sql"),
    ),
    (
        16,
        "pages",
        include_str!("../migrations/sqlite/0016_pages.sql"),
        include_str!("../migrations/postgres/0016_pages.sql"),
    ),
    (
        17,
        "page changes",
        include_str!("../migrations/sqlite/0017_page_changes.sql"),
        include_str!("../migrations/postgres/0017_page_changes.sql"),
    ),
    (
        18,
        "list indexes",
        include_str!("../migrations/sqlite/0018_list_indexes.sql"),
        include_str!("../migrations/postgres/0018_list_indexes.sql"),
    ),
    (
        19,
        "listed at",
        include_str!("../migrations/sqlite/0019_listed_at.sql"),
        include_str!("../migrations/postgres/0019_listed_at.sql"),
    ),
    (
        20,
        "listed with changes",
        include_str!("../migrations/sqlite/0020_listed_with_changes.sql"),
        include_str!("../migrations/postgres/0020_listed_with_changes.sql"),
    ),
    (
        21,
        "imports",
        include_str!("../migrations/sqlite/0021_imports.sql"),
        include_str!("../migrations/postgres/0021_imports.sql"),
    ),
    (
        22,
        "menus",
        include_str!("../migrations/sqlite/0022_menus.sql"),
        include_str!("../migrations/postgres/0022_menus.sql"),
    ),
    (
        23,
        "front page",
        include_str!("../migrations/sqlite/0023_front_page.sql"),
        include_str!("../migrations/postgres/0023_front_page.sql"),
    ),
    (
        24,
        "brand",
        include_str!("../migrations/sqlite/0024_brand.sql"),
        include_str!("../migrations/postgres/0024_brand.sql"),
    ),
    (
        25,
        "further sections",
        include_str!("../migrations/sqlite/0025_further_sections.sql"),
        include_str!("../migrations/postgres/0025_further_sections.sql"),
    ),
    (
        26,
        "api tokens",
        include_str!("../migrations/sqlite/0026_api_tokens.sql"),
        include_str!("../migrations/postgres/0026_api_tokens.sql"),
    ),
    (
        27,
        "idempotency keys",
        include_str!("../migrations/sqlite/0027_idempotency.sql"),
        include_str!("../migrations/postgres/0027_idempotency.sql"),
    ),
    (
        28,
        "webhooks",
        include_str!("../migrations/sqlite/0028_webhooks.sql"),
        include_str!("../migrations/postgres/0028_webhooks.sql"),
    ),
    (
        29,
        "audience",
        include_str!("../migrations/sqlite/0029_audience.sql"),
        include_str!("../migrations/postgres/0029_audience.sql"),
    ),
    (
        30,
        "desk",
        include_str!("../migrations/sqlite/0030_desk.sql"),
        include_str!("../migrations/postgres/0030_desk.sql"),
    ),
    (
        31,
        "import lookup",
        include_str!("../migrations/sqlite/0031_import_lookup.sql"),
        include_str!("../migrations/postgres/0031_import_lookup.sql"),
    ),
    (
        32,
        "app passwords",
        include_str!("../migrations/sqlite/0032_app_passwords.sql"),
        include_str!("../migrations/postgres/0032_app_passwords.sql"),
    ),
    (
        33,
        "content keys",
        include_str!("../migrations/sqlite/0033_content_keys.sql"),
        include_str!("../migrations/postgres/0033_content_keys.sql"),
    ),
    (
        34,
        "newsletters",
        include_str!("../migrations/sqlite/0034_newsletters.sql"),
        include_str!("../migrations/postgres/0034_newsletters.sql"),
    ),
    (
        35,
        "newsletter clicks",
        include_str!("../migrations/sqlite/0035_newsletter_clicks.sql"),
        include_str!("../migrations/postgres/0035_newsletter_clicks.sql"),
    ),
    (
        36,
        "totp pending",
        include_str!("../migrations/sqlite/0036_totp_pending.sql"),
        include_str!("../migrations/postgres/0036_totp_pending.sql"),
    ),
    (
        37,
        "throttles",
        include_str!("../migrations/sqlite/0037_throttles.sql"),
        include_str!("../migrations/postgres/0037_throttles.sql"),
    ),
    (
        38,
        "image_alt_per_use",
        include_str!("../migrations/sqlite/0038_image_alt_per_use.sql"),
        include_str!("../migrations/postgres/0038_image_alt_per_use.sql"),
    ),
    (
        39,
        "cdn_purge",
        include_str!("../migrations/sqlite/0039_cdn_purge.sql"),
        include_str!("../migrations/postgres/0039_cdn_purge.sql"),
    ),
    (
        40,
        "page_followers",
        include_str!("../migrations/sqlite/0040_page_followers.sql"),
        include_str!("../migrations/postgres/0040_page_followers.sql"),
    ),
    (
        41,
        "comment_email_index",
        include_str!("../migrations/sqlite/0041_comment_email_index.sql"),
        include_str!("../migrations/postgres/0041_comment_email_index.sql"),
    ),
];

/// The latest schema version, the one this build works with.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// The embedded scripts of one dialect. Built by hand rather than with
/// `sqlx::migrate!` so the build needs no proc-macro copy of both drivers.
#[derive(Debug)]
struct Embedded {
    backend: Backend,
    /// The last version to apply.
    up_to: i64,
}

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        let migrations = MIGRATIONS
            .iter()
            .filter(|m| m.0 <= self.up_to)
            .map(|&(version, description, sqlite, postgres)| {
                let sql = match self.backend {
                    Backend::Sqlite => sqlite,
                    Backend::Postgres => postgres,
                };
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    Cow::Borrowed(sql),
                    false,
                )
            })
            .collect();
        Box::pin(async move { Ok(migrations) })
    }
}

/// Applies every migration not yet applied up to `up_to` (the latest if
/// `None`), each in its own transaction.
pub(crate) async fn run(pool: &AnyPool, backend: Backend, up_to: Option<i64>) -> Result<()> {
    let mut migrator = Migrator::new(Embedded {
        backend,
        up_to: up_to.unwrap_or(SCHEMA_VERSION),
    })
    .await
    .map_err(Error::backend)?;
    // A database already past `up_to` is not an error for a restore: it
    // then finds it is not empty, or loads into the newer schema it has.
    // A server finds it past its own schema during a rolling upgrade, when
    // a newer server migrated first: it runs on, unless a migration it
    // does not know removed something it uses.
    let newer = match up_to {
        Some(_) => true,
        None => {
            let newer = newer_compatible(pool).await?;
            if let Some(version) = newer {
                tracing::warn!(
                    database = version,
                    this_build = SCHEMA_VERSION,
                    "the database's schema is newer than this build's (a rolling upgrade under way?): running on it"
                );
            }
            newer.is_some()
        }
    };
    migrator.set_ignore_missing(newer);
    migrator.run(pool).await.map_err(Error::backend)
}

/// A migration whose description starts so removes what earlier builds
/// use (a column, a table); every other migration only adds. A server one
/// release behind therefore runs on the newer schema while the servers of
/// a cluster are upgraded one by one — unless a contract migration it does
/// not know has been applied. A contract migration drops only what the
/// release before it stopped using, so two releases in a row keep a
/// rolling upgrade possible.
pub const CONTRACT: &str = "contract:";

/// The newest schema applied, when it is newer than this build's and
/// only added to what this build knows; an error naming the migration
/// when one it does not know removed something; `None` when the schema is
/// this build's or older (or not there yet).
pub(crate) async fn newer_compatible(pool: &AnyPool) -> Result<Option<i64>> {
    // On a new database the table is not there yet: nothing is newer.
    let Ok(rows) = sqlx::query(
        "SELECT version, description FROM _sqlx_migrations \
         WHERE success = TRUE AND version > $1 ORDER BY version",
    )
    .bind(SCHEMA_VERSION)
    .fetch_all(pool)
    .await
    else {
        return Ok(None);
    };
    let mut newest = None;
    for row in &rows {
        let version: i64 = crate::rows::get(row, "version")?;
        let description: String = crate::rows::get(row, "description")?;
        if description.starts_with(CONTRACT) {
            return Err(Error::backend(std::io::Error::other(format!(
                "the database's schema {version} ({description}) removes what this build \
                 (schema {SCHEMA_VERSION}) uses: upgrade this server"
            ))));
        }
        newest = Some(version);
    }
    Ok(newest)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The migrations before the rule; each one after it is checked.
    const CHECKED_AFTER: i64 = 40;

    /// What removes or changes something an older build may use.
    const REMOVING: &[&str] = &[
        "DROP TABLE",
        "DROP COLUMN",
        "DROP VIEW",
        "RENAME",
        "ALTER COLUMN",
        "SET NOT NULL",
    ];

    #[test]
    fn migrations_only_add_unless_they_say_they_contract() {
        for &(version, description, sqlite, postgres) in MIGRATIONS {
            if version <= CHECKED_AFTER || description.starts_with(CONTRACT) {
                continue;
            }
            for sql in [sqlite, postgres] {
                let upper = sql.to_uppercase();
                for removing in REMOVING {
                    assert!(
                        !upper.contains(removing),
                        "migration {version} ({description}) says {removing}: a server one \
                         release behind may use it; add instead, or call it \"{CONTRACT} …\" \
                         once the release before no longer uses it (docs/SCALING.md)"
                    );
                }
            }
        }
    }

    #[test]
    fn versions_rise_one_by_one() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.0, i as i64 + 1, "migration {}", m.1);
        }
    }
}
