//! The `Store` port, implemented by delegating to one module per concern.

use async_trait::async_trait;
use kiosque_core::Result;
use kiosque_core::model::{
    Article, ArticleDraft, ArticleFilter, ArticleQuery, ArticleRow, ArticleSummary, Author,
    Category, Comment, FrontPage, MediaAsset, MediaItem, MediaText, MediaUse, ModerationItem,
    NewComment, NewMediaAsset, Page, PageRequest, Published, SectionFamily, Site, TermKind,
    TermUsage,
};
use kiosque_core::model::{
    MenuItem, MenuItemDraft, MenuPlace, PageChange, PageDraft, Revision, SearchChange,
    SearchDocument, SitemapEntry, StaticPage,
};
use kiosque_core::ports::Store;
use kiosque_core::types::{CommentStatus, Email, Slug};

use crate::articles::Target;
use crate::{
    SqlStore, articles, authors, comments, db, front, media, menus, page_changes, pages, search,
    site, sitemaps, taxonomy,
};

#[async_trait]
impl Store for SqlStore {
    async fn ready(&self) -> Result<()> {
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await
                .map_err(db)?;
        match applied.unwrap_or(0) {
            v if v == crate::SCHEMA_VERSION => Ok(()),
            // Newer: ready if it only added (a rolling upgrade under way).
            v if v > crate::SCHEMA_VERSION => crate::migrations::newer_compatible(&self.pool)
                .await
                .map(|_| ()),
            v => Err(kiosque_core::Error::backend(std::io::Error::other(
                format!(
                    "the database holds schema {v}, this build works with {}",
                    crate::SCHEMA_VERSION
                ),
            ))),
        }
    }

    async fn site(&self) -> Result<Option<Site>> {
        site::load(&self.pool).await
    }

    async fn save_site(&self, s: &Site) -> Result<()> {
        site::save(&self.pool, s).await
    }

    async fn save_media(&self, media: &NewMediaAsset) -> Result<MediaAsset> {
        media::save(self, media).await
    }

    async fn claim_media_job(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<MediaAsset>> {
        media::claim_job(&self.pool, now.timestamp()).await
    }

    async fn finish_media_job(&self, id: i64, widths: &[u32]) -> Result<()> {
        media::finish_job(self, id, widths).await
    }

    async fn fail_media_job(
        &self,
        id: i64,
        error: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool> {
        media::fail_job(&self.pool, id, error, now.timestamp()).await
    }

    async fn postpone_media_job(
        &self,
        id: i64,
        error: &str,
        until: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        media::postpone_job(&self.pool, id, error, until.timestamp()).await
    }

    async fn media_asset(&self, id: i64) -> Result<Option<MediaAsset>> {
        media::by_id(&self.pool, id).await
    }

    async fn media_by_files(&self, files: &[String]) -> Result<Vec<MediaAsset>> {
        media::by_files(&self.pool, files).await
    }

    async fn media_library(&self, search: &str, page: PageRequest) -> Result<Page<MediaItem>> {
        media::library(&self.pool, search, page).await
    }

    async fn public_media(
        &self,
        query: &kiosque_core::model::MediaQuery,
    ) -> Result<(Vec<kiosque_core::model::PublicMedia>, u64)> {
        media::public(&self.pool, query).await
    }

    async fn media_uses(&self, id: i64) -> Result<Vec<MediaUse>> {
        media::uses(&self.pool, id).await
    }

    async fn set_media_text(&self, id: i64, text: &MediaText) -> Result<()> {
        media::set_text(&self.pool, id, text).await
    }

    async fn delete_media(&self, id: i64) -> Result<MediaAsset> {
        media::delete(self, id).await
    }

    async fn publish_article(&self, draft: &ArticleDraft) -> Result<Published> {
        articles::save(self, draft, Target::Slug).await
    }

    async fn create_article(&self, draft: &ArticleDraft) -> Result<Published> {
        articles::save(self, draft, Target::New).await
    }

    async fn update_article(
        &self,
        id: i64,
        expected_version: i64,
        draft: &ArticleDraft,
    ) -> Result<Published> {
        articles::save(
            self,
            draft,
            Target::Existing {
                id,
                expected_version,
            },
        )
        .await
    }

    async fn article(&self, id: i64) -> Result<Option<Article>> {
        articles::by_id(&self.pool, id).await
    }

    async fn articles(&self, query: &ArticleQuery, page: PageRequest) -> Result<Page<ArticleRow>> {
        articles::query(&self.pool, query, page).await
    }

    async fn delete_article(&self, id: i64) -> Result<()> {
        // Everything that hangs off an article goes with it (ON DELETE
        // CASCADE); the logs are written by the triggers of the statement.
        let done = sqlx::query("DELETE FROM articles WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(kiosque_core::Error::NotFound("article"));
        }
        Ok(())
    }

    async fn revisions(&self, article_id: i64) -> Result<Vec<Revision>> {
        articles::revisions(&self.pool, article_id).await
    }

    async fn publish_due(&self, now: chrono::DateTime<chrono::Utc>) -> Result<Vec<i64>> {
        articles::publish_due(self, now.timestamp()).await
    }

    async fn article_by_slug(&self, slug: &Slug) -> Result<Option<Article>> {
        articles::by_slug(&self.pool, slug).await
    }

    async fn article_by_old_slug(&self, slug: &Slug) -> Result<Option<Article>> {
        articles::by_old_slug(&self.pool, slug).await
    }

    async fn list_articles(
        &self,
        filter: ArticleFilter,
        page: PageRequest,
    ) -> Result<Page<ArticleSummary>> {
        articles::list(&self.pool, &self.totals, filter, page).await
    }

    async fn published_articles(
        &self,
        query: &kiosque_core::model::PublishedQuery,
    ) -> Result<kiosque_core::model::PublishedSlice> {
        crate::published::slice(&self.pool, query).await
    }

    async fn published_ids(&self, query: &kiosque_core::model::PublishedQuery) -> Result<Vec<i64>> {
        crate::published::ids(&self.pool, query).await
    }

    async fn section_tree(&self) -> Result<Vec<(Category, Option<i64>)>> {
        taxonomy::tree(&self.pool).await
    }

    async fn section_family(&self, id: i64) -> Result<SectionFamily> {
        taxonomy::family(&self.pool, id).await
    }

    async fn category_by_slug(&self, slug: &Slug) -> Result<Option<Category>> {
        taxonomy::category_by_slug(&self.pool, slug).await
    }

    async fn author_by_slug(&self, slug: &Slug) -> Result<Option<Author>> {
        authors::author_by_slug(&self.pool, slug).await
    }

    async fn author_profile(&self, id: i64) -> Result<kiosque_core::model::AuthorProfile> {
        authors::author_profile(&self.pool, id).await
    }

    async fn save_author_profile(
        &self,
        id: i64,
        name: &str,
        profile: &kiosque_core::model::AuthorProfile,
    ) -> Result<()> {
        authors::save_author_profile(&self.pool, id, name, profile).await
    }

    async fn authors(&self) -> Result<Vec<Author>> {
        authors::authors(&self.pool).await
    }

    async fn categories(&self) -> Result<Vec<Category>> {
        taxonomy::categories(&self.pool).await
    }

    async fn tag_by_slug(&self, slug: &Slug) -> Result<Option<kiosque_core::model::Tag>> {
        taxonomy::tag_by_slug(&self.pool, slug).await
    }

    async fn sitemap(&self, page: PageRequest) -> Result<Page<SitemapEntry>> {
        sitemaps::page(&self.pool, page).await
    }

    async fn sitemap_page_changes(
        &self,
        per_page: u32,
    ) -> Result<Vec<chrono::DateTime<chrono::Utc>>> {
        Ok(sitemaps::page_changes(&self.pool, per_page)
            .await?
            .into_iter()
            .map(crate::rows::time)
            .collect())
    }

    async fn published_since(
        &self,
        since: chrono::DateTime<chrono::Utc>,
        limit: u32,
    ) -> Result<Vec<SitemapEntry>> {
        sitemaps::since(&self.pool, since.timestamp(), limit).await
    }

    async fn search_documents(&self, ids: &[i64]) -> Result<Vec<SearchDocument>> {
        search::by_ids(&self.pool, ids).await
    }

    async fn search_documents_after(&self, after: i64, limit: u32) -> Result<Vec<SearchDocument>> {
        search::after(&self.pool, after, limit).await
    }

    async fn published_count(&self) -> Result<u64> {
        search::published_count(&self.pool).await
    }

    async fn search_changes(&self, after: i64, limit: u32) -> Result<Vec<SearchChange>> {
        search::changes(&self.pool, after, limit).await
    }

    async fn search_change_bounds(&self) -> Result<(i64, i64)> {
        search::bounds(&self.pool).await
    }

    async fn prune_search_changes(&self, before: chrono::DateTime<chrono::Utc>) -> Result<()> {
        search::prune(&self.pool, before.timestamp()).await
    }

    async fn page_changes(&self, after: i64, limit: u32) -> Result<Vec<PageChange>> {
        page_changes::after(&self.pool, after, limit).await
    }

    async fn latest_page_change(&self) -> Result<i64> {
        page_changes::latest(&self.pool).await
    }

    async fn oldest_page_change(&self) -> Result<i64> {
        page_changes::oldest(&self.pool).await
    }

    async fn prune_page_changes(&self, before: chrono::DateTime<chrono::Utc>) -> Result<()> {
        page_changes::prune(&self.pool, before.timestamp()).await?;
        crate::purges::forget_followers(&self.pool, before).await
    }

    async fn front_page(&self) -> Result<FrontPage> {
        front::load(&self.pool).await
    }

    async fn pinned_articles(&self) -> Result<Vec<ArticleSummary>> {
        articles::pinned(&self.pool).await
    }

    async fn set_front_pins(&self, article_ids: &[i64]) -> Result<()> {
        front::set_pins(self, article_ids).await
    }

    async fn set_front_sections(&self, sections: &[(i64, u32)]) -> Result<()> {
        front::set_sections(self, sections).await
    }

    async fn menu_items(&self) -> Result<Vec<MenuItem>> {
        menus::items(&self.pool).await
    }

    async fn add_menu_item(&self, item: &MenuItemDraft) -> Result<i64> {
        menus::add(self, item).await
    }

    async fn rename_menu_item(&self, id: i64, label: Option<&str>) -> Result<()> {
        menus::rename(&self.pool, id, label).await
    }

    async fn arrange_menu(&self, places: &[(i64, Option<i64>, i64)]) -> Result<()> {
        menus::arrange(self, places).await
    }

    async fn delete_menu_item(&self, id: i64) -> Result<()> {
        menus::delete(self, id).await
    }

    async fn replace_menu(
        &self,
        place: MenuPlace,
        items: &[(MenuItemDraft, Vec<MenuItemDraft>)],
    ) -> Result<()> {
        menus::replace(self, place, items).await
    }

    async fn pages(&self) -> Result<Vec<StaticPage>> {
        pages::all(&self.pool).await
    }

    async fn page(&self, id: i64) -> Result<Option<StaticPage>> {
        pages::by_id(&self.pool, id).await
    }

    async fn page_by_slug(&self, slug: &Slug) -> Result<Option<StaticPage>> {
        pages::by_slug(&self.pool, slug).await
    }

    async fn save_page(&self, id: Option<i64>, page: &PageDraft) -> Result<i64> {
        pages::save(self, id, page).await
    }

    async fn delete_page(&self, id: i64) -> Result<()> {
        pages::delete(&self.pool, id).await
    }

    async fn terms(&self, kind: TermKind) -> Result<Vec<TermUsage>> {
        taxonomy::terms(&self.pool, kind).await
    }

    async fn published_terms(&self, kind: TermKind) -> Result<Vec<TermUsage>> {
        taxonomy::published_terms(&self.pool, kind).await
    }

    async fn create_term(&self, kind: TermKind, slug: &Slug, name: &str) -> Result<i64> {
        taxonomy::create_term(&self.pool, kind, slug, name).await
    }

    async fn update_term(&self, kind: TermKind, id: i64, slug: &Slug, name: &str) -> Result<()> {
        taxonomy::update_term(&self.pool, kind, id, slug, name).await
    }

    async fn delete_term(&self, kind: TermKind, id: i64) -> Result<()> {
        taxonomy::delete_term(self, kind, id).await
    }

    async fn add_comment(&self, comment: &NewComment) -> Result<Comment> {
        comments::add(&self.pool, comment).await
    }

    async fn comment(&self, id: i64) -> Result<Option<Comment>> {
        comments::by_id(&self.pool, id).await
    }

    async fn has_approved_comment(&self, email: &Email) -> Result<bool> {
        comments::has_approved(&self.pool, email).await
    }

    async fn is_duplicate_comment(
        &self,
        article_id: i64,
        email: &Email,
        body: &str,
    ) -> Result<bool> {
        comments::is_duplicate(&self.pool, article_id, email, body).await
    }

    async fn approved_comments(&self, article_id: i64) -> Result<Vec<Comment>> {
        comments::of_article(&self.pool, article_id, true).await
    }

    async fn approved_comment_list(
        &self,
        query: &kiosque_core::model::CommentQuery,
    ) -> Result<(Vec<Comment>, u64)> {
        comments::approved(&self.pool, query).await
    }

    async fn article_comments(&self, article_id: i64) -> Result<Vec<Comment>> {
        comments::of_article(&self.pool, article_id, false).await
    }

    async fn count_comments(&self, status: CommentStatus) -> Result<u64> {
        comments::count(&self.pool, status).await
    }

    async fn comments_with_status(&self, status: CommentStatus) -> Result<Vec<ModerationItem>> {
        comments::with_status(&self.pool, status).await
    }

    async fn comments_page(
        &self,
        status: CommentStatus,
        page: PageRequest,
    ) -> Result<kiosque_core::model::Page<ModerationItem>> {
        comments::page_with_status(&self.pool, status, page).await
    }

    async fn set_comment_status(&self, id: i64, status: CommentStatus) -> Result<()> {
        comments::set_status(&self.pool, id, status).await
    }

    async fn spam_counts(
        &self,
        tokens: &[String],
    ) -> Result<(
        std::collections::HashMap<String, kiosque_core::service::spam::TokenCounts>,
        kiosque_core::service::spam::Totals,
    )> {
        comments::spam_counts(&self.pool, tokens).await
    }

    async fn learn_spam(&self, comment_id: i64, tokens: &[String], is_spam: bool) -> Result<()> {
        comments::learn_spam(self, comment_id, tokens, is_spam).await
    }

    async fn delete_comment(&self, id: i64) -> Result<()> {
        comments::delete(self, id).await
    }
}
