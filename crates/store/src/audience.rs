//! Audience sums (migration 0029): each server adds what it counted, the
//! newsroom reads them grouped.

use std::collections::HashMap;

use async_trait::async_trait;
use kiosque_core::Result;
use kiosque_core::model::audience::{
    By, Live, LiveReport, Retention, Span, StatsQuery, StatsRow, ViewCell, ViewedPath,
};
use kiosque_core::ports::Audience;

use crate::rows::get;
use crate::{SqlStore, db};

/// Adds to a cell, making it if it is new: several servers add to the
/// same sums without reading them first.
const ADD: &str = "INSERT INTO stats_counts (span, start, path, source, device, views, v_site, \
     v_path, v_source, v_device, v_path_source, v_path_device) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
     ON CONFLICT (span, start, path, source, device) DO UPDATE SET \
     views = stats_counts.views + excluded.views, \
     v_site = stats_counts.v_site + excluded.v_site, \
     v_path = stats_counts.v_path + excluded.v_path, \
     v_source = stats_counts.v_source + excluded.v_source, \
     v_device = stats_counts.v_device + excluded.v_device, \
     v_path_source = stats_counts.v_path_source + excluded.v_path_source, \
     v_path_device = stats_counts.v_path_device + excluded.v_path_device";

#[async_trait]
impl Audience for SqlStore {
    async fn add_views(&self, cells: &[ViewCell], paths: &[ViewedPath]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for p in paths {
            sqlx::query(
                "INSERT INTO stats_paths (path, title, article_id) \
                 VALUES ($1, $2, (SELECT id FROM articles WHERE id = $3)) \
                 ON CONFLICT (path) DO UPDATE SET title = excluded.title, \
                 article_id = COALESCE(excluded.article_id, stats_paths.article_id)",
            )
            .bind(&p.path)
            .bind(&p.title)
            .bind(p.article)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        for cell in cells {
            let hour = cell.minute - cell.minute.rem_euclid(Span::Hour.seconds());
            for (span, start) in [
                (Span::Minute, cell.minute),
                (Span::Hour, hour),
                (Span::Day, cell.day),
            ] {
                let c = &cell.counts;
                sqlx::query(ADD)
                    .bind(span.as_str())
                    .bind(start)
                    .bind(&cell.path)
                    .bind(cell.source.as_str())
                    .bind(cell.device.as_str())
                    .bind(c.views)
                    .bind(c.site)
                    .bind(c.path)
                    .bind(c.source)
                    .bind(c.device)
                    .bind(c.path_source)
                    .bind(c.path_device)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
        }
        tx.commit().await.map_err(db)
    }

    async fn report_live(
        &self,
        server: &str,
        at: i64,
        report: &LiveReport,
        forget_before: i64,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM stats_live WHERE server = $1 OR reported_at < $2")
            .bind(server)
            .bind(forget_before)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let site = (0, report.readers_5, report.readers_30);
        let articles = report.articles.iter().map(|(id, n)| (*id, *n, *n));
        for (article, readers_5, readers_30) in std::iter::once(site).chain(articles) {
            sqlx::query(
                "INSERT INTO stats_live (server, article_id, readers_5, readers_30, reported_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(server)
            .bind(article)
            .bind(readers_5)
            .bind(readers_30)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn live(&self, since: i64, limit: u32) -> Result<Live> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(readers_5), 0) AS BIGINT) AS r5, \
             CAST(COALESCE(SUM(readers_30), 0) AS BIGINT) AS r30 \
             FROM stats_live WHERE article_id = 0 AND reported_at >= $1",
        )
        .bind(since)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        let articles = sqlx::query(
            "SELECT l.article_id, a.title, CAST(SUM(l.readers_5) AS BIGINT) AS readers \
             FROM stats_live l JOIN articles a ON a.id = l.article_id \
             WHERE l.article_id <> 0 AND l.reported_at >= $1 \
             GROUP BY l.article_id, a.title ORDER BY readers DESC, l.article_id LIMIT $2",
        )
        .bind(since)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((get(r, "article_id")?, get(r, "title")?, get(r, "readers")?)))
        .collect::<Result<Vec<_>>>()?;
        Ok(Live {
            readers_5: get(&row, "r5")?,
            readers_30: get(&row, "r30")?,
            articles,
        })
    }

    async fn stats(&self, q: &StatsQuery) -> Result<Vec<StatsRow>> {
        let sql = stats_sql(q);
        let mut query = sqlx::query(&sql)
            .bind(q.span.as_str())
            .bind(q.from)
            .bind(q.to);
        if let Some(article) = q.article {
            query = query.bind(article);
        }
        if let Some(user) = q.created_by {
            query = query.bind(user);
        }
        let rows = query
            .bind(i64::from(q.limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        let numeric = matches!(
            q.by,
            By::Time | By::Article | By::Section | By::Author | By::Tag
        );
        rows.iter()
            .map(|r| {
                Ok(StatsRow {
                    key: if numeric {
                        get::<i64>(r, "k")?.to_string()
                    } else {
                        get(r, "k")?
                    },
                    label: get(r, "label")?,
                    views: get(r, "views")?,
                    visitors: get(r, "visitors")?,
                })
            })
            .collect()
    }

    async fn views_of(&self, articles: &[i64], from: i64) -> Result<HashMap<i64, i64>> {
        if articles.is_empty() {
            return Ok(HashMap::new());
        }
        // Ids are integers: written into the statement, one list whatever
        // the dialect.
        let ids = articles
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        sqlx::query(&format!(
            "SELECT p.article_id, CAST(SUM(c.views) AS BIGINT) AS views \
             FROM stats_paths p JOIN stats_counts c ON c.path = p.path \
             WHERE p.article_id IN ({ids}) AND c.span = 'd' AND c.start >= $1 \
             GROUP BY p.article_id"
        ))
        .bind(from)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((get(r, "article_id")?, get(r, "views")?)))
        .collect()
    }

    async fn prune_stats(&self, now: i64, retention: Retention) -> Result<()> {
        let mut spans = vec![
            (Span::Minute, i64::from(retention.minutes_hours) * 3600),
            (Span::Hour, i64::from(retention.hours_days) * 86_400),
        ];
        if retention.days_days > 0 {
            spans.push((Span::Day, i64::from(retention.days_days) * 86_400));
        }
        for (span, keep) in spans {
            sqlx::query("DELETE FROM stats_counts WHERE span = $1 AND start < $2")
                .bind(span.as_str())
                .bind(now - keep)
                .execute(&self.pool)
                .await
                .map_err(db)?;
        }
        Ok(())
    }
}

/// The statement answering `q`. Visitors are the "first today" counts of
/// what is grouped: the site's, or (for one article, or one author's
/// articles) the pages'.
fn stats_sql(q: &StatsQuery) -> String {
    let pages_only = q.article.is_some() || q.created_by.is_some();
    let visitors = match q.by {
        By::Total | By::Time if pages_only => "v_path",
        By::Total | By::Time => "v_site",
        By::Source if pages_only => "v_path_source",
        By::Source => "v_source",
        By::Device if pages_only => "v_path_device",
        By::Device => "v_device",
        By::Path | By::Article | By::Section | By::Author | By::Tag => "v_path",
    };
    let mut filter = String::from("c.span = $1 AND c.start >= $2 AND c.start < $3");
    let mut n = 3;
    if q.article.is_some() {
        n += 1;
        filter.push_str(&format!(
            " AND c.path IN (SELECT path FROM stats_paths WHERE article_id = ${n})"
        ));
    }
    if q.created_by.is_some() {
        n += 1;
        filter.push_str(&format!(
            " AND c.path IN (SELECT p.path FROM stats_paths p \
             JOIN articles a ON a.id = p.article_id WHERE a.created_by = ${n})"
        ));
    }
    let limit = format!("${}", n + 1);
    let sums = format!(
        "CAST(SUM(c.views) AS BIGINT) AS views, CAST(SUM(c.{visitors}) AS BIGINT) AS visitors"
    );
    let articles = "JOIN stats_paths p ON p.path = c.path JOIN articles a ON a.id = p.article_id";
    let (select, from, group, order) = match q.by {
        By::Total => (
            "'' AS k, '' AS label, CAST(COALESCE(SUM(c.views), 0) AS BIGINT) AS views, \
             CAST(COALESCE(SUM(c.VIS), 0) AS BIGINT) AS visitors"
                .replace("VIS", visitors),
            String::new(),
            String::new(),
            String::new(),
        ),
        By::Time => (
            format!("c.start AS k, '' AS label, {sums}"),
            String::new(),
            "GROUP BY c.start".to_owned(),
            "ORDER BY c.start".to_owned(),
        ),
        By::Path => (
            format!("c.path AS k, COALESCE(MAX(p.title), '') AS label, {sums}"),
            "LEFT JOIN stats_paths p ON p.path = c.path".to_owned(),
            "GROUP BY c.path".to_owned(),
            "ORDER BY views DESC, c.path".to_owned(),
        ),
        By::Article => (
            format!("a.id AS k, a.title AS label, {sums}"),
            articles.to_owned(),
            "GROUP BY a.id, a.title".to_owned(),
            "ORDER BY views DESC, a.id".to_owned(),
        ),
        By::Section => (
            format!("s.id AS k, s.name AS label, {sums}"),
            format!("{articles} JOIN categories s ON s.id = a.category_id"),
            "GROUP BY s.id, s.name".to_owned(),
            "ORDER BY views DESC, s.id".to_owned(),
        ),
        By::Author => (
            format!("w.id AS k, w.name AS label, {sums}"),
            format!(
                "{articles} JOIN (SELECT id AS article_id, author_id FROM articles \
                 UNION SELECT article_id, author_id FROM article_contributors) b \
                 ON b.article_id = a.id JOIN authors w ON w.id = b.author_id"
            ),
            "GROUP BY w.id, w.name".to_owned(),
            "ORDER BY views DESC, w.id".to_owned(),
        ),
        By::Tag => (
            format!("g.id AS k, g.name AS label, {sums}"),
            format!(
                "{articles} JOIN article_tags t ON t.article_id = a.id \
                 JOIN tags g ON g.id = t.tag_id"
            ),
            "GROUP BY g.id, g.name".to_owned(),
            "ORDER BY views DESC, g.id".to_owned(),
        ),
        By::Source => (
            format!("c.source AS k, '' AS label, {sums}"),
            String::new(),
            "GROUP BY c.source".to_owned(),
            "ORDER BY views DESC, c.source".to_owned(),
        ),
        By::Device => (
            format!("c.device AS k, '' AS label, {sums}"),
            String::new(),
            "GROUP BY c.device".to_owned(),
            "ORDER BY views DESC, c.device".to_owned(),
        ),
    };
    format!(
        "SELECT {select} FROM stats_counts c {from} WHERE {filter} {group} {order} LIMIT {limit}"
    )
}
