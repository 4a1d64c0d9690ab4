//! The site's menus: a header menu and a footer menu the newsroom edits,
//! each a list of links (to a section, a tag, a page, an author or any
//! address) with one level of sub-menu.

/// Where a menu is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MenuPlace {
    /// At the top of every page.
    Header,
    /// At the bottom of every page.
    Footer,
}

impl MenuPlace {
    /// Both places.
    pub const ALL: [MenuPlace; 2] = [MenuPlace::Header, MenuPlace::Footer];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MenuPlace::Header => "header",
            MenuPlace::Footer => "footer",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<MenuPlace> {
        match s {
            "header" => Some(MenuPlace::Header),
            "footer" => Some(MenuPlace::Footer),
            _ => None,
        }
    }
}

/// What a menu item links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuTarget {
    /// A section's page (by id).
    Section(i64),
    /// A tag's page.
    Tag(i64),
    /// One of the site's pages.
    Page(i64),
    /// An author's page.
    Author(i64),
    /// A path of this site (`/flux/`) or an absolute `http(s)` address.
    Link(String),
}

impl MenuTarget {
    /// The stored kind.
    pub fn kind(&self) -> &'static str {
        match self {
            MenuTarget::Section(_) => "section",
            MenuTarget::Tag(_) => "tag",
            MenuTarget::Page(_) => "page",
            MenuTarget::Author(_) => "author",
            MenuTarget::Link(_) => "link",
        }
    }

    /// The target's id, for all but links.
    pub fn id(&self) -> Option<i64> {
        match self {
            MenuTarget::Section(id)
            | MenuTarget::Tag(id)
            | MenuTarget::Page(id)
            | MenuTarget::Author(id) => Some(*id),
            MenuTarget::Link(_) => None,
        }
    }

    /// From the stored kind, id and address.
    pub fn from_parts(kind: &str, id: Option<i64>, url: Option<String>) -> Option<MenuTarget> {
        Some(match kind {
            "section" => MenuTarget::Section(id?),
            "tag" => MenuTarget::Tag(id?),
            "page" => MenuTarget::Page(id?),
            "author" => MenuTarget::Author(id?),
            "link" => MenuTarget::Link(url?),
            _ => return None,
        })
    }
}

/// An address a menu may link to, checked: a path of this site (starting
/// with one `/`), or an absolute `http`/`https` address. `None` for
/// anything else (`javascript:`, `//other.example`, spaces…).
pub fn menu_link(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.starts_with('/') && !raw.starts_with("//") && !raw.contains(char::is_whitespace) {
        return Some(raw.to_owned());
    }
    let url = url::Url::parse(raw).ok()?;
    matches!(url.scheme(), "http" | "https")
        .then(|| url.host_str().is_some())
        .filter(|ok| *ok)
        .map(|_| url.to_string())
}

/// A menu item as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuItem {
    /// Storage id.
    pub id: i64,
    /// Which menu.
    pub place: MenuPlace,
    /// The item it is under, for a sub-menu entry.
    pub parent_id: Option<i64>,
    /// Order among its siblings.
    pub position: i64,
    /// Its text, when not the target's own name.
    pub label: Option<String>,
    /// What it links to.
    pub target: MenuTarget,
}

/// What a new item or a changed one says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuItemDraft {
    /// Which menu.
    pub place: MenuPlace,
    /// Under which item (one level deep at most).
    pub parent_id: Option<i64>,
    /// Its text, when not the target's own name.
    pub label: Option<String>,
    /// What it links to.
    pub target: MenuTarget,
}

/// A menu entry as readers see it: its text and address resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuEntry {
    /// The text shown.
    pub label: String,
    /// Where it leads: a path of this site or an absolute address.
    pub href: String,
    /// Its sub-menu.
    pub children: Vec<MenuEntry>,
}

/// The menus every page shows, resolved when the site's settings are read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Menus {
    /// The header's entries: the newsroom's menu, or when it has none, the
    /// top-level sections that hold published articles.
    pub header: Vec<MenuEntry>,
    /// The footer's entries.
    pub footer: Vec<MenuEntry>,
}

/// Sorts entries as readers look things up: letters without their
/// accents, any case ("Économie" between "Culture" and "Sport").
pub fn sort_by_label(entries: &mut [MenuEntry]) {
    entries.sort_by_cached_key(|e| deunicode::deunicode(&e.label).to_lowercase());
}

/// A move of one item in the menu editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuMove {
    /// Before the sibling above it.
    Up,
    /// After the sibling below it.
    Down,
    /// Into the sub-menu of the sibling above it (at its end).
    Indent,
    /// Out of its sub-menu, just after the item it was under.
    Outdent,
}

impl MenuMove {
    /// From a form's button value.
    pub fn parse(s: &str) -> Option<MenuMove> {
        match s {
            "up" => Some(MenuMove::Up),
            "down" => Some(MenuMove::Down),
            "indent" => Some(MenuMove::Indent),
            "outdent" => Some(MenuMove::Outdent),
            _ => None,
        }
    }
}

/// Where every item of one menu stands after `step` is applied to `id`:
/// (id, parent, position) for each item of that menu, positions counted
/// from 0 among siblings. `None` when the move is not possible (the first
/// item up, an item with a sub-menu of its own into another: menus have
/// one level of sub-menu).
pub fn moved(items: &[MenuItem], id: i64, step: MenuMove) -> Option<Vec<(i64, Option<i64>, i64)>> {
    let item = items.iter().find(|i| i.id == id)?;
    let place = item.place;
    let mut sorted: Vec<&MenuItem> = items.iter().filter(|i| i.place == place).collect();
    sorted.sort_by_key(|i| (i.position, i.id));
    // Each parent's children, in order; `None` holds the top level.
    let mut lists: Vec<(Option<i64>, Vec<i64>)> = Vec::new();
    for i in &sorted {
        match lists.iter_mut().find(|(p, _)| *p == i.parent_id) {
            Some((_, list)) => list.push(i.id),
            None => lists.push((i.parent_id, vec![i.id])),
        }
    }
    let siblings = |lists: &mut Vec<(Option<i64>, Vec<i64>)>, parent: Option<i64>| -> usize {
        match lists.iter().position(|(p, _)| *p == parent) {
            Some(k) => k,
            None => {
                lists.push((parent, Vec::new()));
                lists.len() - 1
            }
        }
    };
    let here = siblings(&mut lists, item.parent_id);
    let at = lists[here].1.iter().position(|&x| x == id)?;
    match step {
        MenuMove::Up if at > 0 => lists[here].1.swap(at - 1, at),
        MenuMove::Down if at + 1 < lists[here].1.len() => lists[here].1.swap(at, at + 1),
        MenuMove::Indent if at > 0 && item.parent_id.is_none() => {
            let has_children = sorted.iter().any(|i| i.parent_id == Some(id));
            if has_children {
                return None;
            }
            let new_parent = lists[here].1[at - 1];
            lists[here].1.remove(at);
            let k = siblings(&mut lists, Some(new_parent));
            lists[k].1.push(id);
        }
        MenuMove::Outdent if item.parent_id.is_some() => {
            let parent = item.parent_id?;
            lists[here].1.remove(at);
            let top = siblings(&mut lists, None);
            let after = lists[top].1.iter().position(|&x| x == parent)? + 1;
            lists[top].1.insert(after, id);
        }
        _ => return None,
    }
    Some(
        lists
            .iter()
            .flat_map(|(parent, list)| {
                list.iter()
                    .enumerate()
                    .map(move |(k, &id)| (id, *parent, k as i64))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: i64, parent_id: Option<i64>, position: i64) -> MenuItem {
        MenuItem {
            id,
            place: MenuPlace::Header,
            parent_id,
            position,
            label: None,
            target: MenuTarget::Link("/".into()),
        }
    }

    fn order(moves: Option<Vec<(i64, Option<i64>, i64)>>) -> Vec<(i64, Option<i64>, i64)> {
        let mut m = moves.expect("a possible move");
        m.sort_by_key(|&(id, parent, pos)| (parent.unwrap_or(0), pos, id));
        m
    }

    #[test]
    fn items_move_among_siblings_and_one_level_in_and_out() {
        // 1, 2 (with 21, 22), 3
        let items = vec![
            item(1, None, 0),
            item(2, None, 1),
            item(3, None, 2),
            item(21, Some(2), 0),
            item(22, Some(2), 1),
        ];
        assert_eq!(
            order(moved(&items, 3, MenuMove::Up)),
            vec![
                (1, None, 0),
                (3, None, 1),
                (2, None, 2),
                (21, Some(2), 0),
                (22, Some(2), 1)
            ]
        );
        assert_eq!(moved(&items, 1, MenuMove::Up), None);
        assert_eq!(moved(&items, 3, MenuMove::Down), None);
        assert_eq!(
            order(moved(&items, 22, MenuMove::Up)),
            vec![
                (1, None, 0),
                (2, None, 1),
                (3, None, 2),
                (22, Some(2), 0),
                (21, Some(2), 1)
            ]
        );
        // 3 goes under 2, at the end of its sub-menu.
        assert_eq!(
            order(moved(&items, 3, MenuMove::Indent)),
            vec![
                (1, None, 0),
                (2, None, 1),
                (21, Some(2), 0),
                (22, Some(2), 1),
                (3, Some(2), 2)
            ]
        );
        // 2 has a sub-menu: it cannot go one level down; 21 cannot go two.
        assert_eq!(moved(&items, 2, MenuMove::Indent), None);
        assert_eq!(moved(&items, 22, MenuMove::Indent), None);
        // 21 comes out just after 2.
        assert_eq!(
            order(moved(&items, 21, MenuMove::Outdent)),
            vec![
                (1, None, 0),
                (2, None, 1),
                (21, None, 2),
                (3, None, 3),
                (22, Some(2), 0)
            ]
        );
        assert_eq!(moved(&items, 1, MenuMove::Outdent), None);
        assert_eq!(moved(&items, 99, MenuMove::Up), None);
    }

    #[test]
    fn menu_links_are_site_paths_or_web_addresses() {
        assert_eq!(menu_link(" /feed/ ").as_deref(), Some("/feed/"));
        assert_eq!(
            menu_link("https://radio.example/direct").as_deref(),
            Some("https://radio.example/direct")
        );
        for bad in [
            "javascript:alert(1)",
            "//evil.example/x",
            "mailto:a@b.c",
            "direct",
            "/a b",
            "",
            "https://",
        ] {
            assert_eq!(menu_link(bad), None, "{bad}");
        }
    }
}
