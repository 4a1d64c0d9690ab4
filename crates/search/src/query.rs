//! Answering a reader's query: relevance with a recency boost, filters,
//! pages and highlighted snippets.

use std::ops::Bound;

use chrono::{DateTime, Utc};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::{Snippet, SnippetGenerator};
use tantivy::{DocAddress, Searcher, SegmentReader, TantivyDocument, TantivyError, Term};

use crate::analyzer;
use crate::index::{SearchError, SearchIndex};
use kiosque_core::model::{
    Hit, MAX_SEARCH_RESULTS as MAX_RESULTS, SearchQuery, SearchResults, Segment,
};

/// Longest query looked at, in characters: enough for any real question,
/// and a pasted page of text costs no more than a sentence.
const MAX_QUERY_CHARS: usize = 200;

/// Days after which an article's recency boost has halved.
const RECENCY_HALF_LIFE_DAYS: f32 = 30.0;

/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 220;

impl SearchIndex {
    /// Runs a query. Any text is accepted: syntax a reader did not mean
    /// (unbalanced quotes, stray operators) is read leniently, never an
    /// error.
    pub fn search(&self, q: &SearchQuery<'_>) -> Result<SearchResults, SearchError> {
        let Some((query, words)) = self.query(q)? else {
            return Ok(SearchResults::default());
        };
        let searcher = self.reader.searcher();
        let per_page = (q.per_page.max(1) as usize).min(MAX_RESULTS);
        let offset = (q.page.max(1) as usize - 1)
            .saturating_mul(per_page)
            .min(MAX_RESULTS);
        let (total, top) =
            searcher.search(&query, &(Count, self.ranked(per_page, offset, q.now)))?;
        let f = self.fields;
        let mut titles = SnippetGenerator::create(&searcher, &*words, f.title)?;
        titles.set_max_num_chars(1_000);
        let mut bodies = SnippetGenerator::create(&searcher, &*words, f.body)?;
        bodies.set_max_num_chars(SNIPPET_CHARS);
        let hits = top
            .into_iter()
            .map(|(_, address)| self.hit(&searcher, address, &titles, &bodies))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SearchResults {
            total: total as u64,
            hits,
            searched: true,
        })
    }

    /// The ids of the articles matching `text`, best first, at most `limit`.
    pub fn matching(&self, text: &str, limit: usize) -> Result<Vec<i64>, SearchError> {
        let now = Utc::now();
        let asked = SearchQuery {
            text,
            category: None,
            from: None,
            until: None,
            page: 1,
            per_page: 1,
            now,
        };
        let Some((query, _)) = self.query(&asked)? else {
            return Ok(Vec::new());
        };
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &self.ranked(limit.min(MAX_RESULTS), 0, now))?;
        top.into_iter()
            .map(|(_, address)| {
                let doc: TantivyDocument = searcher.doc(address)?;
                Ok(doc
                    .get_first(self.fields.id)
                    .and_then(|v| v.as_i64())
                    .unwrap_or_default())
            })
            .collect()
    }

    /// The query for what a reader asked, with the words alone (for
    /// highlighting); `None` when there is no word to look for.
    #[allow(clippy::type_complexity)]
    fn query(
        &self,
        q: &SearchQuery<'_>,
    ) -> Result<Option<(BooleanQuery, Box<dyn Query>)>, SearchError> {
        let text = clip(q.text);
        // The analyzer the index registered for the site's language, not a
        // new one per query.
        let mut words_of = self
            .index
            .tokenizers()
            .get(analyzer::NAME)
            .ok_or_else(|| TantivyError::InternalError("no analyzer registered".into()))?;
        if analyzer::terms(&mut words_of, text).is_empty() {
            return Ok(None);
        }
        let f = self.fields;
        let mut parser = QueryParser::for_index(
            &self.index,
            vec![f.title, f.excerpt, f.body, f.tags, f.authors],
        );
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.title, 3.0);
        parser.set_field_boost(f.tags, 2.0);
        parser.set_field_boost(f.authors, 2.0);
        parser.set_field_boost(f.excerpt, 1.5);
        let (words, _ignored) = parser.parse_query_lenient(text);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, words.box_clone())];
        if let Some(category) = q.category {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.category, category),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if q.from.is_some() || q.until.is_some() {
            let bound = |t: Option<DateTime<Utc>>, inclusive: bool| match t {
                None => Bound::Unbounded,
                Some(t) if inclusive => {
                    Bound::Included(Term::from_field_i64(f.published, t.timestamp()))
                }
                Some(t) => Bound::Excluded(Term::from_field_i64(f.published, t.timestamp())),
            };
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(bound(q.from, true), bound(q.until, false))),
            ));
        }
        Ok(Some((BooleanQuery::new(clauses), words)))
    }

    /// The best `limit` after `offset`, by relevance with a boost for
    /// recent articles.
    fn ranked(
        &self,
        limit: usize,
        offset: usize,
        now: DateTime<Utc>,
    ) -> impl tantivy::collector::Collector<Fruit = Vec<(f32, DocAddress)>> + use<> {
        let now = now.timestamp();
        TopDocs::with_limit(limit.max(1))
            .and_offset(offset)
            .tweak_score(move |segment: &SegmentReader| {
                let published = segment
                    .fast_fields()
                    .i64("published")
                    .ok()
                    .map(|column| column.first_or_default_col(now));
                move |doc, score: f32| {
                    let published = published.as_ref().map_or(now, |c| c.get_val(doc));
                    #[allow(clippy::cast_precision_loss)]
                    let age_days = (now - published).max(0) as f32 / 86_400.0;
                    score
                        * (1.0
                            + (-age_days / RECENCY_HALF_LIFE_DAYS * std::f32::consts::LN_2).exp())
                }
            })
    }

    fn hit(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        titles: &SnippetGenerator,
        bodies: &SnippetGenerator,
    ) -> Result<Hit, SearchError> {
        let f = self.fields;
        let doc: TantivyDocument = searcher.doc(address)?;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let title = text(f.title);
        let title_snippet = titles.snippet(&title);
        let title = if title_snippet.is_empty() {
            vec![Segment {
                text: title,
                mark: false,
            }]
        } else {
            whole_marked(&title, &title_snippet)
        };
        let body = text(f.body);
        let body_snippet = bodies.snippet(&body);
        let snippet = if body_snippet.is_empty() {
            vec![Segment {
                text: text(f.excerpt),
                mark: false,
            }]
        } else {
            passage_marked(&body, &body_snippet)
        };
        let category = doc
            .get_first(f.category)
            .and_then(|v| v.as_str())
            .map(|slug| (slug.to_owned(), text(f.category_name)));
        Ok(Hit {
            id: doc
                .get_first(f.id)
                .and_then(|v| v.as_i64())
                .unwrap_or_default(),
            slug: text(f.slug),
            title,
            snippet,
            authors: doc
                .get_all(f.authors)
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            category,
            published_at: DateTime::from_timestamp(
                doc.get_first(f.published)
                    .and_then(|v| v.as_i64())
                    .unwrap_or_default(),
                0,
            )
            .unwrap_or_default(),
        })
    }
}

/// The query cut to [`MAX_QUERY_CHARS`], at a word boundary so no word is
/// searched for half-typed.
fn clip(text: &str) -> &str {
    match text.char_indices().nth(MAX_QUERY_CHARS) {
        None => text,
        Some((end, _)) => {
            let cut = &text[..end];
            cut.rfind(char::is_whitespace)
                .map_or(cut, |space| &cut[..space])
        }
    }
}

/// The whole of a short text (a headline) with the snippet's highlights,
/// which are relative to the fragment it chose.
fn whole_marked(text: &str, snippet: &Snippet) -> Vec<Segment> {
    marked(text, snippet, snippet.fragment_range().start)
}

/// The passage a snippet chose from a long text, with `…` where it was cut.
fn passage_marked(text: &str, snippet: &Snippet) -> Vec<Segment> {
    let range = snippet.fragment_range();
    let mut parts = marked(snippet.fragment(), snippet, 0);
    if range.start > 0 {
        parts.insert(
            0,
            Segment {
                text: "… ".into(),
                mark: false,
            },
        );
    }
    if range.end < text.len() {
        parts.push(Segment {
            text: " …".into(),
            mark: false,
        });
    }
    parts
}

/// `shown` split at the snippet's highlights, shifted by `offset`.
fn marked(shown: &str, snippet: &Snippet, offset: usize) -> Vec<Segment> {
    let mut parts = Vec::new();
    let mut push = |text: &str, mark: bool| {
        if !text.is_empty() {
            parts.push(Segment {
                text: text.to_owned(),
                mark,
            });
        }
    };
    let mut at = 0;
    for r in snippet.highlighted() {
        let (from, to) = (r.start + offset, r.end + offset);
        if from < at || !shown.is_char_boundary(from) || shown.get(from..to).is_none() {
            continue;
        }
        push(&shown[at..from], false);
        push(&shown[from..to], true);
        at = to;
    }
    push(&shown[at..], false);
    parts
}

impl kiosque_core::ports::Search for SearchIndex {
    fn search(&self, query: &SearchQuery<'_>) -> kiosque_core::Result<SearchResults> {
        SearchIndex::search(self, query).map_err(kiosque_core::Error::backend)
    }

    fn matching(&self, text: &str, limit: usize) -> kiosque_core::Result<Vec<i64>> {
        SearchIndex::matching(self, text, limit).map_err(kiosque_core::Error::backend)
    }

    fn ready(&self) -> bool {
        SearchIndex::ready(self)
    }

    fn applied_change(&self) -> Option<i64> {
        match self.state() {
            Ok(crate::index::IndexState::Applied(applied)) => Some(applied),
            _ => None,
        }
    }
}
