//! The site's settings through the API (administrators): read, and changed
//! (the fields sent, with `If-Match`: their `ETag`) by the admin's own rule
//! (`admin::settings::SettingsForm::apply`).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use kiosque_core::Error;
use kiosque_core::FieldError;
use kiosque_core::model::{CommentPolicy, Permalink, ShareNetwork, Site};
use kiosque_core::types::{Locale, Permission};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Caller;
use super::body::{Body, Known};
use super::content::site_of;
use super::error::{ApiError, ErrorBody};
use super::extract::{Audience, check_if_match, etag_of, written};
use crate::AppState;
use crate::admin::settings::SettingsForm;

/// The site's settings, as administrators see them.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SettingsOut {
    #[schema(example = "Le Courrier du Sahel")]
    name: String,
    tagline: String,
    /// `#rrggbb`, or null for the theme's colour.
    accent: Option<String>,
    header_centred: bool,
    show_tagline: bool,
    /// `fr` or `en`.
    language: String,
    /// `hold_all`, `hold_first_time` or `publish`.
    comment_policy: String,
    /// Comments close this many days after publication (0: never).
    close_after_days: u32,
    /// Words that send a comment to the queue.
    blocked_terms: Vec<String>,
    require_admin_2fa: bool,
    /// A tz database name (`Africa/Dakar`).
    time_zone: String,
    /// Share buttons shown, in order.
    share_networks: Vec<String>,
    /// `year-month`, `slug` or `section`.
    permalink: String,
    full_text_feeds: bool,
    /// Page views are counted by the pages' first-party beacon (a CDN or
    /// the static export answers readers), not on the server.
    stats_beacon: bool,
    /// Readers sending `DNT: 1` or `Sec-GPC: 1` are not counted.
    stats_honour_dnt: bool,
}

impl SettingsOut {
    fn new(site: &Site) -> Self {
        SettingsOut {
            name: site.name.clone(),
            tagline: site.tagline.clone(),
            accent: site.accent.as_ref().map(|a| a.as_str().to_owned()),
            header_centred: site.header_centred,
            show_tagline: site.show_tagline,
            language: site.language.code().to_owned(),
            comment_policy: site.comments.policy.as_str().to_owned(),
            close_after_days: site.comments.close_after_days,
            blocked_terms: site.comments.blocked_terms.clone(),
            require_admin_2fa: site.require_admin_2fa,
            time_zone: site.time_zone.name().to_owned(),
            share_networks: site
                .share_networks
                .iter()
                .map(|n| n.as_str().to_owned())
                .collect(),
            permalink: site.permalink.as_str().to_owned(),
            full_text_feeds: site.full_text_feeds,
            stats_beacon: site.stats_beacon,
            stats_honour_dnt: site.stats_honour_dnt,
        }
    }
}

/// Settings to change; the fields sent replace the site's.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SettingsIn {
    #[schema(max_length = 200)]
    name: Option<String>,
    #[schema(max_length = 200)]
    tagline: Option<String>,
    /// `#rrggbb` (dark enough to read on white), or null for the theme's.
    accent: Option<Option<String>>,
    header_centred: Option<bool>,
    show_tagline: Option<bool>,
    /// `fr` or `en`.
    language: Option<String>,
    /// `hold_all`, `hold_first_time` or `publish`.
    comment_policy: Option<String>,
    #[schema(maximum = 36500)]
    close_after_days: Option<u32>,
    blocked_terms: Option<Vec<String>>,
    require_admin_2fa: Option<bool>,
    time_zone: Option<String>,
    /// Any of `whatsapp`, `facebook`, `x`, `linkedin`, `telegram`, `email`.
    share_networks: Option<Vec<String>>,
    /// `year-month`, `slug` or `section`.
    permalink: Option<String>,
    full_text_feeds: Option<bool>,
    stats_beacon: Option<bool>,
    stats_honour_dnt: Option<bool>,
}

impl Known for SettingsIn {
    const FIELDS: &'static [&'static str] = &[
        "name",
        "tagline",
        "accent",
        "header_centred",
        "show_tagline",
        "language",
        "comment_policy",
        "close_after_days",
        "blocked_terms",
        "require_admin_2fa",
        "time_zone",
        "share_networks",
        "permalink",
        "full_text_feeds",
        "stats_beacon",
        "stats_honour_dnt",
    ];
}

impl SettingsIn {
    /// The admin's form with these fields over the site's, refusing the
    /// choices the form would quietly replace by a default.
    fn onto(self, form: &mut SettingsForm) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        let mut choice =
            |field: &'static str, value: Option<String>, known: bool, into: &mut String| {
                if let Some(v) = value {
                    if known {
                        *into = v;
                    } else {
                        errors.push(FieldError {
                            field,
                            code: "invalid_choice",
                        });
                    }
                }
            };
        let language_known = self
            .language
            .as_deref()
            .is_none_or(|l| l.parse::<Locale>().is_ok());
        choice(
            "language",
            self.language,
            language_known,
            &mut form.language,
        );
        let policy_known = self
            .comment_policy
            .as_deref()
            .is_none_or(|p| CommentPolicy::ALL.iter().any(|c| c.as_str() == p));
        choice(
            "comment_policy",
            self.comment_policy,
            policy_known,
            &mut form.comment_policy,
        );
        let permalink_known = self
            .permalink
            .as_deref()
            .is_none_or(|p| Permalink::ALL.iter().any(|c| c.as_str() == p));
        choice(
            "permalink",
            self.permalink,
            permalink_known,
            &mut form.permalink,
        );
        if let Some(list) = self.share_networks {
            if list.iter().all(|n| ShareNetwork::parse(n).is_some()) {
                form.share = list;
            } else {
                errors.push(FieldError {
                    field: "share_networks",
                    code: "invalid_choice",
                });
            }
        }
        let tick = |on: bool| on.then(|| "on".to_owned());
        if let Some(v) = self.name {
            form.name = v;
        }
        if let Some(v) = self.tagline {
            form.tagline = v;
        }
        if let Some(v) = self.accent {
            form.accent = v.unwrap_or_default();
        }
        if let Some(v) = self.header_centred {
            form.header_centred = tick(v);
        }
        if let Some(v) = self.show_tagline {
            form.show_tagline = tick(v);
        }
        if let Some(v) = self.close_after_days {
            form.close_after_days = v.to_string();
        }
        if let Some(v) = self.blocked_terms {
            form.blocked_terms = v.join("\n");
        }
        if let Some(v) = self.require_admin_2fa {
            form.require_admin_2fa = tick(v);
        }
        if let Some(v) = self.time_zone {
            form.time_zone = v;
        }
        if let Some(v) = self.full_text_feeds {
            form.full_text_feeds = tick(v);
        }
        if let Some(v) = self.stats_beacon {
            form.stats_beacon = tick(v);
        }
        if let Some(v) = self.stats_honour_dnt {
            form.stats_honour_dnt = tick(v);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(errors).into())
        }
    }
}

fn bytes(site: &Site) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(&SettingsOut::new(site)).map_err(ApiError::internal)
}

/// The site's settings; the `ETag` is what `If-Match` names to change them.
#[utoipa::path(
    get,
    path = "/api/v1/newsroom/settings",
    tag = "administration",
    operation_id = "get_settings",
    security(("token" = [])),
    responses(
        (status = 200, description = "The settings.", body = SettingsOut),
        (status = 403, description = "Not an administrator.", body = ErrorBody),
    ),
)]
pub(crate) async fn get_settings(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller.viewer(Permission::ManageSettings)?;
    let site = site_of(&state).await?;
    super::extract::json(&headers, Audience::Private, &SettingsOut::new(&site))
}

/// Changes the settings sent, with `If-Match`: their `ETag`.
#[utoipa::path(
    patch,
    path = "/api/v1/newsroom/settings",
    tag = "administration",
    operation_id = "update_settings",
    security(("token" = [])),
    params(("If-Match" = String, Header, description = "The `ETag` the settings were read with.")),
    request_body(content = SettingsIn, content_type = "application/json"),
    responses(
        (status = 200, description = "Saved.", body = SettingsOut),
        (status = 412, description = "Changed since that `ETag`: nothing was changed.", body = ErrorBody),
        (status = 422, description = "`name: required`, `accent: low_contrast`, `time_zone: invalid_time_zone`, `language: invalid_choice`…", body = ErrorBody),
    ),
)]
pub(crate) async fn update_settings(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    body: Body<SettingsIn>,
) -> Result<Response, ApiError> {
    let admin = caller.writer(Permission::ManageSettings)?.clone();
    let site = site_of(&state).await?;
    let current = bytes(&site)?;
    let mut form = SettingsForm::from_site(&site);
    body.value.onto(&mut form)?;
    let next = form.apply(&site).map_err(Error::Invalid)?;
    check_if_match(&headers, &etag_of(&current))?;
    state.store.save_site(&next).await?;
    tracing::info!(by = admin.id, "settings changed through the API");
    Ok(written(StatusCode::OK, bytes(&next)?, ""))
}
