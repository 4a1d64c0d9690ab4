//! Subscribers in the admin (administrators: addresses are personal data):
//! searched, removed with everything kept about them, exported as CSV,
//! and imported from another tool's export on the consent the newsroom
//! declares it holds.

use std::sync::Arc;

use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::Utc;
use kiosque_core::model::{Consent, SubscriberQuery};
use kiosque_core::service::newsletter::{consent_version, read_import, subscribers_csv};
use kiosque_core::types::Permission;
use kiosque_core::{Error, FieldError};
use minijinja::context;
use serde::Deserialize;

use crate::admin::{Newsroom, admin_context, error_views, upload};
use crate::{AppState, WebError};

/// Subscribers per page.
const PER_PAGE: u32 = 50;

/// The search.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Asked {
    q: String,
    list: String,
    page: u32,
    done: String,
}

struct Notice {
    flash: Option<String>,
    errors: Vec<FieldError>,
    status: StatusCode,
}

async fn render(
    state: &AppState,
    newsroom: &Newsroom,
    asked: &Asked,
    notice: Notice,
) -> Result<Response, WebError> {
    let strings = state.strings(newsroom.site.language);
    let site = &newsroom.site;
    let lists = state.store.newsletter_lists().await?;
    let list_id = asked.list.parse().ok();
    let page = asked.page.max(1);
    let (found, total) = state
        .store
        .subscribers(&SubscriberQuery {
            search: asked.q.clone(),
            list_id,
            limit: PER_PAGE,
            offset: (page - 1) * PER_PAGE,
        })
        .await?;
    let name_of = |id: &i64| {
        lists
            .iter()
            .find(|l| l.id == *id)
            .map(|l| l.settings.name.clone())
            .unwrap_or_default()
    };
    let (errors, errors_list) = error_views(strings, &notice.errors, |f| {
        format!("admin.newsletter_import_{f}")
    });
    let title = strings.text("admin.newsletter_subscribers");
    let query = |p: u32| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("q", &asked.q);
        q.append_pair("list", &asked.list);
        q.append_pair("page", &p.to_string());
        format!("/admin/newsletters/subscribers?{}", q.finish())
    };
    let pages = total.div_ceil(u64::from(PER_PAGE));
    let ctx = context! {
        subscribers => found.iter().map(|s| context! {
            id => s.id,
            email => &s.email,
            since => strings.date(site.local(s.created_at)),
            state => strings.text(if s.suppressed_at.is_some() {
                "admin.newsletter_subscriber_suppressed"
            } else if s.confirmed_at.is_some() {
                "admin.newsletter_subscriber_confirmed"
            } else {
                "admin.newsletter_subscriber_waiting"
            }),
            imported => s.imported,
            lists => s.lists.iter().map(name_of).collect::<Vec<_>>().join(", "),
        }).collect::<Vec<_>>(),
        total,
        q => &asked.q,
        list => &asked.list,
        lists => lists.iter().map(|l| context! { id => l.id.to_string(), name => &l.settings.name }).collect::<Vec<_>>(),
        previous => (page > 1).then(|| query(page - 1)),
        next => (u64::from(page) < pages).then(|| query(page + 1)),
        errors, errors_list,
        ..admin_context(state, site, Some(newsroom), &title, "newsletters", notice.flash)
    };
    let html = state
        .templates
        .render("admin/newsletter_subscribers.html", ctx)?;
    Ok((notice.status, Html(html)).into_response())
}

/// `GET /admin/newsletters/subscribers`.
pub(crate) async fn list(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Query(asked): Query<Asked>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::ManageSettings)?;
    let strings = state.strings(newsroom.site.language);
    let flash = match asked.done.as_str() {
        "" => None,
        done => Some(strings.text(&format!("admin.newsletter_done_{done}"))),
    };
    let notice = Notice {
        flash,
        errors: Vec::new(),
        status: StatusCode::OK,
    };
    render(&state, &newsroom, &asked, notice).await
}

/// A removal.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Removal {
    csrf: String,
    remove: i64,
}

/// `POST /admin/newsletters/subscribers`: removes one subscriber.
pub(crate) async fn act(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Form(posted): Form<Removal>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&posted.csrf)?;
    newsroom.require(Permission::ManageSettings)?;
    match state.store.delete_subscriber(posted.remove).await {
        Ok(()) | Err(Error::NotFound(_)) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to("/admin/newsletters/subscribers?done=removed").into_response())
}

/// `GET /admin/newsletters/subscribers.csv`: every subscriber with their
/// lists and the consent each list was joined on.
pub(crate) async fn export(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
) -> Result<Response, WebError> {
    newsroom.require(Permission::ManageSettings)?;
    let lists = state.store.newsletter_lists().await?;
    let mut rows = Vec::new();
    let mut offset = 0;
    loop {
        let (page, _) = state
            .store
            .subscribers(&SubscriberQuery {
                limit: 1000,
                offset,
                ..SubscriberQuery::default()
            })
            .await?;
        if page.is_empty() {
            break;
        }
        offset += 1000;
        let ids: Vec<i64> = page.iter().map(|s| s.id).collect();
        // One query a page of subscribers, not one per subscriber.
        let mut by_subscriber: std::collections::HashMap<i64, Vec<_>> =
            std::collections::HashMap::new();
        for (id, m) in state.store.memberships_of(&ids).await? {
            by_subscriber.entry(id).or_default().push(m);
        }
        for s in page {
            let memberships = by_subscriber.remove(&s.id).unwrap_or_default();
            rows.push((s, memberships));
        }
    }
    let body = subscribers_csv(&rows, &lists)?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"subscribers.csv\""),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `POST /admin/newsletters/subscribers/import` (multipart): a CSV, the
/// list, the consent the newsroom declares, and its word that it holds it.
pub(crate) async fn import(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let Some(form) = upload::read_checked(multipart, &newsroom).await? else {
        // The body broke off or passed the limit (the media upload's).
        let notice = Notice {
            flash: None,
            errors: vec![FieldError {
                field: "file",
                code: "invalid_csv",
            }],
            status: StatusCode::PAYLOAD_TOO_LARGE,
        };
        return render(&state, &newsroom, &Asked::default(), notice).await;
    };
    newsroom.require(Permission::ManageSettings)?;
    let mut errors = Vec::new();
    let list = form.field("list").parse::<i64>().ok();
    let lists = state.store.newsletter_lists().await?;
    if !list.is_some_and(|id| lists.iter().any(|l| l.id == id)) {
        errors.push(FieldError {
            field: "list",
            code: "invalid_choice",
        });
    }
    let consent = form.field("consent").trim().to_owned();
    if consent.is_empty() {
        errors.push(FieldError {
            field: "consent",
            code: "required",
        });
    }
    if form.field("declared") != "yes" {
        errors.push(FieldError {
            field: "declared",
            code: "required",
        });
    }
    let read = match form.file.as_deref().map(read_import) {
        None => {
            errors.push(FieldError {
                field: "file",
                code: "required",
            });
            None
        }
        Some(Err(Error::Invalid(mut e))) => {
            errors.append(&mut e);
            None
        }
        Some(Err(e)) => return Err(e.into()),
        Some(Ok(read)) => Some(read),
    };
    let (Some(read), Some(list), true) = (read, list, errors.is_empty()) else {
        let notice = Notice {
            flash: None,
            errors,
            status: StatusCode::UNPROCESSABLE_ENTITY,
        };
        return render(&state, &newsroom, &Asked::default(), notice).await;
    };
    let declared = Consent {
        at: Utc::now(),
        version: consent_version(&consent),
        text: consent,
        source: "import",
    };
    let emails: Vec<_> = read.addresses.into_iter().map(|a| a.email).collect();
    let added = state
        .store
        .import_subscribers(&emails, &[list], &declared)
        .await?;
    tracing::info!(
        added,
        read = emails.len(),
        invalid = read.invalid_lines.len(),
        "subscribers imported"
    );
    let strings = state.strings(newsroom.site.language);
    let flash = strings
        .text("admin.newsletter_imported")
        .replace("{added}", &added.to_string())
        .replace("{read}", &emails.len().to_string())
        .replace("{invalid}", &read.invalid_lines.len().to_string());
    let notice = Notice {
        flash: Some(flash),
        errors: Vec::new(),
        status: StatusCode::OK,
    };
    render(&state, &newsroom, &Asked::default(), notice).await
}
