//! Whole tables out and in, for `kiosque backup` and `kiosque restore`.
//!
//! A backup reads every table that holds the site inside one read
//! transaction, a consistent snapshot taken while the site keeps serving
//! (SQLite's WAL snapshot, PostgreSQL's REPEATABLE READ). A restore writes
//! the rows back, ids included, inside one write transaction into an empty
//! database of either kind, so a restore that fails leaves it empty. Values
//! cross as four kinds, all the schema uses (no booleans, no blobs), which
//! is what lets a SQLite backup go into PostgreSQL and back.

use std::collections::HashMap;

use futures_util::TryStreamExt;
use kiosque_core::model::MediaAsset;
use kiosque_core::{Error, Result};
use sqlx::any::{AnyRow, AnyTypeInfoKind};
use sqlx::{Any, Row, Transaction, TypeInfo, ValueRef};

use crate::{Backend, SqlStore, db, rows};

/// A table a backup holds.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// Its name.
    pub name: &'static str,
    /// A column naming another row of the same table (a reply's parent):
    /// a row whose parent comes later is written without it, then mended.
    self_ref: Option<&'static str>,
    /// Its migration writes a first row (the spam filter's totals): the
    /// backup's rows replace it.
    seeded: bool,
}

const fn table(name: &'static str) -> Table {
    Table {
        name,
        self_ref: None,
        seeded: false,
    }
}

/// The tables a backup holds, each after the tables it refers to.
pub const TABLES: &[Table] = &[
    table("media"),
    table("users"),
    table("authors"),
    Table {
        self_ref: Some("parent_id"),
        ..table("categories")
    },
    table("tags"),
    table("site_settings"),
    table("articles"),
    table("article_tags"),
    table("article_sections"),
    table("article_contributors"),
    table("article_sources"),
    table("article_corrections"),
    table("article_old_slugs"),
    table("revisions"),
    Table {
        self_ref: Some("parent_id"),
        ..table("comments")
    },
    table("media_jobs"),
    table("spam_tokens"),
    Table {
        seeded: true,
        ..table("spam_totals")
    },
    table("pages"),
    Table {
        self_ref: Some("parent_id"),
        ..table("menu_items")
    },
    table("front_pins"),
    table("front_sections"),
    table("import_keys"),
    table("redirects"),
    // Audience sums: a restored site keeps its history.
    table("stats_paths"),
    table("stats_counts"),
    // Hashes only: a restored site's integrations keep working.
    table("api_tokens"),
    table("app_passwords"),
    table("content_keys"),
    // Subscribers with their consent, and the sends' log: a restored site
    // mails the same readers, and its old links keep working (the key).
    table("newsletter_keys"),
    table("newsletter_lists"),
    table("newsletter_subscribers"),
    table("newsletter_memberships"),
    table("newsletter_sends"),
    table("newsletter_deliveries"),
    table("newsletter_clicks"),
    // Last, so restoring the content above finds no webhook to tell. The
    // signing secrets are in the backup: receivers keep verifying.
    table("webhooks"),
    table("webhook_subscriptions"),
];

/// Tables a backup leaves out, and why. A table in neither list stops a
/// backup: a new table is never left out by oversight.
pub const LEFT_OUT: &[(&str, &str)] = &[
    (
        "sessions",
        "sign-ins: everyone signs in again on a restored site",
    ),
    (
        "password_resets",
        "reset links last an hour: ask for a new one",
    ),
    (
        "search_changes",
        "the search index's change log: the index is rebuilt",
    ),
    (
        "page_changes",
        "the page cache's change log: a restored server starts cold",
    ),
    (
        "api_idempotency",
        "answers kept a day for retried API requests: a retry after a restore acts anew",
    ),
    (
        "webhook_events",
        "the webhooks' outbox: a restored site sends nothing from before",
    ),
    (
        "webhook_deliveries",
        "the webhooks' delivery log, with the outbox",
    ),
    (
        "stats_live",
        "readers right now, as each server reported them: servers report again",
    ),
    (
        "throttles",
        "rate limits of the last minutes: they start afresh",
    ),
    (
        "cdn_purge",
        "the CDN purger's place in the page change log, which a restore empties: it starts from the restored log's end",
    ),
    (
        "page_followers",
        "how far each running server's page cache had followed the change log: servers report again",
    ),
    (
        "desk_presence",
        "who has an article open in the editor right now: editors say so again",
    ),
    (
        "_sqlx_migrations",
        "the schema's history: the backup names its schema version",
    ),
];

/// The change logs triggers write as rows go in, emptied at the end of a
/// restore: nothing follows them from before it.
const CHANGE_LOGS: [&str; 4] = [
    "search_changes",
    "page_changes",
    "webhook_deliveries",
    "webhook_events",
];

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// SQL NULL.
    Null,
    /// An integer (ids, times as Unix seconds, flags).
    Int(i64),
    /// A floating-point number (the spam filter's weights).
    Real(f64),
    /// Text.
    Text(String),
}

/// What a column holds, read from the database's own description of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Real,
    Text,
}

impl Kind {
    fn of(declared: &str) -> Option<Kind> {
        let t = declared.to_ascii_lowercase();
        if t.contains("int") {
            Some(Kind::Int)
        } else if t.contains("real") || t.contains("double") || t.contains("float") {
            Some(Kind::Real)
        } else if t.contains("text") || t.contains("char") {
            Some(Kind::Text)
        } else {
            None
        }
    }
}

fn failure(message: String) -> Error {
    Error::Backend(message.into())
}

/// The table called `name` in [`TABLES`].
fn listed(name: &str) -> Result<&'static Table> {
    TABLES
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| failure(format!("{name} is not a table a backup holds")))
}

/// Identifiers are double-quoted in both dialects; names only ever come
/// from [`TABLES`] or from the database's own column list.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

async fn table_names(tx: &mut Transaction<'static, Any>, backend: Backend) -> Result<Vec<String>> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        Backend::Postgres => {
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
    };
    sqlx::query(sql)
        .fetch_all(&mut **tx)
        .await
        .map_err(db)?
        .iter()
        .map(|row| rows::get(row, "name"))
        .collect()
}

/// Tables of the schema in neither [`TABLES`] nor [`LEFT_OUT`].
async fn unlisted(tx: &mut Transaction<'static, Any>, backend: Backend) -> Result<Vec<String>> {
    let mut names = table_names(tx, backend).await?;
    names.retain(|name| {
        !TABLES.iter().any(|t| t.name == name) && !LEFT_OUT.iter().any(|(n, _)| n == name)
    });
    names.sort();
    Ok(names)
}

/// A table's columns in their order, with what each holds.
async fn columns(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    table: &str,
) -> Result<Vec<(String, Kind)>> {
    let sql = match backend {
        Backend::Sqlite => "SELECT name, type FROM pragma_table_info($1) ORDER BY cid",
        Backend::Postgres => {
            "SELECT column_name::text AS name, data_type::text AS type \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
        }
    };
    let found = sqlx::query(sql)
        .bind(table)
        .fetch_all(&mut **tx)
        .await
        .map_err(db)?;
    if found.is_empty() {
        return Err(failure(format!("the database has no table {table}")));
    }
    found
        .iter()
        .map(|row| {
            let name: String = rows::get(row, "name")?;
            let declared: String = rows::get(row, "type")?;
            let kind = Kind::of(&declared).ok_or_else(|| {
                failure(format!(
                    "{table}.{name}: cannot back up a {declared} column"
                ))
            })?;
            Ok((name, kind))
        })
        .collect()
}

fn cell(row: &AnyRow, index: usize) -> Result<Cell> {
    let raw = row.try_get_raw(index).map_err(db)?;
    if raw.is_null() {
        return Ok(Cell::Null);
    }
    let kind = raw.type_info().kind();
    Ok(match kind {
        AnyTypeInfoKind::SmallInt | AnyTypeInfoKind::Integer | AnyTypeInfoKind::BigInt => {
            Cell::Int(row.try_get(index).map_err(db)?)
        }
        AnyTypeInfoKind::Bool => Cell::Int(i64::from(row.try_get::<bool, _>(index).map_err(db)?)),
        AnyTypeInfoKind::Real => Cell::Real(f64::from(row.try_get::<f32, _>(index).map_err(db)?)),
        AnyTypeInfoKind::Double => Cell::Real(row.try_get(index).map_err(db)?),
        AnyTypeInfoKind::Text => Cell::Text(row.try_get(index).map_err(db)?),
        other => {
            return Err(failure(format!(
                "column {index} holds a {} value, which backups do not carry ({other:?})",
                raw.type_info().name()
            )));
        }
    })
}

/// A consistent view of the whole database, for a backup.
pub struct Snapshot {
    tx: Transaction<'static, Any>,
    backend: Backend,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl SqlStore {
    /// Opens a snapshot: every read through it sees the database as it
    /// was at its first read, whatever is written meanwhile. Refuses if the
    /// schema has a table neither backed up nor knowingly left out.
    pub async fn snapshot(&self) -> Result<Snapshot> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        let unknown = unlisted(&mut tx, self.backend).await?;
        if !unknown.is_empty() {
            return Err(failure(format!(
                "tables {} are not in the backup's list (kiosque-store's backup.rs)",
                unknown.join(", ")
            )));
        }
        Ok(Snapshot {
            tx,
            backend: self.backend,
        })
    }

    /// Tables of this database's schema that backups do not know of: empty
    /// unless a migration added a table without saying whether it is kept.
    pub async fn tables_unknown_to_backups(&self) -> Result<Vec<String>> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        unlisted(&mut tx, self.backend).await
    }

    /// Starts a restore into this database, which must hold no site: no
    /// rows in any table a backup holds (a seeded first row aside).
    pub async fn begin_restore(&self) -> Result<Restore> {
        let mut tx = self.begin_write().await?;

        for table in TABLES {
            let sql = format!("SELECT count(*) AS n FROM {}", quoted(table.name));
            let n: i64 = rows::get(
                &sqlx::query(&sql).fetch_one(&mut *tx).await.map_err(db)?,
                "n",
            )?;
            if table.seeded {
                sqlx::query(&format!("DELETE FROM {}", quoted(table.name)))
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            } else if n > 0 {
                return Err(Error::Conflict(format!(
                    "the database is not empty ({n} rows in {}): restore into a new, empty database",
                    table.name
                )));
            }
        }
        let triggers = pause_triggers(&mut tx, self.backend).await?;
        Ok(Restore {
            tx,
            backend: self.backend,
            columns: HashMap::new(),
            parents: Vec::new(),
            triggers,
        })
    }
}

impl Snapshot {
    /// The schema version of the snapshot's database (its latest migration).
    pub async fn schema_version(&mut self) -> Result<i64> {
        let row = sqlx::query("SELECT max(version) AS v FROM _sqlx_migrations")
            .fetch_one(&mut *self.tx)
            .await
            .map_err(db)?;
        rows::get(&row, "v")
    }

    /// The names of a table's columns, in the order [`Snapshot::rows`]
    /// gives their values.
    pub async fn columns(&mut self, table: &Table) -> Result<Vec<String>> {
        Ok(columns(&mut self.tx, self.backend, table.name)
            .await?
            .into_iter()
            .map(|(name, _)| name)
            .collect())
    }

    /// Every row of a table, handed one at a time to `each` (the table is
    /// never held in memory), by id where it has one so that parents come
    /// before their replies. Returns how many rows there were.
    pub async fn rows(
        &mut self,
        table: &Table,
        mut each: impl FnMut(Vec<Cell>) -> Result<()>,
    ) -> Result<u64> {
        let names = self.columns(table).await?;
        let order = if names.iter().any(|n| n == "id") {
            " ORDER BY id"
        } else {
            ""
        };
        let list: Vec<String> = names.iter().map(|n| quoted(n)).collect();
        let sql = format!(
            "SELECT {} FROM {}{order}",
            list.join(", "),
            quoted(table.name)
        );
        let mut stream = sqlx::query(&sql).fetch(&mut *self.tx);
        let mut count = 0;
        while let Some(row) = stream.try_next().await.map_err(db)? {
            let values = (0..names.len())
                .map(|i| cell(&row, i))
                .collect::<Result<Vec<_>>>()
                .map_err(|e| failure(format!("{}: {e:#}", table.name)))?;
            each(values)?;
            count += 1;
        }
        Ok(count)
    }

    /// The media of the snapshot, for the files to copy with it.
    pub async fn media(&mut self) -> Result<Vec<MediaAsset>> {
        let sql = format!("SELECT {} FROM media m ORDER BY m.id", rows::MEDIA_FIELDS);
        sqlx::query(&sql)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(db)?
            .iter()
            .map(rows::media)
            .collect()
    }

    /// Ends the snapshot.
    pub async fn finish(self) -> Result<()> {
        self.tx.commit().await.map_err(db)
    }
}

/// A restore under way: nothing is visible, and nothing stays, until
/// [`Restore::finish`].
pub struct Restore {
    tx: Transaction<'static, Any>,
    backend: Backend,
    /// Each table's columns in this database, looked up once.
    columns: HashMap<&'static str, Vec<(String, Kind)>>,
    /// Rows written without their parent, which came later: (table, id,
    /// parent).
    parents: Vec<(&'static Table, i64, i64)>,
    /// The triggers paused for the restore, to put back before it commits.
    triggers: Paused,
}

/// Triggers taken out of the way of a restore.
#[derive(Debug)]
enum Paused {
    /// SQLite has no switch: the triggers are dropped, and their
    /// definitions kept to create them again.
    Dropped(Vec<String>),
    /// PostgreSQL switches the user triggers of these tables off.
    Disabled(Vec<&'static str>),
}

/// Takes the triggers out of the way of a restore, inside its transaction
/// (a restore that fails puts them back with everything else). They keep
/// change logs and copies of values (`listed_at`) up to date: the rows
/// restored already hold those copies as the backup found them, and the
/// logs are emptied at the end, so firing them for every row (a trigger
/// costs SQLite as much as the row itself) is work thrown away.
async fn pause_triggers(tx: &mut Transaction<'static, Any>, backend: Backend) -> Result<Paused> {
    match backend {
        Backend::Sqlite => {
            let triggers = sqlx::query(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
            )
            .fetch_all(&mut **tx)
            .await
            .map_err(db)?;
            let mut definitions = Vec::new();
            for row in &triggers {
                let name: String = rows::get(row, "name")?;
                sqlx::query(&format!("DROP TRIGGER {}", quoted(&name)))
                    .execute(&mut **tx)
                    .await
                    .map_err(db)?;
                definitions.push(rows::get(row, "sql")?);
            }
            Ok(Paused::Dropped(definitions))
        }
        Backend::Postgres => {
            // Only a table's owner may switch its triggers: a database
            // whose tables belong to another role keeps them on.
            let owned: Option<bool> = rows::get(
                &sqlx::query(
                    "SELECT bool_and(tableowner = current_user) AS owned FROM pg_tables \
                     WHERE schemaname = current_schema()",
                )
                .fetch_one(&mut **tx)
                .await
                .map_err(db)?,
                "owned",
            )?;
            let mut disabled = Vec::new();
            if owned == Some(true) {
                for table in TABLES {
                    sqlx::query(&format!(
                        "ALTER TABLE {} DISABLE TRIGGER USER",
                        quoted(table.name)
                    ))
                    .execute(&mut **tx)
                    .await
                    .map_err(db)?;
                    disabled.push(table.name);
                }
            }
            Ok(Paused::Disabled(disabled))
        }
    }
}

impl std::fmt::Debug for Restore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Restore")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// Most values bound in one statement. sqlx binds SQLite parameters by
/// name, and SQLite finds a parameter's name by walking the statement's
/// list of them: the cost of binding grows with the square of the count
/// (8,000 values a statement made a restore four times slower than 1,000).
const MAX_VALUES_PER_STATEMENT: usize = 1_000;

impl Restore {
    /// Writes rows of `table` whose values are in the order of `names`
    /// (the backup's columns, which must all exist here; columns it lacks,
    /// added since, take their defaults).
    pub async fn write(
        &mut self,
        table: &str,
        names: &[String],
        rows: Vec<Vec<Cell>>,
    ) -> Result<()> {
        let table = listed(table)?;
        let started = std::time::Instant::now();
        if !self.columns.contains_key(table.name) {
            let found = columns(&mut self.tx, self.backend, table.name).await?;
            self.columns.insert(table.name, found);
        }
        let here = &self.columns[table.name];
        let kinds = names
            .iter()
            .map(|name| {
                here.iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, kind)| *kind)
                    .ok_or_else(|| failure(format!("{}: no column {name} here", table.name)))
            })
            .collect::<Result<Vec<_>>>()?;
        let id_at = names.iter().position(|n| n == "id");
        let parent_at = table
            .self_ref
            .and_then(|column| names.iter().position(|n| n == column));
        let mut rows = rows;
        if let (Some(id_at), Some(parent_at)) = (id_at, parent_at) {
            for row in &mut rows {
                if let (Some(Cell::Int(id)), Some(Cell::Int(parent))) =
                    (row.get(id_at), row.get(parent_at))
                    && parent >= id
                {
                    self.parents.push((table, *id, *parent));
                    row[parent_at] = Cell::Null;
                }
            }
        }
        let per_statement = (MAX_VALUES_PER_STATEMENT / names.len().max(1)).max(1);
        let list: Vec<String> = names.iter().map(|n| quoted(n)).collect();
        for chunk in rows.chunks(per_statement) {
            let mut sql = format!(
                "INSERT INTO {} ({}) VALUES ",
                quoted(table.name),
                list.join(", ")
            );
            let mut n = 0;
            for (r, row) in chunk.iter().enumerate() {
                if row.len() != names.len() {
                    return Err(failure(format!(
                        "{}: a row has {} values for {} columns",
                        table.name,
                        row.len(),
                        names.len()
                    )));
                }
                sql.push_str(if r == 0 { "(" } else { ", (" });
                for c in 0..row.len() {
                    n += 1;
                    sql.push_str(&format!("{}${n}", if c == 0 { "" } else { ", " }));
                }
                sql.push(')');
            }
            let mut query = sqlx::query(&sql);
            for row in chunk {
                for ((value, kind), name) in row.iter().zip(&kinds).zip(names) {
                    query = match (value, kind) {
                        (Cell::Null, Kind::Int) => query.bind(None::<i64>),
                        (Cell::Null, Kind::Real) => query.bind(None::<f64>),
                        (Cell::Null, Kind::Text) => query.bind(None::<String>),
                        (Cell::Int(v), Kind::Int) => query.bind(*v),
                        (Cell::Int(v), Kind::Real) => query.bind(*v as f64),
                        (Cell::Real(v), Kind::Real) => query.bind(*v),
                        (Cell::Text(v), Kind::Text) => query.bind(v.clone()),
                        (value, kind) => {
                            return Err(failure(format!(
                                "{}.{name}: {value:?} does not fit a {kind:?} column",
                                table.name
                            )));
                        }
                    };
                }
            }
            query
                .execute(&mut *self.tx)
                .await
                .map_err(|e| failure(format!("{}: {e}", table.name)))?;
        }
        tracing::debug!(table = table.name, rows = rows.len(), elapsed = ?started.elapsed(), "restored rows");
        Ok(())
    }

    /// Mends the rows written without their parent, lets new rows take ids
    /// after the restored ones, empties the change logs the writes filled
    /// (the restored site's index and cache start from the whole), and
    /// commits: the restore is then complete and durable.
    pub async fn finish(mut self) -> Result<()> {
        let started = std::time::Instant::now();
        for (table, id, parent) in std::mem::take(&mut self.parents) {
            let column = table.self_ref.unwrap_or("parent_id");
            let sql = format!(
                "UPDATE {} SET {} = $1 WHERE id = $2",
                quoted(table.name),
                quoted(column)
            );
            sqlx::query(&sql)
                .bind(parent)
                .bind(id)
                .execute(&mut *self.tx)
                .await
                .map_err(|e| failure(format!("{}: {e}", table.name)))?;
        }
        if self.backend == Backend::Postgres {
            for table in TABLES {
                // Identity columns count on from the largest restored id.
                let has_id = sqlx::query(
                    "SELECT pg_get_serial_sequence($1, 'id') AS s \
                     WHERE EXISTS (SELECT 1 FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1 AND column_name = 'id')",
                )
                .bind(table.name)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(db)?;
                let Some(row) = has_id else { continue };
                let Some(sequence) = rows::get::<Option<String>>(&row, "s")? else {
                    continue;
                };
                let sql = format!(
                    "SELECT setval($1::regclass, coalesce((SELECT max(id) FROM {}), 0) + 1, false) AS v",
                    quoted(table.name)
                );
                sqlx::query(&sql)
                    .bind(sequence)
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err(db)?;
            }
        }
        match std::mem::replace(&mut self.triggers, Paused::Disabled(Vec::new())) {
            Paused::Dropped(definitions) => {
                for sql in definitions {
                    sqlx::query(&sql).execute(&mut *self.tx).await.map_err(db)?;
                }
            }
            Paused::Disabled(tables) => {
                for table in tables {
                    sqlx::query(&format!(
                        "ALTER TABLE {} ENABLE TRIGGER USER",
                        quoted(table)
                    ))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db)?;
                }
            }
        }
        tracing::debug!(elapsed = ?started.elapsed(), "parents, sequences and triggers");
        for table in CHANGE_LOGS {
            sqlx::query(&format!("DELETE FROM {}", quoted(table)))
                .execute(&mut *self.tx)
                .await
                .map_err(db)?;
        }
        tracing::debug!(elapsed = ?started.elapsed(), "change logs emptied");
        self.tx.commit().await.map_err(db)?;
        tracing::debug!(elapsed = ?started.elapsed(), "committed");
        Ok(())
    }
}
