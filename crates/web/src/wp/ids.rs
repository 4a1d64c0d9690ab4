//! The ids WordPress's API shows. What an import brought in answers at its
//! WordPress id (`import_keys`), so an integration that stored ids keeps
//! working after the move; anything else at its own id, unless an
//! imported thing of the same kind already claims that number: then at
//! [`ALIASED`] plus its id, a range no WordPress site reaches. Every thing
//! of a kind has one number and no number names two things, whatever was
//! made before or after an import.

use std::collections::HashMap;

use kiosque_core::ports::Store;

use super::error::WpError;

/// Where the ids of things whose own number an imported thing holds start.
pub(crate) const ALIASED: i64 = 1_000_000_000;

/// A kind of thing, as `import_keys` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Post,
    Page,
    Media,
    Category,
    Tag,
    Author,
    Comment,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::Post => "post",
            Kind::Page => "page",
            Kind::Media => "media",
            Kind::Category => "category",
            Kind::Tag => "tag",
            Kind::Author => "author",
            Kind::Comment => "comment",
        }
    }
}

/// WordPress ids of `locals`, all of one kind.
pub(crate) async fn outward(
    store: &dyn Store,
    kind: Kind,
    locals: &[i64],
) -> Result<HashMap<i64, i64>, WpError> {
    let mut out = HashMap::with_capacity(locals.len());
    if locals.is_empty() {
        return Ok(out);
    }
    for (local, key) in store.import_keys_of(kind.key(), locals).await? {
        if let Ok(wp) = key.parse::<i64>() {
            out.entry(local).or_insert(wp);
        }
    }
    let own: Vec<i64> = locals
        .iter()
        .copied()
        .filter(|l| !out.contains_key(l))
        .collect();
    let keys: Vec<String> = own.iter().map(i64::to_string).collect();
    let claimed: HashMap<i64, i64> = store
        .imported_as(kind.key(), &keys)
        .await?
        .into_iter()
        .filter_map(|(key, local)| Some((key.parse::<i64>().ok()?, local)))
        .collect();
    for local in own {
        let taken = claimed.get(&local).is_some_and(|other| *other != local);
        out.insert(local, if taken { ALIASED + local } else { local });
    }
    Ok(out)
}

/// The local id a WordPress id names, if any.
pub(crate) async fn inward(store: &dyn Store, kind: Kind, wp: i64) -> Result<Option<i64>, WpError> {
    Ok(inward_all(store, kind, &[wp]).await?.first().copied())
}

/// The local ids WordPress ids name, in their order; those naming
/// nothing are left out.
pub(crate) async fn inward_all(
    store: &dyn Store,
    kind: Kind,
    wps: &[i64],
) -> Result<Vec<i64>, WpError> {
    if wps.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = wps.iter().map(i64::to_string).collect();
    let mut imported: HashMap<i64, i64> = HashMap::new();
    for (key, local) in store.imported_as(kind.key(), &keys).await? {
        if let Ok(wp) = key.parse::<i64>() {
            imported.entry(wp).or_insert(local);
        }
    }
    // Any other id names the thing with that number (less the alias
    // range), if that thing shows it: checked the way out.
    let candidates: Vec<i64> = wps
        .iter()
        .filter(|wp| !imported.contains_key(wp))
        .map(|&wp| if wp > ALIASED { wp - ALIASED } else { wp })
        .collect();
    let shown = outward(store, kind, &candidates).await?;
    Ok(wps
        .iter()
        .filter_map(|wp| {
            imported.get(wp).copied().or_else(|| {
                let local = if *wp > ALIASED { wp - ALIASED } else { *wp };
                (shown.get(&local) == Some(wp)).then_some(local)
            })
        })
        .collect())
}

/// The local ids a query parameter's WordPress ids name (`None` if it
/// was not sent).
pub(crate) async fn sent(
    store: &dyn Store,
    query: &super::query::Query,
    kind: Kind,
    name: &str,
) -> Result<Option<Vec<i64>>, WpError> {
    match query.ids(name)? {
        None => Ok(None),
        Some(wp) => Ok(Some(inward_all(store, kind, &wp).await?)),
    }
}

/// Ids of a kind met while drawing a response, turned outward at once.
#[derive(Debug, Default)]
pub(crate) struct Outward {
    map: HashMap<i64, i64>,
}

impl Outward {
    pub(crate) async fn of(store: &dyn Store, kind: Kind, locals: &[i64]) -> Result<Self, WpError> {
        Ok(Outward {
            map: outward(store, kind, locals).await?,
        })
    }

    /// The WordPress id of `local` (its own if it was not asked).
    pub(crate) fn get(&self, local: i64) -> i64 {
        self.map.get(&local).copied().unwrap_or(local)
    }
}
