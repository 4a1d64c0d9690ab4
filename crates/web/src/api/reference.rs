//! `/api/v1/docs`: the API's reference as a page of the site, drawn by
//! Kiosque itself from its own OpenAPI document — no script, no CDN, no UI
//! downloaded at build time, readable on the phone a developer has.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use serde::Serialize;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::{OpenApi, RefOr, Required, Schema};

use super::error::CODES;
use crate::views::page_context;
use crate::{AppState, WebError};

#[derive(Serialize)]
struct ParamView {
    name: String,
    location: &'static str,
    required: bool,
    schema: String,
    description: String,
}

#[derive(Serialize)]
struct ResponseView {
    status: String,
    description: String,
    schema: Option<String>,
}

#[derive(Serialize)]
struct OperationView {
    id: String,
    method: &'static str,
    path: String,
    summary: String,
    token: bool,
    params: Vec<ParamView>,
    body: Option<String>,
    /// How the body is sent (`application/json`, `multipart/form-data`).
    body_type: Option<String>,
    responses: Vec<ResponseView>,
}

#[derive(Serialize)]
struct GroupView {
    tag: String,
    description: String,
    operations: Vec<OperationView>,
}

/// A schema's name when it is a reference, else its type in short.
fn schema_name(schema: &RefOr<Schema>) -> String {
    match schema {
        RefOr::Ref(r) => r
            .ref_location
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned(),
        RefOr::T(s) => serde_json::to_value(s)
            .ok()
            .and_then(|v| {
                v.get("type").map(|t| match t {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
            })
            .unwrap_or_else(|| "object".to_owned()),
    }
}

fn content_schema(c: &RefOr<utoipa::openapi::Content>) -> Option<&RefOr<Schema>> {
    match c {
        RefOr::T(c) => c.schema.as_ref(),
        RefOr::Ref(_) => None,
    }
}

fn param(p: &Parameter) -> ParamView {
    ParamView {
        name: p.name.clone(),
        location: match p.parameter_in {
            ParameterIn::Path => "path",
            ParameterIn::Query => "query",
            ParameterIn::Header => "header",
            _ => "cookie",
        },
        required: matches!(p.required, Required::True),
        schema: p.schema.as_ref().map(schema_name).unwrap_or_default(),
        description: p.description.clone().unwrap_or_default(),
    }
}

fn operation(method: &'static str, path: &str, op: &Operation) -> OperationView {
    let params = op
        .parameters
        .iter()
        .flatten()
        .filter_map(|p| match p {
            RefOr::T(p) => Some(param(p)),
            RefOr::Ref(_) => None,
        })
        .collect();
    let body_type = op.request_body.as_ref().and_then(|b| match b {
        RefOr::T(b) => b.content.keys().next().cloned(),
        RefOr::Ref(_) => None,
    });
    let body = op.request_body.as_ref().and_then(|b| match b {
        RefOr::T(b) => b
            .content
            .values()
            .next()
            .and_then(content_schema)
            .map(schema_name),
        RefOr::Ref(_) => None,
    });
    let responses = op
        .responses
        .responses
        .iter()
        .map(|(status, r)| match r {
            RefOr::T(r) => ResponseView {
                status: status.clone(),
                description: r.description.clone(),
                schema: r
                    .content
                    .values()
                    .next()
                    .and_then(content_schema)
                    .map(schema_name),
            },
            RefOr::Ref(_) => ResponseView {
                status: status.clone(),
                description: String::new(),
                schema: None,
            },
        })
        .collect();
    // Public reads list "no token" as one way in; the rest need one.
    let token = op
        .security
        .as_ref()
        .is_some_and(|s| !s.iter().any(|r| r == &Default::default()));
    OperationView {
        id: op.operation_id.clone().unwrap_or_default(),
        method,
        path: path.to_owned(),
        summary: op
            .description
            .clone()
            .or_else(|| op.summary.clone())
            .unwrap_or_default(),
        token,
        params,
        body,
        body_type,
        responses,
    }
}

pub(crate) async fn page(
    State(state): State<Arc<AppState>>,
    document: Arc<OpenApi>,
) -> Result<Response, WebError> {
    let site = crate::site::load_site(&state).await?;
    let strings = state.strings(site.language);
    let title = strings.text("api.title");
    let mut groups: Vec<GroupView> = document
        .tags
        .iter()
        .flatten()
        .map(|t| GroupView {
            tag: t.name.clone(),
            description: t.description.clone().unwrap_or_default(),
            operations: Vec::new(),
        })
        .collect();
    for (path, item) in &document.paths.paths {
        for (method, op) in [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ] {
            let Some(op) = op else { continue };
            let tag = op.tags.iter().flatten().next().cloned().unwrap_or_default();
            if let Some(group) = groups.iter_mut().find(|g| g.tag == tag) {
                group.operations.push(operation(method, path, op));
            }
        }
    }
    let schemas: Vec<_> = document
        .components
        .iter()
        .flat_map(|c| c.schemas.iter())
        .map(|(name, schema)| {
            context! {
                name => name,
                json => serde_json::to_string_pretty(schema).unwrap_or_default(),
            }
        })
        .collect();
    let errors: Vec<_> = CODES
        .iter()
        .map(|(code, status, when)| context! { code, status, when })
        .collect();
    let ctx = context! {
        title => &title,
        base => site.base_url.trim_end_matches('/'),
        groups,
        schemas,
        errors,
        ..page_context(&state, &site, Some(&title), None, Some("/api/v1/docs"))
    };
    Ok(Html(state.templates.render("api.html", ctx)?).into_response())
}
