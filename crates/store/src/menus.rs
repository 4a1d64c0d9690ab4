//! The header and footer menus (migration 0022): their items as stored,
//! resolved into the links every page shows, and the default header (the
//! top-level sections holding published articles) when the newsroom has
//! made none.

use kiosque_core::model::{
    MenuEntry, MenuItem, MenuItemDraft, MenuPlace, MenuTarget, Menus, sort_by_label,
};
use kiosque_core::{Error, FieldError, Result};
use sqlx::{Any, AnyPool, Transaction};

use crate::rows::get;
use crate::{SqlStore, db};

const COLUMNS: &str = "id, place, parent_id, position, label, kind, target_id, url";

fn item(row: &sqlx::any::AnyRow) -> Result<Option<MenuItem>> {
    let Some(place) = MenuPlace::parse(&get::<String>(row, "place")?) else {
        return Ok(None);
    };
    let target = MenuTarget::from_parts(
        &get::<String>(row, "kind")?,
        get(row, "target_id")?,
        get(row, "url")?,
    );
    Ok(target.map(|target| MenuItem {
        id: get(row, "id").unwrap_or_default(),
        place,
        parent_id: get(row, "parent_id").unwrap_or_default(),
        position: get(row, "position").unwrap_or_default(),
        label: get(row, "label").unwrap_or_default(),
        target,
    }))
}

pub(crate) async fn items(pool: &AnyPool) -> Result<Vec<MenuItem>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM menu_items ORDER BY place, position, id"
    ))
    .fetch_all(pool)
    .await
    .map_err(db)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.extend(item(row)?);
    }
    Ok(out)
}

/// Both menus as readers see them.
pub(crate) async fn resolve(pool: &AnyPool) -> Result<Menus> {
    let rows = sqlx::query(
        "SELECT m.id, m.place, m.parent_id, m.label, m.kind, m.url, \
         COALESCE(c.slug, t.slug, p.slug, a.slug) AS slug, \
         COALESCE(c.name, t.name, p.title, a.name) AS name \
         FROM menu_items m \
         LEFT JOIN categories c ON m.kind = 'section' AND c.id = m.target_id \
         LEFT JOIN tags t ON m.kind = 'tag' AND t.id = m.target_id \
         LEFT JOIN pages p ON m.kind = 'page' AND p.id = m.target_id \
         LEFT JOIN authors a ON m.kind = 'author' AND a.id = m.target_id \
         ORDER BY m.position, m.id",
    )
    .fetch_all(pool)
    .await
    .map_err(db)?;
    // (id, place, parent, entry)
    let mut resolved: Vec<(i64, String, Option<i64>, MenuEntry)> = Vec::new();
    for row in &rows {
        let kind: String = get(row, "kind")?;
        let slug: Option<String> = get(row, "slug")?;
        let href = match (kind.as_str(), slug) {
            ("link", _) => get::<Option<String>>(row, "url")?.unwrap_or_default(),
            ("section", Some(s)) => format!("/category/{s}/"),
            ("tag", Some(s)) => format!("/tag/{s}/"),
            ("page", Some(s)) => format!("/{s}/"),
            ("author", Some(s)) => format!("/author/{s}/"),
            // A target gone by other means than a delete the triggers saw.
            _ => continue,
        };
        let label = get::<Option<String>>(row, "label")?
            .filter(|l| !l.trim().is_empty())
            .or(get::<Option<String>>(row, "name")?)
            .unwrap_or_else(|| href.clone());
        resolved.push((
            get(row, "id")?,
            get(row, "place")?,
            get(row, "parent_id")?,
            MenuEntry {
                label,
                href,
                children: Vec::new(),
            },
        ));
    }
    let mut menus = Menus::default();
    for place in MenuPlace::ALL {
        let mut top: Vec<MenuEntry> = Vec::new();
        for (id, p, parent, entry) in &resolved {
            if p != place.as_str() || parent.is_some() {
                continue;
            }
            let mut entry = entry.clone();
            entry.children = resolved
                .iter()
                .filter(|(_, _, parent, _)| *parent == Some(*id))
                .map(|(_, _, _, child)| child.clone())
                .collect();
            top.push(entry);
        }
        match place {
            MenuPlace::Header => menus.header = top,
            MenuPlace::Footer => menus.footer = top,
        }
    }
    let has_header = rows
        .iter()
        .any(|r| get::<String>(r, "place").is_ok_and(|p| p == "header"));
    if !has_header {
        menus.header = default_header(pool).await?;
    }
    Ok(menus)
}

/// The top-level sections that hold published articles, themselves or in
/// a section under them, by name. (`UNION`, not `UNION ALL`: a loop of
/// parents cannot make the walk endless.)
async fn default_header(pool: &AnyPool) -> Result<Vec<MenuEntry>> {
    let rows = sqlx::query(
        "WITH RECURSIVE tree (id, root) AS ( \
           SELECT id, id FROM categories WHERE parent_id IS NULL \
           UNION SELECT c.id, t.root FROM categories c JOIN tree t ON c.parent_id = t.id) \
         SELECT r.slug, r.name FROM categories r WHERE r.parent_id IS NULL AND EXISTS ( \
           SELECT 1 FROM tree t JOIN articles a ON a.category_id = t.id \
           WHERE t.root = r.id AND a.status = 'published')",
    )
    .fetch_all(pool)
    .await
    .map_err(db)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let slug: String = get(row, "slug")?;
        out.push(MenuEntry {
            label: get(row, "name")?,
            href: format!("/category/{slug}/"),
            children: Vec::new(),
        });
    }
    sort_by_label(&mut out);
    Ok(out)
}

/// Refuses a sub-menu entry under another one, or under the other menu.
async fn check_parent(
    tx: &mut Transaction<'static, Any>,
    place: MenuPlace,
    parent: Option<i64>,
) -> Result<()> {
    let Some(parent) = parent else { return Ok(()) };
    let row = sqlx::query("SELECT place, parent_id FROM menu_items WHERE id = $1")
        .bind(parent)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)?
        .ok_or(Error::NotFound("menu item"))?;
    let grandparent: Option<i64> = get(&row, "parent_id")?;
    if get::<String>(&row, "place")? != place.as_str() || grandparent.is_some() {
        return Err(Error::Invalid(vec![FieldError {
            field: "parent",
            code: "menu_depth",
        }]));
    }
    Ok(())
}

async fn insert(
    tx: &mut Transaction<'static, Any>,
    item: &MenuItemDraft,
    parent: Option<i64>,
) -> Result<i64> {
    check_parent(tx, item.place, parent).await?;
    let (id, url) = match &item.target {
        MenuTarget::Link(url) => (None, Some(url.clone())),
        other => (other.id(), None),
    };
    let row = sqlx::query(
        "INSERT INTO menu_items (place, parent_id, position, label, kind, target_id, url) \
         VALUES ($1, $2, (SELECT COALESCE(max(position) + 1, 0) FROM menu_items \
           WHERE place = $3 AND ((parent_id IS NULL AND $4 = 0) OR parent_id = $5)), \
         $6, $7, $8, $9) RETURNING id",
    )
    .bind(item.place.as_str())
    .bind(parent)
    .bind(item.place.as_str())
    .bind(parent.unwrap_or(0))
    .bind(parent.unwrap_or(0))
    .bind(item.label.clone().filter(|l| !l.trim().is_empty()))
    .bind(item.target.kind())
    .bind(id)
    .bind(url)
    .fetch_one(&mut **tx)
    .await
    .map_err(db)?;
    get(&row, "id")
}

/// Pages keep their "in the menu / in the footer" marks true to the menus.
async fn mark_pages(tx: &mut Transaction<'static, Any>) -> Result<()> {
    for (column, place) in [("in_menu", "header"), ("in_footer", "footer")] {
        let is = format!(
            "(CASE WHEN EXISTS (SELECT 1 FROM menu_items m WHERE m.kind = 'page' \
             AND m.target_id = pages.id AND m.place = '{place}') THEN 1 ELSE 0 END)"
        );
        sqlx::query(&format!(
            "UPDATE pages SET {column} = {is} WHERE {column} <> {is}"
        ))
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    Ok(())
}

pub(crate) async fn add(store: &SqlStore, item: &MenuItemDraft) -> Result<i64> {
    let mut tx = store.begin_write().await?;
    let id = insert(&mut tx, item, item.parent_id).await?;
    mark_pages(&mut tx).await?;
    tx.commit().await.map_err(db)?;
    Ok(id)
}

pub(crate) async fn rename(pool: &AnyPool, id: i64, label: Option<&str>) -> Result<()> {
    let done = sqlx::query("UPDATE menu_items SET label = $1 WHERE id = $2")
        .bind(label.map(str::trim).filter(|l| !l.is_empty()))
        .bind(id)
        .execute(pool)
        .await
        .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("menu item"));
    }
    Ok(())
}

pub(crate) async fn arrange(store: &SqlStore, places: &[(i64, Option<i64>, i64)]) -> Result<()> {
    let mut tx = store.begin_write().await?;
    for (id, parent, position) in places {
        sqlx::query("UPDATE menu_items SET parent_id = $1, position = $2 WHERE id = $3")
            .bind(*parent)
            .bind(*position)
            .bind(*id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    tx.commit().await.map_err(db)
}

pub(crate) async fn delete(store: &SqlStore, id: i64) -> Result<()> {
    let mut tx = store.begin_write().await?;
    // Its sub-menu first: SQLite applies ON DELETE CASCADE only with
    // foreign keys switched on, which this does not rely on.
    sqlx::query("DELETE FROM menu_items WHERE parent_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    let done = sqlx::query("DELETE FROM menu_items WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("menu item"));
    }
    mark_pages(&mut tx).await?;
    tx.commit().await.map_err(db)
}

pub(crate) async fn replace(
    store: &SqlStore,
    place: MenuPlace,
    items: &[(MenuItemDraft, Vec<MenuItemDraft>)],
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    sqlx::query("DELETE FROM menu_items WHERE place = $1 AND parent_id IS NOT NULL")
        .bind(place.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    sqlx::query("DELETE FROM menu_items WHERE place = $1")
        .bind(place.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    for (top, children) in items {
        let id = insert(&mut tx, top, None).await?;
        for child in children {
            insert(&mut tx, child, Some(id)).await?;
        }
    }
    mark_pages(&mut tx).await?;
    tx.commit().await.map_err(db)
}

/// After a page is saved: its "in the menu / in the footer" marks put it
/// in that menu (at the end) or take it out.
pub(crate) async fn follow_page_marks(
    tx: &mut Transaction<'static, Any>,
    page: i64,
    in_menu: bool,
    in_footer: bool,
) -> Result<()> {
    for (place, wanted) in [(MenuPlace::Header, in_menu), (MenuPlace::Footer, in_footer)] {
        let present = sqlx::query(
            "SELECT 1 AS x FROM menu_items WHERE kind = 'page' AND target_id = $1 AND place = $2",
        )
        .bind(page)
        .bind(place.as_str())
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)?
        .is_some();
        if wanted && !present {
            let draft = MenuItemDraft {
                place,
                parent_id: None,
                label: None,
                target: MenuTarget::Page(page),
            };
            insert(tx, &draft, None).await?;
        } else if !wanted && present {
            sqlx::query(
                "DELETE FROM menu_items WHERE kind = 'page' AND target_id = $1 AND place = $2",
            )
            .bind(page)
            .bind(place.as_str())
            .execute(&mut **tx)
            .await
            .map_err(db)?;
        }
    }
    Ok(())
}
