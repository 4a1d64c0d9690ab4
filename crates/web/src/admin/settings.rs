//! The site's settings, for administrators.

use std::sync::Arc;

use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use kiosque_core::FieldError;
use kiosque_core::model::{CommentPolicy, Permalink, ShareNetwork, Site};
use kiosque_core::types::{Locale, Permission};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{Newsroom, admin_context, error_views, upload};
use crate::{AppState, WebError};

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct SettingsForm {
    pub(crate) csrf: String,
    pub(crate) name: String,
    /// One line under the name.
    pub(crate) tagline: String,
    /// `#rrggbb`, or empty for the theme's colour.
    pub(crate) accent: String,
    /// Checkboxes: present ("on") when ticked.
    pub(crate) header_centred: Option<String>,
    pub(crate) show_tagline: Option<String>,
    pub(crate) language: String,
    pub(crate) comment_policy: String,
    pub(crate) close_after_days: String,
    pub(crate) blocked_terms: String,
    /// A checkbox: present ("on") when ticked.
    pub(crate) require_admin_2fa: Option<String>,
    pub(crate) time_zone: String,
    /// The ticked share networks (one checkbox each).
    pub(crate) share: Vec<String>,
    /// The shape of article addresses.
    pub(crate) permalink: String,
    /// A checkbox: feeds carry whole articles.
    pub(crate) full_text_feeds: Option<String>,
    /// Checkboxes: count with the beacon; leave out DNT/Sec-GPC readers.
    pub(crate) stats_beacon: Option<String>,
    pub(crate) stats_honour_dnt: Option<String>,
}

impl SettingsForm {
    pub(crate) fn from_site(site: &Site) -> Self {
        SettingsForm {
            csrf: String::new(),
            name: site.name.clone(),
            tagline: site.tagline.clone(),
            accent: site
                .accent
                .as_ref()
                .map(|a| a.as_str().to_owned())
                .unwrap_or_default(),
            header_centred: site.header_centred.then(|| "on".to_owned()),
            show_tagline: site.show_tagline.then(|| "on".to_owned()),
            language: site.language.code().to_owned(),
            comment_policy: site.comments.policy.as_str().to_owned(),
            close_after_days: site.comments.close_after_days.to_string(),
            blocked_terms: site.comments.blocked_terms.join("\n"),
            require_admin_2fa: site.require_admin_2fa.then(|| "on".to_owned()),
            time_zone: site.time_zone.name().to_owned(),
            share: site
                .share_networks
                .iter()
                .map(|n| n.as_str().to_owned())
                .collect(),
            permalink: site.permalink.as_str().to_owned(),
            full_text_feeds: site.full_text_feeds.then(|| "on".to_owned()),
            stats_beacon: site.stats_beacon.then(|| "on".to_owned()),
            stats_honour_dnt: site.stats_honour_dnt.then(|| "on".to_owned()),
        }
    }

    /// The site with these settings applied, or what is wrong; the
    /// API's settings come here too.
    pub(crate) fn apply(&self, site: &Site) -> Result<Site, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut next = site.clone();
        let name = self.name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            errors.push(FieldError {
                field: "name",
                code: "required",
            });
        } else if name.chars().count() > 200 {
            errors.push(FieldError {
                field: "name",
                code: "too_long",
            });
        }
        next.name = name;
        let tagline = self
            .tagline
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if tagline.chars().count() > 200 {
            errors.push(FieldError {
                field: "tagline",
                code: "too_long",
            });
        }
        next.tagline = tagline;
        next.accent = match self.accent.trim() {
            "" => None,
            raw => match kiosque_core::model::Accent::parse(raw) {
                Ok(accent) => Some(accent),
                Err(code) => {
                    errors.push(FieldError {
                        field: "accent",
                        code,
                    });
                    None
                }
            },
        };
        next.header_centred = self.header_centred.is_some();
        next.show_tagline = self.show_tagline.is_some();
        next.language = self.language.parse().unwrap_or(Locale::Fr);
        next.comments.policy = CommentPolicy::parse(&self.comment_policy);
        match self.close_after_days.trim().parse::<u32>() {
            Ok(days) if days <= 36_500 => next.comments.close_after_days = days,
            _ => errors.push(FieldError {
                field: "close_after_days",
                code: "invalid_number",
            }),
        }
        next.require_admin_2fa = self.require_admin_2fa.is_some();
        match self.time_zone.parse() {
            Ok(zone) => next.time_zone = zone,
            Err(_) => errors.push(FieldError {
                field: "time_zone",
                code: "invalid_time_zone",
            }),
        }
        next.share_networks = ShareNetwork::parse_list(&self.share.join(","));
        next.permalink = Permalink::parse(&self.permalink);
        next.full_text_feeds = self.full_text_feeds.is_some();
        next.stats_beacon = self.stats_beacon.is_some();
        next.stats_honour_dnt = self.stats_honour_dnt.is_some();
        next.comments.blocked_terms = self
            .blocked_terms
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        if errors.is_empty() {
            Ok(next)
        } else {
            Err(errors)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SavedQuery {
    saved: Option<String>,
}

fn label(field: &str) -> String {
    match field {
        "name" => "admin.site_name".into(),
        other => format!("admin.{other}"),
    }
}

/// What the settings page shows besides the form.
struct Notices {
    flash: Option<String>,
    logo_error: Option<String>,
    status: StatusCode,
}

async fn render(
    state: &AppState,
    newsroom: &Newsroom,
    form: &SettingsForm,
    errors: &[FieldError],
    notices: Notices,
) -> Result<Response, WebError> {
    let Notices {
        flash,
        logo_error,
        status,
    } = notices;
    let strings = state.strings(newsroom.site.language);
    let (errors, errors_list) = error_views(strings, errors, label);
    let policies: Vec<_> = CommentPolicy::ALL
        .iter()
        .map(|p| context! { value => p.as_str(), label => strings.text(&format!("admin.policy_{}", p.as_str())) })
        .collect();
    let networks: Vec<_> = ShareNetwork::ALL
        .iter()
        .map(|n| {
            context! {
                value => n.as_str(),
                label => strings.text(&format!("admin.share_{}", n.as_str())),
                checked => form.share.iter().any(|s| s == n.as_str()),
            }
        })
        .collect();
    let zones: Vec<&str> = Site::time_zones().map(|z| z.name()).collect();
    let permalinks: Vec<_> = Permalink::ALL
        .iter()
        .map(|p| {
            context! {
                value => p.as_str(),
                label => strings.text(&format!("admin.permalink_{}", p.as_str().replace('-', "_"))),
            }
        })
        .collect();
    let logo = newsroom.site.logo.as_ref().map(|l| {
        context! { src => format!("/media/{}", l.file_name), width => l.width, height => l.height }
    });
    let title = strings.text("admin.settings");
    let ctx = context! {
        form, errors, errors_list, policies, networks, zones, permalinks, logo, logo_error,
        ..admin_context(state, &newsroom.site, Some(newsroom), &title, "settings", flash)
    };
    let html = state.templates.render("admin/settings.html", ctx)?;
    Ok((status, Html(html)).into_response())
}

pub(crate) async fn form(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Query(query): Query<SavedQuery>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::ManageSettings)?;
    let flash = query.saved.map(|_| {
        state
            .strings(newsroom.site.language)
            .text("admin.settings_saved")
    });
    let form = SettingsForm::from_site(&newsroom.site);
    let notices = Notices {
        flash,
        logo_error: None,
        status: StatusCode::OK,
    };
    render(&state, &newsroom, &form, &[], notices).await
}

pub(crate) async fn save(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Form(form): Form<SettingsForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    newsroom.require(Permission::ManageSettings)?;
    match form.apply(&newsroom.site) {
        Ok(site) => {
            state.store.save_site(&site).await?;
            tracing::info!(user = newsroom.user.id, "site settings changed");
            Ok(Redirect::to("/admin/settings?saved=1").into_response())
        }
        Err(errors) => {
            let notices = Notices {
                flash: None,
                logo_error: None,
                status: StatusCode::UNPROCESSABLE_ENTITY,
            };
            render(&state, &newsroom, &form, &errors, notices).await
        }
    }
}

/// Sets, replaces or removes the logo (its own multipart form, so the
/// settings form stays a plain one).
pub(crate) async fn logo(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let read = upload::read_checked(multipart, &newsroom).await?;
    let refused = |refusal: upload::Refusal| {
        let form = SettingsForm::from_site(&newsroom.site);
        let notices = Notices {
            flash: None,
            logo_error: Some(refusal.message),
            status: refusal.status,
        };
        (form, notices)
    };
    let Some(mut form) = read else {
        let (form, notices) = refused(upload::too_large(&state, &newsroom));
        return render(&state, &newsroom, &form, &[], notices).await;
    };
    newsroom.require(Permission::ManageSettings)?;
    let mut site = newsroom.site.clone();
    match upload::replacement(&state, &newsroom, &mut form).await? {
        Ok(logo) => site.logo = logo,
        Err(refusal) => {
            let (form, notices) = refused(refusal);
            return render(&state, &newsroom, &form, &[], notices).await;
        }
    }
    state.store.save_site(&site).await?;
    tracing::info!(user = newsroom.user.id, "site logo changed");
    Ok(Redirect::to("/admin/settings?saved=1#logo").into_response())
}
