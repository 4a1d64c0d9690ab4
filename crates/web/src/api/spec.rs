//! The OpenAPI description: what the handlers' annotations say, plus what
//! every operation shares (the token, the error answers, conditional
//! GETs), added here once rather than repeated on each handler.

use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, Object, OpenApi, Ref, RefOr, Required, ResponseBuilder, Type,
};

use super::error::CODES;

/// The document's fixed parts; paths come from the routes.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Kiosque API",
        version = "1",
        description = "Read a Kiosque site's published content, and run its newsroom with a \
            personal token. Conventions, errors and webhooks: docs/API.md.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    tags(
        (name = "content", description = "What readers see: public, read-only, cacheable."),
        (name = "newsroom", description = "What the admin does, with a token and the same rules."),
        (name = "administration", description = "Accounts and the site's settings (administrators)."),
        (name = "webhooks", description = "Other systems told of changes, in messages signed \
            per Standard Webhooks (administrators)."),
    ),
    components(schemas(super::error::ErrorBody, super::error::ErrorDetail)),
)]
pub(crate) struct ApiDoc;

/// The name of the token scheme in the document.
pub(crate) const TOKEN: &str = "token";

/// Adds what every operation shares.
pub(crate) fn finish(mut api: OpenApi) -> OpenApi {
    let components = api.components.get_or_insert_with(Default::default);
    components.security_schemes.insert(
        TOKEN.to_owned(),
        RefOr::T(SecurityScheme::Http({
            let mut http = Http::new(HttpAuthScheme::Bearer);
            http.bearer_format = Some("kq_…".to_owned());
            http.description = Some(
                "A personal token, made in the admin (your account) or with \
                 `kiosque token create`."
                    .to_owned(),
            );
            http
        })),
    );
    link(&mut api);
    for item in api.paths.paths.values_mut() {
        for (method, operation) in [
            ("get", item.get.as_mut()),
            ("post", item.post.as_mut()),
            ("put", item.put.as_mut()),
            ("patch", item.patch.as_mut()),
            ("delete", item.delete.as_mut()),
        ] {
            if let Some(operation) = operation {
                shared(method, operation);
            }
        }
    }
    api
}

fn error(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .into()
}

fn shared(method: &str, operation: &mut Operation) {
    // Public reads take a token or none; the rest say so themselves.
    if operation.security.is_none() {
        operation.security = Some(vec![
            Default::default(),
            utoipa::openapi::security::SecurityRequirement::new(TOKEN, Vec::<String>::new()),
        ]);
    }
    let responses = &mut operation.responses.responses;
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| error(description));
    };
    let said = |code: &str| {
        CODES
            .iter()
            .find(|(c, ..)| *c == code)
            .map(|(_, _, when)| *when)
            .unwrap_or_default()
    };
    add("400", said("bad_request"));
    add("401", said("invalid_token"));
    add("429", said("rate_limited"));
    add("500", said("internal_error"));
    if method != "get" {
        add("403", said("forbidden"));
        add("413", said("payload_too_large"));
        add("415", said("unsupported_media_type"));
        add("422", said("validation_failed"));
    }
    if method == "get" {
        responses.entry("304".to_owned()).or_insert_with(|| {
            ResponseBuilder::new()
                .description("The client's copy (its `If-None-Match`) is current.")
                .into()
        });
        operation.parameters.get_or_insert_with(Vec::new).push(
            ParameterBuilder::new()
                .name("If-None-Match")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "The `ETag` of a copy the client has: a 304 if it is still current.",
                ))
                .schema(Some(Object::with_type(Type::String)))
                .build()
                .into(),
        );
    }
}

/// Links from each list to its items (and from an article to its
/// comments): how a client, or a tester following them, goes from what a
/// list returned to the thing itself.
fn link(api: &mut OpenApi) {
    use utoipa::openapi::link::LinkBuilder;
    // (list operation, where its first id is, operation it leads to, parameter)
    let links = [
        ("list_articles", "/items/0/id", "get_article", "article"),
        (
            "list_articles",
            "/items/0/id",
            "list_article_comments",
            "article",
        ),
        ("get_article", "/id", "list_article_comments", "article"),
        ("list_tags", "/items/0/id", "get_tag", "tag"),
        ("list_sections", "/0/id", "get_section", "section"),
        ("list_authors", "/0/id", "get_author", "author"),
        ("list_pages", "/0/id", "get_page", "page"),
        ("list_webhooks", "/0/id", "get_webhook", "id"),
        ("list_webhooks", "/0/id", "list_webhook_deliveries", "id"),
    ];
    for item in api.paths.paths.values_mut() {
        let Some(get) = item.get.as_mut() else {
            continue;
        };
        for (from, pointer, to, parameter) in links {
            if get.operation_id.as_deref() != Some(from) {
                continue;
            }
            if let Some(RefOr::T(ok)) = get.responses.responses.get_mut("200") {
                ok.links.insert(
                    to.to_owned(),
                    LinkBuilder::new()
                        .operation_id(to)
                        .parameter(parameter, format!("$response.body#{pointer}"))
                        .build()
                        .into(),
                );
            }
        }
    }
}
