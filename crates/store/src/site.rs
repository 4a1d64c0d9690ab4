//! The site's settings row.

use kiosque_core::Result;
use kiosque_core::model::{
    Accent, Banner, CommentPolicy, CommentSettings, Permalink, ShareNetwork, Site,
};
use sqlx::AnyPool;

use crate::db;
use crate::rows::{self, MEDIA_FIELDS, get};

pub(crate) async fn load(pool: &AnyPool) -> Result<Option<Site>> {
    let row = sqlx::query(&format!(
        "SELECT s.name, s.language, s.base_url, s.comment_policy, s.comments_close_days, \
         s.blocked_terms, s.require_admin_2fa, s.time_zone, s.share_networks, s.permalink, \
         s.full_text_feeds, s.tagline, s.banner_text, s.banner_url, s.banner_until, \
         s.accent, s.header_centred, s.show_tagline, s.stats_beacon, s.stats_honour_dnt, \
         {MEDIA_FIELDS} \
         FROM site_settings s LEFT JOIN media m ON m.id = s.logo_id WHERE s.id = 1"
    ))
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    let Some(row) = row else { return Ok(None) };
    let language: String = get(&row, "language")?;
    let policy: String = get(&row, "comment_policy")?;
    let close: i64 = get(&row, "comments_close_days")?;
    let blocked: String = get(&row, "blocked_terms")?;
    let zone: String = get(&row, "time_zone")?;
    let networks: String = get(&row, "share_networks")?;
    Ok(Some(Site {
        name: get(&row, "name")?,
        language: language.parse().unwrap_or_default(),
        base_url: get(&row, "base_url")?,
        comments: CommentSettings {
            policy: CommentPolicy::parse(&policy),
            close_after_days: u32::try_from(close).unwrap_or_default(),
            blocked_terms: blocked
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
        },
        require_admin_2fa: get::<i64>(&row, "require_admin_2fa")? != 0,
        // A zone the compiled-in database no longer knows falls back to
        // UTC rather than taking the site down.
        time_zone: zone.parse().unwrap_or(kiosque_core::model::Tz::UTC),
        logo: rows::optional_media(&row)?,
        share_networks: ShareNetwork::parse_list(&networks),
        permalink: Permalink::parse(&get::<String>(&row, "permalink")?),
        full_text_feeds: get::<i64>(&row, "full_text_feeds")? != 0,
        menus: crate::menus::resolve(pool).await?,
        tagline: get(&row, "tagline")?,
        banner: Some(get::<String>(&row, "banner_text")?)
            .filter(|t| !t.is_empty())
            .map(|text| -> Result<Banner> {
                Ok(Banner {
                    text,
                    url: Some(get::<String>(&row, "banner_url")?).filter(|u| !u.is_empty()),
                    until: get::<Option<i64>>(&row, "banner_until")?.map(rows::time),
                })
            })
            .transpose()?,
        // A colour stored by an older rule, and no longer readable, is
        // dropped rather than shown.
        accent: Accent::parse(&get::<String>(&row, "accent")?).ok(),
        header_centred: get::<i64>(&row, "header_centred")? != 0,
        show_tagline: get::<i64>(&row, "show_tagline")? != 0,
        stats_beacon: get::<i64>(&row, "stats_beacon")? != 0,
        stats_honour_dnt: get::<i64>(&row, "stats_honour_dnt")? != 0,
    }))
}

pub(crate) async fn save(pool: &AnyPool, site: &Site) -> Result<()> {
    sqlx::query(
        "INSERT INTO site_settings (id, name, language, base_url, comment_policy, \
         comments_close_days, blocked_terms, require_admin_2fa, time_zone, logo_id, \
         share_networks, permalink, full_text_feeds, tagline, banner_text, banner_url, \
         banner_until, accent, header_centred, show_tagline, stats_beacon, stats_honour_dnt) \
         VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
         $17, $18, $19, $20, $21) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, language = excluded.language, \
         base_url = excluded.base_url, comment_policy = excluded.comment_policy, \
         comments_close_days = excluded.comments_close_days, \
         blocked_terms = excluded.blocked_terms, require_admin_2fa = excluded.require_admin_2fa, \
         time_zone = excluded.time_zone, logo_id = excluded.logo_id, \
         share_networks = excluded.share_networks, permalink = excluded.permalink, \
         full_text_feeds = excluded.full_text_feeds, tagline = excluded.tagline, \
         banner_text = excluded.banner_text, banner_url = excluded.banner_url, \
         banner_until = excluded.banner_until, accent = excluded.accent, \
         header_centred = excluded.header_centred, show_tagline = excluded.show_tagline, \
         stats_beacon = excluded.stats_beacon, stats_honour_dnt = excluded.stats_honour_dnt",
    )
    .bind(&site.name)
    .bind(site.language.code())
    .bind(&site.base_url)
    .bind(site.comments.policy.as_str())
    .bind(i64::from(site.comments.close_after_days))
    .bind(site.comments.blocked_terms.join("\n"))
    .bind(i64::from(site.require_admin_2fa))
    .bind(site.time_zone.name())
    .bind(site.logo.as_ref().map(|m| m.id))
    .bind(ShareNetwork::join(&site.share_networks))
    .bind(site.permalink.as_str())
    .bind(i64::from(site.full_text_feeds))
    .bind(&site.tagline)
    .bind(
        site.banner
            .as_ref()
            .map(|b| b.text.clone())
            .unwrap_or_default(),
    )
    .bind(
        site.banner
            .as_ref()
            .and_then(|b| b.url.clone())
            .unwrap_or_default(),
    )
    .bind(
        site.banner
            .as_ref()
            .and_then(|b| b.until)
            .map(|t| t.timestamp()),
    )
    .bind(
        site.accent
            .as_ref()
            .map(|a| a.as_str().to_owned())
            .unwrap_or_default(),
    )
    .bind(i64::from(site.header_centred))
    .bind(i64::from(site.show_tagline))
    .bind(i64::from(site.stats_beacon))
    .bind(i64::from(site.stats_honour_dnt))
    .execute(pool)
    .await
    .map_err(db)?;
    Ok(())
}
