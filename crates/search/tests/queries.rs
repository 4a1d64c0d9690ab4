//! What readers find, on a real (in-memory) tantivy index.

use chrono::{DateTime, Duration, TimeZone, Utc};
use kiosque_core::model::{Category, SearchDocument};
use kiosque_core::types::{Locale, Slug};
use kiosque_search::{SearchIndex, SearchQuery, SearchResults, Segment};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fn doc(id: i64, title: &str, body: &str, days_ago: i64, section: &str) -> SearchDocument {
    SearchDocument {
        id,
        slug: Slug::from_text(title).unwrap(),
        title: title.into(),
        excerpt: format!("Résumé de l’article {id}."),
        body: body.into(),
        tags: vec!["Diplomatie".into()],
        authors: vec!["Awa Koné".into()],
        category: Some(Category {
            id: 1,
            slug: Slug::from_text(section).unwrap(),
            name: section.into(),
        }),
        further_sections: Vec::new(),
        published_at: now() - Duration::days(days_ago),
    }
}

fn index() -> SearchIndex {
    let index = SearchIndex::in_memory(Locale::Fr).unwrap();
    index
        .apply(
            &[
                doc(
                    1,
                    "Sergueï Lavrov attendu à Pyongyang",
                    "Le ministre russe des Affaires étrangères rencontrera ses homologues \
                     de Corée du Nord la semaine prochaine.",
                    2,
                    "Monde",
                ),
                doc(
                    2,
                    "Des soldats déployés à la frontière",
                    "Plusieurs centaines de soldats ont pris position au nord du pays.",
                    10,
                    "Monde",
                ),
                doc(
                    3,
                    "Le budget de la ville adopté",
                    "Le conseil municipal a voté le budget. Un soldat du feu a été décoré.",
                    400,
                    "Économie",
                ),
            ],
            &[],
            3,
        )
        .unwrap();
    index
}

fn search(index: &SearchIndex, text: &str) -> SearchResults {
    index
        .search(&SearchQuery {
            text,
            category: None,
            from: None,
            until: None,
            page: 1,
            per_page: 10,
            now: now(),
        })
        .unwrap()
}

fn ids(results: &SearchResults) -> Vec<i64> {
    results.hits.iter().map(|h| h.id).collect()
}

#[test]
fn accents_case_and_plurals_do_not_matter() {
    let index = index();
    assert_eq!(ids(&search(&index, "serguei lavrov")), [1]);
    assert_eq!(ids(&search(&index, "SERGUEÏ")), [1]);
    assert_eq!(ids(&search(&index, "coree du nord")), [1]);
    assert_eq!(ids(&search(&index, "\"Corée du Nord\"")), [1], "a phrase");
    let soldat = ids(&search(&index, "soldat"));
    assert_eq!(soldat.len(), 2);
    assert!(soldat.contains(&2) && soldat.contains(&3));
    // Every word must be found (not any of them).
    assert!(search(&index, "lavrov budget").hits.is_empty());
    // Tags, bylines and sections' articles are searchable too.
    assert_eq!(search(&index, "diplomatie").total, 3);
    assert_eq!(search(&index, "awa kone").total, 3);
}

#[test]
fn the_headline_counts_more_and_recent_articles_come_first() {
    let index = index();
    // "soldats" is in article 2's headline and body, in article 3's body
    // only, and 3 is more than a year old.
    assert_eq!(ids(&search(&index, "soldats")), [2, 3]);
    // Same text, different ages: the recent one first.
    let index = SearchIndex::in_memory(Locale::Fr).unwrap();
    index
        .apply(
            &[
                doc(
                    10,
                    "Marché du cacao",
                    "Le prix du cacao monte.",
                    900,
                    "Économie",
                ),
                doc(
                    11,
                    "Marché du cacao",
                    "Le prix du cacao monte.",
                    1,
                    "Économie",
                ),
            ],
            &[],
            1,
        )
        .unwrap();
    assert_eq!(ids(&search(&index, "cacao")), [11, 10]);
}

#[test]
fn snippets_mark_the_words_found_and_escape_nothing_themselves() {
    let index = index();
    let results = search(&index, "coree");
    let hit = &results.hits[0];
    let marked: Vec<&str> = hit
        .snippet
        .iter()
        .filter(|s| s.mark)
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(marked, ["Corée"]);
    let text: String = hit.snippet.iter().map(|s| s.text.as_str()).collect();
    assert!(text.contains("Corée du Nord"), "{text}");
    // A match in the headline is marked there too.
    let results = search(&index, "lavrov");
    assert!(results.hits[0].title.contains(&Segment {
        text: "Lavrov".into(),
        mark: true
    }));
    assert_eq!(results.hits[0].authors, ["Awa Koné"]);
    assert_eq!(
        results.hits[0].category,
        Some(("monde".into(), "Monde".into()))
    );
}

#[test]
fn filters_by_section_and_dates_and_pages() {
    let index = index();
    let mut q = SearchQuery {
        text: "soldat",
        category: Some("economie"),
        from: None,
        until: None,
        page: 1,
        per_page: 10,
        now: now(),
    };
    assert_eq!(ids(&index.search(&q).unwrap()), [3]);
    q.category = None;
    q.from = Some(now() - Duration::days(30));
    assert_eq!(ids(&index.search(&q).unwrap()), [2]);
    q.from = None;
    q.until = Some(now() - Duration::days(30));
    assert_eq!(ids(&index.search(&q).unwrap()), [3]);
    q.until = None;
    q.per_page = 1;
    q.page = 2;
    let page = index.search(&q).unwrap();
    assert_eq!((page.total, ids(&page)), (2, vec![3]));
    q.page = 3;
    assert!(index.search(&q).unwrap().hits.is_empty());
    // An absurd page number is no allocation of its size.
    q.page = u32::MAX;
    q.per_page = u32::MAX;
    assert!(index.search(&q).unwrap().hits.is_empty());
}

#[test]
fn absurd_queries_get_an_answer_not_an_error() {
    let index = index();
    let long = "soldat ".repeat(1_500);
    for text in [
        "",
        "   ",
        "?!…;:«»—",
        "\"coree du",
        "lavrov\"",
        "((((",
        "AND OR NOT",
        "title:",
        "-",
        "+*~^",
        "le la les du de",
        long.as_str(),
        "\u{0}\u{202e}",
    ] {
        let r = search(&index, text);
        assert!(r.total <= 3, "{text:?}");
    }
    assert!(!search(&index, "?!…").searched);
    assert!(!search(&index, "le la les").searched);
    assert_eq!(search(&index, "\"coree du").total, 1);
    assert_eq!(search(&index, &long).total, 2);
}

#[test]
fn an_edit_replaces_and_a_removal_removes() {
    let index = index();
    let mut changed = doc(1, "Sergueï Lavrov reporte sa visite", "Rien.", 2, "Monde");
    changed.body = "La visite est reportée.".into();
    index.apply(&[changed], &[2], 5).unwrap();
    assert_eq!(index.len(), 2);
    assert_eq!(ids(&search(&index, "reporte")), [1]);
    assert!(search(&index, "pyongyang").hits.is_empty());
    assert!(search(&index, "frontiere").hits.is_empty());
    assert_eq!(
        index.state().unwrap(),
        kiosque_search::IndexState::Applied(5)
    );
}

#[test]
fn an_index_on_disk_remembers_what_it_applied_and_its_language() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = SearchIndex::open(dir.path(), Locale::Fr).unwrap();
        assert_eq!(index.state().unwrap(), kiosque_search::IndexState::Unbuilt);
        index
            .apply(&[doc(1, "Un titre", "Un texte.", 1, "Monde")], &[], 42)
            .unwrap();
    }
    let index = SearchIndex::open(dir.path(), Locale::Fr).unwrap();
    assert_eq!(
        index.state().unwrap(),
        kiosque_search::IndexState::Applied(42)
    );
    assert_eq!(index.len(), 1);
    drop(index);
    // The site now writes in English: the French terms are useless.
    let index = SearchIndex::open(dir.path(), Locale::En).unwrap();
    assert_eq!(index.state().unwrap(), kiosque_search::IndexState::Unbuilt);
}
