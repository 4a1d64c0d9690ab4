//! The site's settings, for administrators.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use kiosque_core::FieldError;
use kiosque_core::model::{CommentPolicy, Site};
use kiosque_core::types::{Locale, Permission};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{Newsroom, admin_context, error_views};
use crate::{AppState, WebError};

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct SettingsForm {
    csrf: String,
    name: String,
    language: String,
    comment_policy: String,
    close_after_days: String,
    blocked_terms: String,
    /// A checkbox: present ("on") when ticked.
    require_admin_2fa: Option<String>,
}

impl SettingsForm {
    fn from_site(site: &Site) -> Self {
        SettingsForm {
            csrf: String::new(),
            name: site.name.clone(),
            language: site.language.code().to_owned(),
            comment_policy: site.comments.policy.as_str().to_owned(),
            close_after_days: site.comments.close_after_days.to_string(),
            blocked_terms: site.comments.blocked_terms.join("\n"),
            require_admin_2fa: site.require_admin_2fa.then(|| "on".to_owned()),
        }
    }

    /// The site with these settings applied, or what is wrong.
    fn apply(&self, site: &Site) -> Result<Site, Vec<FieldError>> {
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

async fn render(
    state: &AppState,
    newsroom: &Newsroom,
    form: &SettingsForm,
    errors: &[FieldError],
    flash: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let strings = state.strings(newsroom.site.language);
    let (errors, errors_list) = error_views(strings, errors, label);
    let policies: Vec<_> = CommentPolicy::ALL
        .iter()
        .map(|p| context! { value => p.as_str(), label => strings.text(&format!("admin.policy_{}", p.as_str())) })
        .collect();
    let title = strings.text("admin.settings");
    let ctx = context! {
        form, errors, errors_list, policies,
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
    render(&state, &newsroom, &form, &[], flash, StatusCode::OK).await
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
            render(
                &state,
                &newsroom,
                &form,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
