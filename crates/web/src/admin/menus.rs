//! The header and footer menus, for editors: add a link to a section, a
//! tag, a page, an author or any address; rename it; move it up, down,
//! into the sub-menu of the item above or back out; remove it. Every
//! button is a form: no JavaScript needed.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use kiosque_core::model::{
    MenuItem, MenuItemDraft, MenuMove, MenuPlace, MenuTarget, TermKind, menu_link, moved,
};
use kiosque_core::types::Permission;
use kiosque_core::{Error, FieldError};
use minijinja::{Value, context};
use serde::Deserialize;

use super::{Newsroom, admin_context, error_views};
use crate::{AppState, WebError};

/// Longest text a menu item may show.
const MAX_LABEL_CHARS: usize = 100;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct MenusQuery {
    done: Option<String>,
}

/// One form for every button: `add` (with place, target, address, label
/// and parent), or an action on `item`: `rename`, `up`, `down`,
/// `indent`, `outdent`, `delete`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct MenuForm {
    csrf: String,
    action: String,
    item: Option<i64>,
    place: String,
    /// `section:3`, `tag:5`, `page:2`, `author:1` or `link`.
    target: String,
    url: String,
    label: String,
    /// An item of the same menu to go under, or empty.
    parent: String,
}

pub(crate) async fn show(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Query(query): Query<MenusQuery>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::ManagePages)?;
    let strings = state.strings(newsroom.site.language);
    let flash = query.done.map(|_| strings.text("admin.menu_saved"));
    render(
        &state,
        &newsroom,
        &MenuForm::default(),
        &[],
        flash,
        StatusCode::OK,
    )
    .await
}

pub(crate) async fn change(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Form(form): Form<MenuForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    newsroom.require(Permission::ManagePages)?;
    let done = Redirect::to("/admin/menus?done=1").into_response();
    if form.action == "add" {
        return match draft(&state, &form).await? {
            Ok(item) => match state.store.add_menu_item(&item).await {
                Ok(_) => Ok(done),
                Err(Error::Invalid(errors)) => refuse(&state, &newsroom, &form, &errors).await,
                Err(e) => Err(e.into()),
            },
            Err(errors) => refuse(&state, &newsroom, &form, &errors).await,
        };
    }
    let Some(id) = form.item else {
        return Err(WebError::NotFound);
    };
    let items = state.store.menu_items().await?;
    if !items.iter().any(|i| i.id == id) {
        return Err(WebError::NotFound);
    }
    match form.action.as_str() {
        "rename" => {
            let label = form.label.split_whitespace().collect::<Vec<_>>().join(" ");
            if label.chars().count() > MAX_LABEL_CHARS {
                let errors = [FieldError {
                    field: "label",
                    code: "too_long",
                }];
                return refuse(&state, &newsroom, &form, &errors).await;
            }
            state.store.rename_menu_item(id, Some(&label)).await?;
        }
        "delete" => state.store.delete_menu_item(id).await?,
        step => {
            let step = MenuMove::parse(step).ok_or(WebError::NotFound)?;
            // A move that cannot be made (the first item up) changes
            // nothing; the buttons for those are not offered anyway.
            if let Some(places) = moved(&items, id, step) {
                state.store.arrange_menu(&places).await?;
            }
        }
    }
    Ok(done)
}

/// The item the add form describes, or what is wrong with it.
async fn draft(
    state: &AppState,
    form: &MenuForm,
) -> Result<Result<MenuItemDraft, Vec<FieldError>>, WebError> {
    let mut errors = Vec::new();
    let place = MenuPlace::parse(&form.place);
    if place.is_none() {
        errors.push(FieldError {
            field: "place",
            code: "required",
        });
    }
    let label = form.label.split_whitespace().collect::<Vec<_>>().join(" ");
    if label.chars().count() > MAX_LABEL_CHARS {
        errors.push(FieldError {
            field: "label",
            code: "too_long",
        });
    }
    let target = match form.target.split_once(':') {
        None if form.target == "link" => match menu_link(&form.url) {
            Some(url) if !label.is_empty() => Some(MenuTarget::Link(url)),
            Some(_) => {
                errors.push(FieldError {
                    field: "label",
                    code: "required",
                });
                None
            }
            None => {
                errors.push(FieldError {
                    field: "url",
                    code: "invalid_menu_link",
                });
                None
            }
        },
        Some((kind, id)) => {
            let found = match id.parse::<i64>() {
                Ok(id) => exists(state, kind, id).await?.then(|| {
                    MenuTarget::from_parts(kind, Some(id), None).filter(|t| t.kind() != "link")
                }),
                Err(_) => None,
            };
            found.flatten().or_else(|| {
                errors.push(FieldError {
                    field: "target",
                    code: "required",
                });
                None
            })
        }
        None => {
            errors.push(FieldError {
                field: "target",
                code: "required",
            });
            None
        }
    };
    let parent_id = form.parent.trim().parse::<i64>().ok();
    Ok(match (place, target) {
        (Some(place), Some(target)) if errors.is_empty() => Ok(MenuItemDraft {
            place,
            parent_id,
            label: Some(label).filter(|l| !l.is_empty()),
            target,
        }),
        _ => Err(errors),
    })
}

/// Whether a section, tag, page or author of that id exists.
async fn exists(state: &AppState, kind: &str, id: i64) -> Result<bool, WebError> {
    Ok(match kind {
        "section" => state
            .store
            .terms(TermKind::Category)
            .await?
            .iter()
            .any(|t| t.id == id),
        "tag" => state
            .store
            .terms(TermKind::Tag)
            .await?
            .iter()
            .any(|t| t.id == id),
        "page" => state.store.page(id).await?.is_some(),
        "author" => state.store.authors().await?.iter().any(|a| a.id == id),
        _ => false,
    })
}

async fn refuse(
    state: &AppState,
    newsroom: &Newsroom,
    form: &MenuForm,
    errors: &[FieldError],
) -> Result<Response, WebError> {
    render(
        state,
        newsroom,
        form,
        errors,
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

async fn render(
    state: &AppState,
    newsroom: &Newsroom,
    form: &MenuForm,
    errors: &[FieldError],
    flash: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let strings = state.strings(newsroom.site.language);
    let (errors, errors_list) = error_views(strings, errors, |f| format!("admin.menu_field_{f}"));
    let items = state.store.menu_items().await?;
    let sections = state.store.terms(TermKind::Category).await?;
    let tags = state.store.terms(TermKind::Tag).await?;
    let pages = state.store.pages().await?;
    let authors = state.store.authors().await?;
    // The name an item shows when it has no label of its own.
    let name_of = |target: &MenuTarget| -> String {
        match target {
            MenuTarget::Section(id) => sections
                .iter()
                .find(|t| t.id == *id)
                .map(|t| t.name.clone()),
            MenuTarget::Tag(id) => tags.iter().find(|t| t.id == *id).map(|t| t.name.clone()),
            MenuTarget::Page(id) => pages.iter().find(|p| p.id == *id).map(|p| p.title.clone()),
            MenuTarget::Author(id) => authors.iter().find(|a| a.id == *id).map(|a| a.name.clone()),
            MenuTarget::Link(url) => Some(url.clone()),
        }
        .unwrap_or_default()
    };
    // "Address" in a row, where the add form's option says "An address…".
    let kind_label = |target: &MenuTarget| match target {
        MenuTarget::Link(_) => strings.text("admin.menu_kind_address"),
        other => strings.text(&format!("admin.menu_kind_{}", other.kind())),
    };
    let menus: Vec<Value> = MenuPlace::ALL
        .iter()
        .map(|&place| {
            let mut top: Vec<&MenuItem> = items
                .iter()
                .filter(|i| i.place == place && i.parent_id.is_none())
                .collect();
            top.sort_by_key(|i| (i.position, i.id));
            let row = |i: &MenuItem, first: bool, last: bool, child: bool, has_children: bool| {
                context! {
                    id => i.id,
                    label => i.label.clone().unwrap_or_default(),
                    name => name_of(&i.target),
                    kind => kind_label(&i.target),
                    up => !first,
                    down => !last,
                    indent => !child && !first && !has_children,
                    outdent => child,
                }
            };
            let rows: Vec<Value> = top
                .iter()
                .enumerate()
                .map(|(k, i)| {
                    let mut children: Vec<&MenuItem> =
                        items.iter().filter(|c| c.parent_id == Some(i.id)).collect();
                    children.sort_by_key(|c| (c.position, c.id));
                    let n = children.len();
                    context! {
                        item => row(i, k == 0, k + 1 == top.len(), false, n > 0),
                        children => children
                            .iter()
                            .enumerate()
                            .map(|(j, c)| row(c, j == 0, j + 1 == n, true, false))
                            .collect::<Vec<_>>(),
                    }
                })
                .collect();
            context! {
                place => place.as_str(),
                heading => strings.text(&format!("admin.menu_{}", place.as_str())),
                uses_default => place == MenuPlace::Header && rows.is_empty(),
                rows,
                parents => top.iter().map(|i| context! {
                    id => i.id,
                    name => i.label.clone().unwrap_or_else(|| name_of(&i.target)),
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let option = |value: String, name: &str| context! { value, name };
    let groups = vec![
        context! {
            label => strings.text("admin.menu_kind_section"),
            options => sections.iter().map(|t| option(format!("section:{}", t.id), &t.name)).collect::<Vec<_>>(),
        },
        context! {
            label => strings.text("admin.menu_kind_page"),
            options => pages.iter().map(|p| option(format!("page:{}", p.id), &p.title)).collect::<Vec<_>>(),
        },
        context! {
            label => strings.text("admin.menu_kind_tag"),
            options => tags.iter().map(|t| option(format!("tag:{}", t.id), &t.name)).collect::<Vec<_>>(),
        },
        context! {
            label => strings.text("admin.menu_kind_author"),
            options => authors.iter().map(|a| option(format!("author:{}", a.id), &a.name)).collect::<Vec<_>>(),
        },
    ];
    let title = strings.text("admin.menus");
    let ctx = context! {
        menus, groups, errors, errors_list,
        form => context! {
            place => &form.place, target => &form.target, url => &form.url,
            label => &form.label, parent => &form.parent,
        },
        ..admin_context(state, &newsroom.site, Some(newsroom), &title, "menus", flash)
    };
    Ok((
        status,
        Html(state.templates.render("admin/menus.html", ctx)?),
    )
        .into_response())
}
