//! The index itself: its fields, opening it, and writing to it.

use std::path::Path;

use kiosque_core::model::SearchDocument;
use kiosque_core::types::Locale;
use tantivy::directory::MmapDirectory;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, TantivyError, Term};

use crate::analyzer::{self, NAME};

/// Bumped whenever the fields or the analyzer change: an index written by
/// another version is rebuilt.
const FORMAT: u32 = 1;

/// Memory for the indexing arena of one small write (tantivy's minimum is
/// 15 MB per thread).
const SMALL_WRITE: usize = 20_000_000;

/// Memory for a whole rebuild, shared by tantivy's indexing threads.
const REBUILD: usize = 128_000_000;

/// Why the index could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// Another process (a running server, or `kiosque search reindex`) is
    /// writing to the index.
    #[error("another process is writing to the search index")]
    Busy,
    /// The index failed.
    #[error("search index: {0}")]
    Index(#[from] TantivyError),
}

/// The fields of a document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub(crate) id: Field,
    pub(crate) slug: Field,
    pub(crate) title: Field,
    pub(crate) excerpt: Field,
    pub(crate) body: Field,
    pub(crate) tags: Field,
    pub(crate) authors: Field,
    pub(crate) category: Field,
    pub(crate) category_name: Field,
    pub(crate) published: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let stored_text = text.clone().set_stored();
    let fields = Fields {
        id: builder.add_i64_field("id", INDEXED | FAST | STORED),
        slug: builder.add_text_field("slug", STORED),
        title: builder.add_text_field("title", stored_text.clone()),
        excerpt: builder.add_text_field("excerpt", stored_text.clone()),
        body: builder.add_text_field("body", stored_text.clone()),
        tags: builder.add_text_field("tags", text),
        authors: builder.add_text_field("authors", stored_text),
        category: builder.add_text_field("category", STRING | STORED),
        category_name: builder.add_text_field("category_name", STORED),
        published: builder.add_i64_field("published", INDEXED | FAST | STORED),
    };
    (builder.build(), fields)
}

/// How far an index has followed the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexState {
    /// Never built, or built for another language or format: it must be
    /// rebuilt from the database.
    Unbuilt,
    /// Complete up to this change number.
    Applied(i64),
}

/// One server's search index.
pub struct SearchIndex {
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    /// The site's language, which decides how words are matched; it may
    /// change while the server runs (see [`SearchIndex::set_locale`]).
    locale: std::sync::Mutex<Locale>,
    /// Whether the follower's last look at the database's change log
    /// worked (for `/readyz`).
    following: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("locale", &self.locale())
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Opens the index kept in `dir`, creating it when missing. One written
    /// with other fields is emptied first; its state then says it must be
    /// rebuilt.
    pub fn open(dir: &Path, locale: Locale) -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        std::fs::create_dir_all(dir).map_err(|e| TantivyError::IoError(e.into()))?;
        let open = |schema: Schema| -> Result<Index, TantivyError> {
            let directory = MmapDirectory::open(dir)?;
            Index::open_or_create(directory, schema)
        };
        let index = match open(schema.clone()) {
            Ok(index) => index,
            Err(TantivyError::SchemaError(_)) => {
                tracing::info!(dir = %dir.display(), "search index has other fields; starting it anew");
                for entry in std::fs::read_dir(dir).map_err(|e| TantivyError::IoError(e.into()))? {
                    let path = entry.map_err(|e| TantivyError::IoError(e.into()))?.path();
                    if path.is_file() {
                        std::fs::remove_file(&path).map_err(|e| TantivyError::IoError(e.into()))?;
                    }
                }
                open(schema)?
            }
            Err(e) => return Err(e.into()),
        };
        Self::with_index(index, fields, locale)
    }

    /// An index held in memory only (tests and benchmarks).
    pub fn in_memory(locale: Locale) -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        Self::with_index(Index::create_in_ram(schema), fields, locale)
    }

    fn with_index(index: Index, fields: Fields, locale: Locale) -> Result<Self, SearchError> {
        index
            .tokenizers()
            .register(NAME, analyzer::analyzer(locale));
        // Reloaded by hand after each commit, so a change is searchable as
        // soon as it is written rather than after a polling delay.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            fields,
            locale: std::sync::Mutex::new(locale),
            following: std::sync::atomic::AtomicBool::new(true),
        })
    }

    /// The language words are matched in.
    pub fn locale(&self) -> Locale {
        *self.locale.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Switches to the site's new language. The index then reads as
    /// unbuilt (its terms were made for the old language) until rebuilt.
    pub fn set_locale(&self, locale: Locale) {
        let mut current = self.locale.lock().unwrap_or_else(|e| e.into_inner());
        if *current != locale {
            self.index
                .tokenizers()
                .register(NAME, analyzer::analyzer(locale));
            *current = locale;
        }
    }

    /// Sees what another process (another server on this directory, or
    /// `kiosque search reindex`) committed.
    pub fn refresh(&self) -> Result<(), SearchError> {
        Ok(self.reader.reload()?)
    }

    /// How far the index has followed the database.
    pub fn state(&self) -> Result<IndexState, SearchError> {
        let payload = self.index.load_metas()?.payload;
        Ok(payload
            .as_deref()
            .and_then(|p| parse_payload(p, self.locale()))
            .map_or(IndexState::Unbuilt, IndexState::Applied))
    }

    /// Records whether the follower's last catch-up worked.
    pub(crate) fn set_following(&self, ok: bool) {
        self.following
            .store(ok, std::sync::atomic::Ordering::Relaxed);
    }

    /// Built, and following the database's changes.
    pub fn ready(&self) -> bool {
        self.following.load(std::sync::atomic::Ordering::Relaxed)
            && matches!(self.state(), Ok(IndexState::Applied(_)))
    }

    /// How many articles the index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether the index holds no article.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn writer(&self, memory: usize, threads: Option<usize>) -> Result<IndexWriter, SearchError> {
        let writer = match threads {
            Some(n) => self.index.writer_with_num_threads(n, memory),
            None => self.index.writer(memory),
        };
        writer.map_err(|e| match e {
            TantivyError::LockFailure(..) => SearchError::Busy,
            e => SearchError::Index(e),
        })
    }

    fn document(&self, d: &SearchDocument) -> TantivyDocument {
        let f = self.fields;
        let mut doc = TantivyDocument::new();
        doc.add_i64(f.id, d.id);
        doc.add_text(f.slug, d.slug.as_str());
        doc.add_text(f.title, &d.title);
        doc.add_text(f.excerpt, &d.excerpt);
        doc.add_text(f.body, &d.body);
        for tag in &d.tags {
            doc.add_text(f.tags, tag);
        }
        for author in &d.authors {
            doc.add_text(f.authors, author);
        }
        if let Some(category) = &d.category {
            doc.add_text(f.category, category.slug.as_str());
            doc.add_text(f.category_name, &category.name);
        }
        // After the first: results name the first section.
        for slug in &d.further_sections {
            doc.add_text(f.category, slug.as_str());
        }
        doc.add_i64(f.published, d.published_at.timestamp());
        doc
    }

    /// Replaces the given articles, removes `removed`, and records that the
    /// index is complete up to change `applied` — all in one commit, then
    /// visible to searches at once.
    pub fn apply(
        &self,
        documents: &[SearchDocument],
        removed: &[i64],
        applied: i64,
    ) -> Result<(), SearchError> {
        let writer = self.writer(SMALL_WRITE, Some(1))?;
        for id in removed.iter().chain(documents.iter().map(|d| &d.id)) {
            writer.delete_term(Term::from_field_i64(self.fields.id, *id));
        }
        for d in documents {
            writer.add_document(self.document(d))?;
        }
        self.commit(writer, applied)
    }

    fn commit(&self, mut writer: IndexWriter, applied: i64) -> Result<(), SearchError> {
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&payload(applied, self.locale()));
        commit.commit()?;
        writer.wait_merging_threads()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Starts rebuilding the whole index: until [`Rebuild::finish`], searches
    /// still see the old one.
    pub fn rebuild(&self) -> Result<Rebuild<'_>, SearchError> {
        let writer = self.writer(REBUILD, None)?;
        writer.delete_all_documents()?;
        Ok(Rebuild {
            index: self,
            writer,
        })
    }
}

/// A rebuild under way.
pub struct Rebuild<'a> {
    index: &'a SearchIndex,
    writer: IndexWriter,
}

impl std::fmt::Debug for Rebuild<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rebuild").finish_non_exhaustive()
    }
}

impl Rebuild<'_> {
    /// Adds articles.
    pub fn add(&mut self, documents: &[SearchDocument]) -> Result<(), SearchError> {
        for d in documents {
            self.writer.add_document(self.index.document(d))?;
        }
        Ok(())
    }

    /// Makes the new index the one searched, complete up to change
    /// `applied`.
    pub fn finish(self, applied: i64) -> Result<(), SearchError> {
        self.index.commit(self.writer, applied)
    }
}

/// `kiosque-search 1 fr 42`: what was applied, for which language and
/// format.
fn payload(applied: i64, locale: Locale) -> String {
    format!("kiosque-search {FORMAT} {} {applied}", locale.code())
}

fn parse_payload(payload: &str, locale: Locale) -> Option<i64> {
    let mut parts = payload.split(' ');
    (parts.next()? == "kiosque-search").then_some(())?;
    (parts.next()?.parse::<u32>().ok()? == FORMAT).then_some(())?;
    (parts.next()? == locale.code()).then_some(())?;
    parts.next()?.parse().ok()
}
